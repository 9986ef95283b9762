"""Synthetic gaze for tests and benchmarks: fixation/saccade traces and a geometric eye model.

No device exists on the build machines, so jitter, lag, dropout behaviour and calibration
accuracy are measured on traces whose ground truth is known:

- :func:`scanpath` makes a trace of fixations joined by saccades with Gaussian noise given in
  degrees (0.5 deg ~ a Tobii Pro tracker, ~4 deg ~ a webcam), blinks and tracking losses.
- :class:`EyeModel` produces webcam-style feature vectors (iris offset within each eye, head
  pose) for a gaze target and a head pose, so the webcam regression can be calibrated and
  validated in degrees without a camera.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from aac.gaze.calibration import ScreenGeometry
from aac.gaze.sample import GazeSample


@dataclass(frozen=True)
class Fixation:
    x: float
    y: float
    duration_s: float


def deg_sigma(geometry: ScreenGeometry, noise_deg: float) -> tuple[float, float]:
    """Per-axis standard deviation (normalized units) for a radial RMS of ``noise_deg``."""
    w, h = geometry.deg_to_norm(noise_deg / math.sqrt(2))
    return w, h


def scanpath(
    fixations: Sequence[Fixation],
    *,
    rate_hz: float = 60.0,
    noise_deg: float = 0.5,
    saccade_s: float = 0.04,
    t0: float = 0.0,
    blinks: Sequence[tuple[float, float]] = (),
    losses: Sequence[tuple[float, float]] = (),
    geometry: ScreenGeometry = ScreenGeometry(),
    seed: int = 0,
) -> list[GazeSample]:
    """Samples for a sequence of fixations joined by minimum-jerk saccades.

    ``blinks`` ``(start, duration)`` (relative to ``t0``) give invalid samples; ``losses`` give no
    samples at all (the tracker stopped sending, e.g. a cable or USB dropout).
    """
    rng = np.random.default_rng(seed)
    sx, sy = deg_sigma(geometry, noise_deg)
    dt = 1.0 / rate_hz
    out: list[GazeSample] = []
    t = 0.0
    prev: Fixation | None = None
    segments: list[tuple[float, float, Fixation, Fixation | None]] = []
    for f in fixations:
        if prev is not None and saccade_s > 0:
            segments.append((t, t + saccade_s, f, prev))
            t += saccade_s
        segments.append((t, t + f.duration_s, f, None))
        t += f.duration_s
        prev = f
    end = t
    n = int(end * rate_hz)
    seg_i = 0
    for i in range(n):
        ti = i * dt
        while seg_i < len(segments) - 1 and ti >= segments[seg_i][1]:
            seg_i += 1
        a, b, f, start = segments[seg_i]
        if start is None:
            x, y = f.x + rng.normal(0, sx), f.y + rng.normal(0, sy)
        else:
            u = min(1.0, max(0.0, (ti - a) / (b - a)))
            k = 10 * u**3 - 15 * u**4 + 6 * u**5  # minimum jerk
            x, y = start.x + (f.x - start.x) * k, start.y + (f.y - start.y) * k
        if any(s <= ti < s + d for s, d in losses):
            continue
        if any(s <= ti < s + d for s, d in blinks):
            out.append(GazeSample(t0 + ti, math.nan, math.nan, False, 0.0))
        else:
            out.append(GazeSample(t0 + ti, float(x), float(y), True, 1.0))
    return out


def truth_at(fixations: Sequence[Fixation], t: float, saccade_s: float = 0.04) -> tuple[float, float]:
    """Where the eye really is at ``t`` (the intended target; saccades count as the new target)."""
    acc = 0.0
    for i, f in enumerate(fixations):
        acc += (saccade_s if i else 0.0) + f.duration_s
        if t < acc:
            return f.x, f.y
    return fixations[-1].x, fixations[-1].y


# ----------------------------------------------------------------------------- webcam eye model
@dataclass
class EyeModel:
    """A simple geometric model of what a webcam sees of two eyes looking at a screen point.

    Each eyeball (radius ``eye_radius_cm``) rotates to look at the target; the iris centre's
    offset from the eye-corner midpoint, divided by the eye width (corner to corner), is the
    feature, as in :mod:`aac.gaze.webcam`. The head sits at ``head`` (cm from the screen centre,
    z = distance) with yaw/pitch (deg); head pose is part of the features. ``landmark_noise``
    is the landmark jitter as a fraction of the eye width (face-mesh iris landmarks jitter by about
    1-3 % of the eye width on a 640x480 webcam frame).
    """

    geometry: ScreenGeometry = ScreenGeometry()
    eye_radius_cm: float = 1.2
    eye_width_cm: float = 3.0
    ipd_cm: float = 6.3
    landmark_noise: float = 0.015
    pose_noise_deg: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def features(self, target: tuple[float, float], head: tuple[float, float, float] = (0.0, 0.0, 60.0),
                 yaw_deg: float = 0.0, pitch_deg: float = 0.0) -> np.ndarray:
        tx, ty = self.geometry.to_cm(target)
        feats: list[float] = []
        yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
        for side in (-1, 1):
            ex = head[0] + side * self.ipd_cm / 2 * math.cos(yaw)
            ey, ez = head[1], head[2]
            # gaze direction in screen coordinates, then relative to the head's rotation
            gx, gy, gz = tx - ex, ty - ey, -ez
            az = math.atan2(gx, -gz) - yaw
            el = math.atan2(gy, math.hypot(gx, gz)) - pitch
            dx = self.eye_radius_cm * math.sin(az) / self.eye_width_cm
            dy = self.eye_radius_cm * math.sin(el) / self.eye_width_cm
            feats += [dx + self._rng.normal(0, self.landmark_noise), dy + self._rng.normal(0, self.landmark_noise)]
        n = self.pose_noise_deg
        feats += [
            yaw_deg + self._rng.normal(0, n), pitch_deg + self._rng.normal(0, n),
            head[0] / head[2] + self._rng.normal(0, 0.005), head[1] / head[2] + self._rng.normal(0, 0.005),
        ]
        return np.array(feats)

    def random_pose(self, spread_cm: float = 2.0, spread_deg: float = 3.0) -> tuple[tuple[float, float, float], float, float]:
        """A head position/rotation near the calibration pose (people move a little)."""
        r = self._rng
        return ((float(r.normal(0, spread_cm)), float(r.normal(0, spread_cm)), float(60 + r.normal(0, spread_cm))),
                float(r.normal(0, spread_deg)), float(r.normal(0, spread_deg)))

    def calibration_frames(self, targets: Sequence[tuple[float, float]], per_target: int,
                           spread_cm: float = 2.0, spread_deg: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
        """Features of ``per_target`` frames looking at each target (head moving a little), and
        the targets themselves: the (X, Y) a calibration fit or its validation gets."""
        X, Y = [], []
        for t in targets:
            for _ in range(per_target):
                head, yaw, pitch = self.random_pose(spread_cm=spread_cm, spread_deg=spread_deg)
                X.append(self.features(t, head, yaw, pitch))
                Y.append(t)
        return np.array(X), np.array(Y)
