"""A stand-in for ``TittaPy_v2`` (TittaPy, the Titta C++ wrapper that bundles the Tobii SDK).

Same pull API as the real module: ``find_all_eye_trackers()`` returns dicts, ``EyeTracker(address)``
buffers streams that ``start(stream)`` turns on, and ``consume_N(stream, N)`` / ``peek_N`` return a
dict of numpy arrays (one column per field) with TittaPy's field names. ``fake_*`` helpers let tests
push samples and simulate a disconnect. Inject with ``monkeypatch.setitem(sys.modules, ...)``.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

__version__ = "2.1.0-fake"

_TRACKERS: list[dict[str, Any]] = []
_INSTANCES: dict[str, "EyeTracker"] = {}

STREAMS = ("gaze", "eye_openness", "eye_image", "external_signal", "time_sync", "positioning", "notification")

GAZE_FIELDS = [
    "device_time_stamp", "system_time_stamp",
    *[f"{s}_{k}" for s in ("left", "right") for k in (
        "gaze_point_on_display_area_x", "gaze_point_on_display_area_y",
        "gaze_point_in_user_coordinates_x", "gaze_point_in_user_coordinates_y", "gaze_point_in_user_coordinates_z",
        "gaze_point_valid", "gaze_point_available",
        "pupil_diameter", "pupil_valid", "pupil_available",
        "gaze_origin_in_user_coordinates_x", "gaze_origin_in_user_coordinates_y", "gaze_origin_in_user_coordinates_z",
        "gaze_origin_in_track_box_coordinates_x", "gaze_origin_in_track_box_coordinates_y",
        "gaze_origin_in_track_box_coordinates_z", "gaze_origin_valid", "gaze_origin_available")],
]


def fake_reset(*trackers: dict[str, Any]) -> None:
    _TRACKERS[:] = list(trackers)
    _INSTANCES.clear()


def fake_tracker_info(address: str = "tobii-prp://TPFC2-010202524041", serial: str = "TPFC2-010202524041") -> dict[str, Any]:
    return {
        "device_name": "fusion", "serial_number": serial, "model": "Tobii Pro Fusion",
        "firmware_version": "2.6.4", "runtime_version": "2.6.4", "address": address, "frequency": 120.0,
        "tracking_mode": "human", "capabilities": [], "supported_frequencies": [60.0, 120.0, 250.0],
        "supported_modes": ["human"],
    }


def find_all_eye_trackers() -> list[dict[str, Any]]:
    return [dict(t) for t in _TRACKERS]


def get_SDK_version() -> str:
    return "2.1.0-fake"


def start_logging() -> None:
    pass


class EyeTracker:
    def __init__(self, address: str) -> None:
        info = next((t for t in _TRACKERS if t["address"] == address), None)
        if info is None:
            raise RuntimeError(f"Titta::cpp::EyeTracker: could not connect to eye tracker at {address}")
        self.address = address
        self.serial_number = info["serial_number"]
        self.model = info["model"]
        self.device_name = info["device_name"]
        self.frequency = info["frequency"]
        self._lock = threading.Lock()
        self._buffers: dict[str, list[dict[str, Any]]] = {s: [] for s in STREAMS}
        self._recording: set[str] = set()
        self.connected = True
        _INSTANCES[address] = self

    def has_stream(self, stream: str) -> bool:
        return stream in ("gaze", "eye_openness", "time_sync", "positioning", "notification", "external_signal")

    def start(self, stream: str, initial_buffer_size: int | None = None, as_gif: bool | None = None) -> bool:
        if not self.has_stream(stream):
            raise RuntimeError(f"Titta::cpp::start: stream {stream!r} not supported by this eye tracker")
        self._recording.add(stream)
        return True

    def stop(self, stream: str, clear_buffer: bool | None = None) -> bool:
        self._recording.discard(stream)
        if clear_buffer:
            self._buffers[stream].clear()
        return True

    def is_recording(self, stream: str) -> bool:
        return stream in self._recording

    def _columns(self, rows: list[dict[str, Any]], stream: str) -> dict[str, np.ndarray]:
        fields = GAZE_FIELDS if stream == "gaze" else (sorted(rows[0]) if rows else ["system_time_stamp"])
        return {f: np.array([r.get(f, math.nan) for r in rows]) for f in fields}

    def consume_N(self, stream: str, N: int | None = None, side: str | None = None) -> dict[str, np.ndarray]:
        with self._lock:
            buf = self._buffers[stream]
            n = len(buf) if N is None else min(int(N), len(buf))
            rows, self._buffers[stream] = buf[:n], buf[n:]
        return self._columns(rows, stream)

    def peek_N(self, stream: str, N: int | None = None, side: str | None = None) -> dict[str, np.ndarray]:
        with self._lock:
            buf = list(self._buffers[stream])
        rows = buf if N is None else buf[-int(N):]
        return self._columns(rows, stream)

    # -- calibration (queued: results come from calibration_retrieve_result) -------------------
    def _done(self, action: str, status: int = 0, **extra: Any) -> None:
        self._cal_results.append({"work_item": {"action": action, "coordinates": extra.pop("coordinates", None)},
                                  "status": status, "status_string": "TOBII_RESEARCH_STATUS_OK" if status == 0 else "TOBII_RESEARCH_STATUS_SE_INTERNAL",
                                  **extra})

    def enter_calibration_mode(self, do_monocular: bool) -> bool:
        if getattr(self, "_in_cal", False):
            return False
        self._in_cal, self._cal_points, self._cal_results = True, [], []
        self._done("Enter")
        return True

    def is_in_calibration_mode(self, issue_error_if_not_: bool | None = None) -> bool:
        return getattr(self, "_in_cal", False)

    def leave_calibration_mode(self, force: bool | None = None) -> bool:
        was = getattr(self, "_in_cal", False)
        self._in_cal = False
        if was:
            self._done("Exit")
        return was

    def calibration_collect_data(self, coordinates: list[float], eye: str | None = None) -> None:
        x, y = coordinates
        ok = 0 <= x <= 1 and 0 <= y <= 1 and self.connected
        if ok:
            self._cal_points.append((x, y))
        self._done("CollectData", 0 if ok else 1, coordinates=list(coordinates))

    def calibration_compute_and_apply(self) -> None:
        pts = [{"position_on_display_area_x": x, "position_on_display_area_y": y} for x, y in self._cal_points]
        ok = len(pts) >= 2
        self._done("Compute", 0 if ok else 1, calibration_result={"status": "success" if ok else "failure", "points": pts if ok else []})
        if ok:
            self.applied_calibration = list(self._cal_points)

    def calibration_retrieve_result(self) -> dict[str, Any] | None:
        return self._cal_results.pop(0) if getattr(self, "_cal_results", None) else None

    # -- test helpers -------------------------------------------------------------------------
    def fake_push_gaze(self, t_s: float, x: float, y: float, left_valid: bool = True, right_valid: bool = True) -> None:
        if "gaze" not in self._recording or not self.connected:
            return
        us = int(round(t_s * 1e6))
        row: dict[str, Any] = {"device_time_stamp": us + 987_654, "system_time_stamp": us}
        for side, valid, dx in (("left", left_valid, -0.002), ("right", right_valid, 0.002)):
            nan = math.nan
            row.update({
                f"{side}_gaze_point_on_display_area_x": x + dx if valid else nan,
                f"{side}_gaze_point_on_display_area_y": y if valid else nan,
                f"{side}_gaze_point_in_user_coordinates_x": (x - 0.5) * 520 if valid else nan,
                f"{side}_gaze_point_in_user_coordinates_y": (0.5 - y) * 290 + 150 if valid else nan,
                f"{side}_gaze_point_in_user_coordinates_z": 40.0 if valid else nan,
                f"{side}_gaze_point_valid": bool(valid), f"{side}_gaze_point_available": True,
                f"{side}_pupil_diameter": 3.1 if valid else nan, f"{side}_pupil_valid": bool(valid),
                f"{side}_pupil_available": True,
                f"{side}_gaze_origin_in_user_coordinates_x": 30.0 if dx > 0 else -30.0,
                f"{side}_gaze_origin_in_user_coordinates_y": 0.0,
                f"{side}_gaze_origin_in_user_coordinates_z": 600.0,
                f"{side}_gaze_origin_in_track_box_coordinates_x": 0.5,
                f"{side}_gaze_origin_in_track_box_coordinates_y": 0.5,
                f"{side}_gaze_origin_in_track_box_coordinates_z": 0.5,
                f"{side}_gaze_origin_valid": bool(valid), f"{side}_gaze_origin_available": True,
            })
        with self._lock:
            self._buffers["gaze"].append(row)

    def fake_notify(self, t_s: float, notification_type: str) -> None:
        if "notification" in self._recording:
            with self._lock:
                self._buffers["notification"].append(
                    {"system_time_stamp": int(t_s * 1e6), "notification_type": notification_type})

    def fake_disconnect(self, t_s: float) -> None:
        self.connected = False
        self.fake_notify(t_s, "connection_lost")

    def fake_reconnect(self, t_s: float) -> None:
        self.connected = True
        self.fake_notify(t_s, "connection_restored")
