"""Per-person settings: one dataclass, validated key by key when loaded.

Why key by key: a caregiver who mistypes one value (``"dwell_ms": "fast"``) must not lose the
other settings or crash the board. Each bad key gets a message naming the file and the key and
what was expected, and falls back to its default; unknown keys (from a newer version or another
tool) are kept on save and reported as warnings, never dropped.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aac.fileio import atomic_write_json
from aac.store.jsonfile import read_json

SETTINGS_VERSION = 1


@dataclass
class Settings:
    """What a caregiver can change for one person (defaults close to OptiKey/Grid)."""

    dwell_ms: int = 1000
    lock_on_ms: int = 150
    cooldown_ms: int = 300
    resume_dwell_ms: int = 2000
    voice: str = "en-default"
    theme: str = "high-contrast"
    layout: str = "default"
    language: str = "en"
    text_logging: bool = False
    #: "Word statistics for my clinician": count the words of spoken messages (and quick phrases
    #: used) per day for the report's vocabulary section, never whole messages. Off by default:
    #: a separate consent from text_logging (see aac/store/usage_log.py).
    word_statistics: bool = False
    profanity_filter: bool = True
    gaze_source: str = "mouse"
    fallback_sources: list[str] = field(default_factory=lambda: ["mouse"])
    failover_s: float = 5.0
    speak_each_word: bool = False
    speak_on_sentence_end: bool = False
    speech_interrupt: bool = False
    click_sound: bool = True
    show_gaze_cursor: bool = False
    learning_enabled: bool = True
    clear_after_speak: bool = True
    scan_interval_ms: int = 1200
    #: Keep the audio of the last spoken messages (``<profile>/history-audio/``, the last 20, 0600)
    #: so the history page replays the same audio; off: nothing spoken outlives its playback.
    keep_history_audio: bool = False
    #: Confidence gate (issue 15): ending tiles show only suggestions worth reading; off = always 3.
    suggestion_gate: bool = True
    #: The gate's minimum expected selections saved (aac.predict.gate.MIN_GAIN); lower = more endings.
    suggestion_gate_min_gain: float = 0.3
    #: Next words on the tile (aac.ui.next_words): while the person dwells on a letter key or a
    #: word tile, it shows the first word tiles' words it will bring; off = plain tiles.
    next_words_on_tile: bool = True
    #: Adaptive dwell (aac.gaze.adaptive_dwell), off by default: the dwell shortens in small steps
    #: while the person selects without undoing and lengthens after an undo or a false
    #: activation, never outside [adaptive_dwell_min_ms, adaptive_dwell_max_ms]; every change is
    #: logged for the clinician.
    adaptive_dwell: bool = False
    adaptive_dwell_min_ms: int = 600
    adaptive_dwell_max_ms: int = 1500
    adaptive_dwell_step_ms: int = 50
    #: Keys found in the file that this version does not know; written back unchanged.
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written to settings.json (known keys, unknown keys, version)."""
        out: dict[str, Any] = dict(self.extra)
        for f in fields():
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, list) else value
        out["version"] = SETTINGS_VERSION
        return out

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


#: Allowed ranges for numbers; outside them a value is as dangerous as a wrong type
#: (a 0 ms dwell would fire every tile the eyes cross).
RANGES: dict[str, tuple[float, float]] = {
    "dwell_ms": (200, 10000),
    "lock_on_ms": (0, 3000),
    "cooldown_ms": (0, 5000),
    "resume_dwell_ms": (300, 20000),
    "failover_s": (0.5, 600.0),
    "scan_interval_ms": (300, 10000),
    "suggestion_gate_min_gain": (0.0, 5.0),
    "adaptive_dwell_min_ms": (200, 10000),
    "adaptive_dwell_max_ms": (200, 10000),
    "adaptive_dwell_step_ms": (10, 500),
}

#: Free-text fields with a short description of what is expected (for messages).
HELP: dict[str, str] = {
    "dwell_ms": "dwell time in milliseconds",
    "lock_on_ms": "delay before dwell starts, milliseconds",
    "cooldown_ms": "pause after an activation, milliseconds",
    "resume_dwell_ms": "dwell on the resume target while paused, milliseconds",
    "voice": "a voice name from voices/ (e.g. en-default)",
    "theme": "a theme name (high-contrast, dark, light)",
    "layout": "a layout name from layouts/ or a path",
    "language": "a language code such as en or ru",
    "text_logging": "true to store message text in the usage log (off by default)",
    "word_statistics": "word statistics for my clinician: true to count the words used (never whole "
                       "messages) for the report's vocabulary section (off by default)",
    "gaze_source": "mouse, tobii, titta, webcam, replay:FILE or scan",
    "fallback_sources": "a list of gaze sources to try when the main one is lost",
    "failover_s": "seconds without gaze before switching source",
    "scan_interval_ms": "scanning step in milliseconds",
    "keep_history_audio": "true to keep the audio of the last 20 spoken messages in the profile, so the "
                          "history page replays the same audio (off by default: nothing spoken is kept)",
    "suggestion_gate": "true to show only endings worth reading (empty tile otherwise)",
    "suggestion_gate_min_gain": "selections an ending must save on average to be shown (0.3; lower shows more)",
    "next_words_on_tile": "true to show, on the letter key or word tile being dwelt on, the words it brings",
    "adaptive_dwell": "true to let the dwell time adapt within the bounds below (off by default)",
    "adaptive_dwell_min_ms": "shortest dwell the adaptive dwell may reach, milliseconds",
    "adaptive_dwell_max_ms": "longest dwell the adaptive dwell may reach, milliseconds",
    "adaptive_dwell_step_ms": "how much one adaptive dwell change moves the dwell, milliseconds",
}


def fields() -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(Settings) if f.name != "extra"]


def field_names() -> list[str]:
    return [f.name for f in fields()]


def _expected(name: str) -> str:
    default = getattr(Settings(), name)
    kind = {bool: "true or false", int: "a whole number", float: "a number", str: "a text",
            list: "a list of texts"}[type(default)]
    if name == "gaze_source":
        kind = "one of " + ", ".join(GAZE_SOURCES) + " (optionally KIND:ARG) or replay:FILE"
    elif name == "fallback_sources":
        kind = "a list of gaze sources (" + ", ".join(GAZE_SOURCES) + ", replay:FILE)"
    rng = RANGES.get(name)
    if rng:
        kind += f" between {rng[0]:g} and {rng[1]:g}"
    return kind


def check_value(name: str, value: Any) -> tuple[Any, str | None]:
    """Validate one value for field ``name``; return (clean value, None) or (None, why)."""
    default = getattr(Settings(), name)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            clean: Any = value
        elif isinstance(value, float) and math.isfinite(value) and value == int(value):
            clean = int(value)
        else:
            return None, f"expected {_expected(name)}, found {json.dumps(value)[:60]}"
        return _in_range(name, clean)
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return _in_range(name, float(value))
    elif isinstance(default, str):
        if isinstance(value, str) and value.strip() and len(value) <= 500 and "\x00" not in value:
            if name == "gaze_source" and not _gaze_spec_ok(value.strip()):
                return None, f"expected {_expected(name)}, found {json.dumps(value)[:60]}"
            return value.strip(), None
    elif isinstance(default, list):
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            clean_list = [v.strip() for v in value]
            if name == "fallback_sources" and not all(_gaze_spec_ok(v) for v in clean_list):
                return None, f"expected {_expected(name)}, found {json.dumps(value)[:60]}"
            return clean_list, None
    return None, f"expected {_expected(name)}, found {json.dumps(value)[:60]}"


#: Gaze source specs the board understands (``replay:FILE`` takes a path).
GAZE_SOURCES = ("mouse", "tobii", "titta", "webcam", "scan")


def _gaze_spec_ok(spec: str) -> bool:
    """``kind[:arg]`` as aac.gaze.factory.make_source reads it (e.g. ``tobii:SERIAL``, ``webcam:1``)."""
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    return kind in GAZE_SOURCES or (kind == "replay" and bool(arg.strip()))


def _in_range(name: str, value: float) -> tuple[Any, str | None]:
    lo, hi = RANGES.get(name, (-math.inf, math.inf))
    if lo <= value <= hi:
        return value, None
    try:
        shown = f"{value:g}"
    except OverflowError:  # a 4,000-digit whole number from a damaged file
        shown = f"a number with {len(str(abs(int(value))))} digits"
    return None, f"expected {_expected(name)}, found {shown}"


def from_dict(data: dict[str, Any], source: str = "settings") -> tuple[Settings, list[str]]:
    """Build Settings from a decoded JSON object; return (settings, problems).

    Bad keys fall back to their defaults; unknown keys are kept in ``extra`` and reported.
    """
    problems: list[str] = []
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    known = set(field_names())
    version = data.get("version", SETTINGS_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        problems.append(f"{source}: version: expected a whole number, found {json.dumps(version)[:40]}")
    elif version > SETTINGS_VERSION:
        problems.append(
            f"{source}: version {version} is newer than this app understands ({SETTINGS_VERSION}); "
            "known keys are used, the others are kept"
        )
    for key, value in data.items():
        if key == "version":
            continue
        if key not in known:
            extra[key] = value
            problems.append(f"{source}: {key}: unknown setting, kept but ignored")
            continue
        try:
            clean, why = check_value(key, value)
        except (ValueError, OverflowError, TypeError, RecursionError) as exc:  # a damaged value: its default
            clean, why = None, f"unusable value ({type(exc).__name__})"
        if why:
            default = getattr(Settings(), key)
            problems.append(f"{source}: {key}: {why}; using the default {json.dumps(default)}")
        else:
            values[key] = clean
    return Settings(**values, extra=extra), problems


def parse_cli_value(name: str, text: str) -> Any:
    """Turn a caregiver's command-line text into a value for ``name`` (raises ValueError)."""
    if name not in field_names():
        close = [n for n in field_names() if name.replace("-", "_") in n or n in name]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"unknown setting {name!r}{hint}; known: {', '.join(field_names())}")
    default = getattr(Settings(), name)
    value: Any
    if isinstance(default, bool):
        low = text.strip().lower()
        if low in ("true", "yes", "on", "1"):
            value = True
        elif low in ("false", "no", "off", "0"):
            value = False
        else:
            raise ValueError(f"{name}: expected true or false, found {text!r}")
    elif isinstance(default, (int, float)):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name}: expected {_expected(name)}, found {text!r}") from None
    elif isinstance(default, list):
        try:
            value = json.loads(text) if text.strip().startswith("[") else [
                p for p in (s.strip() for s in text.split(",")) if p]
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name}: expected a list like a,b or [\"a\",\"b\"] ({exc.msg})") from None
    else:
        value = text
    clean, why = check_value(name, value)
    if why:
        raise ValueError(f"{name}: {why}")
    return clean


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read settings.json; missing file -> defaults; corrupt file -> set aside + defaults."""
    data, problems = read_json(Path(path))
    if data is None:
        return Settings(), problems
    settings, more = from_dict(data, source=str(path))
    return settings, problems + more


def save_settings(path: Path, settings: Settings) -> None:
    """Write settings atomically (0600), keeping unknown keys."""
    atomic_write_json(Path(path), settings.to_dict())
