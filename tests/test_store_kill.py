"""Kill test: SIGKILL a process that is writing the draft and the usage log, at random moments.

After every kill: settings.json is whole and valid (no problems reported on open), the draft on disk is exactly one of the texts the process wrote (never torn),
and not older than the last one it reported as saved; the usage log passes SQLite's integrity
check and holds at least every row the process reported as committed. The profile is reused
across kills, so the restart path (open, WAL recovery, keep writing) is exercised too.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from aac.store.profile import Profile
from aac.store.usage_log import integrity_check, usage_counts

CHILD = r"""
import sys
from aac.store.profile import Profile
from aac.store.usage_log import UsageLog

def text(run, i):
    return f"run {run} draft {i} " + "ab cd é " * (i % 40)

prof = Profile.open(sys.argv[1])
run = int(sys.argv[2])
log = UsageLog(prof)
log.start_session("mouse", 1000, None, "en")
writer = prof.draft_writer
i = 0
print("ready", flush=True)
while True:
    i += 1
    writer.submit(text(run, i))
    log.selection("letter", dwell_ms=1000.0)
    if i % 5 == 0:
        log.message(None, words=2, chars=9, selections=5, seconds=3.0)
    if i % 3 == 0:
        prof.set("dwell_ms", 1000 + i % 50)  # settings are rewritten under the kill too
        writer.flush()
        log.flush()
        print(f"ack {i} {log.committed}", flush=True)
"""


def draft_text(run: int, i: int) -> str:
    return f"run {run} draft {i} " + "ab cd é " * (i % 40)


def kill_once(directory, run: int, rng: random.Random) -> tuple[int, int]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(directory), str(run)], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.0, 0.4))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    acks = [line.split() for line in out.splitlines() if line.startswith("ack ")]
    last_i, last_rows = (int(acks[-1][1]), int(acks[-1][2])) if acks else (0, 0)
    return last_i, last_rows


def check_after_kill(directory, run: int, last_i: int, rows_before: int, last_rows: int) -> int:
    prof = Profile.open(directory)
    draft = prof.load_draft()
    assert not prof.problems, prof.problems
    if last_i:
        prefix = f"run {run} draft "
        assert draft.startswith(prefix), draft[:40]
        i = int(draft[len(prefix):].split()[0])
        assert i >= last_i, (i, last_i)
        assert draft == draft_text(run, i)  # exactly one of the written texts, never torn
    assert 1000 <= prof.settings.dwell_ms < 1050
    assert integrity_check(prof.usage_db) == "ok"
    counts = usage_counts(prof.usage_db)
    total = counts["sessions"] + counts["selections"] + counts["messages"]
    assert total >= rows_before + last_rows, (total, rows_before, last_rows)
    return total


def run_kills(tmp_path, kills: int, seed: int) -> int:
    rng = random.Random(seed)
    directory = tmp_path / "victim"
    Profile.open(directory)
    rows = 0
    acked = 0
    for run in range(1, kills + 1):
        last_i, last_rows = kill_once(directory, run, rng)
        acked += last_i > 0
        rows = check_after_kill(directory, run, last_i, rows, last_rows)
    return acked


def test_kill_during_writes(tmp_path):
    acked = run_kills(tmp_path, kills=8, seed=1)
    assert acked >= 4  # most runs got far enough to acknowledge saves before the kill
    print(f"8 kills, {acked} with acknowledged saves, no loss")


@pytest.mark.slow
def test_kill_many_times(tmp_path):
    acked = run_kills(tmp_path, kills=100, seed=2)
    print(f"100 kills, {acked} with acknowledged saves, no loss")
