"""The board's own status words follow the board's language (Russian boards say it in Russian)."""

from __future__ import annotations

from aac.ui.app import STATUS_TEXT, status_text


def test_every_language_has_every_status_line() -> None:
    for lang, table in STATUS_TEXT.items():
        assert set(table) == set(STATUS_TEXT["en"]), lang


def test_russian_and_fallback() -> None:
    assert status_text("ru", "paused") == "Пауза"
    assert "клавиатура работает" in status_text("ru", "unavailable", why="нет модели")
    assert "нет модели" in status_text("ru", "unavailable", why="нет модели")
    assert status_text("xx", "loading") == "Loading predictions..."  # a pack without its own words
    assert status_text("en", "unavailable", why="model missing").startswith("Predictions unavailable (model missing)")
