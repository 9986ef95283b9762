"""Core vocabulary lists for the report's core vs fringe measure.

English: the Universal Core vocabulary of Project Core (Center for Literacy and Disability
Studies, University of North Carolina at Chapel Hill; project-core.com, "Universal Core
Vocabulary", 36 words), chosen by its authors as the words most used across contexts and ages in
studies of core vocabulary (e.g. Banajee, Dicarlo & Stricklin 2003, AAC 19(2):67-73). It is a
deliberately small list of content-bearing core words, so it is joined with the closed-class
(function) words of English grammar: pronouns, articles and determiners, prepositions,
conjunctions, auxiliary and modal verbs, yes/no. Every core-vocabulary study finds those at the
top of what speakers and AAC users say (Banajee et al. 2003; Balandin & Iacono 1999, AAC
15(2):95-109), and leaving them out would call "me", "is" and "to" fringe. A rising core share
means the person builds sentences from reusable words rather than naming things.

Languages without a cited list get none, and the report says so instead of guessing.
"""

from __future__ import annotations

UNIVERSAL_CORE_EN = frozenset(["all", "can", "different", "do", "finished", "get", "go", "good", "he", "help", "here", "i", "in", "it", "like", "look", "make", "more", "not", "on", "open", "put", "same", "she", "some", "stop", "that", "turn", "up", "want", "what", "when", "where", "who", "why", "you"])

#: Closed-class words of English (a grammar category, not a frequency list): never "fringe".
FUNCTION_WORDS_EN = frozenset(["i", "me", "my", "mine", "myself", "you", "your", "yours", "yourself", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "we", "us", "our", "ours", "they", "them", "their", "theirs", "this", "these", "those", "a", "an", "the", "some", "any", "no", "every", "each", "other", "another", "to", "of", "at", "by", "for", "from", "with", "without", "about", "into", "onto", "over", "under", "after", "before", "up", "down", "off", "out", "than", "and", "or", "but", "so", "if", "because", "then", "too", "also", "not", "am", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "done", "have", "has", "had", "will", "would", "can", "could", "shall", "should", "may", "might", "must", "yes", "please"])

SOURCES = {"en": "Project Core Universal Core vocabulary (36 words; Center for Literacy and Disability "
                 "Studies, UNC Chapel Hill) plus the English function words (pronouns, articles, "
                 "prepositions, conjunctions, auxiliary and modal verbs, yes/no)"}


def core_words(language: str | None) -> frozenset[str]:
    """The core list for a language code ("en", "en-GB" ...); empty when none is cited."""
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return UNIVERSAL_CORE_EN | FUNCTION_WORDS_EN if code == "en" else frozenset()


def source_of(language: str | None) -> str | None:
    code = (language or "en").split("-")[0].split("_")[0].lower()
    return SOURCES.get(code)
