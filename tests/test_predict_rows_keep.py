"""Rows.select copies rows into new buffers and Rows.keep shares the buffers of leading rows;
decoding after either gives exactly what decoding after a full copy gives (issue 15's latency
budget: these copies were ~17 ms of a warm request)."""

from __future__ import annotations


import numpy as np
import pytest

from aac.predict.engine import Engine, Rows
from model_helpers import built_model_dir, suggestion_outputs


def _rows(lengths: list[int], cap: int = 12) -> Rows:
    rng = np.random.default_rng(0)
    kv = [rng.standard_normal((len(lengths), 2, cap, 4)).astype(np.float16) for _ in range(3)]
    return Rows(kv, np.array(lengths))


def test_select_copies_each_rows_valid_entries_into_new_buffers() -> None:
    rows = _rows([5, 7, 3])
    got = rows.select([2, 0, 0])
    assert got.lengths.tolist() == [3, 5, 5]
    for a, b in zip(rows.kv, got.kv):
        assert b.shape == (3, *a.shape[1:]) and b.flags.c_contiguous
        assert not np.shares_memory(a, b)
        for j, i in enumerate([2, 0, 0]):
            n = int(rows.lengths[i])
            assert np.array_equal(b[j, :, :n], a[i, :, :n])


def test_keep_of_leading_rows_shares_the_buffers_otherwise_copies() -> None:
    rows = _rows([5, 7, 3])
    lead = rows.keep([0, 1])
    assert lead.lengths.tolist() == [5, 7]
    for a, b in zip(rows.kv, lead.kv):
        assert np.shares_memory(a, b) and b.flags.c_contiguous and b.shape[0] == 2
    lead.lengths[0] += 1  # the views' lengths are their own
    assert rows.lengths.tolist() == [5, 7, 3]
    other = rows.keep([1, 0])
    assert all(not np.shares_memory(a, b) for a, b in zip(rows.kv, other.kv))
    assert other.lengths.tolist() == [7, 5]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(built_model_dir(), threads=2)


@pytest.mark.model
def test_decoding_after_keep_or_select_equals_decoding_after_a_full_copy(engine: Engine) -> None:
    state = engine.prefill(engine.encode("Could you please help me with my"))
    first = np.array(engine.encode(" coat")[:1] + engine.encode(" shoes")[:1] + engine.encode(" bag")[:1])
    base = Rows.fork(state, 3)
    engine.step(base, first)
    # the old way: a full copy of every buffer (np.ascontiguousarray(a[idx]))
    full = Rows([np.ascontiguousarray(a[[0, 1]]) for a in base.kv], base.lengths[[0, 1]].copy(), base.fixed)
    ref = engine.step(full, np.array([13, 13]))
    kept = base.keep([0, 1])  # views of the leading rows
    got = engine.step(kept, np.array([13, 13]))
    assert np.array_equal(got, ref)
    # the source rows' own entries are untouched by decoding the views
    full2 = Rows([np.ascontiguousarray(a[[2, 0]]) for a in base.kv], base.lengths[[2, 0]].copy(), base.fixed)
    ref2 = engine.step(full2, np.array([29, 29]))
    sel = base.select([2, 0])
    assert np.array_equal(engine.step(sel, np.array([29, 29])), ref2)


@pytest.mark.model
def test_predictions_are_the_same_with_and_without_shared_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole predictor with keep() sharing buffers vs keep() always copying: same output."""
    model_dir = built_model_dir()
    requests = [("", ""), ("", "I"), ("I would ", ""), ("I would ", "l"), ("I would like ", "a"), ("My ", "da")]
    shared = suggestion_outputs(model_dir, requests)
    monkeypatch.setattr(Rows, "keep", Rows.select)
    copied = suggestion_outputs(model_dir, requests)
    assert shared == copied


@pytest.mark.model
def test_the_session_spins_only_briefly(engine: Engine) -> None:
    """Intra-op threads spin SPIN_DURATION_US, not ONNX Runtime's long default (see engine.py)."""
    from aac.predict.engine import SPIN_DURATION_US

    opts = engine.session.get_session_options()
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    assert opts.get_session_config_entry("session.intra_op.spin_duration_us") == str(SPIN_DURATION_US)
