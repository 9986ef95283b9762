"""Synthetic gaze streams in the Tobii SDK dictionary format, and checks of the generator itself.

The dwell and filter tests build their input with :class:`GazeStream`: fixations (with Gaussian
noise), saccades (a smooth minimum-jerk move of realistic duration), blinks (both eyes invalid),
silent gaps (no samples at all, as when a tracker drops out) and raw dictionaries for bad data.
Everything goes through ``aac.gaze.sample.from_tobii_dict``, the same conversion the real Tobii
adapter uses, so the engine is tested on what it will really receive.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable
from typing import Any

import pytest

from aac.gaze.sample import GazeSample, from_tobii_dict

#: A plausible ``system_time_stamp`` origin (microseconds), far from zero like the real clock.
T0_US = 1_700_000_000_000


def sample_time(t_s: float) -> float:
    """The ``GazeSample.t`` that a stream time ``t_s`` becomes after ``from_tobii_dict``."""
    return (T0_US + round(t_s * 1e6)) / 1e6


def tobii_dict(
    t_s: float,
    x: float,
    y: float,
    left_valid: bool = True,
    right_valid: bool = True,
    eye_offset: float = 0.0,
) -> dict[str, Any]:
    """One ``tobii_research`` gaze-data dictionary (as_dictionary=True) at time ``t_s``."""
    us = T0_US + round(t_s * 1e6)
    left = (x - eye_offset, y) if left_valid else (math.nan, math.nan)
    right = (x + eye_offset, y) if right_valid else (math.nan, math.nan)
    return {
        "device_time_stamp": us - 123_456,
        "system_time_stamp": us,
        "left_gaze_point_on_display_area": left,
        "left_gaze_point_validity": int(left_valid),
        "right_gaze_point_on_display_area": right,
        "right_gaze_point_validity": int(right_valid),
        "left_pupil_diameter": 3.1 if left_valid else math.nan,
        "left_pupil_validity": int(left_valid),
        "right_pupil_diameter": 3.0 if right_valid else math.nan,
        "right_pupil_validity": int(right_valid),
    }


class GazeStream:
    """Builder for a gaze stream at ``rate_hz``; positions in normalized screen units.

    ``noise`` is the per-sample Gaussian standard deviation at fixation (0.01 is about half a
    degree on a 52 cm screen at 60 cm); ``noise_y`` the vertical one (default: the same).
    """

    def __init__(
        self,
        rate_hz: float = 60.0,
        noise: float = 0.0,
        seed: int = 0,
        t: float = 0.0,
        noise_y: float | None = None,
    ) -> None:
        self.rate = rate_hz
        self.dt = 1.0 / rate_hz
        self.noise = noise
        self.noise_y = noise if noise_y is None else noise_y
        self.rng = random.Random(seed)
        self.t = t
        self.x = 0.5
        self.y = 0.5
        self.dicts: list[dict[str, Any]] = []
        #: Ground truth: (t_start, t_end, x, y) of every fixation, for filter measurements.
        self.fixations: list[tuple[float, float, float, float]] = []

    def _n(self) -> float:
        return self.rng.gauss(0.0, self.noise) if self.noise else 0.0

    def _ny(self) -> float:
        return self.rng.gauss(0.0, self.noise_y) if self.noise_y else 0.0

    def _steps(self, duration: float) -> int:
        return max(0, round(duration * self.rate))

    def fix(self, x: float, y: float, duration: float) -> GazeStream:
        """Fixate (x, y) for ``duration`` seconds (jump there without a saccade)."""
        self.x, self.y = x, y
        start = self.t
        for _ in range(self._steps(duration)):
            self.dicts.append(tobii_dict(self.t, x + self._n(), y + self._ny()))
            self.t += self.dt
        if self.t > start:
            self.fixations.append(
                (sample_time(start), sample_time(self.t - self.dt), x, y)
            )
        return self

    def saccade(self, x: float, y: float, duration: float = 0.04) -> GazeStream:
        """Move to (x, y) along a minimum-jerk profile (how eyes move, peak speed mid-way)."""
        x0, y0 = self.x, self.y
        n = max(1, self._steps(duration))
        for i in range(1, n + 1):
            s = i / n
            f = 10 * s**3 - 15 * s**4 + 6 * s**5
            self.dicts.append(
                tobii_dict(
                    self.t,
                    x0 + (x - x0) * f + self._n(),
                    y0 + (y - y0) * f + self._ny(),
                )
            )
            self.t += self.dt
        self.x, self.y = x, y
        return self

    def blink(self, duration: float) -> GazeStream:
        """Both eyes invalid for ``duration`` (a blink, or tracking loss when long)."""
        for _ in range(self._steps(duration)):
            self.dicts.append(tobii_dict(self.t, math.nan, math.nan, False, False))
            self.t += self.dt
        return self

    def one_eye(self, x: float, y: float, duration: float) -> GazeStream:
        """Only the right eye tracked (monocular, confidence 0.5) at (x, y)."""
        self.x, self.y = x, y
        for _ in range(self._steps(duration)):
            self.dicts.append(
                tobii_dict(self.t, x + self._n(), y + self._ny(), left_valid=False)
            )
            self.t += self.dt
        return self

    def gap(self, duration: float) -> GazeStream:
        """No samples at all for ``duration`` (the tracker stopped delivering)."""
        self.t += duration
        return self

    def raw(self, d: dict[str, Any], advance: bool = True) -> GazeStream:
        """Append an arbitrary dictionary (bad data tests)."""
        self.dicts.append(d)
        if advance:
            self.t += self.dt
        return self

    def samples(self) -> list[GazeSample]:
        return [from_tobii_dict(d) for d in self.dicts]


def run(
    engine: Any, samples: Iterable[GazeSample], targets: Any
) -> list[tuple[float, str]]:
    """Feed samples to a dwell engine; return (time, target id) of every activation."""
    fired = []
    for s in samples:
        state = engine.update(s, targets)
        if state.activated:
            fired.append((s.t, state.activated))
    return fired


# ---------------------------------------------------------------- generator checks
def test_fixation_has_the_rate_and_stays_near_the_point() -> None:
    s = GazeStream(rate_hz=120, noise=0.005, seed=3).fix(0.3, 0.7, 1.0).samples()
    assert len(s) == 120
    assert all(x.valid and x.usable and x.confidence == 1.0 for x in s)
    assert s[1].t - s[0].t == pytest.approx(1 / 120, abs=2e-6)
    mean_x = sum(x.x for x in s) / len(s)
    assert mean_x == pytest.approx(0.3, abs=0.002)


def test_blink_samples_are_invalid_and_time_keeps_running() -> None:
    s = GazeStream().fix(0.5, 0.5, 0.1).blink(0.2).fix(0.5, 0.5, 0.1).samples()
    invalid = [x for x in s if not x.valid]
    assert len(invalid) == 12
    assert all(not x.usable and math.isnan(x.x) for x in invalid)
    assert all(b.t > a.t for a, b in itertools.pairwise(s))


def test_saccade_ends_on_target_and_one_eye_has_half_confidence() -> None:
    g = GazeStream().fix(0.1, 0.1, 0.05).saccade(0.9, 0.5, 0.05).one_eye(0.9, 0.5, 0.05)
    s = g.samples()
    last_saccade = s[5]
    assert (last_saccade.x, last_saccade.y) == pytest.approx((0.9, 0.5))
    assert s[-1].confidence == 0.5 and s[-1].usable


def test_gap_leaves_a_hole_in_time() -> None:
    s = GazeStream().fix(0.5, 0.5, 0.05).gap(3.0).fix(0.5, 0.5, 0.05).samples()
    steps = [b.t - a.t for a, b in itertools.pairwise(s)]
    assert max(steps) == pytest.approx(3.0 + 1 / 60, abs=1e-3)
