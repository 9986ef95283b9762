"""Fuzz the gaze path: raw tracker data -> sample -> failover -> One Euro filter -> dwell engine.

A phantom selection is the worst thing an eye-gaze board can do, and trackers do send NaN, inf,
points far off the screen, timestamps that run backwards, bursts of samples with one timestamp,
and long gaps. Properties checked on every generated stream (fixed budgets, counts printed):

1. nothing in the chain raises;
2. a sample that is not usable never activates a tile (``activated`` is only ever set on a
   usable sample);
3. every activation is backed by enough *usable* looking time on that tile: the sum of the
   intervals between consecutive accepted usable samples that were both on the tile (grown by the
   exit margin), each interval capped at ``max_step_s``, since the previous activation, is at least
   ``lock_on + dwell - exit_grace`` (exit grace is the most the engine credits when the gaze settles
   on a tile after an excursion). Invalid samples, gaps, out-of-order and non-finite times add no
   credit in this bound, so an activation made of bad data fails it;
4. the failover source's output never runs backwards in time and is never usable during the settle
   window after a loss.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import FuzzCounter  # noqa: E402

from aac.gaze.dwell import DwellConfig, DwellEngine, DwellTarget  # noqa: E402
from aac.gaze.filter import OneEuroFilter  # noqa: E402
from aac.gaze.sample import GazeSample, from_tobii_dict  # noqa: E402
from aac.gaze.source import FailoverSource, GazeSource  # noqa: E402

import os  # noqa: E402

COUNT = FuzzCounter("test_fuzz_gaze")
SCALE = float(os.environ.get("AAC_FUZZ_SCALE", "1") or 1)


def budget(n: int) -> settings:
    return settings(deadline=None, max_examples=max(1, int(n * SCALE)),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    COUNT.dump()


# A 3 x 3 board with gaps between tiles, one disabled tile, one tile with its own dwell time.
TARGETS = [
    DwellTarget(f"r{r}c{c}", (0.05 + c * 0.32, 0.05 + r * 0.32, 0.28, 0.28),
                enabled=not (r == 1 and c == 1), dwell_s=2.0 if (r, c) == (2, 2) else None)
    for r in range(3) for c in range(3)
]
BY_ID = {t.id: t for t in TARGETS}
CONFIG = DwellConfig(dwell_s=0.5, lock_on_s=0.1)  # short, so random streams reach activations

bad_floats = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5.0, -3.0, 1.06, -0.06, 0.0, 1.0])
coords = st.one_of(st.floats(0.0, 1.0), st.floats(0.0, 1.0), bad_floats)
# Time steps: mostly a 60 Hz tick, sometimes a burst (0), a jitter back, a big jump back, a gap, NaN.
steps = st.one_of(st.just(1 / 60), st.just(1 / 60), st.floats(0.0, 0.05), st.just(0.0), st.floats(-0.05, 0.0),
                  st.sampled_from([-5.0, 0.3, 0.6, 2.0, 30.0, math.nan, math.inf]))


@st.composite
def sample_streams(draw, max_size: int = 250):
    """Streams with fixations (runs of samples on one point), blinks, bursts, gaps and garbage."""
    out: list[GazeSample] = []
    t = draw(st.sampled_from([0.0, 1000.0, 1e9, -50.0]))
    for _ in range(draw(st.integers(1, 12))):
        mode = draw(st.sampled_from(["fixate", "fixate", "noise", "blink", "garbage"]))
        n = draw(st.integers(1, 90))
        if mode == "fixate":  # rest on one point (inside a tile or not) with tiny noise
            x, y = draw(st.floats(0, 1)), draw(st.floats(0, 1))
        for _ in range(n):
            if len(out) >= max_size:
                break
            step = draw(steps) if mode in ("garbage", "noise") else 1 / 60
            t_s = t + step if math.isfinite(step) else step
            if math.isfinite(t_s):
                t = t_s
            if mode == "fixate":
                out.append(GazeSample(t, x + draw(st.floats(-0.005, 0.005)), y, True, 1.0))
            elif mode == "noise":
                out.append(GazeSample(t_s, draw(coords), draw(coords), draw(st.booleans()), draw(st.floats(0, 1))))
            elif mode == "blink":
                out.append(GazeSample(t_s, math.nan, math.nan, False, 0.0))
            else:
                out.append(GazeSample(t_s, draw(coords), draw(coords), True, draw(st.floats(allow_nan=True))))
    return out


def credit_bound(samples: list[tuple[GazeSample, bool]], target: DwellTarget, margin: float, max_step: float,
                 rebase_s: float) -> float:
    """Upper bound of the looking time the engine may credit to ``target`` over ``samples``
    (see module docstring, property 3). ``samples`` holds (sample, usable-as-fed-to-the-engine)."""
    total = 0.0
    last_t = None
    prev_on = False
    for s, usable in samples:
        t = s.t
        if not math.isfinite(t):
            continue
        if last_t is not None and t < last_t:
            if last_t - t <= rebase_s:
                continue  # the engine ignores slightly out-of-order samples
            last_t, prev_on = None, False  # new clock
        dt = 0.0 if last_t is None else t - last_t
        last_t = t
        on = usable and target.contains(s.x, s.y, margin)
        if on and prev_on:
            total += min(dt, max_step)
        prev_on = on
    return total


def run_chain(stream: list[GazeSample], use_filter: bool = True, paused: bool = False,
              engine_factory=DwellEngine) -> list[str]:
    """Feed the stream through filter + dwell exactly as the board does; check properties 1-3."""
    flt = OneEuroFilter.for_source("tobii") if use_filter else None
    engine = engine_factory(CONFIG)
    if paused:
        engine.set_paused(True)
    fed: list[tuple[GazeSample, bool]] = []
    activations = []
    for sample in stream:
        filtered = sample
        if flt is not None and sample.usable:
            filtered = flt.filter(sample)
        usable = filtered.usable
        state = engine.update(filtered, TARGETS)
        fed.append((filtered, usable))
        assert 0.0 <= state.progress <= 1.0, state
        if state.activated is not None:
            assert usable, f"activation {state.activated} on an unusable sample {filtered}"
            target = BY_ID[state.activated]
            assert target.enabled, "a disabled tile fired"
            assert not paused or target.while_paused, "a tile fired while paused"
            need = CONFIG.lock_on_s + (target.dwell_s or CONFIG.dwell_s) - CONFIG.exit_grace_s - 1e-6
            got = credit_bound(fed, target, CONFIG.exit_margin, CONFIG.max_step_s, CONFIG.rebase_s)
            assert got >= need, f"{state.activated} fired after only {got:.3f}s of usable looking (needs {need:.3f})"
            activations.append(state.activated)
            fed = [(filtered, usable)]  # credit restarts after an activation
    return activations


@budget(120)
@given(sample_streams())
def test_dwell_chain_never_raises_never_fires_from_bad_data(stream):
    acts = run_chain(stream)
    COUNT.hit("gaze_stream_filter_dwell", "activations" if acts else "none")


@budget(40)
@given(sample_streams())
def test_dwell_without_filter_and_while_paused(stream):
    COUNT.hit("gaze_stream_dwell_nofilter")
    run_chain(stream, use_filter=False)
    COUNT.hit("gaze_stream_paused")
    assert run_chain(stream, paused=True) == []  # no tile here is a resume tile


@budget(60)
@given(sample_streams())
def test_only_invalid_versions_of_a_stream_never_fire(stream):
    """The same timing with every sample made unusable (blinks, NaN, off-screen): zero activations."""
    COUNT.hit("gaze_stream_all_invalid")
    bad = []
    for i, s in enumerate(stream):
        kind = i % 4
        if kind == 0:
            bad.append(GazeSample(s.t, s.x, s.y, False, s.confidence))
        elif kind == 1:
            bad.append(GazeSample(s.t, math.nan, s.y, True, 1.0))
        elif kind == 2:
            bad.append(GazeSample(s.t, 0.2, math.inf, True, 1.0))
        else:
            bad.append(GazeSample(s.t, 1.5, 0.5, True, 1.0))  # off screen beyond the 5 % margin
    assert run_chain(bad) == []


class BlinkCountingEngine(DwellEngine):
    """A deliberately broken engine: it treats blinks (invalid samples) as looking at the tile."""

    def update(self, sample, targets):
        if not sample.usable and self._cand is not None:
            sample = GazeSample(sample.t, *_centre(self._cand), True, 1.0)
        return super().update(sample, targets)


def _centre(tid: str) -> tuple[float, float]:
    x, y, w, h = BY_ID[tid].rect
    return x + w / 2, y + h / 2


def test_the_checks_catch_an_engine_that_counts_blinks():
    """The properties above can fail: a blink-counting engine is caught by property 2 or 3."""
    cx, cy = _centre("r0c0")
    stream = [GazeSample(i / 60, cx, cy, True, 1.0) for i in range(3)]
    stream += [GazeSample((3 + i) / 60, math.nan, math.nan, False, 0.0) for i in range(60)]
    assert run_chain(stream, engine_factory=DwellEngine) == []  # the real engine holds, never fires
    with pytest.raises(AssertionError, match="unusable sample|usable looking"):
        run_chain(stream, engine_factory=BlinkCountingEngine)


# --------------------------------------------------------------------------- failover source
class ScriptedSource(GazeSource):
    """A device that returns scripted batches per poll: samples, silence ([]), or an exception."""

    def __init__(self, batches: list, name: str = "tracker") -> None:
        self.batches = list(batches)
        self.name = name

    def poll(self) -> list[GazeSample]:
        if not self.batches:
            return []
        b = self.batches.pop(0)
        if isinstance(b, Exception):
            raise b
        return b


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@st.composite
def poll_scripts(draw):
    stream = draw(sample_streams(max_size=200))
    batches: list = []
    i = 0
    while i < len(stream):
        kind = draw(st.sampled_from(["batch", "batch", "batch", "silence", "error"]))
        if kind == "batch":
            n = draw(st.integers(1, 8))
            batches.append(stream[i:i + n])
            i += n
        elif kind == "silence":
            batches.extend([[]] * draw(st.integers(1, 20)))
        else:
            batches.append(RuntimeError("usb hiccup"))
    frame_dts = draw(st.lists(st.sampled_from([1 / 60, 1 / 60, 0.0, 0.2, 1.0, 6.0]), min_size=1, max_size=8))
    return batches, frame_dts


@budget(60)
@given(poll_scripts())
def test_failover_chain_monotonic_settled_and_no_phantom(script):
    """Tracker lost / regained / silent / crashing, with a mouse-like fallback: the output goes
    into the same filter + dwell checks, never runs backwards, and is unusable while settling."""
    batches, frame_dts = script
    clock = Clock()
    primary = ScriptedSource(batches, "tracker")
    fallback = ScriptedSource([[GazeSample(0.0, 0.5, 0.5, True, 1.0)]] * 5, "fallback")
    src = FailoverSource([primary, fallback], failover_s=2.0, settle_s=0.3, clock=clock)
    src.start()
    out: list[GazeSample] = []
    last_t = -math.inf
    for frame in range(len(batches) + 10):
        clock.now += frame_dts[frame % len(frame_dts)]
        was_lost = src.lost
        got = src.poll()
        for s in got:
            assert s.t >= last_t, "failover output ran backwards in time"
            last_t = s.t
        if was_lost and any(s.usable for s in got):
            raise AssertionError("usable sample on the poll where a loss ended (must settle first)")
        out.extend(got)
        src.status  # never raises
        src.drain_events()
    COUNT.hit("gaze_failover_script")
    run_chain(out)


# --------------------------------------------------------------------------- raw tracker data
raw_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
                       st.lists(st.floats(allow_nan=True), max_size=3), st.tuples(st.floats(), st.floats()),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
TOBII_KEYS = ["device_time_stamp", "system_time_stamp", "left_gaze_point_on_display_area",
              "right_gaze_point_on_display_area", "left_gaze_point_validity", "right_gaze_point_validity",
              "left_pupil_diameter", "right_pupil_diameter"]


@budget(300)
@given(st.dictionaries(st.sampled_from(TOBII_KEYS), raw_values, max_size=8))
def test_from_tobii_dict_never_raises_and_junk_is_never_usable_on_screen(d):
    """The SDK edge: any dictionary becomes a GazeSample; a point that is not two finite numbers
    with validity 1 is never usable."""
    COUNT.hit("tobii_dict")
    s = from_tobii_dict(d)
    assert isinstance(s, GazeSample)
    if s.usable:
        eyes = [side for side in ("left", "right") if d.get(f"{side}_gaze_point_validity") in (1, True, 1.0)]
        assert eyes, d


@budget(40)
@given(st.lists(st.one_of(st.dictionaries(st.sampled_from(TOBII_KEYS), raw_values, max_size=8).map(json.dumps),
                          st.text(max_size=30), st.just("# comment"), st.just("")), max_size=20))
def test_replay_trace_files_only_trace_error(tmp_path_factory, lines):
    """A recorded trace file (caregivers share them for bug reports): TraceError or samples."""
    from aac.gaze.replay import TraceError, load_trace, trace_samples

    path = tmp_path_factory.mktemp("trace") / "t.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    COUNT.hit("replay_trace")
    try:
        samples = trace_samples(load_trace(path))
    except TraceError as exc:
        assert str(path.name) in str(exc)
        return
    run_chain(samples)
