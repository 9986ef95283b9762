"""The learner's problems (aac/predict/learn ``Learner.problems``) reach the board's status strip,
worded in the board's language (aac/ui/wording.py): the caregiver sees that learning is not
saved because another program holds the profile, or that its files had problems."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aac.predict.learn.learner import SENTENCES, Learner
from aac.ui.wording import learning_status

ROOT = Path(__file__).resolve().parents[1]


def test_a_profile_held_by_another_program_is_said_on_the_status_strip(board, tmp_path):
    held = tmp_path / "held-profile"
    held.mkdir()
    code = ("import sys; from aac.store.profile_lock import acquire; lock = acquire(sys.argv[1]); "
            "print('held', flush=True); sys.stdin.read()")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    other = subprocess.Popen([sys.executable, "-c", code, str(held)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env, cwd=str(ROOT))
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        learner = Learner.open(held)  # the real learner: suggests, but never saves here
        assert learner.dir is None and learner.problems
        d = board.driver
        d.run(0.1)
        assert not any(line.startswith("Learning") for line in d.status())  # no learner yet: nothing said
        board.predictor.learner = learner
        d.run(0.1)
        line = f"Learning not saved: this profile is open in another program (pid {other.pid})"
        assert line in d.status()
        assert d.tile("action", action="speak")  # the board still works (a status line, not a banner)
    finally:
        other.communicate("", timeout=30)


def test_damaged_learning_files_are_counted_in_the_boards_language(tmp_path):
    profile = tmp_path / "p"
    (profile / "learning").mkdir(parents=True)
    (profile / "learning" / SENTENCES).write_text("{not json", encoding="utf-8")
    learner = Learner.open(profile)
    try:
        assert len(learner.problems) == 1  # the file was set aside
        assert learning_status("ru", learner.problems) == "Обучение: проблем с файлами - 1, см. 'aac profile show'"
        assert learning_status("en", learner.problems) == "Learning: 1 problem(s) with its files - see 'aac profile show'"
        assert learning_status("de", learner.problems) == learning_status("en", learner.problems)  # English fallback
        assert learning_status("ru", []) == ""
        busy = ["/x is in use by another process: pid 4242 (aac run), since 2026-01-01; what is learned here is not saved"]
        assert learning_status("ru", busy) == "Обучение не сохраняется: профиль открыт в другой программе (pid 4242)"
    finally:
        learner.close()
