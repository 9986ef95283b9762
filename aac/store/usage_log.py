"""The private usage log: what was selected and when, for the clinician's report.

One SQLite database per profile (``usage.sqlite``), written by one background thread. The UI
thread only puts a tuple on a queue (never waits for the disk); the writer drains the queue in
batches, one transaction per batch.

Durability: WAL journal with ``synchronous=FULL``. In WAL mode a committed transaction is in the
-wal file before COMMIT returns, so a SIGKILL of the app never loses it (NORMAL would already give
that); FULL adds an fsync of the WAL per commit so a power cut (a wheelchair laptop whose battery
dies) does not lose the last rows either. The cost is one fsync per batch, on the writer thread.
Rows still in the queue when the process dies were never committed; ``flush()`` waits for them.

Privacy: message text is stored only when the profile has ``text_logging`` on, and it is dropped
before it reaches the queue otherwise. A selected word is message text too, so selections keep
kind/slot/rank but no text. A letter tile's position plus its time would spell the message, so
per-selection ``tile_id`` is stored only with text logging on; the tile heat map instead uses
``tile_usage``, a per-day count per grid cell ("ROW,COL" extracted from the tile id, because a
board's tile id can contain a quick phrase's text) that carries no order.

Faults: a full disk or read-only profile never stops the writer or the board. Failed batches are
kept in memory (bounded) and retried; ``status`` says what is wrong in words for the caregiver and
is "" when all is well. A damaged database file is set aside (renamed) and a fresh one started.

Real use only: a log opened with ``session_kind`` other than "use" (``aac simulate --log-as-use``)
marks its sessions with that kind, so the report can leave them out; such a log never adds to the
per-day ``tile_usage`` or ``word_counts`` tables (they carry no session to filter by).

Word statistics ("word statistics for my clinician", settings.word_statistics, off by default): a
separate consent from text logging. With it on, each spoken message adds its words to
``word_counts`` (per local day, count only, no order, no message boundaries) and a quick-phrase
tile adds its label as a phrase; the message itself is never stored. With text logging on too the
report reads words from the stored messages instead.

The schema and file handling live in usage_schema.py, the readers (report, counts, integrity,
purge) in usage_query.py; both are re-exported here.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import queue
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from aac.kinds import UsageKind
from aac.store.usage_query import (  # noqa: F401 - re-exported: part of the documented API
    integrity_check,
    open_readonly,
    purge_text,
    read_extra,
    read_tables,
    real_use_only,
    usage_counts,
)
from aac.store.usage_schema import (  # noqa: F401 - re-exported: part of the documented API
    SCHEMA_VERSION,
    TABLES,
    TABLES_V2,
    NewerSchema,
    connect,
    describe_error,
    local_day,
    set_aside_db,
    tile_cell,
)

log = logging.getLogger(__name__)

#: Ops kept in memory while the disk refuses writes; beyond this the oldest are dropped (counted).
MAX_PENDING = 50_000
#: Ops per transaction (one fsync each).
BATCH_MAX = 500
#: Session kinds: "use" is the person's own use; the others are runs the report leaves out by default.
SESSION_KINDS = ("use", "simulated", "screenshot", "benchmark")
#: Characters kept of an action tile's name (they are fixed words such as undo, pause, speak).
_ACTION_MAX = 40


class UsageLog:
    """Background writer for one profile's usage log. Every public method returns at once.

    ``UsageLog(profile)`` takes a ``Profile`` (text logging follows its live settings) or a
    path to a profile folder / .sqlite file (then pass ``text_logging``). All methods take an
    optional ``t`` (unix time) so simulations and imports can place events in time.
    ``session_kind`` marks every session this log starts (see SESSION_KINDS); ``word_stats``
    overrides the profile's word-statistics consent (like ``text_logging``).
    """

    def __init__(self, profile: Any, text_logging: bool | None = None, retry_s: float = 2.0,
                 session_kind: str = "use", word_stats: bool | None = None) -> None:
        if session_kind not in SESSION_KINDS:
            raise ValueError(f"session_kind must be one of {', '.join(SESSION_KINDS)}, not {session_kind!r}")
        self.session_kind = session_kind
        self._word_stats = word_stats
        self._profile = profile if hasattr(profile, "settings") else None
        if self._profile is not None:
            db = Path(profile.dir) / "usage.sqlite"
        else:
            db = Path(profile)
            if db.suffix != ".sqlite":
                db = db / "usage.sqlite"
        self.path = db
        self._text_logging = text_logging
        self._retry_s = retry_s
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.status = ""
        self.committed = 0  # rows committed so far (all tables)
        self.dropped = 0  # ops lost because the disk refused them for too long
        self._session_id: int | None = None
        self._thread = threading.Thread(target=self._run, name="aac-usage-log", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    # ---------------------------------------------------------------- public API (UI thread)
    @property
    def text_logging(self) -> bool:
        if self._text_logging is not None:
            return bool(self._text_logging)
        if self._profile is not None:
            return bool(getattr(self._profile.settings, "text_logging", False))
        return False

    @property
    def word_stats(self) -> bool:
        """Whether selected words are counted (the "word statistics for my clinician" consent)."""
        if self._word_stats is not None:
            return bool(self._word_stats)
        if self._profile is not None:
            return bool(getattr(self._profile.settings, "word_statistics", False))
        return False

    @property
    def real_use(self) -> bool:
        return self.session_kind == "use"

    def start_session(self, source: str, dwell_ms: float | None, calibration_deg: float | None,
                      language: str | None, layout: str | None = None, t: float | None = None) -> None:
        """A board session begins (the previous one, if still open, is ended at this time)."""
        self._put(("session", _t(t), _s(source), _f(dwell_ms), _f(calibration_deg), _s(language), _s(layout),
                   None if self.real_use else self.session_kind))

    def end_session(self, t: float | None = None) -> None:
        self._put(("end_session", _t(t)))

    def selection(self, kind: str, slot: int | None = None, rank: int | None = None,
                  dwell_ms: float | None = None, latency_ms: float | None = None,
                  tile_id: str | None = None, page: str | None = None, text: str | None = None,
                  t: float | None = None) -> None:
        """One activation. ``text`` (the chosen word etc.) is kept only with text logging on."""
        t = _t(t)
        keep = self.text_logging
        k = _s(kind) or "unknown"
        action = action_of(tile_id) if k in (UsageKind.ACTION, UsageKind.HISTORY) else None
        self._put(("selection", t, k, _i(slot), _i(rank), _f(dwell_ms), _f(latency_ms),
                   _s(page), _s(tile_id) if keep else None, _s(text) if keep else None, action))
        if k == UsageKind.PHRASE and isinstance(text, str) and text.strip() and self.word_stats and self.real_use:
            self._put(("words", local_day(t), "phrase", [text.strip()[:200]]))
        if tile_id is not None and self.real_use:
            cell = tile_cell(str(tile_id))
            self._put(("tile", local_day(t), _s(page) or "", cell or (_s(tile_id) if keep else "other")))

    def message(self, text: str | None, words: int | None = None, chars: int | None = None,
                selections: int = 0, seconds: float | None = None, spoken: bool = True,
                t: float | None = None) -> None:
        """A finished message. Counts are derived from ``text`` when not given; the text itself
        is stored only with text logging on."""
        body = text if isinstance(text, str) else ""
        if words is None:
            words = len(body.split())
        if chars is None:
            chars = len(body.strip())
        keep = self.text_logging and isinstance(text, str)
        t = _t(t)
        self._put(("message", t, _i(words) or 0, _i(chars) or 0, _i(selections) or 0, _f(seconds),
                   1 if spoken else 0, text if keep else None))
        if body and spoken and self.word_stats and self.real_use:
            from aac.store.language_measures import words_of

            found = words_of(body)
            if found:
                self._put(("words", local_day(t), "word", found))

    def event(self, kind: str, value: float | None = None, detail: str | None = None,
              t: float | None = None) -> None:
        """Something that changed how the board works, e.g. ``event("dwell_change", 850,
        "adaptive")`` when the adaptive dwell (or a caregiver) sets a new dwell time."""
        self._put(("event", _t(t), _s(kind) or "unknown", _f(value), _s(detail)[:40] if detail else None))

    def recorded_message(self, text: str | None = None, tile_id: str | None = None, page: str | None = None,
                         t: float | None = None) -> None:
        """The person's own recording was played instead of synthesis (aac/speech/bank.py): logged
        as a selection of kind "recorded message". Its words are kept only with text logging on,
        exactly like any other selection's text."""
        self.selection(UsageKind.RECORDED_MESSAGE, tile_id=tile_id, page=page, text=text, t=t)

    def error(self, kind: str, t: float | None = None) -> None:
        """A correction or suspected mistake: undo, delete_letter, delete_word, clear,
        false_activation_suspected, ..."""
        self._put(("error", _t(t), _s(kind) or "unknown"))

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything queued so far is committed (for shutdown, tests, kill tests).
        Returns False on timeout or while the disk refuses writes."""
        done = threading.Event()
        result: list[bool] = []
        self._q.put(("flush", done, result))
        if not done.wait(timeout):
            return False
        return bool(result and result[0])

    def close(self, timeout: float = 10.0) -> bool:
        """End an open session, commit what is queued and stop the writer."""
        with self._lock:
            if self._closed:
                return True
            self._closed = True
        self._q.put(("end_session_if_open", time.time()))
        ok = self.flush(timeout)
        self._q.put(("stop",))
        self._thread.join(timeout)
        return ok

    def __enter__(self) -> UsageLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _put(self, op: tuple) -> None:
        if not self._closed:
            self._q.put(op)

    # ------------------------------------------------------------------ writer thread
    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        pending: list[tuple] = []
        waiters: list[tuple] = []
        stop = False
        next_retry = 0.0
        while not stop:
            timeout = None if not pending else max(0.05, next_retry - time.monotonic())
            try:
                op = self._q.get(timeout=timeout)
                ops = [op]
                while len(ops) < BATCH_MAX:
                    try:
                        ops.append(self._q.get_nowait())
                    except queue.Empty:
                        break
            except queue.Empty:
                ops = []
            for op in ops:
                if op[0] == "flush":
                    waiters.append(op)
                elif op[0] == "stop":
                    stop = True
                elif (op[0] in ("end_session", "end_session_if_open") and self._session_id is None
                      and not any(p[0] == "session" for p in pending)):
                    continue  # nothing to end: a log that was opened and closed unused creates no file
                else:
                    pending.append(op)
            if len(pending) > MAX_PENDING:
                over = len(pending) - MAX_PENDING
                self.dropped += over
                pending = pending[over:]
            if pending and (time.monotonic() >= next_retry or stop or waiters):
                if conn is None:
                    conn = self._open()
                if conn is not None:
                    ok = self._write(conn, pending)
                    if ok:
                        pending = []
                    # Close after every batch: SQLite memory-maps the WAL index (-shm) while a
                    # connection is open, and a write through that map after the profile became
                    # read-only or the disk filled kills the whole board with SIGBUS. Closing
                    # checkpoints and removes -wal/-shm, so a broken disk shows up as a clean
                    # error at the next open instead.
                    try:
                        conn.close()
                    except sqlite3.Error:
                        pass
                    conn = None
                if pending:
                    next_retry = time.monotonic() + self._retry_s
            for _, event, result in waiters:
                result.append(not pending)
                event.set()
            waiters = []
        if conn is not None:
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass
            conn.close()

    def _open(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                return connect(self.path)
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # UnicodeDecodeError: SQLite's
                # message quoting a damaged schema, decoded strictly by Python (issue 20)
                if isinstance(exc, sqlite3.OperationalError):
                    raise
                moved = set_aside_db(self.path)
                log.warning("usage log %s damaged (%s); set aside as %s", self.path, exc, moved.name)
                conn = connect(self.path)
                self.status = f"Usage log was damaged and has been set aside as {moved.name}; a new log was started."
                return conn
        except NewerSchema as exc:
            self.status = str(exc)
        except (sqlite3.Error, OSError) as exc:
            status = self._failure_status(exc)
            if status != self.status:
                log.warning("usage log: %s", exc)
            self.status = status
        return None

    def _write(self, conn: sqlite3.Connection, ops: list[tuple]) -> bool:
        session_before = self._session_id
        rows = 0
        try:
            conn.execute("BEGIN IMMEDIATE")
            for op in ops:
                rows += self._apply(conn, op)
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._session_id = session_before
            status = self._failure_status(exc)
            if status != self.status:  # say it once, not at every retry
                log.warning("usage log write failed: %s", exc)
            self.status = status
            return False
        self.committed += rows
        if self.status.startswith("Usage log not saved"):
            self.status = ""
        return True

    def _failure_status(self, exc: BaseException) -> str:
        reason = describe_error(exc)
        if "disk i/o error" in str(exc).lower() and _disk_is_full(self.path.parent):
            reason = "the disk is full"  # SQLite reports a full disk as I/O error when opening -shm
        status = f"Usage log not saved: {reason}. The board keeps working; retrying."
        if self.dropped:
            status += f" {self.dropped} older events could not be kept."
        return status

    def _apply(self, conn: sqlite3.Connection, op: tuple) -> int:
        kind = op[0]
        if kind == "session":
            _, t, source, dwell, cal, lang, layout, session_kind = op
            n = 0
            if self._session_id is not None:
                conn.execute("UPDATE sessions SET ended=? WHERE id=? AND ended IS NULL", (t, self._session_id))
            cur = conn.execute(
                "INSERT INTO sessions(started, source, calibration_deg, dwell_ms, language, layout, kind) "
                "VALUES (?,?,?,?,?,?,?)", (t, source, cal, dwell, lang, layout, session_kind))
            self._session_id = cur.lastrowid
            return n + 1
        if kind in ("end_session", "end_session_if_open"):
            if self._session_id is not None:
                conn.execute("UPDATE sessions SET ended=? WHERE id=? AND ended IS NULL", (op[1], self._session_id))
                self._session_id = None
            return 0
        if kind == "selection":
            _, t, k, slot, rank, dwell, lat, page, tile, text, action = op
            conn.execute(
                "INSERT INTO selections(t, session_id, kind, slot, rank, dwell_ms, latency_ms, page, tile_id, text,"
                " action) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (t, self._session_id, k, slot, rank, dwell, lat, page, tile, text, action))
            return 1
        if kind == "words":
            _, day, item_kind, items = op
            for item in items:
                conn.execute(
                    "INSERT INTO word_counts(day, kind, item, count) VALUES (?,?,?,1) "
                    "ON CONFLICT(day, kind, item) DO UPDATE SET count=count+1", (day, item_kind, item))
            return 0
        if kind == "event":
            _, t, k, value, detail = op
            conn.execute("INSERT INTO events(t, session_id, kind, value, detail) VALUES (?,?,?,?,?)",
                         (t, self._session_id, k, value, detail))
            return 1
        if kind == "tile":
            _, day, page, tile = op
            conn.execute(
                "INSERT INTO tile_usage(day, page, tile_id, count) VALUES (?,?,?,1) "
                "ON CONFLICT(day, page, tile_id) DO UPDATE SET count=count+1", (day, page, tile))
            return 0
        if kind == "message":
            _, t, words, chars, sels, secs, spoken, text = op
            conn.execute(
                "INSERT INTO messages(t, session_id, words, chars, selections, seconds, spoken, text)"
                " VALUES (?,?,?,?,?,?,?,?)", (t, self._session_id, words, chars, sels, secs, spoken, text))
            return 1
        if kind == "error":
            conn.execute("INSERT INTO errors(t, session_id, kind) VALUES (?,?,?)", (op[1], self._session_id, op[2]))
            return 1
        return 0


#: Logs not yet closed; at interpreter exit their queued rows are committed (the writer thread is a
#: daemon so it never keeps a crashed board's process alive, which means exit must flush it).
_LIVE: weakref.WeakSet[UsageLog] = weakref.WeakSet()


@atexit.register
def _flush_all_at_exit() -> None:
    for log_ in list(_LIVE):
        if not log_._closed:
            log_.flush(timeout=3.0)


def action_of(tile_id: Any) -> str | None:
    """The action name in a tile id such as "main/5,1:action:undo" (None if there is none).

    Action names are the board's fixed commands (undo, pause, speak ...), not message content,
    so they are kept without text logging; anything that does not look like one is dropped.
    """
    if isinstance(tile_id, str) and ":history:" in tile_id:
        return "history"  # a recorded message said again (its key is the message: never kept)
    if not isinstance(tile_id, str) or ":action:" not in tile_id:
        return None
    name = tile_id.split(":action:", 1)[1].split("#", 1)[0].strip()
    if not name or len(name) > _ACTION_MAX or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in name):
        return None
    return name


# ---------------------------------------------------------------------- small coercions
# The log must never raise into the UI thread, so arguments are coerced, not checked.
def _t(t: float | None) -> float:
    try:
        return float(t) if t is not None else time.time()
    except (TypeError, ValueError):
        return time.time()


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:200]


def _i(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError, OverflowError):
        return None


def _f(value: Any) -> float | None:
    try:
        v = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    if v is not None and math.isnan(v):
        return None
    return v


def _disk_is_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024
