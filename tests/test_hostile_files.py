"""Issue 20, finding 6: every reader of a person's file treats any failure as a damaged file.

Before: a settings/profile/calibration/draft JSON holding a 5,000-digit number (ValueError from
Python's int-digits limit) or 100,000 nested brackets (RecursionError) escaped the readers'
``JSONDecodeError`` handling, so ``aac run`` and ``aac profile show`` crashed on every start and
the file was never set aside. Now: set aside, defaults, a sentence saying so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, headless_env  # noqa: E402

from aac.store.jsonfile import read_json  # noqa: E402
from aac.store.profile import Profile  # noqa: E402

HUGE_NUMBER = b'{"dwell_ms": ' + b"9" * 5000 + b"}"
DEEP = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HOSTILE = {"huge-number": HUGE_NUMBER, "deep-nesting": DEEP, "nul": b'{"text": "a\x00b"}',
           "float-overflow": b'{"dwell_ms": 1e999999}'}
FILES = ["settings.json", "profile.json", "calibration.json", "draft.json"]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_read_json_sets_aside_any_damage(tmp_path, kind):
    path = tmp_path / "settings.json"
    path.write_bytes(HOSTILE[kind])
    data, problems = read_json(path)
    if kind in ("huge-number", "deep-nesting", "nul"):
        assert data is None and len(problems) == 1 and "using defaults" in problems[0]
        assert not path.exists() and list(tmp_path.glob("settings.json.corrupt-*"))


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("kind", ["huge-number", "deep-nesting"])
def test_profile_opens_with_a_damaged_file_and_says_so(tmp_path, name, kind):
    d = tmp_path / "p"
    Profile.open(d).close()
    (d / name).write_bytes(HOSTILE[kind])
    p = Profile.open(d)
    p.load_draft()
    assert p.calibration is None or isinstance(p.calibration, dict)
    assert p.settings.dwell_ms > 0
    assert any(name in msg and "defaults" in msg for msg in p.problems), p.problems
    assert list(d.glob(f"{name}.corrupt-*")), "the damaged file must be kept, set aside"


@pytest.mark.parametrize("kind", ["huge-number", "deep-nesting"])
def test_learning_files_damaged_are_set_aside(tmp_path, kind):
    from aac.predict.learn import Learner

    d = tmp_path / "p"
    Profile.open(d).close()
    (d / "learning" / "sentences.json").write_bytes(HOSTILE[kind])
    learner = Learner.open(d)
    assert any("sentences.json" in p for p in learner.problems), learner.problems
    assert list((d / "learning").glob("sentences.json.corrupt-*"))


def test_profile_show_cli_survives_every_damaged_file(tmp_path):
    d = tmp_path / "p"
    Profile.open(d).close()
    (d / "settings.json").write_bytes(HUGE_NUMBER)
    (d / "calibration.json").write_bytes(DEEP)
    (d / "draft.json").write_bytes(HUGE_NUMBER)
    (d / "learning" / "sentences.json").write_bytes(DEEP)
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    r = subprocess.run([PYTHON, "-m", "aac.cli", "profile", "show", "--profile", str(d), "--json"],
                       capture_output=True, text=True, env=env, cwd=str(REPO), timeout=120)
    assert r.returncode == 0, r.stderr[-1500:]
    assert "Traceback" not in r.stderr
    state = json.loads(r.stdout)
    assert any("settings.json" in p for p in state["problems"])


def test_settings_with_a_value_python_cannot_hold_fall_back(tmp_path):
    d = tmp_path / "p"
    Profile.open(d).close()
    (d / "settings.json").write_bytes(b'{"dwell_ms": ' + b"9" * 4000 + b', "font_scale": 1e400}')
    p = Profile.open(d)
    assert 100 <= p.settings.dwell_ms <= 10_000


@pytest.mark.parametrize("name,doc", [
    ("profile.json", {"name": "\ud800", "created": None}),
    ("draft.json", {"version": 1, "text": "hi \udfff there"}),
    ("settings.json", {"voice": "en\ud800", "layout": "x\udc00"}),
])
def test_lone_surrogates_in_a_persons_file_do_not_break_show_or_save(tmp_path, name, doc):
    """Found by the hostile harness: a JSON escape \\ud800 decodes to a str that cannot be written
    as UTF-8, so `aac profile show --json` crashed printing it and every later save failed."""
    d = tmp_path / "p"
    Profile.open(d).close()
    (d / name).write_text(json.dumps(doc), encoding="utf-8")
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    r = subprocess.run([PYTHON, "-m", "aac.cli", "profile", "show", "--profile", str(d), "--json"],
                       capture_output=True, env=env, cwd=str(REPO), timeout=120)
    assert r.returncode == 0 and b"Traceback" not in r.stderr, r.stderr[-1500:]
    json.loads(r.stdout.decode("utf-8"))
    p = Profile.open(d)
    p.save_draft(p.load_draft())
    p.save_settings()


@pytest.mark.parametrize("name,body", [
    ("sentences.json", '{"format": "aac.learning.sentences", "version": 1, "sentences": [[' + "9" * 400 + ', "hi"]]}'),
    ("sentences.json", '{"format": "aac.learning.sentences", "version": 1, "sentences": [["x", "hi", 3]]}'),
    ("sentences.json", '{"format": "aac.learning.sentences", "version": 1, "sentences": 7}'),
    ("reranker.json", '{"format": "aac.learning.reranker", "version": 1, "kinds": [1, 2]}'),
    ("reranker.json", '{"format": "aac.learning.reranker", "version": 1, "kinds": {"word": {"features": 5}}}'),
])
def test_learning_file_with_unusable_entries_is_set_aside(tmp_path, name, body):
    """Found while extending the harness: a 400-digit time raised OverflowError from float(),
    which the learner's loader did not catch, so learning was silently unavailable."""
    from aac.predict.learn import Learner

    d = tmp_path / "p"
    Profile.open(d).close()
    (d / "learning" / name).write_text(body, encoding="utf-8")
    learner = Learner.open(d)
    if name == "reranker.json":  # weights are rebuilt from the examples; nothing to set aside
        learner.learn_sentence("still learning")
        return
    assert any(name in p for p in learner.problems), learner.problems
    assert list((d / "learning").glob(f"{name}.corrupt-*"))
