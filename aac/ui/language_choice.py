"""Which layout and voice the board uses for the profile's language.

A profile's ``settings.language`` ("en", "ru", ...) selects a language pack (aac/language.py).
The caregiver may still choose any layout or voice: a setting counts as *explicit* unless it is
the stock default or another language's pack default (e.g. a Russian profile whose layout is
still "default", the English pack's keyboard). Then the pack's layout/voice is used, so turning
the language to Russian gives a Russian keyboard and voice without touching two more settings.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

#: The Settings defaults (docs/INTERFACES.md): never an explicit choice.
STOCK_LAYOUT = "default"
STOCK_VOICE = "en-default"


def language_code(settings: Any) -> str:
    """The profile's language code, lower case ("en" when unset)."""
    return str(getattr(settings, "language", "") or "en").strip().lower() or "en"


def _packs() -> list[Any]:
    """Every language pack that loads (a broken one is logged and skipped)."""
    from aac.language import LanguageError, available_languages, load_language

    packs = []
    for code in available_languages():
        try:
            packs.append(load_language(code))
        except LanguageError as exc:
            log.warning("language pack skipped: %s", exc)
    return packs


def _choose(settings: Any, field: str, stock: str) -> str:
    value = str(getattr(settings, field, "") or "")
    code = language_code(settings)
    try:
        packs = _packs()
    except Exception as exc:  # noqa: BLE001 - no language packs: the setting as it is
        log.warning("language packs unavailable: %s", exc)
        return value or stock
    own = next((p for p in packs if p.code == code), None)
    if own is None:
        return value or stock
    others = {getattr(p, field) for p in packs if p.code != code}
    if not value or value == stock or value in others:
        return getattr(own, field)
    return value


def effective_layout(settings: Any) -> str:
    """The layout to show: the explicit ``settings.layout``, else the language pack's."""
    return _choose(settings, "layout", STOCK_LAYOUT)


def effective_voice(settings: Any) -> str:
    """The voice to speak with: the explicit ``settings.voice``, else the language pack's."""
    return _choose(settings, "voice", STOCK_VOICE)
