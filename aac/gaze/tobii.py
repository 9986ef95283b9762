"""Tobii Pro trackers through the official ``tobii_research`` SDK (push API).

The SDK calls our callback on its own thread with one gaze dictionary per sample; the callback
only puts it on a thread-safe queue and ``poll()`` drains the queue on the UI thread, so the UI
never waits on the device. Connection-lost/restored notifications are subscribed too: samples are
marked invalid while the connection is down and for ``settle_s`` after it comes back, so a
reconnect can never complete a dwell. If data stays away, a background thread looks for the
tracker again and resubscribes (discovery can take seconds, so never on the UI thread).

Note: ``tobii-research`` publishes wheels for Python 3.10 only; on other versions use the TittaPy
adapter (``--gaze titta``). Tobii does not license its consumer trackers (Eye Tracker 4C/5) for
AAC use; use a Pro tracker or a Tobii Dynavox device with its own software.
"""

from __future__ import annotations

import importlib
import math
import queue
import threading
import time
from types import ModuleType
from typing import Any, Callable, Mapping, Sequence

from aac.gaze.sample import GazeSample, from_tobii_dict
from aac.gaze.source import Clock, GazeSource, SourceError

INSTALL_HINT = (
    "the Tobii Pro SDK (tobii_research) is not installed: it has wheels for Python 3.10 only "
    "(pip install 'aac[tobii]'); on other Python versions use --gaze titta (pip install 'aac[titta]')"
)


def import_sdk(module: ModuleType | None = None) -> ModuleType:
    """Return the ``tobii_research`` module or raise SourceError with install instructions."""
    if module is not None:
        return module
    try:
        return importlib.import_module("tobii_research")
    except ImportError as exc:
        raise SourceError(f"{INSTALL_HINT} ({exc})") from None


def choose_tracker(trackers: Sequence[Any], wanted: str | None) -> Any:
    """Pick a tracker by serial number or address (or the only/first one when ``wanted`` is None)."""
    if not trackers:
        raise SourceError(
            "no Tobii eye tracker found: check the USB/network cable and that the Tobii runtime/"
            "service is running (Tobii Pro Eye Tracker Manager should see it)"
        )
    if not wanted:
        return trackers[0]
    for et in trackers:
        if wanted in (getattr(et, "serial_number", None), getattr(et, "address", None)):
            return et
    found = ", ".join(f"{getattr(e, 'model', '?')} serial {getattr(e, 'serial_number', '?')} at {getattr(e, 'address', '?')}" for e in trackers)
    raise SourceError(f"Tobii tracker {wanted!r} not found; connected: {found}")


class TobiiSource(GazeSource):
    """Gaze from a Tobii Pro tracker; ``wanted`` is a serial number or address (None = first)."""

    name = "tobii"

    def __init__(
        self,
        wanted: str | None = None,
        *,
        sdk: ModuleType | None = None,
        clock: Clock = time.monotonic,
        settle_s: float = 0.3,
        reconnect_after_s: float = 3.0,
        max_queue: int = 4096,
    ) -> None:
        self.wanted = wanted
        self._sdk_module = sdk
        self._sdk: ModuleType | None = None
        self._clock = clock
        self.settle_s = settle_s
        self.reconnect_after_s = reconnect_after_s
        # Unbounded so a notification is never lost or blocks the SDK thread; gaze rows are
        # dropped instead when the UI has stalled and more than max_queue are waiting.
        self._queue: "queue.Queue[tuple[str, Any]]" = queue.Queue()
        self.max_queue = max_queue
        self.tracker: Any = None
        self._connected = False
        self._settle_until_us = -math.inf
        self._last_data = 0.0
        self._status = ""
        self._reconnecting: threading.Thread | None = None
        self._settle_next = False
        self.dropped = 0

    # -- SDK callbacks (SDK thread: only enqueue) ---------------------------------------------
    def _on_gaze(self, data: Mapping[str, Any]) -> None:
        if self._queue.qsize() >= self.max_queue:
            self.dropped += 1  # UI stalled: never block the SDK's thread
            return
        self._queue.put_nowait(("gaze", data))

    def _on_lost(self, data: Mapping[str, Any]) -> None:
        self._queue.put(("lost", data))

    def _on_restored(self, data: Mapping[str, Any]) -> None:
        self._queue.put(("restored", data))

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._sdk = import_sdk(self._sdk_module)
        try:
            trackers = list(self._sdk.find_all_eyetrackers())
        except Exception as exc:  # noqa: BLE001 - SDK errors become clear messages
            raise SourceError(f"Tobii SDK could not search for trackers: {exc}") from None
        self.tracker = choose_tracker(trackers, self.wanted)
        self._subscribe()
        self.name = f"tobii:{getattr(self.tracker, 'serial_number', '?')}"

    def _subscribe(self) -> None:
        sdk, et = self._sdk, self.tracker
        assert sdk is not None
        et.subscribe_to(sdk.EYETRACKER_GAZE_DATA, self._on_gaze, as_dictionary=True)
        et.subscribe_to(sdk.EYETRACKER_NOTIFICATION_CONNECTION_LOST, self._on_lost, as_dictionary=True)
        et.subscribe_to(sdk.EYETRACKER_NOTIFICATION_CONNECTION_RESTORED, self._on_restored, as_dictionary=True)
        self._connected = True
        self._last_data = self._clock()
        self._status = ""

    def _unsubscribe(self) -> None:
        sdk, et = self._sdk, self.tracker
        if sdk is None or et is None:
            return
        for kind, cb in (
            (sdk.EYETRACKER_GAZE_DATA, self._on_gaze),
            (sdk.EYETRACKER_NOTIFICATION_CONNECTION_LOST, self._on_lost),
            (sdk.EYETRACKER_NOTIFICATION_CONNECTION_RESTORED, self._on_restored),
        ):
            try:
                et.unsubscribe_from(kind, cb)
            except Exception:  # noqa: BLE001 - the device may already be gone
                pass

    def stop(self) -> None:
        self._unsubscribe()
        self._connected = False

    # -- data ---------------------------------------------------------------------------------
    def poll(self) -> list[GazeSample]:
        out: list[GazeSample] = []
        while True:
            try:
                kind, data = self._queue.get_nowait()
            except queue.Empty:
                break
            if kind == "gaze":
                s = from_tobii_dict(data)
                us = float(data.get("system_time_stamp", 0))
                if self._settle_next:
                    self._settle_until_us = us + self.settle_s * 1e6
                    self._settle_next = False
                if not self._connected or us < self._settle_until_us:
                    s = GazeSample(s.t, math.nan, math.nan, False, 0.0)
                out.append(s)
                self._last_data = self._clock()
            elif kind == "lost":
                self._connected = False
                self._status = "Tobii tracker connection lost; waiting for it to come back"
            elif kind == "restored":
                self._connected = True
                self._settle_until_us = float(data.get("system_time_stamp", 0)) + self.settle_s * 1e6
                self._status = ""
        if self.tracker is not None and self._clock() - self._last_data > self.reconnect_after_s:
            self._start_reconnect()
        return out

    def _start_reconnect(self) -> None:
        """Look for the tracker again off the UI thread and resubscribe."""
        if self._reconnecting is not None and self._reconnecting.is_alive():
            return
        self._status = self._status or "no data from the Tobii tracker; reconnecting"
        self._last_data = self._clock()  # next attempt after another reconnect_after_s

        def work() -> None:
            try:
                assert self._sdk is not None
                trackers = list(self._sdk.find_all_eyetrackers())
                et = choose_tracker(trackers, self.wanted or getattr(self.tracker, "serial_number", None))
            except Exception as exc:  # noqa: BLE001
                self._status = f"Tobii tracker not found again: {exc}"
                return
            self._unsubscribe()
            self.tracker = et
            self._settle_next = True  # settle from the first sample after resubscribing
            self._subscribe()

        self._reconnecting = threading.Thread(target=work, name="tobii-reconnect", daemon=True)
        self._reconnecting.start()

    @property
    def status(self) -> str:
        return self._status

    # -- SDK calibration ----------------------------------------------------------------------
    def sdk_calibration(self) -> "TobiiCalibration":
        if self.tracker is None or self._sdk is None:
            raise SourceError("start the Tobii source before calibrating")
        return TobiiCalibration(self._sdk, self.tracker)


class TobiiCalibration:
    """The SDK's own screen-based calibration, one point at a time so the UI can animate.

    ``enter()``, then ``collect(x, y)`` per target (retries once, as Tobii recommends), then
    ``compute()`` (applies on success), and always ``leave()`` (also via ``with``).
    """

    def __init__(self, sdk: ModuleType, tracker: Any) -> None:
        self._sdk = sdk
        self._cal = sdk.ScreenBasedCalibration(tracker)
        self._entered = False
        self.failed_points: list[tuple[float, float]] = []

    def enter(self) -> None:
        self._cal.enter_calibration_mode()
        self._entered = True

    def collect(self, x: float, y: float) -> bool:
        for _ in range(2):
            if self._cal.collect_data(x, y) == self._sdk.CALIBRATION_STATUS_SUCCESS:
                return True
        self.failed_points.append((x, y))
        return False

    def compute(self) -> tuple[bool, list[tuple[float, float]]]:
        """Compute and apply; returns (success, the points the SDK used)."""
        result = self._cal.compute_and_apply()
        ok = result.status == self._sdk.CALIBRATION_STATUS_SUCCESS
        points = [tuple(p.position_on_display_area) for p in getattr(result, "calibration_points", ())]
        return ok, points  # type: ignore[return-value]

    def leave(self) -> None:
        if self._entered:
            try:
                self._cal.leave_calibration_mode()
            finally:
                self._entered = False

    def __enter__(self) -> "TobiiCalibration":
        self.enter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.leave()


def run_sdk_calibration(source: TobiiSource, points: Sequence[tuple[float, float]],
                        wait: Callable[[float, float], None] = lambda x, y: None) -> tuple[bool, list[tuple[float, float]]]:
    """Run the whole SDK calibration; ``wait(x, y)`` shows/animates the target before collecting."""
    with source.sdk_calibration() as cal:
        for x, y in points:
            wait(x, y)
            cal.collect(x, y)
        return cal.compute()
