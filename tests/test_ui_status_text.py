"""The board's own words (status lines, paused screen) follow the board's language."""

from __future__ import annotations

from aac.ui.wording import STATUS_TEXT, status_text


def test_every_language_has_every_status_line() -> None:
    for lang, table in STATUS_TEXT.items():
        assert set(table) == set(STATUS_TEXT["en"]), lang


def test_russian_and_fallback() -> None:
    assert status_text("ru", "paused") == "Пауза"
    assert "клавиатура работает" in status_text("ru", "unavailable", why="нет модели")
    assert "нет модели" in status_text("ru", "unavailable", why="нет модели")
    assert status_text("xx", "loading") == "Loading predictions..."  # a pack without its own words
    assert status_text("en", "unavailable", why="model missing").startswith("Predictions unavailable (model missing)")


def test_paused_screen_words() -> None:
    assert status_text("ru", "resume") == "Продолжить"
    assert "2 с" in status_text("ru", "paused_title", seconds="2")
    assert status_text("en", "paused_title", seconds="2.5") == "Paused - look at Resume for 2.5 s to continue"
