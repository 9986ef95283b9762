"""What may be shown on a tile: no junk, no profanity unless the person allows it, sensible case.

A tiny web-trained LM happily proposes markup, URLs, digit soup and swear words. Everything the
board shows passes through here; rejected candidates are simply replaced by the next best one.
"""

from __future__ import annotations

import re

#: A small built-in list, matched on whole words (case-insensitive). The person (or caregiver)
#: can turn the filter off in the profile settings (``profanity_filter = false``).
PROFANITY = frozenset(
    """
    fuck fucks fucked fucker fuckers fucking motherfucker motherfucking shit shits shitty shitting
    bullshit cunt cunts cock cocks dick dicks dickhead prick pussy pussies twat wanker wank
    bitch bitches bitching bastard bastards slut sluts whore whores asshole assholes arsehole
    arse ass asses damn goddamn crap piss pissed bollocks bugger nigger niggers nigga faggot
    faggots fag fags retard retarded spastic tits titty porn porno rape raped
    """.split()
)

_URLISH = re.compile(r"https?|www\.|\.(com|org|net|html?)\b", re.I)
_SENT_END = re.compile(r"[.!?\n]\s*$")

#: A small Russian list (common mat roots' usual forms), matched on whole words like the English one.
PROFANITY_RU = frozenset(
    """
    блять бля блядь бляди блядина сука суки сучка хуй хуя хуи хуем хуйня хуёво хуево пизда пизды
    пиздец пиздеж пиздёж ебать ебал ебала ебёт ебет ёбаный ебаный ебло заебал заебало мудак
    мудаки мудила гандон гондон шлюха шлюхи жопа говно говнюк дерьмо срать ссать пидор пидорас
    пидорасы педик долбоёб долбоеб дебил уёбок уебок
    """.split()
)

EN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class TextRules:
    """The language-dependent half of filtering and casing, built from a pack's letters.

    ``letters`` are the lowercase word letters (apostrophes and digits are always allowed);
    ``single_letter_words`` the one-letter words worth a tile ("a"/"i" in English, the
    prepositions and conjunctions in Russian); ``pronoun_i`` turns on the English "i" -> "I" rule.
    """

    def __init__(self, letters: str = EN_LETTERS, profanity: frozenset[str] = PROFANITY, pronoun_i: bool = True, single_letter_words: str = "ai") -> None:
        self.letters = letters
        self.profanity = profanity
        self.pronoun_i = pronoun_i
        self.single_letter_words = frozenset(single_letter_words)
        low = re.escape(letters)
        both = low + re.escape(letters.upper())
        self.char_class = both  # for other modules' regexes (no brackets)
        self._word = re.compile(rf"^[{both}']*[{both}][{both}']*$|^[0-9]{{1,4}}$")
        self._ending_ok = re.compile(rf"^[{both}0-9' ,.!?;:\-\"]+$")
        self._token = re.compile(rf"[{both}0-9']+")
        self._norm_word = re.compile(rf"[{low}0-9']+")
        self._sentence_letter = re.compile(rf"(^|[.!?\n]\s+)([{low}])")
        self._last_word_char = re.compile(rf"^(.*[{both}0-9'])\W*\s\S*$")

    @classmethod
    def for_language(cls, pack: object | None) -> "TextRules":
        """Rules for a LanguagePack (None or English: the English rules, unchanged)."""
        code = getattr(pack, "code", "en") if pack is not None else "en"
        if code == "en" or pack is None:
            return EN_RULES
        letters = str(getattr(pack, "letters", EN_LETTERS)).lower()
        if code == "ru":
            return cls(letters, PROFANITY_RU, pronoun_i=False, single_letter_words="авиксоуя")
        # another language: its letters, no profanity list yet, all its one-letter words allowed
        return cls(letters, frozenset(), pronoun_i=False, single_letter_words=letters)

    def words_of(self, text: str) -> list[str]:
        """Normalised words (lowercase, the pack's letters, digits, apostrophes)."""
        return self._norm_word.findall(text.lower())

    def is_profane(self, text: str) -> bool:
        return any(w.lower().strip("'") in self.profanity for w in self._token.findall(text))

    def valid_word(self, word: str, profanity_filter: bool = True) -> bool:
        """A whole word a person might pick: letters (with apostrophes) or a short number."""
        if not word or len(word) > 24 or not self._word.match(word):
            return False
        if word.startswith("'") or "''" in word or (not self.pronoun_i and "'" in word):
            return False  # apostrophes belong to English words (don't, I'm), not to Russian ones
        if profanity_filter and self.is_profane(word):
            return False
        return True

    def valid_ending(self, text: str, profanity_filter: bool = True) -> bool:
        """A sentence ending: plain words and ordinary punctuation, no markup/URLs/digit soup."""
        t = text.strip()
        if not t or not self._ending_ok.match(t) or _URLISH.search(t):
            return False
        words = self._token.findall(t)
        if not words:
            return False
        if any(not self.valid_word(w, profanity_filter=False) for w in words):
            return False
        if profanity_filter and self.is_profane(t):
            return False
        if re.search(r"[,;:\-]\s*[,;:\-]", t):  # punctuation soup
            return False
        return True

    def cut_to_last_word(self, text: str) -> str:
        """An unfinished ending cut back to its last whole word."""
        m = self._last_word_char.match(text)
        return m.group(1) if m else text

    def case_word(self, word: str, sentence_start: bool) -> str:
        """Case as the person would want it: (English) "I", I'm, I'll...; capital at sentence start.

        Other capitals are the model's choice (proper nouns) and are kept.
        """
        low = word.lower()
        if self.pronoun_i and (low == "i" or low.startswith("i'")):
            return "I" + word[1:]
        if sentence_start and word:
            return word[0].upper() + word[1:]
        return word

    def truecase_context(self, context: str) -> str:
        """Give the model ordinary casing even when the person types in lowercase.

        A lowercase "i want" reads like chat noise to a web-trained LM; "I want" reads like a
        message. Only the English pronoun "i" and sentence starts are changed, never anything else.
        """
        out = context
        if self.pronoun_i:
            out = re.sub(r"(?<![A-Za-z0-9'])i(?=('[a-z]+)?(?![A-Za-z0-9]))", "I", out)
        return self._sentence_letter.sub(lambda m: m.group(1) + m.group(2).upper(), out)


EN_RULES = TextRules()


def is_profane(text: str) -> bool:
    return EN_RULES.is_profane(text)


def valid_word(word: str, profanity_filter: bool = True) -> bool:
    """English rules; see TextRules.valid_word."""
    return EN_RULES.valid_word(word, profanity_filter)


def valid_ending(text: str, profanity_filter: bool = True) -> bool:
    """English rules; see TextRules.valid_ending."""
    return EN_RULES.valid_ending(text, profanity_filter)


def at_sentence_start(context: str) -> bool:
    """True when the next word begins a sentence (empty context or after . ! ? or a newline)."""
    c = context.rstrip(" \t")
    return not c or bool(_SENT_END.search(c))


def case_word(word: str, sentence_start: bool) -> str:
    """English rules; see TextRules.case_word."""
    return EN_RULES.case_word(word, sentence_start)


def truecase_context(context: str) -> str:
    """English rules; see TextRules.truecase_context."""
    return EN_RULES.truecase_context(context)
