"""Dwell engine behaviour on synthetic Tobii-format streams (see test_dwell_streams.GazeStream)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from test_dwell_streams import GazeStream, run

from aac.gaze.dwell import DwellConfig, DwellEngine, DwellState, DwellTarget
from aac.gaze.sample import GazeSample

A = DwellTarget("a", (0.1, 0.1, 0.2, 0.2))  # centre (0.2, 0.2)
B = DwellTarget("b", (0.4, 0.1, 0.2, 0.2))  # centre (0.5, 0.2)
C = DwellTarget("c", (0.7, 0.1, 0.2, 0.2))  # centre (0.8, 0.2)
RESUME = DwellTarget(
    "resume", (0.4, 0.6, 0.2, 0.2), while_paused=True
)  # centre (0.5, 0.7)
TARGETS = [A, B, C, RESUME]
SELECT_S = 0.15 + 1.0  # default lock-on + dwell


def fired_ids(engine: DwellEngine, stream: GazeStream, targets=TARGETS) -> list[str]:
    return [tid for _, tid in run(engine, stream.samples(), targets)]


@pytest.mark.parametrize("rate", [60, 90, 120])
def test_steady_fixation_fires_once_after_lock_on_plus_dwell(rate: int) -> None:
    g = GazeStream(rate_hz=rate, noise=0.01, seed=1).fix(0.2, 0.2, 3.0)
    fired = run(DwellEngine(), g.samples(), TARGETS)
    assert [tid for _, tid in fired] == ["a"]
    assert fired[0][0] - g.samples()[0].t == pytest.approx(SELECT_S, abs=2.5 / rate)


def test_progress_is_zero_during_lock_on_then_rises_monotonically_to_one() -> None:
    engine = DwellEngine()
    states = [
        engine.update(s, TARGETS)
        for s in GazeStream(noise=0.005).fix(0.2, 0.2, 1.3).samples()
    ]
    t0 = states and 0
    lock = [st for i, st in enumerate(states) if i / 60 < 0.14]
    assert all(
        st.target_id == "a" and st.progress == 0.0 and st.phase == "lock_on"
        for st in lock
    )
    fired_at = next(i for i, st in enumerate(states) if st.activated)
    ramp = [st.progress for st in states[: fired_at + 1]]
    assert ramp == sorted(ramp) and ramp[-1] == 1.0
    assert states[int(0.65 * 60)].progress == pytest.approx(0.5, abs=0.04)
    assert all(st.phase in ("rearm", "cooldown") for st in states[fired_at + 1 :])
    assert t0 == 0


def test_reading_fixations_shorter_than_the_dwell_never_fire() -> None:
    g = GazeStream(noise=0.01, seed=2).fix(0.2, 0.2, 0.4)
    for _ in range(5):
        g.saccade(0.5, 0.2).fix(0.5, 0.2, 0.6).saccade(0.8, 0.2).fix(
            0.8, 0.2, 1.1
        ).saccade(0.2, 0.2).fix(0.2, 0.2, 0.9)
    assert fired_ids(DwellEngine(), g) == []


def test_blink_mid_dwell_keeps_progress_but_does_not_advance_it() -> None:
    g = GazeStream(noise=0.005).fix(0.2, 0.2, 0.6).blink(0.2).fix(0.2, 0.2, 1.0)
    samples = g.samples()
    engine = DwellEngine()
    states = [engine.update(s, TARGETS) for s in samples]
    before = states[35].progress  # last sample before the blink
    during = [st for s, st in zip(samples, states) if not s.valid]
    assert during and all(
        st.target_id == "a" and st.progress == before and st.phase == "blink"
        for st in during
    )
    fired = [s.t - samples[0].t for s, st in zip(samples, states) if st.activated]
    assert len(fired) == 1
    assert fired[0] == pytest.approx(
        SELECT_S + 0.2, abs=0.05
    )  # blink time does not count


def test_invalid_data_longer_than_blink_tolerance_cancels_progress() -> None:
    g = GazeStream().fix(0.2, 0.2, 0.9).blink(0.4).fix(0.2, 0.2, 3.0)
    engine = DwellEngine(DwellConfig(look_away_after_loss=False))
    states = [engine.update(s, TARGETS) for s in g.samples()]
    assert any(st.phase == "lost" and st.target_id is None for st in states)
    fired = [
        s.t - g.samples()[0].t for s, st in zip(g.samples(), states) if st.activated
    ]
    # The progress from before the loss is gone: a whole selection time after the data returns.
    assert fired == [pytest.approx(0.9 + 0.4 + SELECT_S, abs=0.05)]


def test_loss_mid_dwell_then_same_tile_needs_a_look_away_by_default() -> None:
    engine = DwellEngine()
    g = GazeStream(noise=0.005).fix(0.2, 0.2, 0.9).blink(0.4).fix(0.2, 0.2, 3.0)
    assert fired_ids(engine, g) == []
    g2 = (
        GazeStream(noise=0.005, t=g.t)
        .saccade(0.5, 0.2)
        .fix(0.5, 0.2, 0.3)
        .saccade(0.2, 0.2)
        .fix(0.2, 0.2, 1.3)
    )
    assert fired_ids(engine, g2) == ["a"]
    # A loss while looking at no tile blocks nothing.
    engine = DwellEngine()
    g = GazeStream().fix(0.35, 0.5, 0.5).blink(1.0).saccade(0.2, 0.2).fix(0.2, 0.2, 1.3)
    assert fired_ids(engine, g) == ["a"]


def test_silent_gap_mid_dwell_never_completes_across_the_reconnect() -> None:
    # A 3 s tracker loss with no samples at all, then data again on the same tile.
    g = GazeStream(noise=0.005).fix(0.2, 0.2, 0.8).gap(3.0).fix(0.2, 0.2, 3.0)
    assert fired_ids(DwellEngine(), g) == []
    loose = DwellEngine(DwellConfig(look_away_after_loss=False))
    fired = run(loose, g.samples(), TARGETS)
    assert [tid for _, tid in fired] == ["a"]
    assert fired[0][0] - g.samples()[0].t == pytest.approx(
        0.8 + 3.0 + SELECT_S, abs=0.05
    )
    # The board also cancels on a dropout it detects itself: same rule.
    engine = DwellEngine()
    g = GazeStream(noise=0.005).fix(0.2, 0.2, 0.8)
    assert fired_ids(engine, g) == []
    engine.cancel()
    g2 = GazeStream(noise=0.005, t=g.t + 0.1).fix(0.2, 0.2, 4.0)
    assert fired_ids(engine, g2) == []
    g3 = (
        GazeStream(noise=0.005, t=g2.t)
        .saccade(0.5, 0.7)
        .fix(0.5, 0.7, 0.3)
        .saccade(0.2, 0.2)
        .fix(0.2, 0.2, 1.3)
    )
    assert fired_ids(engine, g3) == ["a"]


def test_same_tile_does_not_fire_again_until_the_gaze_leaves_it() -> None:
    engine = DwellEngine()
    g = GazeStream(noise=0.01, seed=4).fix(0.2, 0.2, 5.0)
    assert fired_ids(engine, g) == ["a"]
    # A brief noise excursion (shorter than the exit grace) is not a look-away.
    g2 = GazeStream(t=g.t).fix(0.5, 0.2, 0.05).fix(0.2, 0.2, 3.0)
    assert fired_ids(engine, g2) == []
    # A real look-away (to a gap between tiles) re-arms it.
    g3 = (
        GazeStream(t=g2.t)
        .saccade(0.35, 0.5)
        .fix(0.35, 0.5, 0.3)
        .saccade(0.2, 0.2)
        .fix(0.2, 0.2, 1.3)
    )
    assert fired_ids(engine, g3) == ["a"]


def test_cooldown_delays_the_next_tile_after_any_activation() -> None:
    cfg = DwellConfig(cooldown_s=0.5)
    g = GazeStream().fix(0.2, 0.2, SELECT_S + 0.01).fix(0.5, 0.2, 3.0)
    fired = run(DwellEngine(cfg), g.samples(), TARGETS)
    assert [tid for _, tid in fired] == ["a", "b"]
    # b: the cooldown (0.5 s) passes first, then a whole lock-on + dwell.
    assert fired[1][0] - fired[0][0] == pytest.approx(0.5 + SELECT_S, abs=0.05)


def test_pause_lets_only_the_resume_tile_fire_with_its_longer_dwell() -> None:
    engine = DwellEngine()
    engine.set_paused(True)
    g = GazeStream(noise=0.005).fix(0.2, 0.2, 3.0).fix(0.5, 0.2, 3.0)
    states = [engine.update(s, TARGETS) for s in g.samples()]
    assert not any(st.activated for st in states)
    assert all(st.target_id is None for st in states)  # no ring on inert tiles
    g2 = GazeStream(noise=0.005, t=g.t).saccade(0.5, 0.7).fix(0.5, 0.7, 4.0)
    fired = run(engine, g2.samples(), TARGETS)
    assert [tid for _, tid in fired] == ["resume"]
    assert fired[0][0] - g2.samples()[0].t == pytest.approx(0.04 + 0.15 + 2.0, abs=0.06)
    engine.set_paused(False)
    g3 = GazeStream(t=g2.t).saccade(0.2, 0.2).fix(0.2, 0.2, 1.3)
    assert fired_ids(engine, g3) == ["a"]


def test_pause_tile_replaced_by_resume_tile_in_place_never_toggles_by_itself() -> None:
    pause = DwellTarget("pause", (0.4, 0.6, 0.2, 0.2))
    engine = DwellEngine()
    g = GazeStream(noise=0.005).fix(0.5, 0.7, 1.3)
    assert fired_ids(engine, g, [A, pause]) == ["pause"]
    engine.set_paused(
        True
    )  # the board now shows the resume tile where the pause tile was
    g2 = GazeStream(noise=0.005, t=g.t).fix(0.5, 0.7, 6.0)
    assert fired_ids(engine, g2, [A, RESUME]) == []
    g3 = (
        GazeStream(noise=0.005, t=g2.t)
        .saccade(0.2, 0.2)
        .fix(0.2, 0.2, 0.4)
        .saccade(0.5, 0.7)
        .fix(0.5, 0.7, 2.4)
    )
    assert fired_ids(engine, g3, [A, RESUME]) == ["resume"]


def test_per_target_dwell_override() -> None:
    slow = DwellTarget("slow", (0.1, 0.1, 0.2, 0.2), dwell_s=2.0)
    g = GazeStream().fix(0.2, 0.2, 4.0)
    fired = run(DwellEngine(), g.samples(), [slow])
    assert fired and fired[0][0] - g.samples()[0].t == pytest.approx(2.15, abs=0.03)


def test_stream_of_only_invalid_data_never_activates() -> None:
    g = GazeStream().blink(5.0).one_eye(0.2, 0.2, 0.0)
    for i in range(300):  # also valid flags with garbage points
        g.raw(
            {
                "system_time_stamp": int(1e12) + i * 16_000,
                "left_gaze_point_validity": 1,
                "left_gaze_point_on_display_area": (math.nan, 0.2),
            }
        )
    engine = DwellEngine()
    states = [engine.update(s, TARGETS) for s in g.samples()]
    assert not any(st.activated for st in states)
    assert states[-1].phase == "lost"


@pytest.mark.parametrize(
    "bad",
    [
        GazeSample(0.0, math.nan, math.nan, True),
        GazeSample(0.0, math.inf, 0.2, True),
        GazeSample(0.0, 0.2, -math.inf, True),
        GazeSample(0.0, 5.0, 0.2, True),
        GazeSample(0.0, 0.2, 0.2, False),
    ],
)
def test_bad_points_interleaved_with_good_never_fire_on_their_own(
    bad: GazeSample,
) -> None:
    engine = DwellEngine()
    # Alternate one good sample on A with a long run of bad samples: the bad runs exceed the
    # blink tolerance, so progress can never accumulate.
    fired = []
    t = 0.0
    for _ in range(40):
        fired.append(engine.update(GazeSample(t, 0.2, 0.2, True), TARGETS).activated)
        for _ in range(20):
            t += 1 / 60
            fired.append(
                engine.update(GazeSample(t, bad.x, bad.y, bad.valid), TARGETS).activated
            )
        t += 1 / 60
    assert not any(fired)


def test_non_finite_time_and_garbage_samples_are_ignored() -> None:
    engine = DwellEngine()
    for t in (math.nan, math.inf, -math.inf):
        assert engine.update(GazeSample(t, 0.2, 0.2, True), TARGETS).activated is None
    assert (
        engine.update(
            SimpleNamespace(t="x", x=0.2, y=0.2, valid=True), TARGETS
        ).activated
        is None
    )  # type: ignore[arg-type]
    assert engine.update(object(), TARGETS).activated is None  # type: ignore[arg-type]
    assert fired_ids(engine, GazeStream().fix(0.2, 0.2, 1.3)) == [
        "a"
    ]  # still works afterwards


def test_time_going_backwards_or_repeating_never_speeds_a_dwell() -> None:
    engine = DwellEngine()
    fired = []
    # Each sample repeated, and every few samples one from the past (reordered delivery).
    for i in range(int(1.0 * 60)):
        t = i / 60
        for tt in (t, t, t - 0.05):
            fired.append(
                engine.update(GazeSample(tt, 0.2, 0.2, True), TARGETS).activated
            )
    assert not any(
        fired
    )  # 1.0 s of looking < lock-on + dwell, however the samples repeat
    # A clock restart (new time base far in the past) cancels the dwell like a tracking loss
    # (look away first), then the engine carries on in the new time base.
    g = GazeStream(t=-1000.0).fix(0.2, 0.2, 3.0)
    assert fired_ids(engine, g) == []
    g2 = (
        GazeStream(t=g.t)
        .saccade(0.5, 0.2)
        .fix(0.5, 0.2, 0.2)
        .saccade(0.2, 0.2)
        .fix(0.2, 0.2, 1.3)
    )
    assert fired_ids(engine, g2) == ["a"]


def test_slow_source_or_stalled_frames_cannot_jump_the_progress() -> None:
    engine = DwellEngine()
    states = [
        engine.update(GazeSample(t, 0.2, 0.2, True), TARGETS) for t in (0.0, 0.2, 0.4)
    ]
    # Steps of 0.2 s (<= blink tolerance) count at most max_step_s (0.1 s) each.
    assert states[-1].progress == 0.05 / 1.0 or states[-1].progress == pytest.approx(
        0.05
    )
    assert not any(st.activated for st in states)


def test_edge_noise_within_the_exit_margin_does_not_reset() -> None:
    # Fixating just inside A's right edge (x=0.3) with noise: some samples fall outside the rect.
    g = GazeStream(noise=0.004, seed=7).fix(0.297, 0.2, 2.0)
    samples = g.samples()
    assert sum(1 for s in samples if s.x > 0.3) > 10
    fired = run(DwellEngine(), samples, TARGETS)
    assert [tid for _, tid in fired] == ["a"]
    assert fired[0][0] - samples[0].t == pytest.approx(SELECT_S, abs=0.1)


def test_brief_excursion_holds_progress_and_long_one_moves_to_the_new_tile() -> None:
    g = GazeStream().fix(0.2, 0.2, 0.6).fix(0.5, 0.2, 0.05).fix(0.2, 0.2, 1.0)
    fired = run(DwellEngine(), g.samples(), TARGETS)
    assert [tid for _, tid in fired] == ["a"]
    assert fired[0][0] - g.samples()[0].t == pytest.approx(SELECT_S + 0.05, abs=0.05)
    # An excursion beyond the exit grace gives A up; B's lock-on counts from the arrival.
    g = GazeStream().fix(0.2, 0.2, 0.9).fix(0.5, 0.2, 1.5)
    fired = run(DwellEngine(), g.samples(), TARGETS)
    assert [tid for _, tid in fired] == ["b"]
    assert fired[0][0] - g.samples()[0].t == pytest.approx(0.9 + SELECT_S, abs=0.05)


def test_disabled_and_removed_targets_never_fire() -> None:
    stale = DwellTarget("a", A.rect, enabled=False)
    assert fired_ids(DwellEngine(), GazeStream().fix(0.2, 0.2, 3.0), [stale, B]) == []
    engine = DwellEngine()
    samples = GazeStream().fix(0.2, 0.2, 3.0).samples()
    fired = [
        engine.update(s, TARGETS if i < 50 else [B, C]).activated
        for i, s in enumerate(samples)
    ]
    assert not any(fired)


def test_tile_that_fired_then_went_stale_stays_blocked_under_a_still_gaze() -> None:
    engine = DwellEngine()
    g = GazeStream(noise=0.005).fix(0.2, 0.2, 1.3)
    assert fired_ids(engine, g) == ["a"]
    stale = [DwellTarget("a", A.rect, enabled=False), B]
    g2 = GazeStream(noise=0.005, t=g.t).fix(0.2, 0.2, 0.3)
    assert fired_ids(engine, g2, stale) == []
    g3 = GazeStream(noise=0.005, t=g2.t).fix(
        0.2, 0.2, 3.0
    )  # fresh predictions, same tile id
    assert fired_ids(engine, g3) == []


def test_cancel_when_tiles_change_under_the_gaze_requires_look_away() -> None:
    engine = DwellEngine()
    g = GazeStream().fix(0.2, 0.2, 0.9)
    assert fired_ids(engine, g) == []
    engine.cancel()
    assert engine.state.target_id is None and engine.state.progress == 0.0
    keyboard = [DwellTarget("key-q", A.rect), B]
    assert fired_ids(engine, GazeStream(t=g.t).fix(0.2, 0.2, 3.0), keyboard) == []


def test_reset_forgets_blocks_and_cooldown() -> None:
    engine = DwellEngine()
    g = GazeStream().fix(0.2, 0.2, 1.3)
    assert fired_ids(engine, g) == ["a"]
    engine.reset()
    assert engine.state == DwellState(None, 0.0, None, "idle")
    assert fired_ids(engine, GazeStream(t=g.t).fix(0.2, 0.2, 1.3)) == ["a"]


def test_config_validation_and_settings() -> None:
    with pytest.raises(ValueError, match="dwell_s"):
        DwellConfig(dwell_s=0)
    with pytest.raises(ValueError, match="cooldown_s"):
        DwellConfig(cooldown_s=-1)
    with pytest.raises(ValueError, match="lock_on_s"):
        DwellConfig(lock_on_s=math.nan)
    cfg = DwellConfig.from_settings(
        SimpleNamespace(
            dwell_ms=800, lock_on_ms=100, cooldown_ms=250, resume_dwell_ms=2500
        )
    )
    assert (cfg.dwell_s, cfg.lock_on_s, cfg.cooldown_s, cfg.resume_dwell_s) == (
        0.8,
        0.1,
        0.25,
        2.5,
    )


def test_malformed_target_rects_are_never_hit() -> None:
    bad = [
        DwellTarget("nan", (math.nan, 0.1, 0.2, 0.2)),
        DwellTarget("neg", (0.1, 0.1, -0.2, 0.2)),
        DwellTarget("short", (0.1, 0.1)),  # type: ignore[arg-type]
    ]
    assert fired_ids(DwellEngine(), GazeStream().fix(0.2, 0.2, 3.0), bad) == []


def test_bad_per_target_dwell_is_refused_with_a_clear_message() -> None:
    for bad in (0, -1.0, math.nan, "1s"):
        with pytest.raises(ValueError, match="target 'x': dwell_s"):
            DwellTarget("x", (0, 0, 1, 1), dwell_s=bad)  # type: ignore[arg-type]


def test_under_is_the_tile_under_the_gaze_now_while_the_target_is_held() -> None:
    """``under`` follows the eye at once (for previews); ``target_id`` keeps the hysteresis."""
    engine = DwellEngine()
    g = GazeStream(noise=0.0).fix(0.2, 0.2, 0.5).fix(0.5, 0.2, 0.1)
    states = [engine.update(s, TARGETS) for s in g.samples()]
    on_a, on_b = states[29], states[-1]
    assert on_a.target_id == "a" and on_a.under == "a" and on_a.under_s == pytest.approx(29 / 60)
    # 0.1 s on B: shorter than the exit grace, so the dwell still holds A; under is B
    assert on_b.target_id == "a" and on_b.under == "b"
    assert on_b.under_s == pytest.approx(5 / 60, abs=1 / 60)
    assert not any(st.activated for st in states)
    # off every tile: nothing under the gaze
    assert engine.update(GazeSample(g.samples()[-1].t + 1 / 60, 0.95, 0.95, True), TARGETS).under is None
