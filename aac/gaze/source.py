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

Two rules keep a switch from trapping the person or selecting for them:
- *A fallback must move before it drives a dwell.* A mouse nobody holds rests wherever it was; the
  first fallback samples are marked invalid until the point has moved (``fallback_motion``), so a
  pointer left over a tile never selects it. Gaze (noise, saccades) and a hand on the mouse pass
  at once.
- *Back to the first source when it works again.* While on a fallback, the first configured
  source is started again every ``retry_primary_s`` in a background thread (a tracker search can
  take seconds; the UI thread never waits); once it has given valid gaze for ``return_after_s``
  it takes over again. Before, a tracker unplugged for a moment left a person who cannot use a
  mouse on the mouse until someone restarted the board.

A switch itself also happens off the UI thread: stopping a dead device and opening the next one
(a webcam and its face model, a tracker search) can take seconds, and meanwhile the board keeps
drawing frames, shows "Switching to the next input" and lets no dwell run (``switching``; poll
gives invalid samples). Only :meth:`FailoverSource.start`, before the board is shown, starts a
source on the calling thread.
"""

from __future__ import annotations

import math
import threading
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


@dataclass
class _Switched:
    """What starting the next sources gave: the index reached, the source that started (None:
    none did), why the others failed; ``old``/``reason``: the source left and why."""

    index: int
    source: GazeSource | None
    errors: list[str]
    old: str | None = None
    reason: str = ""


def _start_next(factories: Sequence[GazeSource | Callable[[], GazeSource]], index: int,
                old: str | None = None, reason: str = "") -> _Switched:
    """Start the first source after ``index`` that starts without error (may take seconds)."""
    errors: list[str] = []
    while index + 1 < len(factories):
        index += 1
        factory = factories[index]
        try:
            source = factory if isinstance(factory, GazeSource) else factory()
            source.start()
        except Exception as exc:  # noqa: BLE001 - any device failure means: try the next one
            errors.append(str(exc))
            continue
        return _Switched(index, source, errors, old, reason)
    return _Switched(index, None, errors, old, reason)


class FailoverSource(GazeSource):
    """An ordered list of sources with loss detection, settling and switching.

    ``factories`` are sources or zero-argument callables returning one (so a webcam is only opened
    when it is actually needed). ``lost_after_s``: how long without valid data counts as lost rather
    than a blink. ``failover_s``: how long the device may be silent (no samples at all) before
    switching (``None`` = never switch). ``failover_invalid_s``: also switch after this long with
    only invalid samples (default ``None``: eyes closed to rest never changes the input).
    ``settle_s``: after data returns from a loss (or a switch), samples are marked invalid this long
    so a dwell cannot complete on the first frames after a reconnect. ``retry_primary_s`` (None =
    never), ``return_after_s`` and ``fallback_motion`` (a distance in screen fractions): see the
    module docstring.
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
        retry_primary_s: float | None = 10.0,
        return_after_s: float = 1.0,
        fallback_motion: float = 0.01,
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
        self.retry_primary_s = retry_primary_s
        self.return_after_s = return_after_s
        self.fallback_motion = fallback_motion
        # a fallback's first point, until it has moved fallback_motion away (None: moved / primary)
        self._still_at: tuple[float, float] | None = None
        self._awaiting_motion = False
        # the first source, started again in the background while on a fallback
        self._probe_lock = threading.Lock()
        self._probe_thread: threading.Thread | None = None
        self._probe: GazeSource | None = None  # started, handed over by the thread
        self._probe_seen: GazeSource | None = None
        self._probe_since = 0.0  # when it was handed over
        self._probe_valid_since: float | None = None
        self._probe_last_valid = 0.0
        self._next_probe = math.inf
        self._closed = False
        self.probe_error = ""  # why the first source did not start again, last time it was tried
        # a switch to the next source, running in the background (see the module docstring)
        self._switch_thread: threading.Thread | None = None
        self._switched: _Switched | None = None  # handed over by the thread, taken by poll

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._advance(reason="")
        if self._current is None:
            raise SourceError("no gaze source could be started: " + "; ".join(self._errors))

    def stop(self) -> None:
        if self._current is not None:
            self._current.stop()
        self._current = None
        with self._probe_lock:
            self._closed = True
            probe, self._probe = self._probe, None
            switched, self._switched = self._switched, None
        if probe is not None:
            probe.stop()
        if switched is not None and switched.source is not None:
            switched.source.stop()

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
        """Start the first source that starts without error (on this thread: only at start)."""
        self._take(_start_next(self._factories, self._index), old=None, reason=reason)

    @property
    def switching(self) -> bool:
        """True while a switch to the next source runs in the background (no gaze meanwhile)."""
        return self._switch_thread is not None

    def _switch_in_background(self, reason: str) -> None:
        """Stop the current source and start the next one that starts, off the UI thread."""
        old = self._current
        self._current = None
        name = old.name if old is not None else "the input"
        self._message = f"Switching to the next input: {reason}"
        factories, index = list(self._factories), self._index

        def work() -> None:
            if old is not None:
                try:
                    old.stop()
                except Exception:  # noqa: BLE001 - a dead device may fail to stop; it is left anyway
                    pass
            done = _start_next(factories, index, name, reason)
            with self._probe_lock:
                closed = self._closed
                if not closed:
                    self._switched = done
            if closed and done.source is not None:  # closed meanwhile
                done.source.stop()

        self._switch_thread = threading.Thread(target=work, name="gaze-switch", daemon=True)
        self._switch_thread.start()

    def _take_switch(self) -> None:
        """Adopt what a finished background switch found (called by poll)."""
        with self._probe_lock:
            done, self._switched = self._switched, None
        if done is None:
            return
        self._switch_thread = None
        self._take(done, old=done.old, reason=done.reason)

    def _take(self, done: "_Switched", old: str | None, reason: str) -> None:
        """Record the sources that failed to start and adopt the one that started (if any)."""
        self._index = done.index
        for err in done.errors:
            self._errors.append(err)
            self._events.append(FailoverEvent(self._clock(), "failed", "?", err))
        source = done.source
        if source is not None:
            self._adopt(source)
            if old is not None or self._errors:
                why = reason or (self._errors[-1] if self._errors else "")
                self._message = f"Switched to {source.name}" + (f": {why}" if why else "")
                self._emit("switched", self._message)
            else:
                self._message = ""
        elif old is not None:
            self._message = f"No gaze source left: {reason}" if reason else "No gaze source left"
            self._emit("failed", self._message)

    def _adopt(self, source: GazeSource) -> None:
        """``source`` (started) is the current one from now on, settling first; a fallback must
        also move before it drives a dwell, and the first source is tried again later."""
        self._current = source
        now = self._clock()
        self._last_valid = now
        self._last_data = now
        self._lost_since = None
        self._settle_until = now + self.settle_s
        self._offset = None
        self._awaiting_motion = self._index > 0
        self._still_at = None
        retry = self.retry_primary_s
        self._next_probe = now + retry if (self._index > 0 and retry is not None) else math.inf

    # -- back to the first source -------------------------------------------------------------
    def _probe_primary(self) -> None:
        """Start the first source again off the UI thread (a device search may take seconds)."""
        factory = self._factories[0]

        def work() -> None:
            try:
                source = factory if isinstance(factory, GazeSource) else factory()
                source.start()
            except Exception as exc:  # noqa: BLE001 - still gone: try again later
                self.probe_error = str(exc)
                return
            with self._probe_lock:
                if not self._closed:
                    self._probe, source = source, None
            if source is not None:  # closed meanwhile
                source.stop()

        self._probe_thread = threading.Thread(target=work, name="gaze-retry-primary", daemon=True)
        self._probe_thread.start()

    def _check_primary(self, now: float) -> None:
        """While on a fallback: start, watch and (once it gives valid gaze) return to the first source."""
        if self._index <= 0 or self.retry_primary_s is None:
            return
        with self._probe_lock:
            probe = self._probe
        if probe is None:
            idle = self._probe_thread is None or not self._probe_thread.is_alive()
            if idle and now >= self._next_probe:
                self._next_probe = now + self.retry_primary_s
                self._probe_primary()
            return
        if probe is not self._probe_seen:  # just handed over by the thread
            self._probe_seen, self._probe_since, self._probe_valid_since = probe, now, None
        try:
            samples = probe.poll()
        except Exception:  # noqa: BLE001 - a crashing probe is no probe
            samples = None
        if samples is not None and any(s.usable for s in samples):
            self._probe_last_valid = now
            if self._probe_valid_since is None:
                self._probe_valid_since = now
        elif self._probe_valid_since is not None and now - self._probe_last_valid > self.lost_after_s:
            self._probe_valid_since = None  # a blink or a flicker: the full time again
        if self._probe_valid_since is not None and now - self._probe_valid_since >= self.return_after_s:
            self._return_to_primary(probe)
        elif samples is None or (self._probe_valid_since is None and now - self._probe_since > self.retry_primary_s):
            with self._probe_lock:
                self._probe = None
            self._probe_seen = None
            probe.stop()  # it started but gives no gaze: try again later
            self._next_probe = now + self.retry_primary_s

    def _still(self, s: GazeSample) -> bool:
        """True while a fallback has not moved ``fallback_motion`` from its first valid point."""
        if not self._awaiting_motion:
            return False
        if self._still_at is None:
            self._still_at = (s.x, s.y)
            return True
        if math.dist(self._still_at, (s.x, s.y)) < self.fallback_motion:
            return True
        self._awaiting_motion = False
        return False

    def _return_to_primary(self, probe: GazeSource) -> None:
        with self._probe_lock:
            self._probe = None
        self._probe_seen = None
        if self._current is not None:
            self._current.stop()
        self._index = 0
        self._probe_valid_since = None
        self._adopt(probe)
        self._message = f"Back to {probe.name}"
        self._emit("switched", self._message)

    # -- data --------------------------------------------------------------------------------
    def poll(self) -> list[GazeSample]:
        now = self._clock()
        if self._switch_thread is not None:
            self._take_switch()
        else:
            self._check_primary(now)
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
                if now < self._settle_until or self._still(s):
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
                    self._switch_in_background(reason=f"{name} sent no data for {silent:.1f} s")
                else:
                    self._switch_in_background(reason=f"{name} had no valid gaze for {gap:.1f} s")
            if not out or out[-1].valid:
                # The marker carries the latest time so far, and later samples never go below it.
                self._last_t = max(now, self._last_t)
                out.append(invalid(self._last_t))
        return out
