"""Issue 20, finding 8: the JSON-lines service validates and limits what it learns, and says when it fails.

Before: ``{"learn": "x \\ud800 y"}`` answered ok, then the save failed (a lone surrogate cannot be
written as UTF-8) and learning was off for the rest of the session while later learns still
answered ok; 40 learns of 100,000 characters took RSS from 282 MB to 1.24 GB; one ``\\xff`` byte on
stdin ended the service and the next valid line got no answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, headless_env, model_available  # noqa: E402

from aac.predict.cli import MAX_LEARN_CHARS, handle_line  # noqa: E402


class _Learner:
    def __init__(self, fail_save: bool = False) -> None:
        self.problems: list[str] = []
        self.learned: list[str] = []
        self.fail_save = fail_save

    def learn_sentence(self, s: str) -> None:
        self.learned.append(s)
        if self.fail_save:
            self.problems.append("/p/learning: cannot save what was learned (No space left on device)")


class _Predictor:
    """Only the learning side of the real Predictor (its learn/_learner_failed contract)."""

    def __init__(self, learner: _Learner | None) -> None:
        self.learner = learner
        self._learner_failed = False

    def learn(self, s: str) -> None:
        if self.learner is None or self._learner_failed:
            return
        try:
            s.encode("utf-8")
            self.learner.learn_sentence(s)
        except Exception:  # noqa: BLE001 - as Predictor._learner_call does
            self._learner_failed = True


def test_lone_surrogate_in_learn_is_an_error_and_learning_stays_on():
    p = _Predictor(_Learner())
    out = handle_line(p, '{"learn": "x \\ud800 y"}')
    assert "error" in out and "surrogate" in out["error"]
    assert handle_line(p, '{"learn": "thank you"}') == {"ok": True}
    assert p.learner.learned == ["thank you"]


def test_huge_learn_is_refused():
    p = _Predictor(_Learner())
    out = handle_line(p, json.dumps({"learn": "word " * 20_000}))
    assert "error" in out and str(MAX_LEARN_CHARS) in out["error"]
    assert p.learner.learned == []


def test_control_characters_in_learn_are_removed():
    p = _Predictor(_Learner())
    assert handle_line(p, json.dumps({"learn": "hi\u0000 there\u202e"})) == {"ok": True}
    assert p.learner.learned == ["hi there"]


def test_failed_save_is_an_error_not_ok():
    p = _Predictor(_Learner(fail_save=True))
    out = handle_line(p, '{"learn": "hello there"}')
    assert "error" in out and "No space left" in out["error"]


def test_learning_disabled_after_a_failure_is_reported_on_every_learn():
    p = _Predictor(_Learner())
    p._learner_failed = True
    out = handle_line(p, '{"learn": "hello"}')
    assert "error" in out and "off" in out["error"]


@pytest.mark.slow
@pytest.mark.model
def test_service_answers_every_line_even_after_invalid_utf8(tmp_path):
    if not model_available():
        pytest.skip("the prediction model is not built (aac model build)")
    profile = tmp_path / "p"
    lines = [b"\xff\xfe not utf-8", b'{"learn": "x \\ud800 y"}', b'{"learn": "thank you"}',
             b'{"context": "I would", "prefix": ""}', b'{"context": "caf\xc3\x28", "prefix": ""}',
             b'{"learn": "' + b"a" * 100_000 + b'"}', b'{"learn": "see you soon"}']
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    env.pop("PYTHONIOENCODING", None)
    r = subprocess.run([PYTHON, "-m", "aac.cli", "predict", "--jsonl", "--no-previews", "--profile", str(profile)],
                       input=b"\n".join(lines) + b"\n", capture_output=True, env=env, cwd=str(REPO), timeout=300)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-1500:]
    answers = [json.loads(x) for x in r.stdout.decode("utf-8").splitlines()]
    kinds = ["error" if "error" in a else "ok" if a.get("ok") else "words" for a in answers]
    assert kinds == ["error", "error", "ok", "words", "error", "error", "ok"], answers
    saved = json.loads((profile / "learning" / "sentences.json").read_text(encoding="utf-8"))
    assert [s for _, s in saved["sentences"]][-2:] == ["thank you", "see you soon"]
