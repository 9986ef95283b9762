"""Build a gaze source from a spec (``mouse``, ``tobii[:SERIAL]``, ``webcam[:N]``, ``replay:FILE``...).

The sources are imported lazily, when asked for: a missing SDK (Tobii, Titta, OpenCV) only
matters to the person who uses that device, and the base module (:mod:`aac.gaze.source`) stays
free of imports of its own sources.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Mapping

from aac.gaze.calibration import apply_mapping, mapping_from_result
from aac.gaze.sample import GazeSample
from aac.gaze.source import Clock, GazeSource, NullSource, Pointer, SourceError

#: Specs understood by :func:`make_source` (``replay`` takes ``replay:FILE``).
SPECS = ("mouse", "tobii", "titta", "webcam", "replay:FILE", "scan")

#: Sources whose stored calibration mapping is applied (a mouse needs none).
CALIBRATED_KINDS = ("tobii", "titta", "webcam")


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``"replay:FILE"`` / ``"tobii:SERIAL"`` into (kind, argument)."""
    spec = (spec or "").strip()
    kind, _, arg = spec.partition(":")
    return kind.strip().lower(), arg.strip()


def make_source(
    spec: str,
    screen_size: tuple[int, int],
    pointer: Pointer | None = None,
    *,
    clock: Clock = time.monotonic,
    replay_speed: float = 1.0,
    calibration: Mapping[str, Any] | None = None,
) -> GazeSource:
    """Build (but do not start) the source named by ``spec``.

    ``calibration`` is the profile's latest calibration record (``Profile.calibration``): when it
    was made with the same kind of source, its mapping is applied (the webcam's feature regression,
    or a tracker's correction); a record from another source is ignored.

    ``mouse`` needs ``pointer`` (a callable returning the pointer position in pixels, e.g.
    ``pygame.mouse.get_pos``); ``tobii[:SERIAL_OR_ADDRESS]``, ``titta[:ADDRESS]``,
    ``webcam[:CAMERA_INDEX]``, ``replay:FILE``, ``scan``. Raises :class:`SourceError` for an unknown
    spec; a missing device or SDK is reported by ``start()``.
    """
    kind, arg = parse_spec(spec)
    source = _make(kind, arg, spec, screen_size, pointer, clock, replay_speed)
    return apply_calibration(source, kind, calibration)


def apply_calibration(source: GazeSource, kind: str, calibration: Mapping[str, Any] | None) -> GazeSource:
    """Attach a stored calibration mapping to ``source`` if it was made for this kind of source."""
    if kind not in CALIBRATED_KINDS or not calibration or calibration.get("source") != kind:
        return source
    if not calibration.get("mapping"):
        return source
    mapping = mapping_from_result(calibration)
    if mapping is None:
        return source
    if hasattr(source, "mapping"):
        source.mapping = mapping  # type: ignore[attr-defined]  # webcam: features -> screen
        return source
    return CorrectedSource(source, mapping)


class CorrectedSource(GazeSource):
    """A tracker's samples passed through a calibration correction (raw gaze -> screen)."""

    def __init__(self, inner: GazeSource, mapping: Any) -> None:
        self.inner = inner
        self.mapping = mapping
        self.name = inner.name

    def start(self) -> None:
        self.inner.start()
        self.name = self.inner.name

    def stop(self) -> None:
        self.inner.stop()

    def poll(self) -> list[GazeSample]:
        return [apply_mapping(self.mapping, s) for s in self.inner.poll()]

    @property
    def status(self) -> str:
        return self.inner.status

    def __getattr__(self, item: str) -> Any:  # e.g. sdk_calibration() of a Tobii source
        if item == "inner":
            raise AttributeError(item)
        return getattr(self.inner, item)


def _make(kind: str, arg: str, spec: str, screen_size: tuple[int, int], pointer: Pointer | None,
          clock: Clock, replay_speed: float) -> GazeSource:
    if kind == "mouse":
        from aac.gaze.mouse import MouseSource

        if pointer is None:
            raise SourceError("the mouse source needs a pointer (e.g. pygame.mouse.get_pos)")
        return MouseSource(pointer, screen_size, clock=clock)
    if kind == "tobii":
        from aac.gaze.tobii import TobiiSource

        return TobiiSource(arg or None, clock=clock)
    if kind == "titta":
        from aac.gaze.titta import TittaSource

        return TittaSource(arg or None, clock=clock)
    if kind == "webcam":
        from aac.gaze.webcam import WebcamSource

        try:
            index = int(arg) if arg else 0
        except ValueError:
            raise SourceError(f"webcam:{arg}: the camera index must be a number, e.g. webcam:0") from None
        return WebcamSource(camera_index=index, clock=clock)
    if kind == "replay":
        from aac.gaze.replay import ReplaySource

        if not arg:
            raise SourceError("replay needs a trace file: --gaze replay:calibration/traces/FILE.jsonl")
        return ReplaySource(Path(arg), speed=replay_speed, clock=clock)
    if kind == "scan":
        return NullSource("scan", "")
    raise SourceError(f"unknown gaze source {spec!r}; expected one of: {', '.join(SPECS)}")
