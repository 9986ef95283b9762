"""The one gaze-source interface and failover (the factory that builds a source from a spec is
:mod:`aac.gaze.factory`; this module imports no source, so every source can import it).

Every input device (Tobii tracker, TittaPy, webcam, mouse, replayed trace) sits behind
:class:`GazeSource` so the filter, dwell engine and board never know which one is attached.
``poll()`` is called once per UI frame and must never block: devices that push data from their own
threads hand it over through a thread-safe queue.

:class:`FailoverSource` wraps an ordered list of sources. It is what keeps a dropout from turning
into a phantom activation: while the current source has no valid data for longer than a blink it
reports it plainly (``status``/``lost``) so the board can cancel dwell, and when data comes back the
first ``settle_s`` of samples are marked invalid so a dwell restarts from zero. After ``failover_s``
it switches to the next configured source - but only when the device has gone *silent* (no
samples at all, e.g. unplugged). A device that keeps sending invalid samples is working and the
person has closed their eyes or looked away: resting the eyes must never swap their input for a
mouse, so that only shows the status (switching on invalid data is opt-in: ``failover_invalid_s``).
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Sequence

from aac.gaze.sample import GazeSample

Clock = Callable[[], float]
Pointer = Callable[[], "tuple[float, float] | None"]



class SourceError(RuntimeError):
    """A source cannot be created or started; the message says why and what to do."""


class GazeSource(ABC):
    """A device that produces :class:`GazeSample` in normalized screen coordinates.

    ``status`` is a human message for the board ("" when all is fine), e.g. why there is no data.
    """

    name: str = "source"
    #: False for sources that legitimately send nothing (switch scanning): no loss detection.
    expects_data: bool = True

    def start(self) -> None:
        """Open the device. Raises :class:`SourceError` with a clear message when it cannot."""

    def stop(self) -> None:
        """Release the device; safe to call twice or without start()."""

    @abstractmethod
    def poll(self) -> list[GazeSample]:
        """All samples that arrived since the last call, oldest first. Never blocks."""

    @property
    def status(self) -> str:
        return ""

    def __enter__(self) -> "GazeSource":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def invalid(t: float) -> GazeSample:
    """An invalid sample at time ``t`` (blink, tracking loss, settling)."""
    return GazeSample(t, math.nan, math.nan, False, 0.0)


class NullSource(GazeSource):
    """No gaze at all: used for switch scanning, where the switch is the only input."""

    expects_data = False

    def __init__(self, name: str = "scan", message: str = "") -> None:
        self.name = name
        self._message = message

    def poll(self) -> list[GazeSample]:
        return []

    @property
    def status(self) -> str:
        return self._message


@dataclass(frozen=True)
class FailoverEvent:
    """Something the board may want to show or log (kind: lost, restored, switched, failed)."""

    t: float
    kind: str
    source: str
    message: str


class FailoverSource(GazeSource):
    """An ordered list of sources with loss detection, settling and switching.

    ``factories`` are sources or zero-argument callables returning one (so a webcam is only opened
    when it is actually needed). ``lost_after_s``: how long without valid data counts as lost rather
    than a blink. ``failover_s``: how long the device may be silent (no samples at all) before
    switching (``None`` = never switch). ``failover_invalid_s``: also switch after this long with
    only invalid samples (default ``None``: eyes closed to rest never changes the input).
    ``settle_s``: after data returns from a loss (or a switch), samples are marked invalid this long
    so a dwell cannot complete on the first frames after a reconnect.
    Output timestamps are on ``clock`` so switching between devices never makes time jump.
    """

    def __init__(
        self,
        factories: Sequence[GazeSource | Callable[[], GazeSource]],
        *,
        lost_after_s: float = 0.5,
        failover_s: float | None = 5.0,
        failover_invalid_s: float | None = None,
        settle_s: float = 0.3,
        clock: Clock = time.monotonic,
    ) -> None:
        if not factories:
            raise SourceError("no gaze source configured")
        self._factories = list(factories)
        self.lost_after_s = lost_after_s
        self.failover_s = failover_s
        self.failover_invalid_s = failover_invalid_s
        self.settle_s = settle_s
        self._clock = clock
        self._index = -1
        self._current: GazeSource | None = None
        self._last_valid = clock()
        self._last_data = self._last_valid
        self._lost_since: float | None = None
        self._settle_until = 0.0
        self._offset: float | None = None
        self._last_t = -math.inf
        self._message = ""
        self._events: list[FailoverEvent] = []
        self._errors: list[str] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._advance(reason="")
        if self._current is None:
            raise SourceError("no gaze source could be started: " + "; ".join(self._errors))

    def stop(self) -> None:
        if self._current is not None:
            self._current.stop()
        self._current = None

    @property
    def current(self) -> GazeSource | None:
        return self._current

    @property
    def name(self) -> str:  # type: ignore[override]
        """The current source's name (so the board picks the right filter preset)."""
        return self._current.name if self._current is not None else "failover"

    @property
    def lost(self) -> bool:
        """True while the current source has had no valid data for longer than a blink."""
        return self._lost_since is not None

    @property
    def status(self) -> str:
        inner = self._current.status if self._current is not None else ""
        if self._message and inner and inner not in self._message:
            return f"{self._message} ({inner})"
        return self._message or inner

    def drain_events(self) -> list[FailoverEvent]:
        events, self._events = self._events, []
        return events

    def _emit(self, kind: str, message: str) -> None:
        name = self._current.name if self._current is not None else "none"
        self._events.append(FailoverEvent(self._clock(), kind, name, message))

    def _advance(self, reason: str) -> None:
        """Stop the current source and start the next one that starts without error."""
        old = self._current.name if self._current is not None else None
        if self._current is not None:
            self._current.stop()
            self._current = None
        while self._index + 1 < len(self._factories):
            self._index += 1
            factory = self._factories[self._index]
            try:
                source = factory if isinstance(factory, GazeSource) else factory()
                source.start()
            except Exception as exc:  # noqa: BLE001 - any device failure means: try the next one
                self._errors.append(str(exc))
                self._events.append(FailoverEvent(self._clock(), "failed", "?", str(exc)))
                continue
            self._current = source
            now = self._clock()
            self._last_valid = now
            self._last_data = now
            self._lost_since = None
            self._settle_until = now + self.settle_s
            self._offset = None
            if old is not None or self._errors:
                why = reason or (self._errors[-1] if self._errors else "")
                self._message = f"Switched to {source.name}" + (f": {why}" if why else "")
                self._emit("switched", self._message)
            else:
                self._message = ""
            return
        if old is not None:
            self._message = f"No gaze source left: {reason}" if reason else "No gaze source left"
            self._emit("failed", self._message)

    # -- data --------------------------------------------------------------------------------
    def poll(self) -> list[GazeSample]:
        now = self._clock()
        if self._current is None:
            self._last_t = max(now, self._last_t)
            return [invalid(self._last_t)]
        try:
            raw = self._current.poll()
        except Exception as exc:  # noqa: BLE001 - a crashing device is a lost device
            raw = []
            self._message = f"{self._current.name} failed: {exc}"
        if not self._current.expects_data:
            return raw
        out: list[GazeSample] = []
        if raw:
            self._last_data = now
        if self._offset is None:
            # Map the device clock onto ours so that the newest sample is "now".
            finite = [s.t for s in raw if math.isfinite(s.t)]
            if finite:
                self._offset = now - finite[-1]
        for s in raw:
            t = s.t + self._offset if (self._offset is not None and math.isfinite(s.t)) else now
            t = max(t, self._last_t)  # never let time run backwards across devices
            self._last_t = t
            if s.usable:
                if self._lost_since is not None or now - self._last_valid > self.lost_after_s:
                    # Data is back (a loss we reported, or one that happened while nobody polled,
                    # e.g. a stalled frame): settle before it may drive a dwell again.
                    self._settle_until = now + self.settle_s
                    if self._lost_since is not None:
                        self._message = f"{self._current.name} is back"
                        self._emit("restored", self._message)
                    self._lost_since = None
                self._last_valid = now
                if now < self._settle_until:
                    out.append(GazeSample(t, s.x, s.y, False, 0.0))
                else:
                    if self._message.endswith(" is back"):
                        self._message = ""
                    out.append(s if t == s.t else GazeSample(t, s.x, s.y, s.valid, s.confidence))
            else:
                out.append(GazeSample(t, s.x, s.y, False, 0.0))
        gap = now - self._last_valid
        if gap > self.lost_after_s:
            if self._lost_since is None:
                self._lost_since = self._last_valid
                self._emit("lost", f"{self._current.name}: no valid gaze")
            silent = now - self._last_data
            why = "no data from the device" if silent > self.lost_after_s else "eyes not found"
            self._message = f"Tracker lost: no valid gaze for {gap:.1f} s ({why})"
            switch = (self.failover_s is not None and silent >= self.failover_s) or (
                self.failover_invalid_s is not None and gap >= self.failover_invalid_s)
            if switch and self._index + 1 < len(self._factories):
                name = self._current.name
                if self.failover_s is not None and silent >= self.failover_s:
                    self._advance(reason=f"{name} sent no data for {silent:.1f} s")
                else:
                    self._advance(reason=f"{name} had no valid gaze for {gap:.1f} s")
            if not out or out[-1].valid:
                # The marker carries the latest time so far, and later samples never go below it.
                self._last_t = max(now, self._last_t)
                out.append(invalid(self._last_t))
        return out
