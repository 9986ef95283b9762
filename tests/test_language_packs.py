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
