"""Every shipped language pack points at a model recipe, a layout and a voice that exist."""

from __future__ import annotations

import pytest

from aac.language import LanguageError, available_languages, load_language
from aac.paths import LAYOUTS_DIR, MODELS_DIR, VOICES_DIR


def test_english_and_russian_ship():
    assert {"en", "ru"} <= set(available_languages())


@pytest.mark.parametrize("code", available_languages())
def test_pack_references_exist(code):
    pack = load_language(code)
    assert pack.code == code
    assert (MODELS_DIR / f"{pack.model}.toml").exists()
    assert (LAYOUTS_DIR / f"{pack.layout}.toml").exists()
    assert (VOICES_DIR / f"{pack.voice}.toml").exists()
    assert pack.lead_lines, "a pack primes the model with a few everyday lines"


def test_russian_letters_are_cyrillic():
    pack = load_language("ru")
    assert "ё" in pack.letters and len(pack.letters) == 33


def test_unknown_language_is_a_clear_error():
    with pytest.raises(LanguageError, match="no language pack 'xx'.*available: en, ru"):
        load_language("xx")


@pytest.mark.parametrize("value", ["-1", "2.5", "true", '"four"', "99"])
def test_a_pack_with_a_bad_history_lines_is_a_clear_error(tmp_path, monkeypatch, value):
    """``history_lines`` (the person's last messages in the prompt) must be a whole number 0-20."""
    import aac.language as language

    text = (language.LANGUAGES_DIR / "en.toml").read_text(encoding="utf-8")
    (tmp_path / "xx.toml").write_text(text.replace('code = "en"', f'code = "xx"\nhistory_lines = {value}'), encoding="utf-8")
    monkeypatch.setattr(language, "LANGUAGES_DIR", tmp_path)
    with pytest.raises(LanguageError, match=r"xx\.toml: \[language\] history_lines must be a whole number from 0 to 20"):
        load_language("xx")


def test_russian_sets_the_persons_messages_in_the_prompt_and_english_uses_the_default():
    assert load_language("ru").history_lines == 4
    assert load_language("en").history_lines is None  # aac.predict.prompt.HISTORY_LINES
