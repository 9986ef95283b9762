"""The model's prompt: the lead lines, the person's last messages, then what they are writing,
always short enough for the model's KV buffer.

One job, one owner: the Predictor asks for the prompt of a context (:meth:`Prompt.fitted`) and
never builds one itself. The person's messages come from the learner (``recent``: a callable
that returns the last ``n`` distinct messages, oldest first, or None), so this module needs
neither the learner nor the model, only the engine's tokenizer and buffer size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Made-up everyday messages (not from any corpus): they tell the tiny LM what kind of text follows.
LEAD_LINES = [
    "Can you help me sit up, please?",
    "I would like a drink of water.",
    "Thank you for coming to see me today.",
    "My back hurts, can you move the pillow?",
    "When is the nurse coming back?",
    "Good morning, did you sleep well?",
    "Please turn the TV on.",
    "I am tired and I want to go to bed.",
    "Where are my glasses?",
    "Could you call my daughter and ask her to visit?",
    "I don't feel well today.",
    "Yes, that's right.",
    "No, I don't want that.",
    "Good morning, how did you sleep?",
    "It's too cold in here, can you close the window?",
    "I'd like to listen to some music.",
]

FRAMINGS = ("plain", "chat", "none")

#: The person's sentences longer than this are not put in the prompt (see Prompt.lead_text).
HISTORY_LINE_CHARS = 120

#: How many of the person's last messages go into the prompt (English; a language pack can say
#: otherwise). Real AAC use repeats names, places, medicines and requests, and the model copies
#: from its prompt. The ideal user with previews (tests/bench/ks_with_previews.py rules, learning
#: on, every line in order), selections with 0 / 4 / 8 lines after the lead lines:
#: persona_tom_als 835 / 813 / 810, persona_maya_school 860 / 792 / 794. The dev corpus, whose
#: lines share nothing, loses a little: `aac bench ks` lines 21-220, 63.87 -> 63.48 %. Russian
#: (Gemma 3, its pack's ``history_lines``) gains too: ru_eval, all 201 lines, 49.70 -> 50.96 %.
#: Figures: models/README.md, sessions 16 and 17.
HISTORY_LINES = 4


class Prompt:
    """Builds the prompt for the Predictor's settings and language pack."""

    def __init__(self, settings: Any, language: Any, rules: Any, engine: Any,
                 recent: Callable[[int], list[str] | None] | None = None) -> None:
        """``settings``: PredictorSettings (framing, lead_lines, history_lines, history_before,
        truecase, max_context_chars); ``rules``: TextRules (truecasing); ``engine``: what
        encodes a prompt and says how long one may be; ``recent``: the person's last messages
        (None: no learner, so none)."""
        self.settings = settings
        self.language = language
        self.rules = rules
        self.engine = engine
        self._recent = recent

    def lead_text(self, history: bool = True) -> str:
        """The prompt before what the person writes: the lead lines and (``history``) the
        person's last messages."""
        s = self.settings
        pack_lines = list(getattr(self.language, "lead_lines", None) or [])
        lines = (pack_lines or LEAD_LINES)[: s.lead_lines]
        n_history = self.history_lines() if history else 0
        if n_history > 0 and self._recent is not None:
            # short lines only, so the prompt stays well inside every model's KV buffer (Gemma's
            # sliding window is 512 tokens) however long the person's messages are
            mine = [ln for ln in (self._recent(n_history) or []) if "\n" not in ln and len(ln) <= HISTORY_LINE_CHARS]
            lines = mine + lines if s.history_before else lines + mine
        if s.framing == "none":
            return "\n"
        body = "\n".join(lines) + "\n"
        if s.framing == "chat":
            return (
                "<|im_start|>system\nYou write short everyday messages for a person who speaks with a"
                " communication device.<|im_end|>\n<|im_start|>user\nWrite a message.<|im_end|>\n"
                "<|im_start|>assistant\n" + body
            )
        return body

    def history_lines(self) -> int:
        """How many of the person's last messages the prompt holds: the setting, else the
        language pack's, else HISTORY_LINES."""
        if self.settings.history_lines is not None:
            return max(0, int(self.settings.history_lines))
        pack = getattr(self.language, "history_lines", None)
        return HISTORY_LINES if pack is None else int(pack)

    def model_context(self, context: str, history: bool = True, max_chars: int | None = None) -> tuple[str, str]:
        """(text fed to the model, first-token kind: "space" or "line"): the lead text and the
        last ``max_chars`` (default ``max_context_chars``) characters of ``context``, from a
        word start."""
        limit = self.settings.max_context_chars if max_chars is None else max_chars
        ctx = context.rstrip(" \t")
        if len(ctx) > limit:
            cut = ctx[len(ctx) - limit :]
            ctx = cut[cut.find(" ") + 1 :] if " " in cut else cut
        if self.settings.truecase:
            ctx = self.rules.truecase_context(ctx)
        lead = self.lead_text(history)
        if not ctx or ctx.endswith("\n"):
            return lead + ctx, "line"
        return lead + ctx, "space"

    def fitted(self, context: str) -> tuple[str, str, list[int]]:
        """The prompt for ``context`` as (text, first-token kind, token ids), always short
        enough for the model's KV buffer (``Engine.prompt_budget``).

        Why: the limits on the text are in characters (``max_context_chars``,
        HISTORY_LINE_CHARS), but a character can take several tokens. With Gemma 3's
        512-token buffer (Russian) a context of 300 rare characters (an Egyptian hieroglyph
        takes 4 tokens each) was a 1,273-token prompt, and every request failed until the text
        was deleted; with the person's messages in the prompt, one such message would have
        failed every request until four more were said. So when the prompt is too long, the
        person's messages are left out first, then the context keeps only its last words
        that fit. Ordinary text never gets here (Russian: lead lines 73 tokens, a 300-character
        context ~90).
        """
        text, kind = self.model_context(context)
        ids = self.engine.encode_prompt(text)
        budget = self.engine.prompt_budget
        if len(ids) <= budget:
            return text, kind, ids
        text, kind = self.model_context(context, history=False)
        ids = self.engine.encode_prompt(text)
        chars = min(len(context), self.settings.max_context_chars)
        while len(ids) > budget and chars > 0:
            # shrink in proportion to the excess, and at least by a tenth, so a few encodes do
            chars = min(int(chars * 0.9), int(chars * budget / len(ids)))
            text, kind = self.model_context(context, history=False, max_chars=chars)
            ids = self.engine.encode_prompt(text)
        return text, kind, ids
