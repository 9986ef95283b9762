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

_WORD = re.compile(r"^[A-Za-z']*[A-Za-z][A-Za-z']*$|^[0-9]{1,4}$")
_ENDING_OK = re.compile(r"^[A-Za-z0-9' ,.!?;:\-\"]+$")
_URLISH = re.compile(r"https?|www\.|\.(com|org|net|html?)\b", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9']+")
_SENT_END = re.compile(r"[.!?\n]\s*$")


def is_profane(text: str) -> bool:
    return any(w.lower().strip("'") in PROFANITY for w in _TOKEN.findall(text))


def valid_word(word: str, profanity_filter: bool = True) -> bool:
    """A whole word a person might pick: letters (with apostrophes) or a short number."""
    if not word or len(word) > 24 or not _WORD.match(word):
        return False
    if word.startswith("'") or "''" in word:
        return False
    if profanity_filter and is_profane(word):
        return False
    return True


def valid_ending(text: str, profanity_filter: bool = True) -> bool:
    """A sentence ending: plain words and ordinary punctuation, no markup/URLs/digit soup."""
    t = text.strip()
    if not t or not _ENDING_OK.match(t) or _URLISH.search(t):
        return False
    words = _TOKEN.findall(t)
    if not words:
        return False
    if any(not valid_word(w, profanity_filter=False) for w in words):
        return False
    if profanity_filter and is_profane(t):
        return False
    if re.search(r"[,;:\-]\s*[,;:\-]", t):  # punctuation soup
        return False
    return True


def at_sentence_start(context: str) -> bool:
    """True when the next word begins a sentence (empty context or after . ! ? or a newline)."""
    c = context.rstrip(" \t")
    return not c or bool(_SENT_END.search(c))


def case_word(word: str, sentence_start: bool) -> str:
    """Case as the person would want it: "I" (and I'm, I'll...), capital at sentence start.

    Other capitals are the model's choice (proper nouns) and are kept.
    """
    low = word.lower()
    if low == "i" or low.startswith("i'"):
        return "I" + word[1:]
    if sentence_start and word:
        return word[0].upper() + word[1:]
    return word


def truecase_context(context: str) -> str:
    """Give the model ordinary casing even when the person types in lowercase.

    A lowercase "i want" reads like chat noise to a web-trained LM; "I want" reads like a message.
    Only the pronoun "i" and sentence starts are changed, never anything else.
    """
    out = re.sub(r"(?<![A-Za-z0-9'])i(?=('[a-z]+)?(?![A-Za-z0-9]))", "I", context)
    out = re.sub(r"(^|[.!?\n]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out)
    return out
