"""Core vocabulary lists for the report's core vs fringe measure.

English: the Universal Core vocabulary of Project Core (Center for Literacy and Disability
Studies, University of North Carolina at Chapel Hill; project-core.com, "Universal Core
Vocabulary", 36 words), chosen by its authors as the words most used across contexts and ages in
studies of core vocabulary (e.g. Banajee, Dicarlo & Stricklin 2003, AAC 19(2):67-73). It is a
deliberately small list: a clinician reads "core" in this report as "one of these 36 words", and
a rising share means the person is building sentences from reusable words rather than naming things.

Languages without a cited list get none, and the report says so instead of guessing.
"""

from __future__ import annotations

UNIVERSAL_CORE_EN = frozenset("""
all can different do finished get go good he help here i in it like look make more not on open put
same she some stop that turn up want what when where who why you
""".split())

SOURCES = {"en": "Project Core Universal Core vocabulary (36 words; Center for Literacy and Disability "
                 "Studies, UNC Chapel Hill)"}


def core_words(language: str | None) -> frozenset[str]:
    """The core list for a language code ("en", "en-GB" ...); empty when none is cited."""
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return UNIVERSAL_CORE_EN if code == "en" else frozenset()


def source_of(language: str | None) -> str | None:
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return SOURCES.get(code)
