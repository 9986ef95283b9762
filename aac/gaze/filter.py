"""Gaze smoothing with the One Euro filter, and the measurements that justify its settings.

Raw gaze jitters at a fixation (tracker noise plus the eye's own tremor and microsaccades) and
jumps in saccades. A fixed low-pass filter would have to choose between a steady point and a
point that follows the eye; the One Euro filter (Casiez, Roussel and Vogel, CHI 2012) adapts: its
cutoff frequency rises with the (filtered) speed, so it smooths hard at rest and barely at all
during a saccade. Here the speed is the 2-D speed of the point (both axes share one cutoff, so a
diagonal saccade is followed as quickly as a horizontal one); each axis is filtered separately.

Robustness rules (a tracker sends anything):
- invalid or non-finite samples (and points far off the screen) pass through unchanged and never
  touch the filter state, so a blink cannot drag the point towards NaN or a corner;
- a gap longer than ``reset_after_s`` (or a clock jump back) restarts the filter at the new
  sample: after a long loss the eye is elsewhere and old state would only add lag;
- duplicate or slightly reordered timestamps return the last filtered point (no division by 0).

Default parameters are for normalized screen coordinates (0..1 of the screen width/height; speed
in screen widths per second), chosen from :func:`measure_jitter_lag` on synthetic Tobii-like
traces (60-120 Hz, fixation noise ~0.4 degree RMS, minimum-jerk saccades): see ``PRESETS``;
``python tests/test_filter_tuning.py`` prints the whole parameter table.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aac.gaze.sample import GazeSample


@dataclass(frozen=True)
class OneEuroParams:
    """``min_cutoff`` (Hz) sets smoothing at rest; ``beta`` (Hz per screen-width/s) how fast the
    cutoff opens with speed; ``d_cutoff`` (Hz) smooths the speed estimate itself."""

    min_cutoff: float
    beta: float
    d_cutoff: float = 1.0


#: Per-source defaults (normalized coordinates). Why these values (measured with
#: ``measure_jitter_lag`` on synthetic traces with white fixation noise and minimum-jerk saccades,
#: 13 fixations and 12 saccades each; see tests/test_filter_tuning.py):
#: - tobii/titta (precision ~0.2-0.5 deg RMS at 60-120 Hz): beta 3 is the sweet spot at 60 Hz and
#:   0.4 deg per axis: jitter 0.56 -> 0.17-0.18 deg RMS with 16-17 ms lag at the half-way point
#:   of a saccade (33-35 ms to 90 %). A lower beta (1) smooths no better at rest, because the
#:   noise itself is what opens the cutoff, but doubles the lag; a higher one (10) lets the noise
#:   through. min_cutoff matters little once beta dominates; 0.5 Hz sits mid-range.
#: - webcam (~2-4 deg of noise at 30 Hz): min_cutoff 0.3, beta 1: 2.6 -> 0.94 deg at 2 deg noise
#:   (5.2 -> 1.8 deg at 4 deg) for ~40 ms lag; stronger smoothing only adds lag.
#: - mouse/scan: no filtering (a pointer is already smooth; any lag costs dwell time).
PRESETS: dict[str, OneEuroParams | None] = {
    "tobii": OneEuroParams(min_cutoff=0.5, beta=3.0, d_cutoff=1.0),
    "titta": OneEuroParams(min_cutoff=0.5, beta=3.0, d_cutoff=1.0),
    "replay": OneEuroParams(min_cutoff=0.5, beta=3.0, d_cutoff=1.0),
    "sim": OneEuroParams(min_cutoff=0.5, beta=3.0, d_cutoff=1.0),
    "webcam": OneEuroParams(min_cutoff=0.3, beta=1.0, d_cutoff=1.0),
    "mouse": None,
    "scan": None,
}
#: The filter for an unknown source: the tracker preset.
DEFAULT: OneEuroParams = OneEuroParams(min_cutoff=0.5, beta=3.0, d_cutoff=1.0)

#: Points further than this outside the screen are treated as garbage, not as gaze.
_PLAUSIBLE = (-0.5, 1.5)


def _alpha(cutoff: float, dt: float) -> float:
    """Smoothing factor of a first-order low-pass at ``cutoff`` Hz for a step of ``dt`` s."""
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Stateful One Euro filter over :class:`GazeSample` (x and y filtered, one shared cutoff).

    ``enabled=False`` makes it a pass-through (for the mouse), so callers need no special case.
    """

    def __init__(
        self,
        min_cutoff: float = DEFAULT.min_cutoff,
        beta: float = DEFAULT.beta,
        d_cutoff: float = DEFAULT.d_cutoff,
        *,
        reset_after_s: float = 0.5,
        enabled: bool = True,
    ) -> None:
        for name, value in (
            ("min_cutoff", min_cutoff),
            ("d_cutoff", d_cutoff),
            ("reset_after_s", reset_after_s),
        ):
            if not (
                isinstance(value, (int, float)) and math.isfinite(value) and value > 0
            ):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not (isinstance(beta, (int, float)) and math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be a number >= 0, got {beta!r}")
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self.reset_after_s = float(reset_after_s)
        self.enabled = enabled
        self.reset()

    @classmethod
    def for_source(cls, name: str) -> OneEuroFilter:
        """The preset for a source name (``tobii``, ``webcam``, ``mouse``, ``replay:FILE`` ...)."""
        key = name.split(":", 1)[0].strip().lower()
        params = PRESETS.get(key, DEFAULT)
        if params is None:
            return cls(enabled=False)
        return cls(params.min_cutoff, params.beta, params.d_cutoff)

    def reset(self) -> None:
        """Forget the state (the next valid sample passes through unchanged)."""
        self._t: float | None = None
        self._x = self._y = 0.0
        self._dx = self._dy = 0.0

    def filter(self, sample: GazeSample) -> GazeSample:
        """Return the smoothed sample (same time, validity and confidence)."""
        if not self.enabled:
            return sample
        t, x, y = sample.t, sample.x, sample.y
        lo, hi = _PLAUSIBLE
        if not (
            sample.valid
            and math.isfinite(t)
            and math.isfinite(x)
            and math.isfinite(y)
            and lo <= x <= hi
            and lo <= y <= hi
        ):
            return sample
        if self._t is None:
            return self._start(sample)
        dt = t - self._t
        if dt > self.reset_after_s or dt < -self.reset_after_s:
            return self._start(sample)
        if dt <= 0.0:
            return GazeSample(t, self._x, self._y, True, sample.confidence)
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * (x - self._x) / dt + (1.0 - a_d) * self._dx
        self._dy = a_d * (y - self._y) / dt + (1.0 - a_d) * self._dy
        cutoff = self.min_cutoff + self.beta * math.hypot(self._dx, self._dy)
        a = _alpha(cutoff, dt)
        self._x = a * x + (1.0 - a) * self._x
        self._y = a * y + (1.0 - a) * self._y
        self._t = t
        return GazeSample(t, self._x, self._y, True, sample.confidence)

    def filter_many(self, samples: Iterable[GazeSample]) -> list[GazeSample]:
        return [self.filter(s) for s in samples]

    def _start(self, sample: GazeSample) -> GazeSample:
        self._t = sample.t
        self._x, self._y = sample.x, sample.y
        self._dx = self._dy = 0.0
        return sample


# ---------------------------------------------------------------------- measurement
@dataclass(frozen=True)
class ScreenGeometry:
    """The physical screen and viewing distance, to express normalized errors in degrees.
    Defaults: a 52 cm wide 16:9 screen at 60 cm (the project's reference set-up)."""

    width_cm: float = 52.0
    height_cm: float = 29.25
    distance_cm: float = 60.0

    def degrees(self, dx: float, dy: float = 0.0) -> float:
        """Visual angle of a normalized offset (dx, dy) seen at the screen centre."""
        d_cm = math.hypot(dx * self.width_cm, dy * self.height_cm)
        return math.degrees(2.0 * math.atan(d_cm / (2.0 * self.distance_cm)))

    def normalized_x(self, deg: float) -> float:
        """Normalized horizontal distance that spans ``deg`` degrees at the centre."""
        return (
            2.0 * self.distance_cm * math.tan(math.radians(deg) / 2.0) / self.width_cm
        )


@dataclass(frozen=True)
class JitterLag:
    """Figures for one trace before/after filtering.

    ``jitter_*``: RMS distance of points from their fixation's mean (normalized units; ``*_deg``
    in degrees). ``lag_s``: median delay of the filtered point crossing half-way through a
    saccade step compared with the raw point; ``settle_s``: the same at 90 % of the step.
    """

    jitter_in: float
    jitter_out: float
    jitter_in_deg: float
    jitter_out_deg: float
    lag_s: float
    settle_s: float
    fixations: int
    steps: int

    def summary(self) -> str:
        return (
            f"jitter {self.jitter_in_deg:.3f} -> {self.jitter_out_deg:.3f} deg RMS "
            f"({self.fixations} fixations), lag {self.lag_s * 1000:.0f} ms at 50 %, "
            f"{self.settle_s * 1000:.0f} ms at 90 % ({self.steps} saccades)"
        )


def _usable(s: GazeSample) -> bool:
    return s.valid and math.isfinite(s.t) and math.isfinite(s.x) and math.isfinite(s.y)


def find_fixations(
    samples: Sequence[GazeSample], step_threshold: float = 0.05, min_fix_s: float = 0.15
) -> list[tuple[float, float, float, float]]:
    """Fixation windows ``(t_start, t_end, mean_x, mean_y)`` in a (raw) trace.

    A window is a run of usable samples that all stay within ``step_threshold / 2`` of the
    run's running median point; a new window starts when the point moves further (a saccade),
    and runs shorter than ``min_fix_s`` are dropped (saccade samples, blinks).
    """
    pts = [s for s in samples if _usable(s)]
    windows: list[tuple[float, float, float, float]] = []
    run: list[GazeSample] = []

    def close() -> None:
        if run and run[-1].t - run[0].t >= min_fix_s:
            mx = statistics.fmean(p.x for p in run)
            my = statistics.fmean(p.y for p in run)
            windows.append((run[0].t, run[-1].t, mx, my))

    for p in pts:
        if run:
            cx = statistics.median(q.x for q in run[-9:])
            cy = statistics.median(q.y for q in run[-9:])
            if (
                math.hypot(p.x - cx, p.y - cy) > step_threshold / 2
                or p.t - run[-1].t > 0.3
            ):
                close()
                run = []
        run.append(p)
    close()
    return windows


def jitter_rms(
    samples: Sequence[GazeSample],
    windows: Sequence[tuple[float, float, float, float]],
    skip_s: float = 0.1,
) -> float:
    """Pooled RMS distance from each window's own mean, skipping ``skip_s`` after its start
    (the settling after a saccade is lag, not jitter)."""
    sq, n = 0.0, 0
    for t0, t1, _, _ in windows:
        pts = [s for s in samples if _usable(s) and t0 + skip_s <= s.t <= t1]
        if len(pts) < 3:
            continue
        mx = statistics.fmean(p.x for p in pts)
        my = statistics.fmean(p.y for p in pts)
        sq += sum((p.x - mx) ** 2 + (p.y - my) ** 2 for p in pts)
        n += len(pts)
    return math.sqrt(sq / n) if n else math.nan


def _crossing(
    samples: Sequence[GazeSample],
    t0: float,
    t1: float,
    a: tuple[float, float],
    b: tuple[float, float],
    frac: float,
) -> float | None:
    """First time in [t0, t1] the point passes ``frac`` of the way from a to b (interpolated)."""
    vx, vy = b[0] - a[0], b[1] - a[1]
    length2 = vx * vx + vy * vy
    prev: tuple[float, float] | None = None
    for s in samples:
        if not _usable(s) or s.t < t0:
            continue
        if s.t > t1:
            break
        f = ((s.x - a[0]) * vx + (s.y - a[1]) * vy) / length2
        if f >= frac:
            if prev is None or f == prev[1]:
                return s.t
            pt, pf = prev
            return pt + (s.t - pt) * (frac - pf) / (f - pf)
        prev = (s.t, f)
    return None


def measure_jitter_lag(
    samples_in: Sequence[GazeSample],
    samples_out: Sequence[GazeSample],
    *,
    step_threshold: float = 0.05,
    min_fix_s: float = 0.15,
    geometry: ScreenGeometry | None = None,
    windows: Sequence[tuple[float, float, float, float]] | None = None,
) -> JitterLag:
    """Jitter at fixations and saccade lag of ``samples_out`` (filtered) against ``samples_in``.

    Fixations are found in the raw trace (:func:`find_fixations`); jitter is measured on both
    traces over the same windows; for every pair of consecutive fixations further apart than
    ``step_threshold`` the 50 % and 90 % crossing times of the step are compared.
    ``step_threshold`` must be well above the noise (about 4x its RMS): for webcam-class noise
    pass a larger one, or pass the known fixation ``windows`` of a synthetic trace
    (``(t_start, t_end, x, y)``, x/y the true fixation point).

    Jitter includes any slow settling left 0.1 s after a fixation starts: an over-smoothing
    filter is still crawling there, and that is what the dwell engine would see.
    """
    geometry = geometry or ScreenGeometry()
    if windows is None:
        windows = find_fixations(samples_in, step_threshold, min_fix_s)
    windows = list(windows)
    j_in = jitter_rms(samples_in, windows)
    j_out = jitter_rms(samples_out, windows)
    lags: list[float] = []
    settles: list[float] = []
    for (s0, e0, ax, ay), (s1, e1, bx, by) in itertools.pairwise(windows):
        if math.hypot(bx - ax, by - ay) < step_threshold:
            continue
        a, b = (ax, ay), (bx, by)
        for frac, out in ((0.5, lags), (0.9, settles)):
            t_in = _crossing(samples_in, e0, e1, a, b, frac)
            t_out = _crossing(samples_out, e0, e1, a, b, frac)
            if t_in is not None and t_out is not None:
                out.append(t_out - t_in)
    # Express RMS jitter in degrees with the horizontal scale (a conservative single figure).
    return JitterLag(
        jitter_in=j_in,
        jitter_out=j_out,
        jitter_in_deg=geometry.degrees(j_in) if math.isfinite(j_in) else math.nan,
        jitter_out_deg=geometry.degrees(j_out) if math.isfinite(j_out) else math.nan,
        lag_s=statistics.median(lags) if lags else math.nan,
        settle_s=statistics.median(settles) if settles else math.nan,
        fixations=len(windows),
        steps=len(lags),
    )
