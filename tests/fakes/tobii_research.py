"""A stand-in for the Tobii Pro SDK module ``tobii_research`` (no device, no SDK here).

Same names, constants and gaze-data dictionaries (as_dictionary=True) as the real SDK; the extra
``fake_*``/``emit_*`` helpers let tests drive data, disconnects and reconnects. Inject with
``monkeypatch.setitem(sys.modules, "tobii_research", fake)``.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable

__version__ = "2.1.0-fake"

EYETRACKER_GAZE_DATA = "gaze_data"
EYETRACKER_NOTIFICATION_CONNECTION_LOST = "notification_connection_lost"
EYETRACKER_NOTIFICATION_CONNECTION_RESTORED = "notification_connection_restored"
EYETRACKER_NOTIFICATION_CALIBRATION_MODE_ENTERED = "notification_calibration_mode_entered"
EYETRACKER_NOTIFICATION_CALIBRATION_MODE_LEFT = "notification_calibration_mode_left"

CALIBRATION_STATUS_SUCCESS = "calibration_status_success"
CALIBRATION_STATUS_FAILURE = "calibration_status_failure"
CALIBRATION_STATUS_SUCCESS_LEFT_EYE = "calibration_status_success_left_eye"
CALIBRATION_STATUS_SUCCESS_RIGHT_EYE = "calibration_status_success_right_eye"

VALIDITY_VALID_AND_USED = "validity_valid_and_used"


class EyeTrackerConnectionFailedError(Exception):
    pass


_TRACKERS: list["EyeTracker"] = []


def get_system_time_stamp() -> int:
    return int(time.monotonic() * 1e6)


def find_all_eyetrackers() -> tuple["EyeTracker", ...]:
    return tuple(_TRACKERS)


def fake_reset(*trackers: "EyeTracker") -> None:
    """Test helper: set which trackers 'are connected'."""
    _TRACKERS[:] = list(trackers)


class EyeTracker:
    def __init__(self, address: str, serial_number: str = "TPFC2-010202524041",
                 model: str = "Tobii Pro Fusion", device_name: str = "fusion") -> None:
        self.address = address
        self.serial_number = serial_number
        self.model = model
        self.device_name = device_name
        self.firmware_version = "2.6.4-fake"
        self._subs: dict[str, list[tuple[Callable[..., Any], bool]]] = {}
        self._lock = threading.Lock()
        self.calibration_mode = False
        self.calibration_points: list[tuple[float, float]] = []

    # -- real API -----------------------------------------------------------------------------
    def subscribe_to(self, subscription_type: str, callback: Callable[..., Any], as_dictionary: bool = False) -> None:
        with self._lock:
            self._subs.setdefault(subscription_type, []).append((callback, as_dictionary))

    def unsubscribe_from(self, subscription_type: str, callback: Callable[..., Any] | None = None) -> None:
        with self._lock:
            subs = self._subs.get(subscription_type, [])
            self._subs[subscription_type] = [s for s in subs if callback is not None and s[0] != callback]

    def get_gaze_output_frequency(self) -> float:
        return 120.0

    # -- test helpers -------------------------------------------------------------------------
    def fake_subscribers(self, subscription_type: str) -> int:
        return len(self._subs.get(subscription_type, []))

    def _call(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            subs = list(self._subs.get(kind, []))
        for cb, _as_dict in subs:
            cb(dict(data))

    def emit_gaze(self, data: dict[str, Any]) -> None:
        self._call(EYETRACKER_GAZE_DATA, data)

    def emit_gaze_from_thread(self, rows: list[dict[str, Any]]) -> None:
        """Deliver rows from another thread, as the real SDK does, and wait for it."""
        th = threading.Thread(target=lambda: [self.emit_gaze(r) for r in rows])
        th.start()
        th.join()

    def emit_connection_lost(self) -> None:
        self._call(EYETRACKER_NOTIFICATION_CONNECTION_LOST, {"system_time_stamp": get_system_time_stamp()})

    def emit_connection_restored(self) -> None:
        self._call(EYETRACKER_NOTIFICATION_CONNECTION_RESTORED, {"system_time_stamp": get_system_time_stamp()})


class CalibrationPoint:
    def __init__(self, position_on_display_area: tuple[float, float]) -> None:
        self.position_on_display_area = position_on_display_area
        self.calibration_samples: tuple[Any, ...] = ()


class CalibrationResult:
    def __init__(self, status: str, calibration_points: tuple[CalibrationPoint, ...]) -> None:
        self.status = status
        self.calibration_points = calibration_points


class ScreenBasedCalibration:
    """Mimics the SDK: collect_data fails for points outside 0..1 (as a lost eye would)."""

    def __init__(self, eyetracker: EyeTracker) -> None:
        self._et = eyetracker
        self._points: list[tuple[float, float]] = []

    def enter_calibration_mode(self) -> None:
        if self._et.calibration_mode:
            raise RuntimeError("already in calibration mode")
        self._et.calibration_mode = True

    def leave_calibration_mode(self) -> None:
        self._et.calibration_mode = False

    def collect_data(self, x: float, y: float) -> str:
        if not self._et.calibration_mode:
            raise RuntimeError("not in calibration mode")
        if not (0 <= x <= 1 and 0 <= y <= 1):
            return CALIBRATION_STATUS_FAILURE
        self._points.append((x, y))
        return CALIBRATION_STATUS_SUCCESS

    def discard_data(self, x: float, y: float) -> None:
        self._points = [p for p in self._points if p != (x, y)]

    def compute_and_apply(self) -> CalibrationResult:
        if len(self._points) < 2:
            return CalibrationResult(CALIBRATION_STATUS_FAILURE, ())
        self._et.calibration_points = list(self._points)
        return CalibrationResult(CALIBRATION_STATUS_SUCCESS, tuple(CalibrationPoint(p) for p in self._points))


def gaze_dict(t_s: float, x: float, y: float, left_valid: bool = True, right_valid: bool = True,
              device_offset_us: int = 123_456_789, pupil_mm: float = 3.2) -> dict[str, Any]:
    """A full gaze-data dictionary with every field the real SDK sends (as_dictionary=True)."""
    us = int(round(t_s * 1e6))
    nan3 = (math.nan, math.nan, math.nan)

    def eye(valid: bool, dx: float) -> dict[str, Any]:
        return {
            "gaze_point_on_display_area": (x + dx, y) if valid else (math.nan, math.nan),
            "gaze_point_in_user_coordinate_system": ((x - 0.5) * 520 + dx, (0.5 - y) * 290 + 150, 40.0) if valid else nan3,
            "gaze_point_validity": 1 if valid else 0,
            "pupil_diameter": pupil_mm if valid else math.nan,
            "pupil_validity": 1 if valid else 0,
            "gaze_origin_in_user_coordinate_system": (30.0 * (1 if dx > 0 else -1), 0.0, 600.0) if valid else nan3,
            "gaze_origin_in_trackbox_coordinate_system": (0.5 + dx, 0.5, 0.5) if valid else nan3,
            "gaze_origin_validity": 1 if valid else 0,
        }

    d: dict[str, Any] = {"device_time_stamp": us + device_offset_us, "system_time_stamp": us}
    for side, valid, dx in (("left", left_valid, -0.002), ("right", right_valid, 0.002)):
        for k, v in eye(valid, dx).items():
            d[f"{side}_{k}"] = v
    return d
