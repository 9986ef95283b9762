"""Messages the person has spoken, newest first, so one selection can say one again.

Kept in memory only. Whether it survives a restart is the board's decision (it saves the list in
the profile only when the person has turned text logging on), so this class only offers plain
lists in and out and never touches the disk.
"""

from __future__ import annotations

from collections.abc import Iterable


class SpeechHistory:
    """A bounded, newest-first list of spoken messages without consecutive repeats."""

    def __init__(self, max_items: int = 50, items: Iterable[str] = ()):
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self._items: list[str] = []
        #: message (casefolded) -> name of the person's recording that said it (aac/speech/bank.py),
        #: so saying a history entry again plays the same recording. Names only, never audio.
        self._recordings: dict[str, str] = {}
        self.load(items)

    def add(self, text: str, recording: str | None = None) -> bool:
        """Remember ``text``; a message said again moves to the top instead of appearing twice.

        ``recording``: the bank name of the recording that was played for it (if any).
        """
        text = " ".join(text.split())
        if not text:
            return False
        key = text.casefold()
        self._items = [t for t in self._items if t.casefold() != key]
        self._items.insert(0, text)
        for dropped in self._items[self.max_items :]:
            self._recordings.pop(dropped.casefold(), None)
        del self._items[self.max_items :]
        if recording:
            self._recordings[key] = recording
        return True

    def recording_of(self, index: int) -> str | None:
        """The recording name that said the entry at ``index`` (None: synthesise it)."""
        text = self.get(index)
        return self._recordings.get(text.casefold()) if text is not None else None

    def items(self) -> list[str]:
        """Newest first (a copy)."""
        return list(self._items)

    def get(self, index: int) -> str | None:
        """The message at ``index`` (0 = most recent), or None."""
        return self._items[index] if 0 <= index < len(self._items) else None

    def last(self) -> str | None:
        return self.get(0)

    def remove(self, index: int) -> str | None:
        if 0 <= index < len(self._items):
            text = self._items.pop(index)
            self._recordings.pop(text.casefold(), None)
            return text
        return None

    def clear(self) -> None:
        self._items.clear()
        self._recordings.clear()

    def load(self, items: Iterable[str]) -> None:
        """Replace the contents from a saved newest-first list (non-strings are skipped)."""
        self._items = []
        self._recordings = {}
        for text in reversed([t for t in items if isinstance(t, str)][: self.max_items * 2]):
            self.add(text)

    def to_list(self) -> list[str]:
        """Newest-first plain list for the board to persist (if text logging is on)."""
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)
