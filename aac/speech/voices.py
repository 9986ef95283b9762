"""Voice profiles: caregiver-editable TOML files in ``voices/`` that say how the person sounds.

A profile names the engine, the engine's voice id, the speaking rate, volume, optional pitch and
the language. Caregivers edit these by hand, so every problem is reported as
``file:line: key: message (suggestion)`` and nothing here ever needs the engine to be running:
checking a voice id against what the engine offers is a separate, pure step
(:func:`resolve_engine_voice`) that the worker runs with the engine's voice list.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomllib

from aac.paths import VOICES_DIR

#: Engines a profile may name. "piper" is the natural (neural) voice (aac/speech/piper_engine.py);
#: "pyttsx3" uses the OS default driver (espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer
#: on macOS); "espeak"/"sapi5"/"nsss"/"avspeech" force a pyttsx3 driver.
ENGINES = ("piper", "pyttsx3", "espeak", "sapi5", "nsss", "avspeech")

#: Keys a profile may contain, with what is expected (used in messages).
KEYS: dict[str, str] = {
    "engine": f"one of {', '.join(ENGINES)}",
    "voice_id": 'the engine\'s voice id, e.g. "gmw/en-us" or "en_US-joe-medium" (list them with `aac voices --engine`)',
    "fallback": 'espeak-ng voice id used when the natural voice cannot speak, e.g. "gmw/en-us"; optional',
    "rate": "speaking rate in words per minute, a number from 80 to 450",
    "volume": "a number from 0.0 (silent) to 1.0 (full)",
    "pitch": "espeak pitch from 0 to 100 (50 is the voice's normal pitch); optional",
    "language": 'a language code such as "en" or "ru"',
    "description": "free text shown to the caregiver; optional",
}
REQUIRED = ("engine", "voice_id", "language")
RATE_RANGE = (80.0, 450.0)
DEFAULT_PROFILE = "en-default"


@dataclass(frozen=True)
class VoiceProfile:
    """How to speak: engine, voice id, rate (wpm), volume (0..1), pitch (0..100 or None), language."""

    engine: str = "pyttsx3"
    voice_id: str = "gmw/en-us"
    rate: int = 165
    volume: float = 0.9
    pitch: int | None = None
    language: str = "en"
    name: str = ""
    description: str = ""
    source: str = ""
    fallback: str = ""

    @property
    def driver(self) -> str | None:
        """The pyttsx3 driver name, or None for the OS default (and for Piper, which has none)."""
        return None if self.engine in ("pyttsx3", "piper") else self.engine

    @property
    def natural(self) -> bool:
        """True for the neural (Piper) engine."""
        return self.engine == "piper"

    def fallback_profile(self) -> VoiceProfile | None:
        """The next voice to try when this one cannot speak, or None at the end of the chain.

        The chain is piper -> espeak-ng (through pyttsx3) -> the platform's voice (pyttsx3's default
        driver: espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS) -> a visible
        "no speech" note (the speaker's job). Rate and volume carry over so the person's settings hold.
        """
        if self.engine == "piper":
            return replace(self, engine="espeak", voice_id=self.fallback or self.language, pitch=None,
                           name=f"{self.name} (espeak-ng fallback)", fallback="")
        if self.engine != "pyttsx3":
            return replace(self, engine="pyttsx3", name=f"{self.name} (system voice fallback)")
        return None

    @property
    def engine_name(self) -> str:
        """What a caregiver calls the engine: "Piper (natural)", "espeak-ng" or "system voice"."""
        if self.engine == "piper":
            return "Piper (natural)"
        if self.engine == "espeak":
            return "espeak-ng"
        return "system voice (pyttsx3)"

    def to_worker(self) -> dict[str, Any]:
        """The plain-JSON form sent to the synthesis worker."""
        return {
            "engine": self.engine,
            "driver": self.driver,
            "voice_id": self.voice_id,
            "rate": self.rate,
            "volume": self.volume,
            "pitch": self.pitch,
            "language": self.language,
        }


#: Used when no profile file can be read at all, so the board always has a voice.
BUILTIN_DEFAULT = VoiceProfile(name="built-in default", source="(built in)")


@dataclass(frozen=True)
class VoiceProblem:
    """One thing wrong in a voice profile, worded for a caregiver."""

    file: str
    line: int | None
    key: str
    message: str
    suggestion: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return f"{text} ({self.suggestion})" if self.suggestion else text


class VoiceError(ValueError):
    """A voice profile cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[VoiceProblem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class EngineVoice:
    """A voice the engine offers (pyttsx3 ``Voice``, reduced to plain data)."""

    id: str
    name: str = ""
    languages: tuple[str, ...] = ()
    gender: str | None = None


class VoiceNotFound(LookupError):
    """The profile's voice id is not offered by the engine; the message lists close matches."""

    def __init__(self, requested: str, available: Sequence[EngineVoice], language: str = ""):
        self.requested = requested
        self.available = list(available)
        ids = [v.id for v in self.available]
        close = difflib.get_close_matches(requested.lower(), ids, n=5, cutoff=0.5)
        same_lang = [v.id for v in self.available if language and _lang_matches(v, language)]
        hints = close or same_lang[:8] or ids[:12]
        more = f" ({len(ids)} in all: `aac voices --engine`)" if len(ids) > len(hints) else ""
        super().__init__(
            f"voice id {requested!r} is not offered by the speech engine; "
            f"available: {', '.join(hints) or '(none)'}{more}"
        )


def _lang_matches(voice: EngineVoice, language: str) -> bool:
    lang = language.lower().replace("_", "-")
    for code in voice.languages:
        c = code.lower().replace("_", "-")
        if c == lang or c.startswith(lang + "-"):
            return True
    return False


def resolve_engine_voice(
    requested: str, language: str, available: Sequence[EngineVoice], strict: bool = False
) -> tuple[str, str]:
    """Pick the engine voice id for a profile; returns ``(voice_id, warning)``.

    Matches an exact id, then a name or language code (``"en-us"`` finds ``gmw/en-us``); an espeak
    variant suffix (``+f3``) is kept. When nothing matches, ``strict`` raises
    :class:`VoiceNotFound`; otherwise the first voice of the profile's language (or the engine's
    first voice) is used and the warning says so, because the board must keep speaking.
    """
    if not available:
        return requested, ""
    base, plus, variant = requested.partition("+")
    key = base.strip().lower()
    found: str | None = None
    for v in available:
        if v.id.lower() == key:
            found = v.id
            break
    if found is None:
        for v in available:
            if v.name.lower() == key or any(c.lower() == key for c in v.languages):
                found = v.id
                break
    if found is not None:
        return (found + plus + variant if plus else found), ""
    err = VoiceNotFound(requested, available, language)
    if strict:
        raise err
    fallback = next((v.id for v in available if _lang_matches(v, language)), available[0].id)
    return fallback, f"{err}; using {fallback!r} instead"


def available_profiles(voices_dir: Path | None = None) -> list[str]:
    """Names of the shipped/installed profiles (file stems in ``voices/``)."""
    d = Path(voices_dir or VOICES_DIR)
    return sorted(p.stem for p in d.glob("*.toml")) if d.is_dir() else []


def _key_line(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|{re.escape(key)})\s*=")
    for i, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return i
    return None


def _profile_path(name_or_path: str | Path, voices_dir: Path | None) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.is_absolute() or len(p.parts) > 1:
        return p
    return Path(voices_dir or VOICES_DIR) / f"{name_or_path}.toml"


def load_voice(name_or_path: str | Path, voices_dir: Path | None = None) -> VoiceProfile:
    """Read and check one profile by name (``"en-default"``) or path; raises :class:`VoiceError`."""
    path = _profile_path(name_or_path, voices_dir)
    fname = str(path)
    if not path.is_file():
        names = available_profiles(voices_dir)
        close = difflib.get_close_matches(str(name_or_path), names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"available: {', '.join(names) or '(none)'}"
        raise VoiceError([VoiceProblem(fname, None, "", "no such voice profile", hint)])
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VoiceError([VoiceProblem(fname, None, "", f"cannot read the file: {exc}", "save it as UTF-8 text")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise VoiceError([VoiceProblem(fname, line, "", f"not valid TOML: {msg}",
                                       'write each setting as key = value, text in "quotes"')])
    return _check(data, text, fname, path.stem)


def _check(data: dict[str, Any], text: str, fname: str, name: str) -> VoiceProfile:
    problems: list[VoiceProblem] = []

    def bad(key: str, message: str, suggestion: str = "") -> None:
        problems.append(VoiceProblem(fname, _key_line(text, key), key, message, suggestion))

    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            bad(key, "unknown key", f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(KEYS)}")
    for key in REQUIRED:
        if key not in data:
            problems.append(VoiceProblem(fname, None, key, "missing", f"add {key} = ... ({KEYS[key]})"))

    values: dict[str, Any] = {}
    engine = data.get("engine", "pyttsx3")
    if not isinstance(engine, str) or engine not in ENGINES:
        bad("engine", f"expected {KEYS['engine']}, got {engine!r}")
    else:
        values["engine"] = engine
    for key in ("voice_id", "language", "description", "fallback"):
        if key in data:
            v = data[key]
            if not isinstance(v, str) or (key not in ("description", "fallback") and not v.strip()):
                bad(key, f"expected {KEYS[key]}, got {v!r}", 'put the text in "quotes"')
            else:
                values[key] = v.strip()
    if "rate" in data:
        v = data["rate"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not RATE_RANGE[0] <= v <= RATE_RANGE[1]:
            bad("rate", f"expected {KEYS['rate']}, got {v!r}", "175 is espeak's normal speed")
        else:
            values["rate"] = round(v)
    if "volume" in data:
        v = data["volume"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and 0.0 <= v <= 1.0):
            bad("volume", f"expected {KEYS['volume']}, got {v!r}", "write 0.9 for 90 %")
        else:
            values["volume"] = float(v)
    if "pitch" in data:
        v = data["pitch"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            bad("pitch", f"expected {KEYS['pitch']}, got {v!r}", "leave it out for the normal pitch")
        else:
            values["pitch"] = round(v)
    if problems:
        raise VoiceError(problems)
    return VoiceProfile(name=name, source=fname, **values)


def load_voice_or_default(name: str, voices_dir: Path | None = None) -> tuple[VoiceProfile, list[VoiceProblem]]:
    """The profile, or the default profile (then the built-in one) plus the problems found.

    The board calls this: a broken caregiver file must never leave the person without a voice.
    """
    try:
        return load_voice(name, voices_dir), []
    except VoiceError as exc:
        problems = list(exc.problems)
    if name != DEFAULT_PROFILE:
        try:
            return load_voice(DEFAULT_PROFILE, voices_dir), problems
        except VoiceError as exc:
            problems.extend(exc.problems)
    return BUILTIN_DEFAULT, problems
