"""Play a WAV file on whatever sound output the machine has, and notice when it has none.

Why every player is a child process: audio stacks hang (a stuck PulseAudio server, a busy ALSA
device) and a hang must never reach the board. A child can be timed out and killed, and ``stop()``
is just killing it. The players tried, in order: PipeWire ``pw-play``, PulseAudio ``paplay``, ALSA
``aplay``, SoX ``play``, macOS ``afplay``, Windows ``winsound`` and finally SDL through ``pygame.mixer`` (the last
two run as ``python -m aac.speech.playback``). A player counts as working only if it actually
plays a short silent WAV and exits 0 (:func:`probe_player`): a machine without a sound card, like
a headless server, then has no player, and the speaker reports "no audio device" instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path


def wav_duration(path: Path) -> float:
    """Seconds of audio in a WAV file (0.0 if it cannot be read)."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate() or 1)
    except (OSError, EOFError, wave.Error):
        return 0.0


def write_silence(path: Path, seconds: float = 0.05, rate: int = 22050) -> Path:
    """A tiny silent WAV used to probe players without making a sound."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(seconds * rate))
    return path


class Playback:
    """One running playback (a child process); poll it, wait for it or stop it."""

    def __init__(self, proc: subprocess.Popen | None, player: str, error: str = ""):
        self._proc = proc
        self.player = player
        self._error = error

    def done(self) -> bool:
        return self._proc is None or self._proc.poll() is not None

    def wait(self, timeout: float) -> bool:
        """True if it finished within ``timeout`` seconds."""
        if self._proc is None:
            return True
        try:
            self._proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, wait: float = 0.0) -> None:
        """Stop the sound now (kills only this playback's own child).

        Does not wait by default: the UI thread calls this (stop tile, interrupt) and a child stuck
        in an audio driver may take a while to die; whoever waits on the playback reaps it.
        """
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._proc.kill()
            except OSError:
                return
            if wait > 0:
                try:
                    self._proc.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass

    @property
    def ok(self) -> bool:
        return self._proc is not None and self._proc.poll() == 0

    @property
    def error(self) -> str:
        if self._error:
            return self._error
        if self._proc is None or self._proc.poll() in (None, 0):
            return ""
        err = b""
        if self._proc.stderr is not None:
            try:
                err = self._proc.stderr.read() or b""
            except (OSError, ValueError):
                pass
        text = err.decode("utf-8", "replace").strip().splitlines()
        tail = text[-1] if text else ""
        return f"{self.player} exited with {self._proc.returncode}" + (f": {tail}" if tail else "")


class Player(ABC):
    """Something that can play a WAV file."""

    name: str = "player"

    @abstractmethod
    def start(self, path: Path) -> Playback:
        """Begin playing ``path``; never blocks for the length of the sound."""


class CommandPlayer(Player):
    """A player that is an external command; ``{path}`` in ``argv`` is replaced by the file."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None):
        self.name = name
        self.argv = list(argv)
        self.env = dict(env or {})

    def __repr__(self) -> str:
        return f"CommandPlayer({self.name!r}, {self.argv!r})"

    def start(self, path: Path) -> Playback:
        args = [a.replace("{path}", str(path)) for a in self.argv]
        env = dict(os.environ, **self.env) if self.env else None
        try:
            proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
            )
        except OSError as exc:
            return Playback(None, self.name, f"{self.name} could not start: {exc}")
        return Playback(proc, self.name)


def _self_player(mode: str) -> CommandPlayer:
    return CommandPlayer(mode, [sys.executable, "-m", "aac.speech.playback", f"--{mode}", "{path}"])


def candidate_players() -> list[CommandPlayer]:
    """Players that exist on this system, best first (not yet known to work)."""
    out: list[CommandPlayer] = []
    table = [
        ("pw-play", ["pw-play", "{path}"]),
        ("paplay", ["paplay", "{path}"]),
        ("aplay", ["aplay", "-q", "{path}"]),
        ("play", ["play", "-q", "{path}"]),  # SoX
        ("afplay", ["afplay", "{path}"]),
    ]
    for name, argv in table:
        if shutil.which(name):
            out.append(CommandPlayer(name, argv))
    if sys.platform == "win32":
        out.append(_self_player("winsound"))
    try:
        import importlib.util

        if importlib.util.find_spec("pygame") is not None:
            out.append(_self_player("pygame"))
    except (ImportError, ValueError):
        pass
    return out


def probe_player(candidates: Sequence[Player] | None = None, timeout: float = 4.0) -> tuple[Player | None, str]:
    """The first player that really plays a short silent WAV, or ``(None, why)``.

    Runs in the speaker's background thread (it can take a few hundred ms), never on the UI thread.
    """
    cands = list(candidate_players() if candidates is None else candidates)
    if not cands:
        return None, "no audio player found (install pipewire, pulseaudio-utils or alsa-utils)"
    reasons: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aac-probe-") as tmp:
        probe = write_silence(Path(tmp) / "probe.wav")
        for player in cands:
            pb = player.start(probe)
            if not pb.wait(timeout):
                pb.stop(wait=2.0)
                reasons.append(f"{player.name}: no answer in {timeout:.0f} s")
                continue
            if pb.ok:
                return player, ""
            reasons.append(pb.error or f"{player.name} failed")
    return None, "; ".join(reasons)


# --- `python -m aac.speech.playback --pygame FILE` / `--winsound FILE` -------------------------


def _play_pygame(path: str) -> int:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    try:
        pygame.mixer.init()
    except pygame.error as exc:
        print(f"pygame: {exc}", file=sys.stderr)
        return 2
    driver = pygame.mixer.get_driver() if hasattr(pygame.mixer, "get_driver") else ""
    if driver in ("dummy", "disk"):
        print(f"pygame: SDL audio driver {driver!r} has no sound device", file=sys.stderr)
        return 2
    sound = pygame.mixer.Sound(path)
    channel = sound.play()
    end = time.monotonic() + sound.get_length() + 2.0
    while channel.get_busy() and time.monotonic() < end:
        time.sleep(0.02)
    pygame.mixer.quit()
    return 0


def _play_winsound(path: str) -> int:
    import winsound  # type: ignore[import-not-found]

    winsound.PlaySound(path, winsound.SND_FILENAME)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m aac.speech.playback", description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--pygame", metavar="WAV")
    g.add_argument("--winsound", metavar="WAV")
    g.add_argument("--probe", action="store_true", help="say which player works here")
    args = ap.parse_args(argv)
    if args.probe:
        player, why = probe_player()
        print(player.name if player else f"none: {why}")
        return 0 if player else 1
    if args.pygame:
        return _play_pygame(args.pygame)
    return _play_winsound(args.winsound)


if __name__ == "__main__":
    sys.exit(main())
