"""The usage log's SQLite file: schema, opening with the durability settings, damage handling.

Kept apart from the writer (usage_log.py) and the readers (usage_query.py) so each stays small;
see usage_log.py for why WAL + synchronous=FULL.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

#: 1: the first release. 2: sessions.kind (real use vs simulated/screenshot/benchmark runs),
#: selections.action (which action tile), tables events (dwell changes ...) and word_counts (the
#: "word statistics for my clinician" consent). A version-1 file is migrated in place when the
#: board next writes to it; readers treat a missing column as NULL (= real use).
SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,          -- unix time (s)
    ended REAL,                     -- NULL if the app stopped without ending it (crash/kill)
    source TEXT,                    -- input source: mouse, tobii, webcam, scan, ...
    calibration_deg REAL,           -- accuracy of the calibration in use, degrees (NULL unknown)
    dwell_ms REAL,                  -- dwell setting during the session
    language TEXT,
    layout TEXT,
    kind TEXT                       -- NULL or 'use': the person's own use; else 'simulated', 'screenshot', ...
);
CREATE TABLE IF NOT EXISTS selections(
    id INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    session_id INTEGER REFERENCES sessions(id),
    kind TEXT NOT NULL,             -- word, ending, chunk, letter, punct, space, phrase, action, page, ...
    slot INTEGER,                   -- suggestion slot on the board (word 0-4, ending 0-2)
    rank INTEGER,                   -- rank of the picked suggestion among those shown (0 = best)
    dwell_ms REAL,                  -- how long the dwell took
    latency_ms REAL,                -- prediction latency of the suggestions shown
    page TEXT,
    tile_id TEXT,                   -- only with text logging on (see module doc)
    text TEXT,                      -- only with text logging on
    action TEXT                     -- for kind 'action': which one (undo, pause, speak, ...); never message text
);
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    session_id INTEGER REFERENCES sessions(id),
    words INTEGER NOT NULL,
    chars INTEGER NOT NULL,
    selections INTEGER NOT NULL,    -- selections used to compose it
    seconds REAL,                   -- time to compose (first selection to finish)
    spoken INTEGER NOT NULL,        -- 1 spoken, 0 cleared/finished without speech
    text TEXT                       -- only with text logging on, else NULL
);
CREATE TABLE IF NOT EXISTS errors(
    id INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    session_id INTEGER REFERENCES sessions(id),
    kind TEXT NOT NULL              -- undo, delete_letter, delete_word, clear, false_activation_suspected, ...
);
CREATE TABLE IF NOT EXISTS tile_usage(
    day TEXT NOT NULL,              -- local date YYYY-MM-DD
    page TEXT NOT NULL,
    tile_id TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY(day, page, tile_id)
);
CREATE TABLE IF NOT EXISTS events(
    id INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    session_id INTEGER REFERENCES sessions(id),
    kind TEXT NOT NULL,             -- dwell_change (value = new dwell ms), ...
    value REAL,
    detail TEXT                     -- a short machine word (e.g. "adaptive", "caregiver"); never message text
);
CREATE TABLE IF NOT EXISTS word_counts(
    day TEXT NOT NULL,              -- local date YYYY-MM-DD
    kind TEXT NOT NULL,             -- 'word' (a word of a spoken message) or 'phrase' (a quick-phrase tile)
    item TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY(day, kind, item)
);
CREATE INDEX IF NOT EXISTS selections_t ON selections(t);
CREATE INDEX IF NOT EXISTS messages_t ON messages(t);
CREATE INDEX IF NOT EXISTS errors_t ON errors(t);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started);
"""

TABLES = ("sessions", "selections", "messages", "errors", "tile_usage")
#: Tables added in schema 2 (read separately so readers of TABLES keep their shape).
TABLES_V2 = ("events", "word_counts")
#: Columns added in schema 2 to version-1 tables: (table, column, SQL type).
ADDED_COLUMNS = (("sessions", "kind", "TEXT"), ("selections", "action", "TEXT"))


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the usage database with the durability settings above."""
    path = Path(path)
    fresh = not path.exists()
    if fresh:
        # create it 0600 before SQLite does (SQLite uses the umask)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=OFF")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchema(f"{path}: written by a newer version (schema {version}, this app knows "
                              f"{SCHEMA_VERSION}); the log is not written to")
        conn.executescript(SCHEMA)
        if version < SCHEMA_VERSION:
            _migrate(conn, version)
    except BaseException:
        conn.close()
        raise
    for suffix in ("", "-wal", "-shm"):
        try:
            os.chmod(str(path) + suffix, 0o600)
        except OSError:
            pass
    return conn


class NewerSchema(Exception):
    """The database was written by a newer version of the app."""


def _migrate(conn: sqlite3.Connection, from_version: int) -> None:
    """Bring an older schema up to SCHEMA_VERSION (version 0 = new file: nothing to do).

    1 -> 2 adds columns to existing tables (ALTER TABLE ... ADD COLUMN keeps every row; old
    sessions read as real use). The new tables were already created by SCHEMA.
    """
    conn.execute("BEGIN IMMEDIATE")
    for table, column, sql_type in ADDED_COLUMNS:
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                 (str(SCHEMA_VERSION),))
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created', ?)", (str(time.time()),))
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    conn.execute("COMMIT")


def set_aside_db(path: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm) out of the way; return the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = Path(f"{path}.corrupt-{stamp}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            os.replace(side, Path(str(target) + suffix))
    return target


def describe_error(exc: BaseException) -> str:
    """A caregiver-readable reason for a write failure."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "disk is full" in text:
        return "the disk is full"
    if (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)) or (
            "readonly" in text or "read-only" in text or "unable to open" in text):
        return "the profile folder cannot be written (read-only or no permission)"
    return f"{type(exc).__name__}: {exc}"


_CELL_RE = re.compile(r"(\d+)\s*,\s*(\d+)")


def tile_cell(tile_id: str) -> str | None:
    """The grid cell "ROW,COL" inside a tile id such as "main/2,3:phrase:I am in pain".

    Only the cell is kept for the heat map: the rest of a board's tile id can hold a quick
    phrase's text or a letter, which is message content.
    """
    m = _CELL_RE.search(tile_id)
    return f"{int(m.group(1))},{int(m.group(2))}" if m else None


def local_day(t: float) -> str:
    """The local calendar day of unix time ``t`` (tile_usage is counted per local day)."""
    return datetime.fromtimestamp(t).strftime("%Y-%m-%d")
