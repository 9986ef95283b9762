"""The engine on the real model: KV reuse between requests, forking, right-padded rows.

Numbers differ slightly between a chunked prefill and token-by-token decoding (different int4
kernels), so equality is checked on the ranking of the next tokens, not bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aac.predict.engine import Cancelled, Engine, Rows
from aac.predict.service import ModelNotFound, find_model_dir

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model_dir() -> Path:
    try:
        return find_model_dir()
    except ModelNotFound as exc:
        pytest.skip(f"no built model ({exc}); run `aac model build`")


@pytest.fixture(scope="module")
def engine(model_dir: Path) -> Engine:
    return Engine(model_dir, threads=2)


def _same_ranking(a: np.ndarray, b: np.ndarray, k: int = 10) -> None:
    assert int(np.argmax(a)) == int(np.argmax(b))
    ta, tb = set(np.argsort(-a)[:k].tolist()), set(np.argsort(-b)[:k].tolist())
    assert len(ta & tb) >= k - 3


def test_growing_context_reuses_the_kv(engine: Engine, model_dir: Path) -> None:
    base = engine.encode("I would like a cup of")
    longer = engine.encode("I would like a cup of tea with milk")
    engine.prefill(base)
    calls = engine.calls
    state = engine.prefill(longer)
    assert engine.calls == calls + 1  # only the new tokens ran
    fresh = Engine(model_dir, threads=2).prefill(longer)
    _same_ranking(state.logprobs, fresh.logprobs)
    # the same context again is free
    engine.prefill(longer)
    assert engine.calls == calls + 1


def test_edited_context_keeps_the_common_prefix(engine: Engine, model_dir: Path) -> None:
    engine.prefill(engine.encode("Please pass me the salt and the pepper"))
    edited = engine.encode("Please pass me the water")
    state = engine.prefill(edited)
    assert len(state.ids) == len(edited) and state.kv[0].shape[2] >= len(edited)
    fresh = Engine(model_dir, threads=2).prefill(edited)
    _same_ranking(state.logprobs, fresh.logprobs)


def test_forked_rows_of_different_lengths_decode_like_single_rows(engine: Engine) -> None:
    ctx = engine.prefill(engine.encode("Can you help me"))
    a = engine.encode(" get")
    b = engine.encode(" put on my")
    # row 0 continues with one token, row 1 with several: lengths differ -> right padding
    rows0 = Rows.fork(ctx, 1)
    lp_a = engine.step(rows0, np.array(a[:1]))
    rows1 = Rows.fork(ctx, 1)
    for t in b:
        engine.step(rows1, np.array([t]))
    from aac.predict.suggest import _stack_rows

    both = _stack_rows([(rows0, 0), (rows1, 0)])
    assert both.lengths.tolist() == [len(ctx.ids) + 1, len(ctx.ids) + len(b)]
    nxt = engine.encode(" up")
    lp_both = engine.step(both, np.array([nxt[0], nxt[0]]))
    ref_a = Rows.fork(ctx, 1)
    engine.step(ref_a, np.array(a[:1]))
    ref_a_lp = engine.step(ref_a, np.array(nxt[:1]))[0]
    ref_b_lp = engine.step(rows1, np.array(nxt[:1]))[0]
    _same_ranking(lp_both[0], ref_a_lp)
    _same_ranking(lp_both[1], ref_b_lp)
    assert lp_a.shape == (1, engine.vocab_size) or lp_a.shape[1] >= engine.vocab_size


def test_prefill_stops_when_cancelled(engine: Engine) -> None:
    with pytest.raises(Cancelled):
        engine.prefill(engine.encode("a completely different text that is long enough " * 4), cancel=lambda: True, chunk=8)


def test_missing_model_files_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="aac model build"):
        Engine(tmp_path)


def test_decode_writes_the_kv_in_place(engine: Engine) -> None:
    """Past and present share one buffer: a step grows the rows without copying the cache."""
    ctx = engine.prefill(engine.encode("I would like a cup of"))
    rows = Rows.fork(ctx, 3)
    before = [a.ctypes.data for a in rows.kv]
    n = len(ctx.ids)
    lp = engine.step(rows, np.array(engine.encode(" tea") * 3))
    assert [a.ctypes.data for a in rows.kv] == before
    assert rows.lengths.tolist() == [n + 1] * 3
    # the new entry landed at position n of every row (the context part is untouched)
    assert np.abs(rows.kv[0][:, :, n]).sum() > 0
    np.testing.assert_array_equal(rows.kv[0][0, :, :n], ctx.kv[0][0, :, :n])
    # and the three identical rows decode identically
    assert int(np.argmax(lp[0])) == int(np.argmax(lp[1])) == int(np.argmax(lp[2]))


def test_rows_grow_past_their_headroom(engine: Engine) -> None:
    ctx = engine.prefill(engine.encode("Please"))
    rows = Rows.fork(ctx, 1, headroom=2)
    single = Rows.fork(ctx, 1)
    toks = engine.encode(" bring me a glass of cold water now")
    for t in toks:
        lp = engine.step(rows, np.array([t]))
        ref = engine.step(single, np.array([t]))
    assert rows.lengths[0] == len(ctx.ids) + len(toks) and rows.kv[0].shape[2] >= rows.lengths[0]
    _same_ranking(lp[0], ref[0])


def test_freed_memory_is_given_back_only_above_the_budget(engine: Engine) -> None:
    import sys

    from aac.predict import engine as engine_mod

    assert engine_mod.release_freed_memory(above_mb=1e9) is False  # under budget: no trim, no page faults
    if sys.platform.startswith("linux") and engine_mod._libc is not None:
        assert engine_mod.release_freed_memory(above_mb=0) is True
