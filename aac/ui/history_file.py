"""The spoken-message history on disk: kept only while text logging is on, written off the frame.

What the person said is private: with text logging off the file is deleted, and nothing is
written. Writes go to a short-lived thread so the frame never waits for the disk.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from aac.fileio import atomic_write_json
from aac.store.jsonfile import read_json

log = logging.getLogger(__name__)

#: Where the spoken-message history is kept, only while text logging is on.
HISTORY_FILE = "speech_history.json"


class HistoryFile:
    """Load, save (in the background) and forget ``speech_history.json`` in a profile folder."""

    def __init__(self, profile_dir: Path) -> None:
        self.path = Path(profile_dir) / HISTORY_FILE
        self._lock = threading.Lock()
        self._last: threading.Thread | None = None

    def load(self, text_logging: bool) -> list[str]:
        """The saved messages (text logging on); with it off the file is removed and [] returned."""
        if not text_logging:
            self.forget()
            return []
        try:
            data, problems = read_json(self.path, expect=list)
        except Exception as exc:  # noqa: BLE001 - a damaged history never stops the board
            log.warning("speech history not restored: %s", exc)
            return []
        for problem in problems:
            log.warning("speech history: %s", problem)
        return [t for t in (data or []) if isinstance(t, str)]

    def save(self, items: Sequence[str], wait: bool = False) -> None:
        """Write ``items`` atomically, on a thread unless ``wait``."""
        snapshot = list(items)

        def write() -> None:
            with self._lock:
                try:
                    atomic_write_json(self.path, snapshot)
                except OSError as exc:
                    log.warning("speech history not saved: %s", exc)

        if wait:
            write()
        else:
            self._last = threading.Thread(target=write, name="aac-history-writer", daemon=True)
            self._last.start()

    def flush(self, timeout: float = 5.0) -> None:
        if self._last is not None:
            self._last.join(timeout)

    def forget(self) -> None:
        """Text logging is off: no message text stays on disk."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("speech history not removed: %s", exc)
