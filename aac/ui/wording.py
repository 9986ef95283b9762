"""The board's own words (status lines, the paused screen) in the board's language.

Layouts carry the words on their tiles; these are the few the board itself shows. A language
without its own entry falls back to English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aac.kinds import Action

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


#: The board's own tile labels and status sentences beyond the status words above (the history
#: page, layout problems, small tiles), per language; English when a pack has none.
BOARD_TEXT = {
    "en": {
        "back": "Back",
        "pause": "Pause",
        "nothing_spoken": "Nothing spoken yet",
        "layout_banner": "Layout file problem (showing {layout}): {problem}",
        "layout_problems": "Layout problems ({count}): using {layout}",
        "layout_banner_more": "{count} layout file problems (the board editor lists them), showing {layout}. First: {problem}",
        "small_tiles": "Tiles are small for your gaze accuracy{accuracy}: try the '{large}' layout",
        "large_layout": "large",
        "no_page": "No page named {name!r} in this layout",
        "not_available": "{action} is not available on this board yet",
        "learning_busy": "Learning not saved: this profile is open in another program ({holder})",
        "learning_problems": "Learning: {count} problem(s) with its files - see 'aac profile show'",
    },
    "ru": {
        "back": "Назад",
        "pause": "Пауза",
        "nothing_spoken": "Пока ничего не сказано",
        "layout_banner": "Ошибка в файле раскладки (показана {layout}): {problem}",
        "layout_problems": "Ошибки раскладки ({count}): показана {layout}",
        "layout_banner_more": "Ошибок в файле раскладки: {count} (все они в редакторе доски), показана {layout}. Первая: {problem}",
        "small_tiles": "Плитки малы для точности взгляда{accuracy}: попробуйте раскладку '{large}'",
        "large_layout": "ru-large",
        "no_page": "В раскладке нет страницы {name!r}",
        "not_available": "{action}: на этой доске пока недоступно",
        "learning_busy": "Обучение не сохраняется: профиль открыт в другой программе ({holder})",
        "learning_problems": "Обучение: проблем с файлами - {count}, см. 'aac profile show'",
    },
}


def board_text(language: str, key: str, **values: object) -> str:
    """One of the board's own labels or sentences in the board's language (English fallback)."""
    table = BOARD_TEXT.get(language, BOARD_TEXT["en"])
    return table.get(key, BOARD_TEXT["en"][key]).format(**values)


#: How aac/store/profile_lock.py names the process holding a profile ("... in use by another
#: process: pid 4242 (aac run), since ...").
_HOLDER = re.compile(r"in use by another process: (pid \d+)")


def learning_status(language: str, problems: Sequence[str]) -> str:
    """One status line for the learner's problems (``Learner.problems`` of aac/predict/learn),
    "" when there are none.

    The profile held by another program comes first and names it (its learning is not saved
    here: the caregiver closes the other program); other problems (a damaged file set aside,
    a save that failed) are counted and point to ``aac profile show``, which lists them. The
    problems themselves are English sentences with file paths: too long for the status strip.
    """
    if not problems:
        return ""
    for problem in problems:
        if "in use by another process" in problem:
            found = _HOLDER.search(problem)
            return board_text(language, "learning_busy", holder=found.group(1) if found else "?")
    return board_text(language, "learning_problems", count=len(problems))


#: Labels of action tiles a layout gives no ``label`` (the layout loader and the renderer use
#: them), per language; English when a pack has none, the action's name when a language lacks one.
ACTION_LABELS: dict[str, dict[str, str]] = {
    "en": {
        Action.SPEAK: "Speak", Action.DELETE_LETTER: "Delete letter", Action.DELETE_WORD: "Delete word",
        Action.UNDO: "Undo", Action.CLEAR: "Clear", Action.PAUSE: "Pause", Action.RESUME: "Resume",
        Action.SPACE: "Space", Action.STOP_SPEECH: "Stop", Action.SETTINGS: "Settings",
        Action.HISTORY: "History", Action.CALIBRATE: "Calibrate",
    },
    "ru": {
        Action.SPEAK: "Сказать", Action.DELETE_LETTER: "Стереть букву", Action.DELETE_WORD: "Стереть слово",
        Action.UNDO: "Отменить", Action.CLEAR: "Очистить", Action.PAUSE: "Пауза", Action.RESUME: "Продолжить",
        Action.SPACE: "Пробел", Action.STOP_SPEECH: "Стоп", Action.SETTINGS: "Настройки",
        Action.HISTORY: "История", Action.CALIBRATE: "Калибровка",
    },
}


def action_label(language: str, action: str) -> str:
    """The label of an action tile without its own (English fallback, then the action's name)."""
    table = ACTION_LABELS.get(language, ACTION_LABELS["en"])
    return table.get(action) or ACTION_LABELS["en"].get(action) or action
