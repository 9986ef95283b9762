"""The board's own words (status lines, the paused screen) in the board's language.

Layouts carry the words on their tiles; these are the few the board itself shows. A language
without its own entry falls back to English.
"""

from __future__ import annotations

#: The board's own status words the person reads, per language (English when a pack has none).
STATUS_TEXT = {
    "en": {
        "gaze_lost": "Eye tracker cannot see your eyes - dwell stopped",
        "unavailable": "Predictions unavailable ({why}); the keyboard still works",
        "no_service": "turned off for this session",
        "loading": "Loading predictions...",
        "paused": "Paused",
        "resume": "Resume",
        "paused_title": "Paused - look at Resume for {seconds} s to continue",
    },
    "ru": {
        "gaze_lost": "Трекер не видит глаза - выбор остановлен",
        "unavailable": "Подсказки недоступны ({why}); клавиатура работает",
        "no_service": "выключены в этом сеансе",
        "loading": "Загрузка подсказок...",
        "paused": "Пауза",
        "resume": "Продолжить",
        "paused_title": "Пауза - посмотрите на «Продолжить» {seconds} с, чтобы продолжить",
    },
}


def status_text(language: str, key: str, **values: str) -> str:
    """A board status line in the board's language (falls back to English)."""
    table = STATUS_TEXT.get(language, STATUS_TEXT["en"])
    return table.get(key, STATUS_TEXT["en"][key]).format(**values)
