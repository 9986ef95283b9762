"""Find the line of a key in TOML text.

``tomllib`` returns plain dicts with no positions, but a caregiver needs "line 42" to find a
mistake. This scanner walks the text once, follows ``[table]`` and ``[[array]]`` headers the
way TOML does, and records the first line of every key path, e.g.
``("page", 1, "tile", 3, "kind") -> 57`` (indexes count from 0 in file order).

It is deliberately forgiving: it never raises, and anything it cannot place falls back to the
nearest enclosing table in :meth:`Positions.line_of`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BARE = r"[A-Za-z0-9_\-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY_PART = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_ARRAY_HEADER = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE_HEADER = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY_PART)


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = []
    for m in _PART.finditer(dotted):
        text = m.group(0)
        if text[:1] in "\"'":
            text = text[1:-1]
        parts.append(text)
    return tuple(parts)


Path_ = tuple  # a key path: str and int parts


@dataclass
class Positions:
    """Line numbers (1-based) of key paths found in one TOML text."""

    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        """Line of ``path`` or of its nearest recorded ancestor; None if nothing matches."""
        path = tuple(path)
        full = path
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        # nothing above it either (e.g. [[page.tile]] written before any [[page]]): first line
        # of anything recorded under the same top-level key
        under = [line for key, line in self.lines.items() if full and key[:1] == full[:1]]
        return min(under) if under else None

    def exact(self, path: tuple) -> int | None:
        return self.lines.get(tuple(path))


def _bracket_delta(text: str, state: dict) -> int:
    """Net ``[``/``{`` depth change of ``text`` outside strings and comments.

    ``state['string']`` carries an open multi-line string delimiter across lines.
    Also counts ``{`` opened at array depth 1 into ``state['inline_starts']``.
    """
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        delim = state.get("string")
        if delim:
            if text.startswith(delim, i):
                state["string"] = None
                i += len(delim)
                continue
            if text[i] == "\\" and delim.startswith('"'):
                i += 2
                continue
            if len(delim) == 1 and i == n - 1:
                state["string"] = None  # a single-line string cannot span lines
            i += 1
            continue
        ch = text[i]
        if ch == "#":
            break
        if text.startswith('"""', i) or text.startswith("'''", i):
            state["string"] = text[i : i + 3]
            i += 3
            continue
        if ch in "\"'":
            state["string"] = ch
            i += 1
            continue
        if ch in "[{":
            if ch == "{" and state.get("depth", 0) + depth == 1:
                state["inline_starts"] = state.get("inline_starts", 0) + 1
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    if state.get("string") and len(state["string"]) == 1:
        state["string"] = None
    return depth


def scan_positions(text: str) -> Positions:
    """Record the line of every header and key in ``text`` (never raises)."""
    pos = Positions()
    current: tuple = ()
    array_counts: dict[tuple, int] = {}
    state: dict = {"depth": 0, "string": None}
    value_key: tuple | None = None  # key whose multi-line array value we are inside

    for lineno, line in enumerate(text.splitlines(), start=1):
        try:
            if state.get("string") or state["depth"] > 0:
                # Continuation of a multi-line string or array: only count inline tables.
                before = state.get("inline_starts", 0)
                state["depth"] += _bracket_delta(line, state)
                after = state.get("inline_starts", 0)
                if value_key is not None and after > before:
                    for k in range(before, after):
                        pos.lines.setdefault(value_key + (k,), lineno)
                if state["depth"] <= 0 and not state.get("string"):
                    state["depth"] = 0
                    value_key = None
                continue

            m = _ARRAY_HEADER.match(line)
            if m:
                parts = _split_key(m.group(1))
                # [[page.tile]] belongs to the newest [[page]]: resolve each prefix to its last index.
                resolved: tuple = ()
                for depth_i, part in enumerate(parts):
                    resolved = resolved + (part,)
                    if depth_i < len(parts) - 1 and resolved in array_counts:
                        resolved = resolved + (array_counts[resolved],)
                index = array_counts.get(resolved, -1) + 1
                array_counts[resolved] = index
                # A new [[page]] restarts the numbering of its sub-arrays.
                for key in list(array_counts):
                    if len(key) > len(resolved) and key[: len(resolved) + 1] == resolved + (index,):
                        del array_counts[key]
                current = resolved + (index,)
                pos.lines.setdefault(current, lineno)
                continue

            m = _TABLE_HEADER.match(line)
            if m:
                parts = _split_key(m.group(1))
                resolved = ()
                for part in parts:
                    resolved = resolved + (part,)
                    if resolved in array_counts:
                        resolved = resolved + (array_counts[resolved],)
                current = resolved
                pos.lines.setdefault(current, lineno)
                continue

            m = _KEY_LINE.match(line)
            if m:
                key = current + _split_key(m.group(1))
                pos.lines.setdefault(key, lineno)
                rest = line[m.end() :]
                state["inline_starts"] = 0
                state["depth"] = 0
                delta = _bracket_delta(rest, state)
                starts = state.get("inline_starts", 0)
                # inline tables that open on the key line itself: "tile = [ {..}, {..} ]"
                for k in range(starts):
                    pos.lines.setdefault(key + (k,), lineno)
                if delta > 0 or state.get("string"):
                    state["depth"] = max(delta, 0)
                    value_key = key
                else:
                    state["depth"] = 0
                    state["inline_starts"] = 0
        except Exception:  # noqa: BLE001, S112 - positions are a convenience; never fail a check on them
            continue
    return pos
