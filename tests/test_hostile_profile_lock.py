"""Issue 20, finding 5: one process owns a profile's learning at a time.

Before: two boards (or a board and ``aac predict``) on one profile each rewrote
``learning/sentences.json`` from their own memory, so one run's sentences silently replaced the
other's. Now the first process takes ``profile.lock``; a second one is told who holds it (pid and
command) and what that means, and never overwrites what the first learned. A lock left by a
process that died is taken over.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, headless_env  # noqa: E402

from aac.store.profile import Profile  # noqa: E402

HOLDER = r"""
import sys, time
from aac.predict.learn import Learner
learner = Learner.open(sys.argv[1])
learner.learn_sentence("alpha one")
print("ready", learner.problems, flush=True)
sys.stdin.readline()          # hold the profile until the test says so
learner.learn_sentence("alpha two")
learner.close()
print("done", flush=True)
"""


def _start_holder(profile: Path) -> subprocess.Popen:
    env = headless_env()
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen([PYTHON, "-c", HOLDER, str(profile)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(REPO), env=env)
    line = proc.stdout.readline()
    assert line.startswith("ready"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def _sentences(profile: Path) -> list[str]:
    data = json.loads((profile / "learning" / "sentences.json").read_text(encoding="utf-8"))
    return [s for _, s in data["sentences"]]


def test_second_process_is_told_who_holds_the_profile_and_loses_nothing(tmp_path):
    from aac.predict.learn import Learner

    profile = tmp_path / "p"
    Profile.open(profile).close()
    holder = _start_holder(profile)
    try:
        second = Learner.open(profile)
        assert any(f"pid {holder.pid}" in p and "in use" in p for p in second.problems), second.problems
        second.learn_sentence("beta one")
        second.close()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().startswith("done")
    finally:
        holder.kill()
        holder.wait()
    kept = _sentences(profile)
    assert "alpha one" in kept and "alpha two" in kept, kept


def test_predict_service_refuses_a_profile_in_use(tmp_path):
    profile = tmp_path / "p"
    Profile.open(profile).close()
    holder = _start_holder(profile)
    try:
        env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
        r = subprocess.run([PYTHON, "-m", "aac.cli", "predict", "--jsonl", "--profile", str(profile)], input="",
                           capture_output=True, text=True, env=env, cwd=str(REPO), timeout=300)
        assert r.returncode == 2, r.stderr[-800:]
        assert f"pid {holder.pid}" in r.stderr and "in use" in r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_lock_of_a_dead_process_is_taken_over(tmp_path):
    from aac.predict.learn import Learner

    profile = tmp_path / "p"
    Profile.open(profile).close()
    dead = subprocess.Popen([PYTHON, "-c", "pass"])
    dead.wait()
    (profile / "profile.lock").write_text(json.dumps({"pid": dead.pid, "command": "aac run", "since": "earlier"}),
                                          encoding="utf-8")
    learner = Learner.open(profile)
    assert not any("in use" in p for p in learner.problems), learner.problems
    learner.learn_sentence("gamma one")
    learner.close()
    assert _sentences(profile) == ["gamma one"]
    info = json.loads((profile / "profile.lock").read_text(encoding="utf-8"))
    assert info["pid"] == os.getpid()


def test_same_process_can_open_twice(tmp_path):
    from aac.predict.learn import Learner

    profile = tmp_path / "p"
    a = Learner.open(profile)
    b = Learner.open(profile)
    assert not a.problems and not b.problems
