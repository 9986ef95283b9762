"""One internal gaze sample type, and conversion from the Tobii SDK's dictionaries.

Every source (Tobii, TittaPy, webcam, mouse, replay, simulation) produces ``GazeSample`` in
normalized screen coordinates (0..1, origin top-left), so the filter and dwell engine never
know which device is attached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class GazeSample:
    """A gaze point. ``t`` in seconds (monotonic source clock), x/y normalized to the screen."""

    t: float
    x: float
    y: float
    valid: bool
    confidence: float = 1.0

    @property
    def usable(self) -> bool:
        """True when the point can drive a dwell: valid, finite and on (or just off) the screen."""
        return (
            self.valid
            and math.isfinite(self.x)
            and math.isfinite(self.y)
            and math.isfinite(self.t)
            and -0.05 <= self.x <= 1.05
            and -0.05 <= self.y <= 1.05
        )


def _eye(d: Mapping[str, Any], side: str) -> tuple[float, float] | None:
    try:
        # The SDK sends 0/1; a replayed or hand-made trace may hold anything: not 1 = not valid.
        if int(d.get(f"{side}_gaze_point_validity", 0) or 0) != 1:
            return None
    except (TypeError, ValueError, OverflowError):
        return None
    point = d.get(f"{side}_gaze_point_on_display_area")
    try:
        x, y = float(point[0]), float(point[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return x, y


def from_tobii_dict(d: Mapping[str, Any]) -> GazeSample:
    """Convert a ``tobii_research`` gaze-data dictionary (as_dictionary=True) to a sample.

    Both eyes valid -> their mean; one eye valid -> that eye with confidence 0.5 (monocular
    data is noisier); neither -> an invalid sample (a blink or tracking loss).
    ``system_time_stamp`` is in microseconds. Never raises: a time that is not a number gives a
    NaN time, which the dwell engine ignores (bad data must never crash the board or fire a tile).
    """
    try:
        t = float(d.get("system_time_stamp", 0)) / 1e6
    except (TypeError, ValueError, OverflowError):
        t = math.nan
    left, right = _eye(d, "left"), _eye(d, "right")
    if left and right:
        return GazeSample(t, (left[0] + right[0]) / 2, (left[1] + right[1]) / 2, True, 1.0)
    one = left or right
    if one:
        return GazeSample(t, one[0], one[1], True, 0.5)
    return GazeSample(t, math.nan, math.nan, False, 0.0)


def to_tobii_dict(s: GazeSample, device_offset_us: int = 0) -> dict[str, Any]:
    """The inverse of :func:`from_tobii_dict`, used by simulators and trace recording."""
    us = int(round(s.t * 1e6))
    point = (s.x, s.y) if s.valid else (math.nan, math.nan)
    validity = 1 if s.valid else 0
    return {
        "device_time_stamp": us + device_offset_us,
        "system_time_stamp": us,
        "left_gaze_point_on_display_area": point,
        "left_gaze_point_validity": validity,
        "right_gaze_point_on_display_area": point,
        "right_gaze_point_validity": validity,
        "left_pupil_diameter": 3.0 if s.valid else math.nan,
        "left_pupil_validity": validity,
        "right_pupil_diameter": 3.0 if s.valid else math.nan,
        "right_pupil_validity": validity,
    }
