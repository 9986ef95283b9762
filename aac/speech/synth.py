"""One-shot synthesis for the CLI and tests: text -> WAV file, through the same worker process.

Shares one worker child per process (started on first use, closed at exit), so a script that
writes many files pays the start-up once, and a hang or crash is handled as in the speaker:
the child is killed, restarted and the request retried once.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from pathlib import Path

from aac.speech.pyttsx3_worker import (
    WorkerClient,
    WorkerCrashed,
    WorkerError,
    WorkerHung,
)
from aac.speech.voices import EngineVoice, VoiceNotFound, VoiceProfile, load_voice

_lock = threading.Lock()
_client: WorkerClient | None = None


class SynthesisError(RuntimeError):
    """The text could not be turned into audio; the message says why."""


@dataclass(frozen=True)
class WavInfo:
    path: Path
    duration: float
    sample_rate: int
    frames: int
    voice_id: str
    warning: str = ""
    engine: str = ""
    cpu_s: float = 0.0  # the worker's CPU seconds for this synthesis (Piper only; 0 when not measured)


def _worker() -> WorkerClient:
    global _client
    if _client is None:
        _client = WorkerClient()
        atexit.register(_shutdown)
    return _client


def _shutdown() -> None:
    global _client
    if _client is not None:
        _client.close()
        _client = None


def _request(obj: dict, timeout: float) -> dict:
    with _lock:
        client = _worker()
        for attempt in (1, 2):
            try:
                return client.request(obj, timeout)
            except (WorkerHung, WorkerCrashed) as exc:
                if attempt == 2:
                    raise SynthesisError(str(exc)) from exc
                client.restart()
            except (WorkerError, OSError) as exc:
                raise SynthesisError(f"speech engine unavailable: {exc}") from exc
    raise AssertionError("unreachable")


def synthesize_to_wav(
    text: str, voice: VoiceProfile | str, path: Path | str, strict: bool = True, timeout: float | None = None
) -> WavInfo:
    """Write ``text`` spoken with ``voice`` (a profile or its name) to the WAV file ``path``.

    ``strict``: a voice id the engine does not offer raises :class:`VoiceNotFound` listing the
    available voices (the board uses the lenient fallback of the speaker instead).
    """
    if isinstance(voice, str):
        voice = load_voice(voice)
    text = " ".join(str(text).split())
    if not text:
        raise SynthesisError("nothing to say: the text is empty")
    path = Path(path).absolute()
    if not path.parent.is_dir():
        raise SynthesisError(f"cannot write {path}: folder {path.parent} does not exist")
    notes: list[str] = []
    current: VoiceProfile | None = voice
    while current is not None:
        # The natural voice's first request loads its model (0.4-3 s on 2 shared cores).
        t = timeout if timeout is not None else 5.0 + 0.08 * len(text) + (30.0 if current.natural else 0.0)
        req = {"cmd": "synth", "text": text, "path": str(path), "voice": current.to_worker(), "strict": strict}
        try:
            reply = _request(req, t)
        except SynthesisError as exc:
            if not current.natural:
                raise
            reply = {"ok": False, "kind": "piper", "error": f"natural voice crashed: {exc}"}
        if reply.get("ok"):
            warning = "; ".join(notes + ([str(reply["warning"])] if reply.get("warning") else []))
            return WavInfo(path, float(reply["duration"]), int(reply["rate"]), int(reply["frames"]),
                           str(reply.get("voice_id", "")), warning, current.engine, float(reply.get("cpu_s", 0.0)))
        if reply.get("kind") == "voice":
            raise VoiceNotFoundMessage(str(reply.get("error")))
        fallback = current.fallback_profile() if reply.get("kind") in ("piper", "engine") else None
        if fallback is None:
            raise SynthesisError("; ".join(notes + [str(reply.get("error"))]))
        # piper -> espeak-ng -> the platform voice: the text is still written, and the caller is told.
        notes.append(f"{reply.get('error')}; used {fallback.engine_name} instead")
        current = fallback
    raise AssertionError("unreachable")


class VoiceNotFoundMessage(SynthesisError, LookupError):
    """The worker reported that the profile's voice id is not offered (message lists voices)."""


def list_engine_voices(driver: str | None = None, timeout: float = 20.0) -> list[EngineVoice]:
    """Voices the pyttsx3 driver offers (``None``: the OS default driver)."""
    reply = _request({"cmd": "voices", "driver": driver}, timeout)
    if not reply.get("ok"):
        raise SynthesisError(str(reply.get("error")))
    return [EngineVoice(v["id"], v.get("name", ""), tuple(v.get("languages") or ()), v.get("gender"))
            for v in reply["voices"]]


__all__ = [
    "SynthesisError",
    "VoiceNotFound",
    "VoiceNotFoundMessage",
    "WavInfo",
    "list_engine_voices",
    "synthesize_to_wav",
]
