"""The usage log: written off the caller's thread, WAL, integrity, privacy of message text."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import threading
import time

from aac.store.profile import Profile
from aac.store.usage_log import (
    SCHEMA_VERSION,
    UsageLog,
    integrity_check,
    read_tables,
    usage_counts,
)

SENTINEL = "zebrafinchwobble"


def fill(log: UsageLog, text: str = f"I want {SENTINEL} now") -> None:
    log.start_session("mouse", 1000, 2.5, "en", layout="default")
    for i, kind in enumerate(["word", "letter", "ending"]):
        log.selection(kind, slot=i, rank=i, dwell_ms=1000 + i, latency_ms=60.0, tile_id=f"main/0,{i}:phrase:{SENTINEL}",
                      page="main", text=SENTINEL)
    log.error("undo")
    log.message(text, selections=3, seconds=12.5, spoken=True)
    log.end_session()


def db_bytes(prof: Profile) -> bytes:
    return b"".join(p.read_bytes() for p in prof.dir.glob("usage.sqlite*"))


def test_writes_from_thread_and_reads_back(tmp_path):
    prof = Profile.open(tmp_path / "p")
    log = UsageLog(prof)
    t = threading.Thread(target=fill, args=(log,))
    t.start()
    t.join()
    assert log.flush()
    rows = read_tables(prof.usage_db)
    assert len(rows["sessions"]) == 1 and rows["sessions"][0]["ended"] is not None
    assert rows["sessions"][0]["calibration_deg"] == 2.5 and rows["sessions"][0]["layout"] == "default"
    assert [r["kind"] for r in rows["selections"]] == ["word", "letter", "ending"]
    assert {r["session_id"] for r in rows["selections"]} == {rows["sessions"][0]["id"]}
    m = rows["messages"][0]
    assert (m["words"], m["chars"], m["selections"], m["seconds"], m["spoken"]) == (4, len(f"I want {SENTINEL} now"), 3, 12.5, 1)
    assert rows["errors"][0]["kind"] == "undo"
    assert sum(r["count"] for r in rows["tile_usage"]) == 3
    assert usage_counts(prof.usage_db) == {"sessions": 1, "selections": 3, "messages": 1, "errors": 1}
    assert log.committed == 6 and log.status == ""
    log.close()


def test_wal_mode_synchronous_integrity_permissions(tmp_path):
    prof = Profile.open(tmp_path / "p")
    log = UsageLog(prof)
    fill(log)
    log.close()
    conn = sqlite3.connect(prof.usage_db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    assert integrity_check(prof.usage_db) == "ok"
    for p in prof.dir.glob("usage.sqlite*"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_no_text_when_logging_off(tmp_path):
    prof = Profile.open(tmp_path / "p")
    assert prof.settings.text_logging is False
    log = UsageLog(prof)
    fill(log)
    log.close()
    rows = read_tables(prof.usage_db)
    assert rows["messages"][0]["text"] is None
    assert all(r["text"] is None and r["tile_id"] is None for r in rows["selections"])
    assert sorted(r["tile_id"] for r in rows["tile_usage"]) == ["0,0", "0,1", "0,2"]  # cell only
    assert SENTINEL.encode() not in db_bytes(prof)


def test_text_kept_when_opted_in(tmp_path):
    prof = Profile.open(tmp_path / "p")
    prof.set("text_logging", True)
    log = UsageLog(prof)
    fill(log)
    log.close()
    rows = read_tables(prof.usage_db)
    assert SENTINEL in rows["messages"][0]["text"]
    assert rows["selections"][0]["text"] == SENTINEL
    assert rows["selections"][0]["tile_id"] == f"main/0,0:phrase:{SENTINEL}"


def test_opt_out_takes_effect_immediately(tmp_path):
    prof = Profile.open(tmp_path / "p")
    prof.set("text_logging", True)
    log = UsageLog(prof)
    prof.set("text_logging", False)  # the settings screen turns it off mid-session
    fill(log)
    log.close()
    assert SENTINEL.encode() not in db_bytes(prof)


def test_caller_never_blocks_while_db_locked(tmp_path):
    prof = Profile.open(tmp_path / "p")
    log = UsageLog(prof, retry_s=0.05)
    log.selection("letter")
    assert log.flush()
    blocker = sqlite3.connect(prof.usage_db, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    worst = 0.0
    for _ in range(2000):
        s = time.perf_counter()
        log.selection("word", slot=1, rank=0)
        worst = max(worst, time.perf_counter() - s)
    assert worst < 0.05  # generous: enqueue is microseconds even while the writer waits on the lock
    blocker.rollback()
    blocker.close()
    assert log.flush(30)
    assert usage_counts(prof.usage_db)["selections"] == 2001
    log.close()


def test_unwritable_path_reports_status_and_recovers(tmp_path):
    blocker = tmp_path / "p"
    blocker.write_text("a file where the profile folder should be")
    log = UsageLog(blocker / "usage.sqlite", text_logging=False, retry_s=0.05)
    log.start_session("mouse", 1000, None, "en")
    log.selection("word", slot=0, rank=0)
    assert not log.flush(0.5)
    assert "cannot be written" in log.status or "not saved" in log.status
    blocker.unlink()  # the caregiver frees the path: rows queued meanwhile are written
    deadline = time.time() + 5
    while not log.flush(0.5) and time.time() < deadline:
        pass
    assert log.status == ""
    assert usage_counts(blocker / "usage.sqlite")["selections"] == 1
    log.close()


def test_damaged_db_set_aside(tmp_path):
    prof = Profile.open(tmp_path / "p")
    prof.usage_db.write_bytes(b"this is not a database" * 100)
    log = UsageLog(prof)
    log.selection("letter")
    assert log.flush()
    assert "set aside" in log.status
    assert list(prof.dir.glob("usage.sqlite.corrupt-*"))
    assert usage_counts(prof.usage_db)["selections"] == 1
    log.close()


def test_time_window(tmp_path):
    prof = Profile.open(tmp_path / "p")
    log = UsageLog(prof)
    for day in range(5):
        log.selection("word", t=1_700_000_000 + day * 86400)
    log.close()
    rows = read_tables(prof.usage_db, since=1_700_000_000 + 86400, until=1_700_000_000 + 3 * 86400)
    assert len(rows["selections"]) == 2


def test_bad_arguments_never_raise(tmp_path):
    log = UsageLog(tmp_path / "x.sqlite", text_logging=False)
    log.selection(None, slot="x", rank=float("nan"), dwell_ms="slow", latency_ms=float("nan"), t="soon")
    log.message(None, selections=None, seconds="?")
    log.error(12)
    assert log.flush()
    rows = read_tables(tmp_path / "x.sqlite")
    assert rows["selections"][0]["kind"] == "unknown" and rows["selections"][0]["slot"] is None
    assert rows["messages"][0]["words"] == 0 and rows["errors"][0]["kind"] == "12"
    log.close()


def test_exit_without_close_commits_queued_rows(tmp_path):
    code = (f"from aac.store.profile import Profile\nfrom aac.store.usage_log import UsageLog\n"
            f"p = Profile.open({str(tmp_path / 'p')!r})\nlog = UsageLog(p)\n"
            f"for i in range(500): log.selection('letter')\np.draft_writer.submit('bye now')\n")
    r = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    prof = Profile.open(tmp_path / "p")
    assert prof.load_draft() == "bye now"
    assert len(read_tables(prof.usage_db)["selections"]) == 500


def test_purge_text_erases_bytes(tmp_path):
    from aac.store.usage_log import purge_text

    prof = Profile.open(tmp_path / "p")
    prof.set("text_logging", True)
    log = UsageLog(prof)
    fill(log)
    log.selection("phrase", tile_id=f"{SENTINEL} tile", page="quick")  # no grid cell: kept whole while opted in
    log.close()
    assert SENTINEL.encode() in db_bytes(prof)
    assert purge_text(prof.usage_db) > 0
    assert SENTINEL.encode() not in db_bytes(prof)
    rows = read_tables(prof.usage_db)
    assert len(rows["selections"]) == 4 and rows["messages"][0]["words"] == 4  # metadata kept
    assert sorted(r["tile_id"] for r in rows["tile_usage"]) == ["0,0", "0,1", "0,2", "other"]
    assert integrity_check(prof.usage_db) == "ok"
