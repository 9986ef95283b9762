"""The values that cross the line between the board controller and the pygame shell.

Inputs (what happened: gaze lost, fresh suggestions, a click, a switch press) go into
:meth:`BoardController.step`; effects (what must happen: speak, learn, log, save the draft, open
a screen) come out. The controller decides; the shell (:mod:`aac.ui.app`) carries effects out
through small typed interfaces (:mod:`aac.ui.ports`), off the frame where they could wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aac.predict.types import Suggestions


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class GazeLost:
    """The eye tracker reports the eyes lost (longer than a blink) or found again."""

    lost: bool


@dataclass(frozen=True)
class PredictionsIn:
    """The prediction service as the board sees it this frame (``present`` False: none)."""

    latest: Suggestions | None
    error: str | None = None
    ready: bool = True
    present: bool = True
    #: the answer to the last PeekPredictions, once its words are known (aac.ui.next_words)
    peeked: Suggestions | None = None


@dataclass(frozen=True)
class PartsStatus:
    """Status lines of the background parts (speaker, gaze source, usage log, draft writer)."""

    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Activate:
    """A tile chosen without dwelling (a click, a test, the caregiver's keyboard)."""

    box_id: str


@dataclass(frozen=True)
class SwitchPress:
    """A switch press for row-column scanning (``select`` or ``step``)."""

    switch: str = "select"


InputEvent = GazeLost | PredictionsIn | PartsStatus | Activate | SwitchPress


# ---------------------------------------------------------------------------- effects
class Screen(StrEnum):
    """Modal screens the shell opens over the board."""

    SETTINGS = "settings"
    CALIBRATE = "calibrate"


@dataclass(frozen=True)
class Speak:
    """Say ``text``. ``recording``: the name of the person's recorded message (aac/speech/bank.py)
    to play instead of synthesis; the speaker says ``text`` when it cannot play it. ``replay``: a
    history entry said again (the speaker may play the audio it kept of it)."""

    text: str
    recording: str | None = None
    replay: bool = False


@dataclass(frozen=True)
class Click:
    """The activation click (when the person wants one)."""


@dataclass(frozen=True)
class StopSpeech:
    """Stop speaking now."""


@dataclass(frozen=True)
class Learn:
    """A spoken message the predictor learns from."""

    text: str


@dataclass(frozen=True)
class RequestPredictions:
    """Ask for suggestions for this context (never waits)."""

    context: str
    prefix: str


@dataclass(frozen=True)
class PeekPredictions:
    """Ask, at low priority, for the words a letter key or word tile will bring (aac.ui.next_words)."""

    context: str
    prefix: str


@dataclass(frozen=True)
class LogSelection:
    """One selection for the usage log (``text`` is dropped there unless text logging is on)."""

    kind: str
    slot: int | None
    rank: int | None
    dwell_ms: float
    latency_ms: float | None
    tile_id: str
    page: str
    text: str


@dataclass(frozen=True)
class LogError:
    """A correction (undo, delete, clear) or a suspected false activation."""

    kind: str


@dataclass(frozen=True)
class LogMessage:
    """A spoken message: its text (kept only with text logging), selections and time."""

    text: str
    selections: int
    seconds: float | None


@dataclass(frozen=True)
class DwellTimeChanged:
    """The dwell time changed while the board runs (settings or adaptive dwell): logged."""

    dwell_ms: int
    reason: str


@dataclass(frozen=True)
class SaveDraft:
    """The message changed: keep it safe against a crash (written off the frame)."""

    text: str


@dataclass(frozen=True)
class SaveHistory:
    """The spoken-message history changed (only emitted while text logging is on)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class ForgetHistory:
    """Text logging was turned off: no spoken message stays on disk."""


@dataclass(frozen=True)
class OpenScreen:
    """Open a modal screen (settings, calibration) over the board."""

    screen: Screen


@dataclass
class Activation:
    """One tile activation as the board handled it (for the simulator, tests and frame dumps)."""

    t: float
    box_id: str
    kind: str
    text: str
    page: str
    events: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Activated:
    """A tile fired (the shell tells whoever listens, e.g. the simulated person)."""

    activation: Activation


Effect = (
    Speak | Click | StopSpeech | Learn | RequestPredictions | PeekPredictions | LogSelection | LogError | LogMessage
    | DwellTimeChanged | SaveDraft | SaveHistory | ForgetHistory | OpenScreen | Activated
)
