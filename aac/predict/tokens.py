"""Vocabulary analysis: which tokens start a word, continue one, or end a sentence.

A token-level LM does not know about words. To offer whole words that start with what the person
typed we classify every token once (byte-level BPE: a leading space marks a word start) and answer
"which tokens are consistent with the typed prefix" with a small per-first-letter index, so the
constraint costs microseconds per request.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD_PIECE = re.compile(r"^[A-Za-z0-9']+$")  # English (the default letters)
_BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")
SENTENCE_END = ".!?\n"


def word_piece_pattern(letters: str | None) -> re.Pattern[str]:
    """A token that is all word characters: the pack's letters (any case), digits, apostrophes."""
    if not letters or letters == "abcdefghijklmnopqrstuvwxyz":
        return _WORD_PIECE
    both = re.escape(letters.lower() + letters.upper())
    return re.compile(rf"^[{both}0-9']+$")


def _is_metaspace(data: dict) -> bool:
    """SentencePiece-style vocabulary (Gemma, Llama): "▁" marks a space, bytes are <0xNN> tokens."""
    return any("▁" in json.dumps(data.get(k) or {}, ensure_ascii=False) for k in ("decoder", "normalizer", "pre_tokenizer"))


def _byte_decoder() -> dict[str, int]:
    """Inverse of GPT-2's bytes_to_unicode (the ByteLevel pre-tokenizer's alphabet)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class Vocab:
    """Per-token text and classes for one tokenizer.

    ``text[i]`` is the token's decoded text (``None`` for special tokens and partial UTF-8).
    Masks (bool arrays over the vocabulary):
      * ``cont``: continues the current word (no leading space, only letters/digits/apostrophes);
      * ``start_space``: `` word`` - starts a new word after a space;
      * ``start_line``: ``word`` - starts a word at the beginning of a line;
      * ``ends_sentence``: contains . ! ? or a newline (an ending stops there).
    """

    def __init__(self, tokenizer_json: Path | str, size: int | None = None, letters: str | None = None) -> None:
        data = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
        word_piece = word_piece_pattern(letters)
        metaspace = _is_metaspace(data)
        vocab: dict[str, int] = data["model"]["vocab"]
        special = {t["id"] for t in data.get("added_tokens", []) if t.get("special", True)}
        n = max(size or 0, max(vocab.values()) + 1)
        dec = _byte_decoder()
        self.size = n
        self.special_ids = special
        self.text: list[str | None] = [None] * n
        for piece, i in vocab.items():
            if i in special:
                continue
            if metaspace:  # byte-fallback pieces are partial UTF-8: never shown or matched
                self.text[i] = None if _BYTE_PIECE.match(piece) else piece.replace("▁", " ")
                continue
            try:
                self.text[i] = bytes(dec[c] for c in piece).decode("utf-8")
            except (KeyError, UnicodeDecodeError):
                self.text[i] = None
        self.cont = np.zeros(n, bool)
        self.start_space = np.zeros(n, bool)
        self.start_line = np.zeros(n, bool)
        self.ends_sentence = np.zeros(n, bool)
        self.valid = np.zeros(n, bool)
        self._by_letter_space: dict[str, list[tuple[int, str]]] = {}
        self._by_letter_line: dict[str, list[tuple[int, str]]] = {}
        self._by_letter_cont: dict[str, list[tuple[int, str]]] = {}
        for i, t in enumerate(self.text):
            if not t:
                continue
            self.valid[i] = True
            if any(c in SENTENCE_END for c in t):
                self.ends_sentence[i] = True
            if word_piece.match(t):
                self.cont[i] = True
                self._by_letter_cont.setdefault(t[0].lower(), []).append((i, t.lower()))
                if t[0] != "'":
                    self.start_line[i] = True
                    self._by_letter_line.setdefault(t[0].lower(), []).append((i, t.lower()))
            elif t.startswith(" ") and word_piece.match(t[1:]) and t[1] != "'":
                self.start_space[i] = True
                self._by_letter_space.setdefault(t[1].lower(), []).append((i, t[1:].lower()))
        self._start_space_ids = np.flatnonzero(self.start_space)
        self._start_line_ids = np.flatnonzero(self.start_line)
        self._cont_ids = np.flatnonzero(self.cont)

    def body(self, token_id: int) -> str:
        """The token's text without the leading space of a word start."""
        t = self.text[token_id] or ""
        return t[1:] if t.startswith(" ") else t

    @lru_cache(maxsize=4096)
    def consistent(self, kind: str, remaining: str) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of ``kind`` ("space", "line" or "cont") consistent with the typed ``remaining``.

        Returns ``(ids, covers)``: ``covers[j]`` is True when token ``ids[j]`` covers the whole
        remaining prefix (the word may end after it); otherwise the token is a strict prefix of
        what was typed and the next token must carry on. Case-insensitive: "i" matches " I".
        """
        remaining = remaining.lower()
        if not remaining:
            ids = {"space": self._start_space_ids, "line": self._start_line_ids, "cont": self._cont_ids}[kind]
            return ids, np.ones(len(ids), bool)
        table = {"space": self._by_letter_space, "line": self._by_letter_line, "cont": self._by_letter_cont}[kind]
        out_ids: list[int] = []
        covers: list[bool] = []
        for i, body in table.get(remaining[0], []):
            if body.startswith(remaining):
                out_ids.append(i)
                covers.append(True)
            elif remaining.startswith(body):
                out_ids.append(i)
                covers.append(False)
        return np.array(out_ids, dtype=np.int64), np.array(covers, dtype=bool)
