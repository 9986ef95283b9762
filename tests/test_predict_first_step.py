"""Engine.first_step: the beam's first tokens are decoded once per context and reused for longer
prefixes, with results identical to decoding them again (issue 15's latency budget)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aac.predict.engine import Engine, Rows
from model_helpers import built_model_dir, suggestion_outputs

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return built_model_dir()


@pytest.fixture(scope="module")
def engine(model_dir: Path) -> Engine:
    return Engine(model_dir, threads=2)


def _first_tokens(engine: Engine, words: str) -> np.ndarray:
    return np.array([engine.encode(" " + w)[0] for w in words.split()])


def test_reused_first_tokens_equal_decoding_them_again(engine: Engine) -> None:
    state = engine.prefill(engine.encode("Could you please bring me my"))
    n = len(state.ids)
    first = _first_tokens(engine, "coat cup book bag")
    engine.first_step(state, Rows.fork(state, 4), first)  # decodes and remembers all four
    assert set(first.tolist()) <= set(state.first)
    # a longer prefix: two remembered tokens, three new ones (one of them alone would be a
    # batch of 1, which ONNX Runtime computes with another kernel: it is padded to 2)
    for words in ["cup coat comb", "bag cake cup cookie cat"]:
        toks = _first_tokens(engine, words)
        calls = engine.calls
        rows = Rows.fork(state, len(toks))
        got = engine.first_step(state, rows, toks)
        assert engine.calls == calls + 1  # only the new tokens ran
        ref_rows = Rows.fork(state, len(toks))
        ref = engine.step(ref_rows, toks)
        assert np.array_equal(got, ref)
        assert rows.lengths.tolist() == ref_rows.lengths.tolist() == [n + 1] * len(toks)
        for a, b in zip(rows.kv, ref_rows.kv):
            assert np.array_equal(a[:, :, : n + 1], b[:, :, : n + 1])
        # and the rows decode on exactly like the uncached ones
        nxt = _first_tokens(engine, " ".join(["please"] * len(toks)))
        assert np.array_equal(engine.step(rows, nxt), engine.step(ref_rows, nxt))
    # all remembered: no model call at all
    toks = _first_tokens(engine, "coat cup")
    calls = engine.calls
    engine.first_step(state, Rows.fork(state, 2), toks)
    assert engine.calls == calls


def test_the_memory_is_bounded_and_belongs_to_the_context(engine: Engine) -> None:
    state = engine.prefill(engine.encode("I want to"))
    words = ("go eat see sleep sit read watch talk call drink walk rest play know have take be do say get make"
             " stay find ask try leave feel move give help").split()
    assert len(set(_first_tokens(engine, " ".join(words)).tolist())) > Engine.FIRST_STEP_ROWS
    for i in range(0, len(words), 5):
        toks = _first_tokens(engine, " ".join(words[i : i + 5]))
        engine.first_step(state, Rows.fork(state, len(toks)), toks)
    assert len(state.first) == Engine.FIRST_STEP_ROWS  # the oldest were dropped
    assert _first_tokens(engine, "help")[0] in state.first
    other = engine.prefill(engine.encode("I want to go"))
    assert other is not state and len(other.first) == 0


def test_predictions_are_the_same_with_and_without_reuse(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person typing a word letter by letter (the same context): same words, endings,
    chunks, gate probabilities and previews whether first tokens are reused or not."""
    requests = [("I would like ", p) for p in ["", "a", "an", "s", "so", "som"]]
    requests += [("", ""), ("", "W"), ("", "Wh"), ("Could you ", ""), ("Could you ", "c"), ("Could you ", "ca")]
    reused = suggestion_outputs(model_dir, requests)
    monkeypatch.setattr(Engine, "first_step", lambda self, state, rows, toks: self.step(rows, toks))
    again = suggestion_outputs(model_dir, requests)
    assert reused == again
