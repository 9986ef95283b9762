"""Sessions that are real (issue 19): test runs never enter a person's record unless asked, and
when asked they are marked and left out of the report; version-1 logs stay readable."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aac.paths import REPO_ROOT
from aac.store.profile import Profile
from aac.store.report import _load, write_report
from aac.store.synthetic import fill
from aac.store.usage_log import SCHEMA_VERSION, UsageLog, read_tables, real_use_only
from aac.store.usage_query import marked_sessions, read_actions, read_extra

V1_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions(id INTEGER PRIMARY KEY, started REAL NOT NULL, ended REAL, source TEXT,
    calibration_deg REAL, dwell_ms REAL, language TEXT, layout TEXT);
CREATE TABLE selections(id INTEGER PRIMARY KEY, t REAL NOT NULL, session_id INTEGER, kind TEXT NOT NULL,
    slot INTEGER, rank INTEGER, dwell_ms REAL, latency_ms REAL, page TEXT, tile_id TEXT, text TEXT);
CREATE TABLE messages(id INTEGER PRIMARY KEY, t REAL NOT NULL, session_id INTEGER, words INTEGER NOT NULL,
    chars INTEGER NOT NULL, selections INTEGER NOT NULL, seconds REAL, spoken INTEGER NOT NULL, text TEXT);
CREATE TABLE errors(id INTEGER PRIMARY KEY, t REAL NOT NULL, session_id INTEGER, kind TEXT NOT NULL);
CREATE TABLE tile_usage(day TEXT NOT NULL, page TEXT NOT NULL, tile_id TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY(day, page, tile_id));
PRAGMA user_version=1;
"""


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture()
def used_profile(tmp_path):
    """A profile with a week of real use, a dwell of 1200 ms and a learned-data file."""
    prof = Profile.open(tmp_path / "data" / "profiles" / "Anna")
    prof.set("dwell_ms", 1200)
    log = UsageLog(prof)
    fill(log, days=4, seed=3)
    log.close(timeout=60)
    learning = prof.dir / "learning"
    learning.mkdir(mode=0o700, exist_ok=True)
    (learning / "marker.json").write_text('{"kept": true}')
    return prof


def test_version1_log_is_migrated_and_stays_readable(tmp_path):
    db = tmp_path / "usage.sqlite"
    conn = sqlite3.connect(db)
    conn.executescript(V1_SCHEMA)
    t0 = time.time() - 3600
    conn.execute("INSERT INTO sessions(id, started, ended, source, dwell_ms) VALUES (1, ?, ?, 'tobii', 900)",
                 (t0, t0 + 600))
    conn.execute("INSERT INTO selections(t, session_id, kind) VALUES (?, 1, 'word')", (t0 + 10,))
    conn.commit()
    conn.close()
    # a reader of the old file sees every old session as real use
    rows = read_tables(db)
    assert len(rows["sessions"]) == 1 and real_use_only(rows) == rows and marked_sessions(db) == {}
    log = UsageLog(db, session_kind="simulated")
    log.start_session("sim", 1000, None, "en", t=t0 + 1000)
    log.selection("action", tile_id="main/5,1:action:undo", t=t0 + 1001)
    log.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    kinds = conn.execute("SELECT id, kind FROM sessions ORDER BY id").fetchall()
    assert kinds == [(1, None), (2, "simulated")]
    assert conn.execute("SELECT action FROM selections ORDER BY id").fetchall() == [(None,), ("undo",)]
    conn.close()
    assert read_actions(db) == {2: "undo"}
    rows = read_tables(db)
    real = real_use_only(rows, marked_sessions(db))
    assert [s["id"] for s in real["sessions"]] == [1] and len(real["selections"]) == 1


def test_schema2_readers_never_raise_on_a_damaged_file(tmp_path):
    db = tmp_path / "usage.sqlite"
    db.write_bytes(b"not a database at all" * 50)
    assert marked_sessions(db) == {} and read_actions(db) == {}
    assert read_extra(db) == {"events": [], "word_counts": []}


def test_unused_log_creates_no_file(tmp_path):
    log = UsageLog(tmp_path / "p")
    assert log.close()
    assert not (tmp_path / "p" / "usage.sqlite").exists()


def test_marked_sessions_left_out_of_report_unless_asked(used_profile, tmp_path):
    before = read_tables(used_profile.usage_db)
    sim = UsageLog(used_profile, session_kind="simulated")
    t = time.time() - 60
    sim.start_session("sim", 1000, None, "en", t=t)
    for i in range(40):
        sim.selection("letter", tile_id=f"main/2,{i % 9}:letter:x", page="main", t=t + i)
    sim.message("xx", selections=40, seconds=40, t=t + 41)
    sim.close()
    after = read_tables(used_profile.usage_db)
    assert len(after["sessions"]) == len(before["sessions"]) + 1
    assert after["tile_usage"] == before["tile_usage"]  # per-day counts carry no session: never added
    out = tmp_path / "r.html"
    default = write_report(used_profile, out)
    n_real = len(before["sessions"])
    assert default.startswith(f"{n_real} sessions")
    assert "1 simulated or test sessions" in out.read_text()  # the report says what it left out
    rows, left_out, warnings = _load(used_profile, None, None, True, False, False)  # --include-simulated
    assert left_out == 0 and warnings == [] and len(rows["sessions"]) == n_real + 1 and len(rows["messages"]) == len(before["messages"]) + 1


def _run(args: list[str], data: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", AAC_DATA_DIR=str(data),
               PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", "aac.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=REPO_ROOT, check=False)


@pytest.mark.slow
def test_screenshot_and_simulate_leave_the_profile_unchanged(used_profile, tmp_path):
    data = tmp_path / "data"
    digest = tree_digest(used_profile.dir)
    r = _run(["run", "--profile", "Anna", "--windowed", "640x400", "--frames", "3", "--screenshot",
              str(tmp_path / "shot.png")], data)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "shot.png").stat().st_size > 1000
    assert tree_digest(used_profile.dir) == digest
    sentences = tmp_path / "s.txt"
    sentences.write_text("yes\n")
    r = _run(["simulate", "--text-file", str(sentences), "--profile", "Anna", "--speed", "20", "--no-model",
              "--speech", "record", "--json", "--size", "1280x720"], data)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["dwell_ms"] == 1200  # the person's dwell setting, not the simulator's default
    assert tree_digest(used_profile.dir) == digest
    # asked for: logged as a marked session, which the report leaves out by default
    r = _run(["simulate", "--text-file", str(sentences), "--profile", "Anna", "--speed", "20", "--no-model",
              "--speech", "record", "--json", "--size", "1280x720", "--dwell-ms", "800", "--log-as-use"], data)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1])["dwell_ms"] == 800
    kinds = set(marked_sessions(used_profile.usage_db).values())
    assert kinds == {"simulated"}


@pytest.mark.slow
def test_bench_leaves_the_profile_unchanged(used_profile, tmp_path):
    digest = tree_digest(used_profile.dir)
    corpus = tmp_path / "c.txt"
    corpus.write_text("i want water\nplease call my sister\n")
    r = _run(["bench", "ks", "--corpus", str(corpus), "--json"], tmp_path / "data")
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1])["sentences"] == 2
    assert tree_digest(used_profile.dir) == digest


def test_private_copy_has_the_board_not_the_record(used_profile, tmp_path):
    """What aac simulate / aac run --screenshot run on: settings, learned words, calibration; not
    the usage log or the unfinished message."""
    from aac.store.private_copy import copy_profile

    used_profile.save_draft("half a message")
    used_profile.close()
    copy = Profile.open(copy_profile(used_profile.dir, tmp_path / "copy"))
    assert copy.settings.dwell_ms == 1200
    assert (copy.dir / "learning" / "marker.json").read_text() == '{"kept": true}'
    assert not any(p.name.startswith("usage.sqlite") for p in copy.dir.iterdir())
    assert (copy.load_draft() or "") == ""
