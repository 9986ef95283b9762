"""Property tests: whatever the tracker sends, the dwell engine never raises and never fires
from invalid data, and never fires faster than lock-on + dwell."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aac.gaze.dwell import DwellConfig, DwellEngine, DwellTarget
from aac.gaze.sample import GazeSample, from_tobii_dict

TARGETS = [
    DwellTarget("a", (0.0, 0.0, 0.5, 0.5)),
    DwellTarget("b", (0.5, 0.0, 0.5, 0.5)),
    DwellTarget("c", (0.0, 0.5, 0.5, 0.5), dwell_s=0.3),
    DwellTarget("r", (0.5, 0.5, 0.5, 0.5), while_paused=True),
]
FAST = DwellConfig(
    dwell_s=0.2,
    lock_on_s=0.05,
    cooldown_s=0.05,
    blink_tolerance_s=0.1,
    resume_dwell_s=0.3,
)

any_float = st.floats(allow_nan=True, allow_infinity=True)
near_screen = st.floats(min_value=-0.2, max_value=1.2, allow_nan=False)
coord = st.one_of(near_screen, near_screen, any_float)
step = st.one_of(
    st.just(1 / 60),
    st.just(1 / 120),
    st.just(0.0),
    st.floats(min_value=-2.0, max_value=2.0, allow_nan=False),
    any_float,
)
raw_sample = st.tuples(
    step, coord, coord, st.booleans(), st.floats(min_value=0, max_value=1)
)


def _samples(
    rows: list[tuple[float, float, float, bool, float]], all_invalid: bool = False
) -> list[GazeSample]:
    t, out = 0.0, []
    for dt, x, y, valid, conf in rows:
        t = (
            t + dt if math.isfinite(dt) else dt
        )  # non-finite steps give a non-finite time once
        out.append(GazeSample(t, x, y, valid and not all_invalid, conf))
        if not math.isfinite(t):
            t = 0.0
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(raw_sample, max_size=300),
    paused=st.booleans(),
    default_cfg=st.booleans(),
)
def test_random_streams_never_raise(rows, paused, default_cfg) -> None:
    engine = DwellEngine(DwellConfig() if default_cfg else FAST)
    engine.set_paused(paused)
    for s in _samples(rows):
        state = engine.update(s, TARGETS)
        assert 0.0 <= state.progress <= 1.0
        if state.activated:
            assert s.usable, "fired on an unusable sample"
            assert state.activated == state.target_id
            assert not paused or state.activated == "r"


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(raw_sample, max_size=300), paused=st.booleans())
def test_all_invalid_streams_never_activate(rows, paused) -> None:
    engine = DwellEngine(FAST)
    engine.set_paused(paused)
    for s in _samples(rows, all_invalid=True):
        state = engine.update(s, TARGETS)
        assert state.activated is None
        assert state.progress == 0.0


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([0.0, 1 / 120, 1 / 60, 0.05, 0.2, 0.5]),
            st.sampled_from([0.25, 0.75, 0.49, 0.51, -0.1, 2.0, math.nan]),
            st.sampled_from([0.25, 0.75, 0.505]),
            st.booleans(),
        ),
        max_size=400,
    )
)
def test_no_activation_sooner_than_lock_on_plus_dwell_after_the_last_one(rows) -> None:
    engine = DwellEngine(FAST)
    t, last_fire = 0.0, None
    first_usable = None
    for dt, x, y, valid in rows:
        t += dt
        s = GazeSample(t, x, y, valid)
        if first_usable is None and s.usable:
            first_usable = t
        state = engine.update(s, TARGETS)
        if state.activated:
            need = FAST.lock_on_s + (0.3 if state.activated == "c" else FAST.dwell_s)
            since = t - (first_usable if last_fire is None else last_fire)
            assert since >= need - 1e-9
            last_fire = t


@settings(max_examples=100, deadline=None)
@given(
    dicts=st.lists(
        st.fixed_dictionaries(
            {
                "system_time_stamp": st.integers(min_value=0, max_value=2**40),
                "left_gaze_point_validity": st.sampled_from([0, 1]),
                "right_gaze_point_validity": st.just(0),
                "left_gaze_point_on_display_area": st.tuples(coord, coord),
                "right_gaze_point_on_display_area": st.tuples(coord, coord),
            }
        ),
        max_size=200,
    )
)
def test_random_tobii_dictionaries_never_raise(dicts) -> None:
    engine = DwellEngine(FAST)
    for d in dicts:
        s = from_tobii_dict(d)
        state = engine.update(s, TARGETS)
        assert not state.activated or s.usable


rect = st.tuples(
    coord,
    coord,
    st.floats(min_value=-0.1, max_value=1.0),
    st.floats(min_value=-0.1, max_value=1.0),
)
target = st.builds(
    DwellTarget,
    id=st.sampled_from(["a", "b", "c", "r"]),
    rect=rect,
    enabled=st.booleans(),
    dwell_s=st.one_of(st.none(), st.floats(min_value=0.01, max_value=3.0)),
    while_paused=st.booleans(),
)
op = st.one_of(
    st.tuples(st.just("sample"), raw_sample),
    st.tuples(st.just("targets"), st.lists(target, max_size=6)),
    st.tuples(
        st.sampled_from(["cancel", "cancel_soft", "reset", "pause", "resume"]),
        st.none(),
    ),
)


@settings(max_examples=100, deadline=None)
@given(ops=st.lists(op, max_size=250))
def test_interleaved_target_changes_and_controls_never_raise(ops) -> None:
    engine = DwellEngine(FAST)
    targets: list[DwellTarget] = list(TARGETS)
    t = 0.0
    for name, arg in ops:
        if name == "sample":
            dt, x, y, valid, conf = arg
            t = t + dt if math.isfinite(dt) else t
            s = GazeSample(t, x, y, valid, conf)
            state = engine.update(s, targets)
            assert 0.0 <= state.progress <= 1.0
            assert state.phase in (
                "idle",
                "lock_on",
                "dwell",
                "rearm",
                "cooldown",
                "blink",
                "lost",
            )
            if state.activated:
                assert s.usable
                live = [tg for tg in targets if tg.id == state.activated and tg.enabled]
                assert live, "fired a target that is not live"
                assert any(tg.contains(s.x, s.y, FAST.exit_margin) for tg in live), (
                    "fired away from the gaze"
                )
                assert not engine.paused or any(tg.while_paused for tg in live)
        elif name == "targets":
            targets = arg
        elif name == "cancel":
            engine.cancel()
        elif name == "cancel_soft":
            engine.cancel(require_look_away=False)
        elif name == "reset":
            engine.reset()
        else:
            engine.set_paused(name == "pause")
