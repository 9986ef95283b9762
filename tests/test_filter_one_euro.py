"""One Euro filter: smoothing, robustness to bad data, and the jitter/lag measurements."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dwell_streams import GazeStream

from aac.gaze.filter import (
    PRESETS,
    OneEuroFilter,
    ScreenGeometry,
    find_fixations,
    jitter_rms,
    measure_jitter_lag,
)
from aac.gaze.sample import GazeSample

GEO = ScreenGeometry()


def saccade_trace(rate: float, noise_deg: float, seed: int = 1) -> GazeStream:
    import random

    rng = random.Random(seed)
    g = GazeStream(rate_hz=rate, noise=GEO.normalized_x(noise_deg), seed=seed).fix(
        0.5, 0.5, 0.6
    )
    for _ in range(12):
        x, y = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        g.saccade(x, y, 0.03 + 0.02 * rng.random()).fix(x, y, rng.uniform(0.4, 0.9))
    return g


def test_constant_input_comes_out_unchanged() -> None:
    f = OneEuroFilter()
    out = [f.filter(GazeSample(i / 60, 0.3, 0.7, True)) for i in range(60)]
    assert all((o.x, o.y) == pytest.approx((0.3, 0.7)) for o in out)
    assert [o.t for o in out] == [i / 60 for i in range(60)]


def test_tracker_preset_cuts_fixation_jitter_with_little_saccade_lag() -> None:
    g = saccade_trace(60, 0.4)
    raw = g.samples()
    out = OneEuroFilter.for_source("tobii").filter_many(raw)
    r = measure_jitter_lag(raw, out, windows=g.fixations)
    assert r.steps == 12 and r.fixations == 13
    assert r.jitter_out < 0.45 * r.jitter_in  # measured ~0.31x
    assert 0.0 < r.lag_s < 0.03  # measured ~17 ms at 50 % of the step
    assert r.settle_s < 0.06
    assert "deg RMS" in r.summary()


def test_webcam_preset_smooths_heavy_noise() -> None:
    g = saccade_trace(30, 2.0)
    raw = g.samples()
    r = measure_jitter_lag(
        raw, OneEuroFilter.for_source("webcam").filter_many(raw), windows=g.fixations
    )
    assert r.jitter_out < 0.5 * r.jitter_in  # measured ~0.36x
    assert r.lag_s < 0.08


def test_invalid_samples_pass_through_and_do_not_touch_the_state() -> None:
    f = OneEuroFilter()
    samples = GazeStream(noise=0.01, seed=5).fix(0.4, 0.4, 0.5).samples()
    for s in samples:
        f.filter(s)
    bad = [
        GazeSample(samples[-1].t + 0.01, math.nan, math.nan, False, 0.0),
        GazeSample(samples[-1].t + 0.02, math.nan, 0.4, True),
        GazeSample(samples[-1].t + 0.03, math.inf, 0.4, True),
        GazeSample(samples[-1].t + 0.04, 1e300, 0.4, True),
        GazeSample(math.nan, 0.4, 0.4, True),
    ]
    for b in bad:
        assert f.filter(b) is b
    nxt = f.filter(GazeSample(samples[-1].t + 0.05, 0.4, 0.4, True))
    assert math.isfinite(nxt.x) and abs(nxt.x - 0.4) < 0.02 and abs(nxt.y - 0.4) < 0.02


def test_duplicate_and_backward_timestamps_give_the_last_point_not_nan() -> None:
    f = OneEuroFilter()
    a = f.filter(GazeSample(1.0, 0.2, 0.2, True))
    b = f.filter(GazeSample(1.1, 0.21, 0.2, True))
    dup = f.filter(GazeSample(1.1, 0.9, 0.9, True))
    back = f.filter(GazeSample(1.05, 0.9, 0.9, True))
    assert (dup.x, dup.y) == (b.x, b.y) == (back.x, back.y)
    assert dup.t == 1.1 and back.t == 1.05
    assert a.x == 0.2
    # A clock jump back by more than the reset interval restarts the filter at the new point.
    restarted = f.filter(GazeSample(-50.0, 0.9, 0.9, True))
    assert (restarted.x, restarted.y) == (0.9, 0.9)


def test_long_gap_resets_so_the_new_fixation_is_not_dragged() -> None:
    f = OneEuroFilter()
    for s in GazeStream().fix(0.1, 0.1, 0.5).samples():
        f.filter(s)
    after = f.filter(GazeSample(100.0, 0.9, 0.9, True))
    assert (after.x, after.y) == (0.9, 0.9)
    # A blink (shorter than the reset) keeps the state: the point moves only part of the way.
    f2 = OneEuroFilter()
    last = None
    for s in GazeStream().fix(0.1, 0.1, 0.5).blink(0.15).samples():
        last = f2.filter(s)
    assert last is not None and not last.valid
    nxt = f2.filter(GazeSample(last.t + 1 / 60, 0.13, 0.1, True))
    assert 0.1 < nxt.x < 0.13


def test_presets_and_pass_through() -> None:
    mouse = OneEuroFilter.for_source("mouse")
    s = GazeSample(0.0, 0.5, 0.5, True)
    assert mouse.filter(s) is s
    assert (
        OneEuroFilter.for_source("replay:/tmp/trace.jsonl").beta
        == PRESETS["replay"].beta
    )
    assert OneEuroFilter.for_source("unknown-thing").beta == PRESETS["tobii"].beta
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0)
    with pytest.raises(ValueError, match="beta"):
        OneEuroFilter(beta=math.nan)


def test_confidence_and_validity_are_kept() -> None:
    f = OneEuroFilter()
    out = f.filter_many(GazeStream().one_eye(0.5, 0.5, 0.1).samples())
    assert all(o.valid and o.confidence == 0.5 for o in out)


def test_measurement_helpers_on_a_known_trace() -> None:
    g = (
        GazeStream(noise=0.0)
        .fix(0.2, 0.2, 0.5)
        .saccade(0.8, 0.2, 0.05)
        .fix(0.8, 0.2, 0.5)
    )
    raw = g.samples()
    windows = find_fixations(raw)
    assert len(windows) == 2
    assert windows[0][2:] == pytest.approx((0.2, 0.2)) and windows[1][
        2:
    ] == pytest.approx((0.8, 0.2))
    assert jitter_rms(raw, windows) == pytest.approx(0.0, abs=1e-12)
    same = measure_jitter_lag(raw, raw)
    assert same.lag_s == pytest.approx(0.0) and same.steps == 1
    delayed = [GazeSample(s.t + 0.05, s.x, s.y, s.valid) for s in raw]
    assert measure_jitter_lag(raw, delayed).lag_s == pytest.approx(0.05, abs=1e-6)
    assert GEO.degrees(GEO.normalized_x(1.0)) == pytest.approx(1.0)
    assert 45 < GEO.degrees(1.0) < 48  # the whole 52 cm width at 60 cm


def test_measurement_with_no_fixations_is_nan_not_an_error() -> None:
    r = measure_jitter_lag([], [])
    assert math.isnan(r.jitter_in) and math.isnan(r.lag_s) and r.steps == 0


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(
                st.just(1 / 60), st.floats(min_value=-1, max_value=1), st.floats()
            ),
            st.floats(),
            st.floats(),
            st.booleans(),
        ),
        max_size=200,
    )
)
def test_random_streams_never_raise_and_stay_within_the_inputs(rows) -> None:
    f = OneEuroFilter()
    t = 0.0
    seen: list[tuple[float, float]] = []
    for dt, x, y, valid in rows:
        t = t + dt if math.isfinite(dt) else 0.0
        s = GazeSample(t, x, y, valid)
        out = f.filter(s)
        assert out.t == s.t and out.valid == s.valid
        if (
            valid
            and all(math.isfinite(v) for v in (x, y, t))
            and -0.5 <= x <= 1.5
            and -0.5 <= y <= 1.5
        ):
            seen.append((x, y))
            assert math.isfinite(out.x) and math.isfinite(out.y)
            # One Euro output is a convex mix of inputs: never outside what was seen.
            assert (
                min(p[0] for p in seen) - 1e-9
                <= out.x
                <= max(p[0] for p in seen) + 1e-9
            )
            assert (
                min(p[1] for p in seen) - 1e-9
                <= out.y
                <= max(p[1] for p in seen) + 1e-9
            )
