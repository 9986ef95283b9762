"""The dwell engine: turns a stream of gaze samples over a set of tiles into activations.

Pure logic over ``(time, point, targets)``: no pygame, no clock of its own (it uses the samples'
timestamps), so the board, the simulated user, replayed traces and the tests all behave the same.

For a person who writes with their eyes a false activation is worse than a slow one, so every
rule leans towards *not* firing:

- **Lock-on**: the gaze must rest ``lock_on_s`` on a tile before the progress ring starts (reading
  a tile is not choosing it); then progress runs 0..1 over the tile's dwell time. A selection thus
  takes ``lock_on_s + dwell_s`` of looking.
- **Look-away re-arm**: a tile that fired cannot fire again until the gaze has left it (for longer
  than the exit grace below). Staring at "delete" deletes once.
- **Cooldown**: after any activation nothing progresses for ``cooldown_s`` (the board is redrawing
  and the eye is moving on).
- **Blinks**: invalid samples (and missing samples) hold the progress where it was, without
  advancing it, as long as two usable samples are at most ``blink_tolerance_s`` apart; a longer loss cancels it, and the tile under the
  gaze when data returns must then be looked away from first. Progress only ever grows
  between two consecutive *usable* samples on the same tile, so invalid data can never activate
  anything, however it is timed.
- **Hysteresis** against tracker noise at tile edges, two parts: a point just outside the tile the
  gaze is on (within ``exit_margin``, in normalized screen units, ~0.5 degree with the default on
  a 52 cm screen at 60 cm) still counts as on it; and an excursion further out (onto a gap or
  another tile) must last ``exit_grace_s`` before the dwell is given up. During an excursion the
  progress is held, not advanced. If the gaze has settled on another tile, the time it already
  spent there counts towards that tile's lock-on, so moving on costs no extra time.
- **Pause**: while paused only targets with ``while_paused=True`` (the resume tile) can even be
  dwelt on; they use ``resume_dwell_s`` (longer) unless they set their own ``dwell_s``. Pausing or
  resuming also requires a look-away from whatever is under the gaze, so a pause tile replaced by
  a resume tile in the same place never toggles back by itself.
- **Bad data**: NaN/inf/off-screen points count as invalid samples; a non-finite time is ignored;
  a time that goes backwards a little (reordered samples) is ignored, one that jumps back by more
  than ``rebase_s`` (a new clock, e.g. after a source switch) cancels progress and continues on
  the new time base; a forward jump longer than the blink tolerance cancels progress.

The board calls :meth:`DwellEngine.cancel` when the tiles change under the gaze or the source drops
out (that also requires a look-away, so a reconnect never fires the tile it lands on), and
:meth:`DwellEngine.reset` when it switches to another source (another clock).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from aac.gaze.sample import GazeSample

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class DwellConfig:
    """Dwell timings in seconds (defaults close to OptiKey/Grid: about 1 s to select).

    ``exit_margin`` (normalized screen units) and ``exit_grace_s`` are the hysteresis described in
    the module docstring. ``max_step_s`` caps the time one sample interval can add to a dwell, so
    a stalled frame or a slow source cannot jump the progress; ``rebase_s`` is how far time may
    jump backwards before it is treated as a new clock. ``look_away_after_loss``: after a
    tracking loss longer than a blink in the middle of a dwell, the tile under the returning gaze
    cannot fire until the gaze has left it (costs a glance; prevents any activation completed
    across a dropout or reconnect).
    """

    dwell_s: float = 1.0
    lock_on_s: float = 0.15
    cooldown_s: float = 0.3
    blink_tolerance_s: float = 0.25
    resume_dwell_s: float = 2.0
    exit_margin: float = 0.01
    exit_grace_s: float = 0.12
    max_step_s: float = 0.1
    rebase_s: float = 1.0
    look_away_after_loss: bool = True

    def __post_init__(self) -> None:
        problems = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "look_away_after_loss":
                continue
            if (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                problems.append(
                    f"{name} must be a finite number of seconds, got {value!r}"
                )
            elif value < 0:
                problems.append(f"{name} must not be negative, got {value!r}")
        for name in ("dwell_s", "resume_dwell_s", "max_step_s", "rebase_s"):
            value = getattr(self, name)
            if isinstance(value, (int, float)) and value == 0:
                problems.append(f"{name} must be greater than 0")
        if problems:
            raise ValueError("invalid dwell settings: " + "; ".join(problems))

    @classmethod
    def from_settings(cls, settings: Any) -> DwellConfig:
        """Build from profile settings (``dwell_ms``, ``lock_on_ms``, ``cooldown_ms``,
        ``resume_dwell_ms``; missing ones keep the defaults)."""
        kwargs: dict[str, Any] = {}
        for ms_name, name in (
            ("dwell_ms", "dwell_s"),
            ("lock_on_ms", "lock_on_s"),
            ("cooldown_ms", "cooldown_s"),
            ("resume_dwell_ms", "resume_dwell_s"),
            ("blink_tolerance_ms", "blink_tolerance_s"),
        ):
            value = getattr(settings, ms_name, None)
            if value is not None:
                kwargs[name] = float(value) / 1000.0
        return cls(**kwargs)


@dataclass(frozen=True)
class DwellTarget:
    """A tile the gaze can select: ``rect`` is ``(x, y, w, h)`` in normalized screen units.

    ``dwell_s`` overrides the configured dwell for this tile; ``while_paused`` marks the tiles
    that stay live during pause (the resume tile). Disabled tiles (e.g. stale predictions) are
    not targets at all.
    """

    id: str
    rect: Rect
    enabled: bool = True
    dwell_s: float | None = None
    while_paused: bool = False

    def __post_init__(self) -> None:
        if self.dwell_s is not None and not (
            isinstance(self.dwell_s, (int, float))
            and math.isfinite(self.dwell_s)
            and self.dwell_s > 0
        ):
            raise ValueError(
                f"target {self.id!r}: dwell_s must be a positive number of seconds, got {self.dwell_s!r}"
            )

    def contains(self, x: float, y: float, margin: float = 0.0) -> bool:
        """True when (x, y) lies inside the rect grown by ``margin`` on every side."""
        try:
            rx, ry, rw, rh = (float(v) for v in self.rect)
        except (TypeError, ValueError):
            return False
        if not all(math.isfinite(v) for v in (rx, ry, rw, rh)) or rw <= 0 or rh <= 0:
            return False
        return (
            rx - margin <= x <= rx + rw + margin
            and ry - margin <= y <= ry + rh + margin
        )


@dataclass(frozen=True)
class DwellState:
    """What the board needs to draw and act: the tile under the gaze, its progress, a firing.

    ``target_id`` is the tile being looked at (from the first moment, so the board can show
    previews during lock-on); ``progress`` is 0 during lock-on and 0..1 during the dwell;
    ``activated`` is set on exactly the one update where a tile fires. ``phase`` says why there
    is no progress: ``idle`` (no tile), ``lock_on``, ``dwell``, ``rearm`` (look away first),
    ``cooldown``, ``blink`` (brief invalid data, progress held), ``lost`` (no usable data).
    """

    target_id: str | None
    progress: float
    activated: str | None
    phase: str = "idle"
    #: The tile under the gaze right now, without the hysteresis that holds ``target_id`` on
    #: the previous tile for ``exit_grace_s`` after the gaze moved on, and for how long (s).
    #: For what only follows the eye and never fires (a word tile's previews).
    under: str | None = None
    under_s: float = 0.0


IDLE = DwellState(None, 0.0, None, "idle")


class DwellEngine:
    """Feed it every sample (in order) with the current targets; act on ``state.activated``."""

    def __init__(self, config: DwellConfig | None = None) -> None:
        self.config = config or DwellConfig()
        self._paused = False
        self.reset()

    # -------------------------------------------------------------- control
    def reset(self) -> None:
        """Forget everything (progress, re-arm, cooldown, time base): for a new gaze source."""
        self._cand: str | None = None  # tile the gaze is on
        self._elapsed = 0.0  # looking time credited to it (lock-on + dwell)
        self._away_since: float | None = None  # start of an excursion off the candidate
        self._pend: str | None = None  # tile under the gaze during the excursion
        self._pend_since = 0.0
        self._last_t: float | None = None
        self._last_usable_t: float | None = None
        self._prev_usable = False
        self._blocked: str | None = (
            None  # fired; cannot fire again until looked away from
        )
        self._blocked_out_since: float | None = None
        self._prev_on: str | None = None  # tile credited on the previous usable sample
        self._under: str | None = None  # tile under the gaze (no hysteresis), see DwellState
        self._under_since = 0.0
        self._block_next = False  # block whatever tile the next usable sample is on
        self._cooldown_until = -math.inf
        self._state = IDLE

    def cancel(self, require_look_away: bool = True) -> None:
        """Drop the dwell in progress (tiles changed under the gaze, source dropped out).

        With ``require_look_away`` the tile the gaze is on at the next usable sample cannot fire
        until the gaze has left it: the person did not choose what slid under their eyes.
        """
        self._drop()
        if require_look_away:
            self._block_next = True
        self._state = DwellState(
            None,
            0.0,
            None,
            self._state.phase if self._state.phase == "lost" else "idle",
        )

    def reconfigure(self, config: DwellConfig) -> None:
        """New timings (a settings change, adaptive dwell) for the same engine: pause, the
        dwell in progress and the look-away re-arm are kept (a fresh engine would start
        unpaused under a paused board)."""
        self.config = config

    def set_paused(self, paused: bool) -> None:
        """While paused only ``while_paused`` targets can be dwelt on (and fire)."""
        paused = bool(paused)
        if paused != self._paused:
            self._paused = paused
            self.cancel(require_look_away=True)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def state(self) -> DwellState:
        """The latest state (``activated`` is only ever set in the value :meth:`update` returns)."""
        return self._state

    # ------------------------------------------------------------- internals
    def _drop(self) -> None:
        self._prev_on = None
        self._cand = None
        self._elapsed = 0.0
        self._away_since = None
        self._pend = None

    def _lose(self) -> None:
        """Tracking was lost (or the clock jumped) for longer than a blink: cancel the dwell.
        If the gaze was on a tile, the tile under the gaze when data returns must be looked
        away from first (``look_away_after_loss``): a reconnect never completes a selection."""
        self._under = None
        if self._cand is not None and self.config.look_away_after_loss:
            self._block_next = True
        self._drop()

    def _allowed(self, targets: Sequence[DwellTarget]) -> dict[str, DwellTarget]:
        live: dict[str, DwellTarget] = {}
        for target in targets:
            if (
                target.enabled
                and (not self._paused or target.while_paused)
                and target.id not in live
            ):
                live[target.id] = target
        return live

    def _dwell_time(self, target: DwellTarget) -> float:
        if target.dwell_s is not None:
            return float(target.dwell_s)
        if self._paused and target.while_paused:
            return self.config.resume_dwell_s
        return self.config.dwell_s

    def _held(self, phase: str) -> DwellState:
        """The current target and progress, unchanged (during blinks, excursions, bad samples)."""
        prev = self._state
        if self._cand is None:
            return DwellState(
                None, 0.0, None, phase if phase in ("lost", "blink") else "idle"
            )
        same = prev.target_id == self._cand and prev.activated is None
        return DwellState(self._cand, prev.progress if same else 0.0, None, phase)

    # ---------------------------------------------------------------- update
    def update(self, sample: GazeSample, targets: Sequence[DwellTarget]) -> DwellState:
        """Advance by one sample. Never raises on bad data; never fires from invalid data."""
        cfg = self.config
        try:
            t = float(sample.t)
        except (TypeError, ValueError, AttributeError):
            return self._emit(self._held(self._state.phase))
        if not math.isfinite(t):
            return self._emit(self._held(self._state.phase))
        if self._last_t is not None and t < self._last_t:
            if self._last_t - t <= cfg.rebase_s:
                return self._emit(self._held(self._state.phase))  # out of order: ignore
            # A new clock: carry the remaining cooldown over, restart the timing.
            remaining = max(0.0, self._cooldown_until - self._last_t)
            self._cooldown_until = t + remaining if remaining > 0 else -math.inf
            self._lose()
            self._last_usable_t = None
            self._prev_usable = False
            self._last_t = None
        dt = 0.0 if self._last_t is None else t - self._last_t
        self._last_t = t

        if not _usable(sample):
            self._prev_usable = False
            if (
                self._last_usable_t is None
                or t - self._last_usable_t > cfg.blink_tolerance_s
            ):
                self._lose()
                return self._emit(DwellState(None, 0.0, None, "lost"))
            return self._emit(self._held("blink"))

        gap_ok = (
            self._last_usable_t is not None
            and t - self._last_usable_t <= cfg.blink_tolerance_s
        )
        if self._last_usable_t is not None and not gap_ok:
            self._lose()  # silence or invalid data for longer than a blink
        credit = min(dt, cfg.max_step_s) if (self._prev_usable and gap_ok) else 0.0
        self._prev_usable = True
        self._last_usable_t = t

        live = self._allowed(targets)
        x, y = float(sample.x), float(sample.y)
        under = next((tid for tid, tg in live.items() if tg.contains(x, y)), None)
        if under != self._under:
            self._under, self._under_since = under, t
        on = self._track(t, x, y, live, under)
        if not (self._prev_on is not None and self._prev_on == on):
            credit = 0.0  # only time spent between two samples on the same tile counts
        self._prev_on = on
        self._update_block(t, x, y, targets)

        if on is None:
            if self._cand is None:
                return self._emit(DwellState(None, 0.0, None, "idle"))
            prev = self._state
            phase = prev.phase if prev.target_id == self._cand else "lock_on"
            if phase in ("blink", "lost", "idle"):
                phase = "dwell" if prev.progress > 0 else "lock_on"
            return self._emit(self._held(phase))

        target = live[on]
        if self._blocked == on:
            self._elapsed = 0.0
            return self._emit(DwellState(on, 0.0, None, "rearm"))
        if t < self._cooldown_until:
            self._elapsed = 0.0
            return self._emit(DwellState(on, 0.0, None, "cooldown"))
        self._elapsed += credit
        dwell = self._dwell_time(target)
        progress = (self._elapsed - cfg.lock_on_s) / dwell
        if progress >= 1.0 - 1e-9:
            self._blocked = on
            self._blocked_out_since = None
            self._elapsed = 0.0
            self._cooldown_until = t + cfg.cooldown_s
            return self._emit(DwellState(on, 1.0, on, "dwell"))
        if progress <= 0.0:
            return self._emit(DwellState(on, 0.0, None, "lock_on"))
        return self._emit(DwellState(on, progress, None, "dwell"))

    def _track(
        self, t: float, x: float, y: float, live: dict[str, DwellTarget], raw: str | None
    ) -> str | None:
        """Update which tile the gaze is on (with hysteresis); return it when the gaze is on it
        now (so time may be credited), or None while away from it (or on no tile). ``raw`` is
        the tile that contains the point, without the hysteresis margin."""
        cfg = self.config
        cand = self._cand
        if cand is not None and cand not in live:
            self._drop()  # the tile disappeared, was disabled, or pause made it inert
            cand = None
        if cand is not None and live[cand].contains(x, y, cfg.exit_margin):
            self._away_since = None
            self._pend = None
            return cand
        if cand is None:
            self._cand = raw
            self._elapsed = 0.0
            return raw
        if self._away_since is None:
            self._away_since = t
            self._pend, self._pend_since = raw, t
        elif raw != self._pend:
            self._pend, self._pend_since = raw, t
        if t - self._away_since < cfg.exit_grace_s:
            return None  # a brief excursion (noise): hold the progress
        # The gaze really left: move to wherever it has settled (maybe nowhere), keeping the
        # time it has already rested there for that tile's lock-on.
        self._cand = self._pend
        self._elapsed = (
            min(t - self._pend_since, cfg.exit_grace_s)
            if self._pend is not None
            else 0.0
        )
        self._away_since = None
        self._pend = None
        return self._cand

    def _update_block(
        self, t: float, x: float, y: float, targets: Sequence[DwellTarget]
    ) -> None:
        """Look-away re-arm, judged on geometry over *all* targets (disabled ones too), so a tile
        that fired and then went stale and came back under a still gaze stays blocked."""
        cfg = self.config
        if self._block_next:
            self._block_next = False
            under = self._cand
            if under is None:
                under = next((tg.id for tg in targets if tg.contains(x, y)), None)
            self._blocked = under
            self._blocked_out_since = None
            return
        if self._blocked is None:
            return
        rect_target = next((tg for tg in targets if tg.id == self._blocked), None)
        if rect_target is None:
            return  # not on screen now: cannot tell, stay blocked
        if rect_target.contains(x, y, cfg.exit_margin):
            self._blocked_out_since = None
        elif self._blocked_out_since is None:
            self._blocked_out_since = t
            if cfg.exit_grace_s <= 0:
                self._blocked = None
        elif t - self._blocked_out_since >= cfg.exit_grace_s:
            self._blocked = None
            self._blocked_out_since = None

    def _emit(self, state: DwellState) -> DwellState:
        if self._under is not None and self._last_t is not None:
            state = replace(state, under=self._under, under_s=max(0.0, self._last_t - self._under_since))
        self._state = state
        return state


def _usable(sample: Any) -> bool:
    """``GazeSample.usable``, defensively: a malformed sample is simply not usable."""
    try:
        return bool(sample.usable)
    except Exception:  # noqa: BLE001 - bad data must never crash the board
        return False
