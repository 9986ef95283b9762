"""Language packs: one file per language under ``languages/`` ties together the prediction model
recipe, the word letters (for normalising and filtering), the priming lines, the default
keyboard layout and the default voice. Switching a profile's language switches all of them.

Adding a language is adding files, not code: see README "Adding a language".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from aac.paths import LANGUAGES_DIR
DEFAULT_LANGUAGE = "en"
#: The most of the person's last messages a pack (or `--history-lines`) may put in the prompt:
#: 20 lines of up to 120 characters already triple a prompt of ~105 tokens (8 lead lines), and
#: every new message prefills them (aac.predict.prompt.HISTORY_LINES).
MAX_HISTORY_LINES = 20


class LanguageError(ValueError):
    """A missing or broken language pack; the message names the file and the key."""


@dataclass(frozen=True)
class LanguagePack:
    code: str
    name: str
    model: str
    layout: str
    voice: str
    letters: str
    lead_lines: list[str] = field(default_factory=list)
    #: the person's own last messages put in the model's prompt after ``lead_lines`` (None: the
    #: predictor's default, aac.predict.prompt.HISTORY_LINES); a pack sets 0 when its model does
    #: worse with them (measure with `aac bench ks --history-lines N`, as ru.toml says)
    history_lines: int | None = None
    source: Path | None = None

    @property
    def word_pattern(self) -> str:
        """Regex for a normalised word: the pack's letters, digits and apostrophes."""
        return f"[{self.letters}0-9']+"


def available_languages() -> list[str]:
    return sorted(p.stem for p in LANGUAGES_DIR.glob("*.toml"))


def load_language(code: str | None) -> LanguagePack:
    code = (code or DEFAULT_LANGUAGE).strip().lower()
    path = LANGUAGES_DIR / f"{code}.toml"
    if not path.exists():
        raise LanguageError(f"no language pack {code!r} (available: {', '.join(available_languages())})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LanguageError(f"{path}: {exc}") from exc
    lang = data.get("language")
    if not isinstance(lang, dict):
        raise LanguageError(f"{path}: missing [language] table")
    missing = [k for k in ("code", "name", "model", "layout", "voice", "letters") if not isinstance(lang.get(k), str)]
    if missing:
        raise LanguageError(f"{path}: [language] needs text values for: {', '.join(missing)}")
    lines = lang.get("lead_lines", [])
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise LanguageError(f"{path}: [language] lead_lines must be a list of strings")
    history = lang.get("history_lines")
    if history is not None and (isinstance(history, bool) or not isinstance(history, int) or not 0 <= history <= MAX_HISTORY_LINES):
        raise LanguageError(f"{path}: [language] history_lines must be a whole number from 0 to {MAX_HISTORY_LINES} (got {history!r})")
    return LanguagePack(
        code=lang["code"],
        name=lang["name"],
        model=lang["model"],
        layout=lang["layout"],
        voice=lang["voice"],
        letters=lang["letters"],
        lead_lines=list(lines),
        history_lines=history,
        source=path,
    )
