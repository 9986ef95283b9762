"""What was learned survives a restart, as plain private JSON; damaged files are set aside."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from aac.predict.learn import Learner
from aac.predict.learn import persistence
from aac.predict.types import Candidate

PKG = Path(__file__).resolve().parent.parent / "aac" / "predict" / "learn"


def teach(learner: Learner, n: int = 60) -> None:
    """Synthetic choices: the person always wants the model's *third* word."""
    for i in range(n):
        cands = [Candidate(f"w{i}x{j}", "word", -1.0 - j, j, "lm") for j in range(6)]
        learner.rerank(f"c{i} ", "", cands)
        learner.record_choice(f"c{i} ", "", cands, cands[2].text)
        if i % 10 == 9:
            learner.train_choices()
    learner.learn_sentence("the kettle is on. I want tea")


def test_round_trip_keeps_words_endings_and_weights(tmp_path: Path):
    a = Learner.open(tmp_path)
    teach(a)
    b = Learner.open(tmp_path)
    assert b.problems == []
    assert [(s.t, s.text) for s in b.vocab.sentences] == [(round(s.t, 3), s.text) for s in a.vocab.sentences]
    assert [s.text for s in b.vocab.sentences] == ["the kettle is on.", "I want tea"]
    assert b.user_ending_candidates("I ", "", 3)[0].text == "want tea"
    for kind in ("word", "ending"):
        ra, rb = a.rankers[kind], b.rankers[kind]
        assert rb.lists_trained == ra.lists_trained and len(rb.examples) == len(ra.examples)
        if ra.coef is not None:
            assert list(rb.coef) == [float(v) for v in ra.coef]
            assert rb.trusted == ra.trusted
    # the stored examples rebuild exactly the stored weights (what forgetting relies on)
    rebuilt = Learner.open(tmp_path).rankers["word"]
    rebuilt.replay(list(rebuilt.examples))
    assert list(rebuilt.coef) == list(a.rankers["word"].coef)
    # training continues from the same state after the restart (examples replayed first)
    teach(b, 5)
    assert b.rankers["word"].lists_trained == a.rankers["word"].lists_trained + 5


def test_files_are_private_json_and_never_pickle(tmp_path: Path):
    learner = Learner.open(tmp_path)
    teach(learner, 10)
    folder = tmp_path / "learning"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["examples.json", "reranker.json", "sentences.json"]
    for f in folder.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
        raw = f.read_bytes()
        assert not raw.startswith(b"\x80")  # pickle protocol marker
        doc = json.loads(raw)
        assert doc["format"].startswith("aac.learning.") and doc["version"] == persistence.VERSION
    # and the code never loads anything with pickle/joblib
    for src in PKG.glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+(pickle|joblib|dill|cloudpickle)\b", src.read_text(), re.M), src


def test_corrupt_file_is_set_aside_and_reported(tmp_path: Path):
    Learner.open(tmp_path).learn_sentence("keep this safe")
    bad = tmp_path / "learning" / "sentences.json"
    bad.write_text('{"format": "aac.learning.sentences", "version": 1, "sentences": [[1, "trunc')
    learner = Learner.open(tmp_path)
    assert len(learner.problems) == 1 and "set aside" in learner.problems[0]
    assert learner.vocab.sentences == []
    aside = [p for p in (tmp_path / "learning").iterdir() if p.name.startswith("sentences.json.corrupt-")]
    assert len(aside) == 1 and "trunc" in aside[0].read_text()  # nothing lost
    # learning goes on and writes a fresh, valid file
    learner.learn_sentence("new start")
    assert json.loads(bad.read_text())["sentences"][0][1] == "new start"


def test_wrong_shape_is_treated_as_corrupt(tmp_path: Path):
    folder = tmp_path / "learning"
    folder.mkdir()
    (folder / "sentences.json").write_text(json.dumps({"format": "aac.learning.sentences", "version": 1, "sentences": [[1]]}))
    (folder / "examples.json").write_text(json.dumps({"format": "something.else", "version": 1}))
    (folder / "reranker.json").write_text("[1, 2, 3]")
    learner = Learner.open(tmp_path)
    assert len(learner.problems) == 3
    assert learner.summary()["sentences"] == 0
    assert sorted(p.name.split(".corrupt-")[0] for p in folder.iterdir()) == [
        "examples.json", "reranker.json", "sentences.json"]


def test_newer_version_is_set_aside_not_loaded_nor_overwritten(tmp_path: Path):
    folder = tmp_path / "learning"
    folder.mkdir()
    future = {"format": "aac.learning.sentences", "version": persistence.VERSION + 1,
              "sentences": [[1, "from the future"]], "extra": {"new": True}}
    (folder / "sentences.json").write_text(json.dumps(future))
    learner = Learner.open(tmp_path)
    assert learner.vocab.sentences == []
    assert any("newer version" in p for p in learner.problems)
    learner.learn_sentence("today")
    aside = [p for p in folder.iterdir() if ".newer-v2-" in p.name]
    assert len(aside) == 1 and json.loads(aside[0].read_text()) == future


def test_in_memory_learner_writes_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    learner = Learner.open(None)
    learner.learn_sentence("hello there")
    assert list(tmp_path.iterdir()) == []
