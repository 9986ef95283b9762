"""Adaptive dwell: the dwell time follows how the person is doing, within caregiver bounds.

Why: a dwell long enough for a tired afternoon is slow on a good morning, and one fast enough
for a good morning fires tiles by accident later. Experienced eye typers get faster when the
dwell is allowed to shorten as they improve (Majaranta, Ahola & Špakov 2009, "Fast gaze typing
with an adjustable dwell time", CHI 2009: novices who adjusted their own dwell shortened it
from about 0.9 s to about 0.3 s over ten sessions), and OptiKey/Tobii Communicator offer the dwell as a per-person
setting. Here the board adjusts it, slowly and cautiously:

- after ``streak`` selections in a row that were kept (no undo, no false activation), the dwell
  shortens by one ``step_ms``;
- an undo (the last selection was not wanted) or a false activation lengthens it at once by
  ``backoff_steps`` steps and restarts the streak: mistakes cost more than slowness;
- it never leaves [min_ms, max_ms] (the caregiver's bounds), and it is off by default.

Every change is a :class:`DwellChange` record (time, old and new dwell, reason; never any text
the person wrote) given to the ``on_change`` sink and kept in ``changes``, so the clinician can
see how the dwell moved over a session. Pure logic: times are passed in, no clock, no pygame.

Wiring (the board controller): ``AdaptiveDwell.start(AdaptiveDwellSettings.from_settings(s),
s.dwell_ms, t=now, on_change=...)`` when the settings are applied; ``selection(now)`` for every
intended content activation (word, ending, letter, space, punctuation, phrase, speak), ``undo(now)``
for the undo action (``false_activation(now)`` instead when the board suspects the undone
selection was a false activation: an undo right after it); ``on_change`` sets the dwell engine's ``config.dwell_s`` to ``change.new_ms / 1000``
and writes ``change.as_record()`` to the usage log.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)

#: Kept selections in a row before one shortening step. 8 selections are ~2-3 words: a small
#: step per sentence or so, never a visible jump within one word.
STREAK = 8
#: Steps one undo or false activation adds: a mistake undoes two good streaks.
BACKOFF_STEPS = 2


@dataclass(frozen=True)
class AdaptiveDwellSettings:
    """The caregiver's bounds (from aac.store.settings.Settings: ``adaptive_dwell*`` fields)."""

    enabled: bool = False
    min_ms: int = 600
    max_ms: int = 1500
    step_ms: int = 50
    streak: int = STREAK
    backoff_steps: int = BACKOFF_STEPS

    def __post_init__(self) -> None:
        if self.min_ms <= 0 or self.max_ms < self.min_ms:
            raise ValueError(f"adaptive dwell bounds must satisfy 0 < min <= max (got {self.min_ms}..{self.max_ms} ms)")
        if self.step_ms <= 0 or self.streak <= 0 or self.backoff_steps <= 0:
            raise ValueError("adaptive dwell step, streak and backoff must be positive")

    @classmethod
    def from_settings(cls, settings: Any) -> AdaptiveDwellSettings:
        """From profile Settings; bounds given the wrong way round are swapped, not refused."""
        lo = int(getattr(settings, "adaptive_dwell_min_ms", cls.min_ms))
        hi = int(getattr(settings, "adaptive_dwell_max_ms", cls.max_ms))
        lo, hi = min(lo, hi), max(lo, hi)
        return cls(
            enabled=bool(getattr(settings, "adaptive_dwell", False)),
            min_ms=lo,
            max_ms=hi,
            step_ms=int(getattr(settings, "adaptive_dwell_step_ms", cls.step_ms)),
        )


@dataclass(frozen=True)
class DwellChange:
    """One change of the dwell time, for the clinician's log."""

    t: float
    old_ms: int
    new_ms: int
    reason: str  # "kept_streak", "undo", "false_activation", "bounds"
    selections_kept: int = 0  # the streak that earned a shortening

    def as_record(self) -> dict[str, Any]:
        return {"event": "dwell_change", **asdict(self)}


@dataclass
class AdaptiveDwell:
    """The current dwell time and the rules that move it (see module docstring)."""

    settings: AdaptiveDwellSettings
    dwell_ms: int
    on_change: Callable[[DwellChange], None] | None = None
    changes: list[DwellChange] = field(default_factory=list)
    kept: int = 0  # selections kept since the last change or mistake

    @classmethod
    def start(cls, settings: AdaptiveDwellSettings, dwell_ms: int, t: float = 0.0,
              on_change: Callable[[DwellChange], None] | None = None) -> AdaptiveDwell:
        """Begin at the person's set dwell, clamped into the bounds when adapting (logged)."""
        dwell = cls(settings, int(dwell_ms), on_change)
        if settings.enabled:
            dwell._set(dwell._clamp(int(dwell_ms)), t, "bounds")
        return dwell

    @property
    def dwell_s(self) -> float:
        return self.dwell_ms / 1000.0

    def _clamp(self, ms: int) -> int:
        return max(self.settings.min_ms, min(self.settings.max_ms, ms))

    def _set(self, new_ms: int, t: float, reason: str, kept: int = 0) -> DwellChange | None:
        if new_ms == self.dwell_ms:
            return None
        change = DwellChange(t, self.dwell_ms, new_ms, reason, kept)
        self.dwell_ms = new_ms
        self.changes.append(change)
        log.info("dwell %d -> %d ms (%s)", change.old_ms, change.new_ms, reason)
        if self.on_change is not None:
            self.on_change(change)
        return change

    # --- what happened on the board ---------------------------------------------------------
    def selection(self, t: float) -> DwellChange | None:
        """A tile fired and was meant (the board counts it kept until an undo says otherwise)."""
        if not self.settings.enabled:
            return None
        self.kept += 1
        if self.kept < self.settings.streak:
            return None
        kept, self.kept = self.kept, 0
        return self._set(self._clamp(self.dwell_ms - self.settings.step_ms), t, "kept_streak", kept)

    def undo(self, t: float) -> DwellChange | None:
        """The person undid the last selection: it was not wanted. Slower at once."""
        return self._mistake(t, "undo")

    def false_activation(self, t: float) -> DwellChange | None:
        """A tile fired that the person did not mean (the board's false-activation signal)."""
        return self._mistake(t, "false_activation")

    def _mistake(self, t: float, reason: str) -> DwellChange | None:
        if not self.settings.enabled:
            return None
        self.kept = 0
        step = self.settings.step_ms * self.settings.backoff_steps
        return self._set(self._clamp(self.dwell_ms + step), t, reason)
