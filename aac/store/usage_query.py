"""Reading the usage log (report, `aac profile show`, tools) and erasing logged text.

Readers open the file read-only (``mode=ro``) so looking at a profile never creates or changes
its log.

A log can be damaged (a byte flip, a tool that wrote another schema, a hand edit), and the report
on it must still be a report (issue 20, finding 7). So reading never trusts the file: text is
decoded with replacement (invalid UTF-8 raised UnicodeDecodeError), every row is checked against
the columns and types the report uses (a text in a time column raised TypeError, a missing
column KeyError) and rows that cannot be used are left out and counted, SQLite's own
``quick_check`` runs first, and every problem becomes a sentence in ``read_log``'s warnings.
"""

from __future__ import annotations

import html
import math
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aac.store.usage_schema import TABLES, connect, local_day, tile_cell


def open_readonly(path: Path) -> sqlite3.Connection | None:
    """Open the log for reading without creating or changing it; None when there is none."""
    path = Path(path)
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.text_factory = _text  # a flipped byte in a text column must not stop a reader
    return conn


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


#: What reading a damaged log can raise. ValueError: SQLite's error messages quote the damaged
#: schema text and Python decodes them as strict UTF-8 (UnicodeDecodeError instead of sqlite3.Error).
_READ_ERRORS = (sqlite3.Error, ValueError)


def usage_counts(path: Path) -> dict[str, int]:
    """{"sessions", "selections", "messages", "errors"} row counts (zeros when no log)."""
    out = {"sessions": 0, "selections": 0, "messages": 0, "errors": 0}
    try:
        conn = open_readonly(path)
    except _READ_ERRORS:
        return out
    if conn is None:
        return out
    try:
        for table in out:
            try:
                out[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            except _READ_ERRORS:  # missing table or damaged file: report zero
                pass
    finally:
        conn.close()
    return out


def integrity_check(path: Path) -> str:
    """SQLite's own consistency check: "ok" when the file is sound (else what is wrong, in words)."""
    try:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    except _READ_ERRORS as exc:
        return str(exc)
    conn.text_factory = _text
    try:
        return "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall())
    except _READ_ERRORS as exc:
        return str(exc)
    finally:
        conn.close()


#: The columns the report reads, per table, with the type each must have: "time" (unix seconds,
#: required), "day" (YYYY-MM-DD text, required), "int"/"real"/"text" (None when missing or
#: unusable), and "int!"/"text!" (required in the schema: a row without a usable one is left out).
COLUMNS: dict[str, dict[str, str]] = {
    "sessions": {"id": "int", "started": "time", "ended": "time?", "source": "text", "calibration_deg": "real",
                 "dwell_ms": "real", "language": "text", "layout": "text", "kind": "text"},
    "selections": {"id": "int", "t": "time", "session_id": "int", "kind": "text!", "slot": "int", "rank": "int",
                   "dwell_ms": "real", "latency_ms": "real", "page": "text", "tile_id": "text", "text": "text",
                   "action": "text"},
    "messages": {"id": "int", "t": "time", "session_id": "int", "words": "int!", "chars": "int!",
                 "selections": "int!", "seconds": "real", "spoken": "int!", "text": "text"},
    "errors": {"id": "int", "t": "time", "session_id": "int", "kind": "text!"},
    "tile_usage": {"day": "day", "page": "text!", "tile_id": "text!", "count": "int!"},
}
#: Times outside this range cannot be shown as dates (year 9999 ends at 253402300799).
_T_MIN, _T_MAX = 0.0, 253_402_300_799.0


class _Unusable(Exception):
    pass


def _clean_value(kind: str, v: Any) -> Any:
    """``v`` as the report needs it, or raise _Unusable (a required value that cannot be used)."""
    base = kind.rstrip("!")
    if base in ("time", "time?", "real", "int"):
        num: float | None = None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            try:
                num = float(v)
            except OverflowError:
                num = None
        if num is not None and not math.isfinite(num):
            num = None
        if base in ("time", "time?"):
            if num is None or not (_T_MIN <= num <= _T_MAX):
                if base == "time?":
                    return None
                raise _Unusable
            return num
        if base == "int":
            if num is None or abs(num) > 2**53:
                if kind.endswith("!"):
                    raise _Unusable
                return None
            return int(num)
        return num
    if base == "day":
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" and v.replace("-", "").isdigit():
            return v
        raise _Unusable
    if v is None:
        if kind.endswith("!"):
            raise _Unusable
        return None
    return v if isinstance(v, str) else str(v)


def _day_bound(t: float, end: bool = False) -> str:
    try:
        return local_day(t)
    except (ValueError, OverflowError, OSError):
        return "9999-12-31" if end else "0000-01-01"


def read_log(path: Path, since: float | None = None, until: float | None = None,
             tables: Iterable[str] = TABLES) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Rows of each table (``since <= t < until``, unix times) and warnings about the file, in words.

    Never raises for a damaged file: what cannot be read is left out and said in a warning.
    """
    tables = list(tables)
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in tables}
    warnings: list[str] = []
    path = Path(path)
    if not path.exists():
        return out, warnings
    try:
        conn = open_readonly(path)
        assert conn is not None
    except _READ_ERRORS as exc:
        return out, [f"the usage log {path.name} cannot be opened ({exc}); move it aside to start a new log"]
    try:
        try:
            check = "; ".join(str(r[0]) for r in conn.execute("PRAGMA quick_check(5)").fetchall())
        except _READ_ERRORS as exc:  # not a database at all, or its header is gone
            return out, [f"the usage log {path.name} cannot be read ({exc}); nothing from it is in this report - "
                         "keep a copy and move it aside to start a new log"]
        if check != "ok":
            warnings.append(f"the usage log {path.name} fails SQLite's integrity check ({check[:200]}); "
                            "figures may be incomplete - keep a copy and move it aside to start a new log")
        for table in tables:
            rows, problems = _read_table(conn, table, since, until)
            out[table] = rows
            warnings += problems
    finally:
        conn.close()
    return out, warnings


def _read_table(conn: sqlite3.Connection, table: str, since: float | None,
                until: float | None) -> tuple[list[dict[str, Any]], list[str]]:
    spec = COLUMNS.get(table, {})
    try:
        have = {str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})").fetchall()}
    except _READ_ERRORS as exc:
        return [], [f"table {table} cannot be read ({exc})"]
    if not have:
        return [], [f"table {table} is missing from the usage log"] if table in COLUMNS else []
    required = [c for c, k in spec.items() if k in ("time", "day") or k.endswith("!")]
    missing = [c for c in required if c not in have]
    if missing:
        return [], [f"table {table} has another layout (no column {', '.join(missing)}); it was left out"]
    cols = [c for c in spec if c in have]
    where, args = [], []
    time_col = next((c for c, k in spec.items() if k in ("time", "day")), None)
    if time_col == "day":
        if since is not None:
            where.append("day >= ?")
            args.append(_day_bound(since))
        if until is not None:
            where.append("day <= ?")
            args.append(_day_bound(until - 0.001, end=True))
    elif time_col is not None:
        if since is not None:
            where.append(f"(typeof({time_col}) NOT IN ('integer', 'real') OR {time_col} >= ?)")
            args.append(since)
        if until is not None:
            where.append(f"(typeof({time_col}) NOT IN ('integer', 'real') OR {time_col} < ?)")
            args.append(until)
    sql = f"SELECT {', '.join(cols)} FROM {table}" + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY rowid"
    rows: list[dict[str, Any]] = []
    dropped = 0
    problems: list[str] = []
    try:
        for raw in conn.execute(sql, args):
            try:
                row = {c: _clean_value(spec[c], raw[c]) for c in cols}
            except _Unusable:
                dropped += 1
                continue
            for c in spec:
                row.setdefault(c, None)
            rows.append(row)
    except _READ_ERRORS as exc:
        problems.append(f"table {table}: reading stopped after {len(rows)} rows ({exc})")
    if dropped:
        problems.append(f"table {table}: {dropped} damaged row(s) (a time or count that is not a number) "
                        "were left out")
    return rows, problems


def day_bound_timestamp(dt: datetime, end: bool = False) -> float:
    """Local ``dt`` (naive or aware) as unix time; ``end`` moves it to the next day (inclusive end).

    Dates at the ends of the calendar (``--since 0001-01-01``, ``--until 9999-12-31``) have no
    local timestamp (ValueError "year 0 is out of range", OverflowError); they are counted from
    1970 in UTC instead, which keeps their order and selects the same rows.
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone().replace(tzinfo=None)
    epoch = datetime(1970, 1, 1)
    if end:
        try:
            dt = dt + timedelta(days=1)
        except OverflowError:  # the day after 9999-12-31
            return (datetime.max - epoch).total_seconds() + 1.0
    try:
        return dt.timestamp()
    except (ValueError, OverflowError, OSError):
        return (dt - epoch).total_seconds()  # order kept; no log holds such a time anyway


def warnings_html(warnings: list[str]) -> str:
    """The report's warning box about a damaged log (escaped: the text comes from the file)."""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return ('<div class="warning" style="border:3px solid #b00;background:#fff3f3;padding:.6em 1em;'
            'margin:1em 0"><b>Warning: the usage log is damaged.</b> The figures below leave out what '
            f"could not be read.<ul>{items}</ul></div>")


def read_tables(path: Path, since: float | None = None, until: float | None = None,
                tables: Iterable[str] = TABLES) -> dict[str, list[dict[str, Any]]]:
    """Rows of each table as dicts, limited to ``since <= t < until`` (unix times) if given.

    Damaged rows are left out (see ``read_log``, which also says what was wrong).
    """
    return read_log(path, since, until, tables)[0]


def purge_text(path: Path) -> int:
    """Erase every stored message text and text-bearing tile id from the log; return rows changed.

    For a person who turns text logging off and wants what was logged before gone too. Besides
    NULLing the columns, the file is VACUUMed and the WAL truncated so the old text does not
    linger in free pages (checked by grepping the files' bytes in the tests).
    """
    path = Path(path)
    if not path.exists():
        return 0
    conn = connect(path)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("BEGIN IMMEDIATE")
        changed = conn.execute("UPDATE selections SET text=NULL, tile_id=NULL "
                               "WHERE text IS NOT NULL OR tile_id IS NOT NULL").rowcount
        changed += conn.execute("UPDATE messages SET text=NULL WHERE text IS NOT NULL").rowcount
        for day, page, tile, count in conn.execute("SELECT day, page, tile_id, count FROM tile_usage").fetchall():
            cell = tile_cell(tile) or "other"
            if cell != tile:
                conn.execute("DELETE FROM tile_usage WHERE day=? AND page=? AND tile_id=?", (day, page, tile))
                conn.execute("INSERT INTO tile_usage(day, page, tile_id, count) VALUES (?,?,?,?) "
                             "ON CONFLICT(day, page, tile_id) DO UPDATE SET count=count+excluded.count",
                             (day, page, cell, count))
                changed += 1
        conn.execute("COMMIT")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return changed


#: What reading a damaged log can raise besides sqlite3.Error: SQLite's error text quoting a
#: damaged schema is decoded as strict UTF-8 (UnicodeDecodeError, a ValueError).
_EXTRA_ERRORS = (sqlite3.Error, ValueError)


def read_extra(path: Path, since: float | None = None, until: float | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows of the schema-2 tables (events, word_counts) within ``since <= t < until``.

    Kept apart from read_tables so its callers keep the five tables they know; a version-1 log
    (no such tables yet) or a damaged one gives empty lists (never raises).
    """
    out: dict[str, list[dict[str, Any]]] = {"events": [], "word_counts": []}
    try:
        conn = open_readonly(path)
    except _EXTRA_ERRORS:
        return out
    if conn is None:
        return out
    try:
        for table, col, lo, hi in (("events", "t", since, until),
                                   ("word_counts", "day", None if since is None else local_day(since),
                                    None if until is None else local_day(until - 0.001))):
            where, args = [], []
            if lo is not None:
                where.append(f"{col} >= ?")
                args.append(lo)
            if hi is not None:
                where.append(f"{col} {'<' if table == 'events' else '<='} ?")
                args.append(hi)
            sql = f"SELECT * FROM {table}" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY rowid"
            try:
                rows = [dict(r) for r in conn.execute(sql, args)]
            except _EXTRA_ERRORS:
                rows = []
            if table == "events":
                rows = [r for r in rows if isinstance(r.get("t"), (int, float)) and isinstance(r.get("kind"), str)]
            else:
                rows = [r for r in rows if isinstance(r.get("item"), str) and isinstance(r.get("count"), int)
                        and isinstance(r.get("day"), str)]
            out[table] = rows
    finally:
        conn.close()
    return out


def read_actions(path: Path) -> dict[int, str]:
    """{selection id: action name} for action selections (schema 2; empty for older or damaged logs).

    For readers that select a fixed list of columns: the report joins the action names back on.
    """
    rows = _pairs(path, "SELECT id, action FROM selections WHERE action IS NOT NULL")
    return {int(k): str(v) for k, v in rows if isinstance(k, int)}


def is_real_use(session: dict[str, Any]) -> bool:
    """A session of the person's own use (old logs have no ``kind``: all their sessions are)."""
    return session.get("kind") in (None, "", "use")


def real_use_only(rows: dict[str, list[dict[str, Any]]],
                  marked: Iterable[int] | None = None) -> dict[str, list[dict[str, Any]]]:
    """``rows`` without the sessions marked simulated/screenshot/benchmark and their events.

    Rows whose session is not in ``rows`` (outside the period, or logged without a session) are
    kept: only what is known to belong to a marked session is dropped.
    """
    marked = set(marked or ()) | {s["id"] for s in rows.get("sessions", []) if not is_real_use(s)}
    if not marked:
        return rows
    out = dict(rows)
    out["sessions"] = [s for s in rows["sessions"] if s["id"] not in marked]
    for table in ("selections", "messages", "errors", "events"):
        if table in rows:
            out[table] = [r for r in rows[table] if r.get("session_id") not in marked]
    return out


def marked_sessions(path: Path) -> dict[int, str]:
    """{session id: kind} of every marked (not real use) session in the log, over all time.

    A marked session that started before ``since`` can still have events inside the period, so
    the report drops events by session id against this full list. Never raises (a version-1 log
    has no kind column: every session is real use).
    """
    return {k: str(v) for k, v in _pairs(path, "SELECT id, kind FROM sessions WHERE kind IS NOT NULL AND kind NOT IN ('', 'use')")}


def _pairs(path: Path, sql: str) -> list[tuple[Any, Any]]:
    """The (key, value) rows of one two-column query on the log, or [] when the file is missing,
    damaged or of an older schema: these readers never raise."""
    try:
        conn = open_readonly(path)
    except _EXTRA_ERRORS:
        return []
    if conn is None:
        return []
    try:
        return [(r[0], r[1]) for r in conn.execute(sql)]
    except _EXTRA_ERRORS:
        return []
    finally:
        conn.close()
