"""Tobii trackers through TittaPy (module ``TittaPy_v2``), which bundles the Tobii SDK.

TittaPy has wheels for Python 3.10-3.15 (``tobii-research`` only for 3.10) and a pull API: the C++
side buffers samples and ``consume_N("gaze")`` hands them over as columns (a dict of arrays). That
suits the UI loop: ``poll()`` consumes what arrived since the last frame, with no callbacks.
Connection notifications come from the ``notification`` stream; while the connection is down, and
for ``settle_s`` after it is restored, samples are marked invalid so no dwell completes on them.
If no data arrives for ``reconnect_after_s`` the gaze stream is restarted (and the tracker
re-opened if that fails).
"""

from __future__ import annotations

import importlib
import math
import time
from types import ModuleType
from typing import Any, Mapping

from aac.gaze.sample import GazeSample, from_tobii_dict
from aac.gaze.source import Clock, GazeSource, SourceError

INSTALL_HINT = "TittaPy is not installed (pip install 'aac[titta]', Python 3.10-3.15)"


def import_titta(module: ModuleType | None = None) -> ModuleType:
    if module is not None:
        return module
    try:
        return importlib.import_module("TittaPy_v2")
    except ImportError as exc:
        raise SourceError(f"{INSTALL_HINT} ({exc})") from None


def _col(cols: Mapping[str, Any], side: str, *names: str) -> Any:
    for n in names:
        key = f"{side}_{n}"
        if key in cols:
            return cols[key]
    return None


def titta_rows_to_tobii(cols: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Convert TittaPy's columnar gaze buffer to ``tobii_research`` dictionaries (one per sample).

    TittaPy reports validity as ``*_valid`` and ``*_available`` booleans; an eye counts as valid
    only when both are true. Both the current (``gaze_point_on_display_area``) and the older short
    (``gaze_on_display_area``) column names are accepted.
    """
    ts = cols.get("system_time_stamp")
    if ts is None:
        return []
    n = len(ts)
    rows: list[dict[str, Any]] = []
    dev = cols.get("device_time_stamp")
    per_side = {}
    for side in ("left", "right"):
        per_side[side] = (
            _col(cols, side, "gaze_point_on_display_area_x", "gaze_on_display_area_x"),
            _col(cols, side, "gaze_point_on_display_area_y", "gaze_on_display_area_y"),
            _col(cols, side, "gaze_point_valid"),
            _col(cols, side, "gaze_point_available"),
            _col(cols, side, "pupil_diameter"),
            _col(cols, side, "pupil_valid"),
        )
    for i in range(n):
        d: dict[str, Any] = {
            "system_time_stamp": int(ts[i]),
            "device_time_stamp": int(dev[i]) if dev is not None else int(ts[i]),
        }
        for side, (xs, ys, valid, avail, pupil, pupil_valid) in per_side.items():
            ok = (
                xs is not None and ys is not None
                and (valid is None or bool(valid[i]))
                and (avail is None or bool(avail[i]))
            )
            x = float(xs[i]) if xs is not None else math.nan
            y = float(ys[i]) if ys is not None else math.nan
            ok = ok and math.isfinite(x) and math.isfinite(y)
            d[f"{side}_gaze_point_on_display_area"] = (x, y)
            d[f"{side}_gaze_point_validity"] = 1 if ok else 0
            d[f"{side}_pupil_diameter"] = float(pupil[i]) if pupil is not None else math.nan
            d[f"{side}_pupil_validity"] = 1 if (pupil_valid is not None and bool(pupil_valid[i])) else 0
        rows.append(d)
    return rows


class TittaSource(GazeSource):
    """Gaze from a Tobii tracker through TittaPy; ``wanted`` is an address or serial (None = first)."""

    name = "titta"

    def __init__(
        self,
        wanted: str | None = None,
        *,
        module: ModuleType | None = None,
        clock: Clock = time.monotonic,
        settle_s: float = 0.3,
        reconnect_after_s: float = 3.0,
    ) -> None:
        self.wanted = wanted
        self._module = module
        self._tp: ModuleType | None = None
        self._clock = clock
        self.settle_s = settle_s
        self.reconnect_after_s = reconnect_after_s
        self.tracker: Any = None
        self.info: dict[str, Any] = {}
        self._connected = False
        self._settle_until_us = -math.inf
        self._last_data = 0.0
        self._notifications = False
        self._settle_next = False
        self._status = ""

    def _find(self) -> dict[str, Any]:
        assert self._tp is not None
        try:
            trackers = list(self._tp.find_all_eye_trackers())
        except Exception as exc:  # noqa: BLE001
            raise SourceError(f"TittaPy could not search for trackers: {exc}") from None
        if not trackers:
            raise SourceError(
                "no Tobii eye tracker found through TittaPy: check the cable and that the Tobii "
                "runtime/service is running"
            )
        if not self.wanted:
            return trackers[0]
        for info in trackers:
            if self.wanted in (info.get("address"), info.get("serial_number")):
                return info
        found = ", ".join(f"{t.get('model')} serial {t.get('serial_number')} at {t.get('address')}" for t in trackers)
        raise SourceError(f"Tobii tracker {self.wanted!r} not found; connected: {found}")

    def start(self) -> None:
        self._tp = import_titta(self._module)
        self.info = self._find()
        self._open()
        self.name = f"titta:{self.info.get('serial_number', '?')}"

    def _open(self) -> None:
        assert self._tp is not None
        try:
            self.tracker = self._tp.EyeTracker(self.info["address"])
            if not self.tracker.start("gaze"):
                raise SourceError("TittaPy refused to start the gaze stream")
            self._notifications = bool(self.tracker.has_stream("notification")) and bool(self.tracker.start("notification"))
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise SourceError(f"TittaPy could not open the tracker at {self.info.get('address')}: {exc}") from None
        self._connected = True
        self._last_data = self._clock()
        self._status = ""

    def stop(self) -> None:
        if self.tracker is not None:
            for stream in ("gaze", "notification"):
                try:
                    self.tracker.stop(stream)
                except Exception:  # noqa: BLE001 - device may be gone
                    pass

    def _read_notifications(self) -> None:
        if not self._notifications:
            return
        cols = self.tracker.consume_N("notification")
        kinds = cols.get("notification_type")
        stamps = cols.get("system_time_stamp")
        if kinds is None:
            return
        for i, kind in enumerate(kinds):
            kind = str(kind)
            if "connection_lost" in kind:
                self._connected = False
                self._status = "Tobii tracker connection lost; waiting for it to come back"
            elif "connection_restored" in kind:
                self._connected = True
                t_us = float(stamps[i]) if stamps is not None else self._clock() * 1e6
                self._settle_until_us = t_us + self.settle_s * 1e6
                self._status = ""

    def poll(self) -> list[GazeSample]:
        if self.tracker is None:
            return []
        try:
            self._read_notifications()
            rows = titta_rows_to_tobii(self.tracker.consume_N("gaze"))
        except Exception as exc:  # noqa: BLE001 - treat as a lost device, try to reopen below
            rows = []
            self._status = f"TittaPy error: {exc}"
        out: list[GazeSample] = []
        for d in rows:
            if self._settle_next:
                self._settle_until_us = d["system_time_stamp"] + self.settle_s * 1e6
                self._settle_next = False
            s = from_tobii_dict(d)
            if not self._connected or d["system_time_stamp"] < self._settle_until_us:
                s = GazeSample(s.t, math.nan, math.nan, False, 0.0)
            out.append(s)
        now = self._clock()
        if rows:
            self._last_data = now
        elif now - self._last_data > self.reconnect_after_s:
            self._reconnect(now)
        return out

    def _reconnect(self, now: float) -> None:
        """Restart the stream; settle after it so the first samples cannot finish a dwell."""
        self._last_data = now
        self._settle_next = True  # settle from the first sample after the restart (tracker clock)
        self._status = self._status or "no data from the Tobii tracker; reconnecting"
        try:
            self.tracker.stop("gaze")
            if self.tracker.start("gaze"):
                return
        except Exception:  # noqa: BLE001
            pass
        try:
            self._open()
        except SourceError as exc:
            self._status = str(exc)

    @property
    def status(self) -> str:
        return self._status

    def sdk_calibration(self) -> "TittaCalibration":
        if self.tracker is None:
            raise SourceError("start the TittaPy source before calibrating")
        return TittaCalibration(self.tracker)


class TittaCalibration:
    """The tracker's own calibration through TittaPy's queued calibration API.

    TittaPy runs calibration steps on a worker thread: each request is queued and its outcome is
    read with ``calibration_retrieve_result()`` (``None`` until done). Same interface as
    :class:`aac.gaze.tobii.TobiiCalibration` (enter / collect / compute / leave) so ``aac calibrate``
    treats both alike. Success follows Titta's own check: ``status == 0`` and result points present.
    """

    def __init__(self, tracker: Any, timeout_s: float = 10.0, sleep: Any = time.sleep) -> None:
        self.tracker = tracker
        self.timeout_s = timeout_s
        self._sleep = sleep
        self._entered = False
        self.failed_points: list[tuple[float, float]] = []

    def _wait(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        while True:
            res = self.tracker.calibration_retrieve_result()
            if res is not None:
                return res
            if time.monotonic() > deadline:
                raise SourceError("the Tobii tracker did not answer the calibration request in time")
            self._sleep(0.01)

    def enter(self) -> None:
        self.tracker.enter_calibration_mode(False)
        self._wait()
        self._entered = True

    def collect(self, x: float, y: float) -> bool:
        for _ in range(2):
            self.tracker.calibration_collect_data([x, y])
            if int(self._wait().get("status", -1)) == 0:
                return True
        self.failed_points.append((x, y))
        return False

    def compute(self) -> tuple[bool, list[tuple[float, float]]]:
        self.tracker.calibration_compute_and_apply()
        res = self._wait()
        points = (res.get("calibration_result") or {}).get("points") or []
        used = [(float(p["position_on_display_area_x"]), float(p["position_on_display_area_y"])) for p in points]
        return int(res.get("status", -1)) == 0 and bool(used), used

    def leave(self) -> None:
        if self._entered:
            try:
                self.tracker.leave_calibration_mode(False)
                self._wait()
            finally:
                self._entered = False

    def __enter__(self) -> "TittaCalibration":
        self.enter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.leave()
