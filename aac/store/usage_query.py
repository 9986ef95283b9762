"""Reading the usage log (report, `aac profile show`, tools) and erasing logged text.

Readers open the file read-only (``mode=ro``) so looking at a profile never creates or changes
its log.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
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
    return conn


def usage_counts(path: Path) -> dict[str, int]:
    """{"sessions", "selections", "messages", "errors"} row counts (zeros when no log)."""
    out = {"sessions": 0, "selections": 0, "messages": 0, "errors": 0}
    conn = open_readonly(path)
    if conn is None:
        return out
    try:
        for table in out:
            try:
                out[table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            except sqlite3.DatabaseError:  # missing table or damaged file: report zero
                pass
    finally:
        conn.close()
    return out


def integrity_check(path: Path) -> str:
    """SQLite's own consistency check: "ok" when the file is sound."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
    finally:
        conn.close()


def read_tables(path: Path, since: float | None = None, until: float | None = None,
                tables: Iterable[str] = TABLES) -> dict[str, list[dict[str, Any]]]:
    """Rows of each table as dicts, limited to ``since <= t < until`` (unix times) if given."""
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in tables}
    conn = open_readonly(path)
    if conn is None:
        return out
    time_col = {"sessions": "started", "selections": "t", "messages": "t", "errors": "t"}
    try:
        for table in out:
            where, args = [], []
            if table == "tile_usage":
                if since is not None:
                    where.append("day >= ?")
                    args.append(local_day(since))
                if until is not None:
                    where.append("day <= ?")
                    args.append(local_day(until - 0.001))
            else:
                col = time_col[table]
                if since is not None:
                    where.append(f"{col} >= ?")
                    args.append(since)
                if until is not None:
                    where.append(f"{col} < ?")
                    args.append(until)
            sql = f"SELECT * FROM {table}" + (" WHERE " + " AND ".join(where) if where else "")
            sql += " ORDER BY rowid"
            try:
                out[table] = [dict(r) for r in conn.execute(sql, args)]
            except sqlite3.OperationalError:
                out[table] = []
    finally:
        conn.close()
    return out


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
    try:
        conn = open_readonly(path)
    except _EXTRA_ERRORS:
        return {}
    if conn is None:
        return {}
    try:
        return {int(r[0]): str(r[1]) for r in conn.execute(
            "SELECT id, action FROM selections WHERE action IS NOT NULL") if isinstance(r[0], int)}
    except _EXTRA_ERRORS:
        return {}
    finally:
        conn.close()


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
    try:
        conn = open_readonly(path)
    except _EXTRA_ERRORS:
        return {}
    if conn is None:
        return {}
    try:
        return {r[0]: str(r[1]) for r in conn.execute(
            "SELECT id, kind FROM sessions WHERE kind IS NOT NULL AND kind NOT IN ('', 'use')")}
    except _EXTRA_ERRORS:
        return {}
    finally:
        conn.close()
