"""The small typed interfaces the board shell talks to (instead of ``Any`` and ``getattr``).

Each is what the shell needs of a background part, no more: the real parts (gaze sources,
:class:`~aac.predict.service.PredictionService`, :class:`~aac.speech.speaker.Speaker`,
:class:`~aac.store.usage_log.UsageLog`, the profile's draft writer) and the tests' fakes all
satisfy them structurally.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from aac.gaze.sample import GazeSample
from aac.predict.types import Suggestions


@runtime_checkable
class GazePort(Protocol):
    """A gaze source: samples since the last poll; ``lost`` while the eyes are not seen."""

    name: str

    def poll(self) -> Sequence[GazeSample]: ...
    def stop(self) -> None: ...


class PredictionsPort(Protocol):
    """The prediction service: requests never wait; the newest result is read each frame."""

    ready: bool
    error: str | None

    def request(self, context: str, prefix: str) -> None: ...
    def latest(self) -> Suggestions | None: ...
    def peek(self, context: str, prefix: str) -> None: ...
    def peeked(self, context: str, prefix: str) -> Suggestions | None: ...
    def learn(self, sentence: str) -> None: ...
    def close(self) -> None: ...


class SpeakerPort(Protocol):
    """Speech out (synthesis on its own worker)."""

    def speak(self, text: str) -> None: ...
    def stop(self) -> None: ...
    def click(self) -> None: ...
    def close(self, wait: bool = False) -> None: ...


class UsageSink(Protocol):
    """The usage log (writes on its own thread)."""

    def start_session(self, source: str, dwell_ms: float | None, calibration_deg: float | None,
                      language: str | None, layout: str | None = None) -> None: ...
    def selection(self, kind: str, slot: int | None = None, rank: int | None = None, dwell_ms: float | None = None,
                  latency_ms: float | None = None, tile_id: str | None = None, page: str | None = None,
                  text: str | None = None) -> None: ...
    def error(self, kind: str) -> None: ...
    def message(self, text: str | None, *, selections: int = 0, seconds: float | None = None,
                spoken: bool = True) -> None: ...
    def end_session(self) -> None: ...
    def close(self) -> None: ...


class DraftSink(Protocol):
    """Where the draft goes after every change (written off the frame)."""

    status: str

    def submit(self, text: str) -> None: ...


def status_of(part: object) -> str:
    """A part's visible status line ("" when it has none): speakers, sources and logs have one."""
    status = getattr(part, "status", "")
    return str(status) if status else ""


def learning_problems(service: object) -> tuple[str, ...]:
    """What went wrong with the person's learning (``Learner.problems`` of aac/predict/learn:
    the profile held by another program, a damaged file set aside, a save that failed), read
    from the prediction service's predictor; () without a service, predictor or learner.

    The learner lives on the service's worker thread and only appends to its list, so a copy
    taken here is a consistent snapshot.
    """
    predictor = getattr(service, "predictor", None)
    problems = getattr(getattr(predictor, "learner", None), "problems", None)
    if not isinstance(problems, list):
        return ()
    return tuple(str(p) for p in list(problems))
