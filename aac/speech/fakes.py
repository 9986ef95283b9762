"""A stand-in sound card for tests and demos on machines without one.

:class:`SoundCardRecorder` is a real :class:`~aac.speech.playback.CommandPlayer`: each playback
is a child process (a POSIX shell, as light as ``aplay``) that marks the start, stays busy for the
sound's duration (scaled) exactly as a player blocks while the device plays, and then copies the
WAV it was given into a folder. Killing it (``stop()``) cuts the "sound" short the same way, and
nothing is copied. So the speaker's queue, interrupt, stop and timeout logic run unchanged; only
the loudspeaker is missing.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from aac.speech.playback import CommandPlayer, Playback, wav_duration

_SCRIPT = 'echo "$3" > "$1.start" && sleep "$2" && cp "$3" "$1.tmp" && mv "$1.tmp" "$1.done.wav"'


class SoundCardRecorder(CommandPlayer):
    """Plays into ``directory``: ``NNNNNN.start`` when a playback begins, ``NNNNNN.done.wav`` at its end."""

    def __init__(self, directory: Path, time_scale: float = 0.25):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.time_scale = time_scale
        self._n = itertools.count(1)
        super().__init__("recorder", ["sh", "-c", _SCRIPT, "recorder"])

    def start(self, path: Path) -> Playback:
        stem = self.directory / f"{next(self._n):06d}"
        seconds = f"{wav_duration(Path(path)) * self.time_scale:.3f}"
        player = CommandPlayer(self.name, self.argv + [str(stem), seconds, str(path)])
        return player.start(path)

    def started(self) -> list[Path]:
        """Playbacks begun (in order)."""
        return sorted(self.directory.glob("*.start"))

    def finished(self) -> list[Path]:
        """WAVs played to the end (in order)."""
        return sorted(self.directory.glob("*.done.wav"))

    def cut(self) -> list[Path]:
        """Playbacks begun but not finished (stopped or interrupted)."""
        done = {p.name.split(".")[0] for p in self.finished()}
        return [p for p in self.started() if p.name.split(".")[0] not in done]
