"""Voice profile files: shipped profiles load, every caregiver mistake gets file, line, key, fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from aac.paths import VOICES_DIR
from aac.speech.voices import (
    BUILTIN_DEFAULT,
    EngineVoice,
    VoiceError,
    VoiceNotFound,
    available_profiles,
    load_voice,
    load_voice_or_default,
    resolve_engine_voice,
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / f"{name}.toml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = 'engine = "pyttsx3"\nvoice_id = "gmw/en-us"\nlanguage = "en"\nrate = 160\nvolume = 0.9\n'


def test_shipped_profiles_load() -> None:
    assert {"en-default", "en-slow", "ru-default"} <= set(available_profiles())
    en = load_voice("en-default")
    # The natural voice is the English default; espeak-ng's American English is its fallback.
    assert (en.engine, en.voice_id, en.language, en.name) == ("piper", "en_US-joe-medium", "en", "en-default")
    fb = en.fallback_profile()
    assert fb is not None and (fb.engine, fb.voice_id, fb.rate, fb.volume) == ("espeak", "gmw/en-us", en.rate, en.volume)
    assert fb.fallback_profile().engine == "pyttsx3" and fb.fallback_profile().fallback_profile() is None
    esp = load_voice("en-espeak")
    assert (esp.engine, esp.voice_id) == ("espeak", "gmw/en-us")
    assert 80 <= en.rate <= 450 and 0 < en.volume <= 1
    assert load_voice("en-slow").rate < en.rate
    ru = load_voice("ru-default")
    assert (ru.voice_id, ru.language) == ("zle/ru", "ru")
    assert ru.source == str(VOICES_DIR / "ru-default.toml")


def test_load_by_path_with_pitch(tmp_path: Path) -> None:
    p = write(tmp_path, "mine", GOOD + "pitch = 40\n")
    v = load_voice(p)
    assert v.pitch == 40 and v.rate == 160 and v.name == "mine"
    assert v.to_worker()["pitch"] == 40 and v.driver is None


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    p = write(tmp_path, "bad", 'engine = "pyttsx3"\nvoice_id = "gmw/en-us\nlanguage = "en"\n')
    with pytest.raises(VoiceError) as err:
        load_voice(p)
    (problem,) = err.value.problems
    assert problem.file == str(p) and problem.line == 2
    assert str(problem).startswith(f"{p}:2: not valid TOML")
    assert "quotes" in str(problem)


def test_wrong_types_name_key_line_and_expectation(tmp_path: Path) -> None:
    p = write(tmp_path, "bad", GOOD.replace("rate = 160", 'rate = "fast"').replace("volume = 0.9", "volume = 9"))
    with pytest.raises(VoiceError) as err:
        load_voice(p)
    by_key = {q.key: q for q in err.value.problems}
    assert set(by_key) == {"rate", "volume"}
    assert by_key["rate"].line == 4 and "words per minute" in by_key["rate"].message and "'fast'" in by_key["rate"].message
    assert by_key["volume"].line == 5 and "0.0" in by_key["volume"].message
    assert f"{p}:4: rate: expected" in str(err.value)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    p = write(tmp_path, "bad", GOOD + "volme = 1.0\n")
    with pytest.raises(VoiceError) as err:
        load_voice(p)
    (problem,) = err.value.problems
    assert (problem.key, problem.line) == ("volme", 6)
    assert "did you mean 'volume'" in str(problem)


def test_missing_required_and_bad_engine(tmp_path: Path) -> None:
    p = write(tmp_path, "bad", 'engine = "festival"\nrate = 150\n')
    with pytest.raises(VoiceError) as err:
        load_voice(p)
    keys = sorted(q.key for q in err.value.problems)
    assert keys == ["engine", "language", "voice_id"]
    text = str(err.value)
    assert "festival" in text and "espeak" in text and "add voice_id" in text


def test_missing_profile_lists_available() -> None:
    with pytest.raises(VoiceError) as err:
        load_voice("en-defualt")
    assert "no such voice profile" in str(err.value) and "en-default" in str(err.value)


def test_fallback_never_leaves_the_person_without_a_voice(tmp_path: Path) -> None:
    write(tmp_path, "broken", "rate = = 3\n")
    voice, problems = load_voice_or_default("broken", tmp_path)
    assert voice is BUILTIN_DEFAULT  # no en-default in this folder either
    assert len(problems) == 2 and "broken.toml:1" in str(problems[0])
    voice, problems = load_voice_or_default("broken")  # shipped folder has en-default
    assert voice.name == "en-default" and problems


VOICES = [
    EngineVoice("gmw/en", "English (Great Britain)", ("en-gb",)),
    EngineVoice("gmw/en-us", "English (America)", ("en-us",)),
    EngineVoice("zle/ru", "Russian", ("ru",)),
]


def test_resolve_engine_voice() -> None:
    assert resolve_engine_voice("gmw/en-us", "en", VOICES) == ("gmw/en-us", "")
    assert resolve_engine_voice("GMW/EN-US", "en", VOICES) == ("gmw/en-us", "")
    assert resolve_engine_voice("en-us+f3", "en", VOICES) == ("gmw/en-us+f3", "")
    assert resolve_engine_voice("Russian", "ru", VOICES) == ("zle/ru", "")
    vid, warning = resolve_engine_voice("klingon", "ru", VOICES)
    assert vid == "zle/ru" and "klingon" in warning and "instead" in warning
    with pytest.raises(VoiceNotFound) as err:
        resolve_engine_voice("gmw/en-uss", "en", VOICES, strict=True)
    assert "gmw/en-us" in str(err.value)
    # No voice list (a driver that lists nothing): pass the id through.
    assert resolve_engine_voice("x", "en", []) == ("x", "")
