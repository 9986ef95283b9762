"""The audio of the last spoken messages, kept only when the person's settings ask for it.

Issue 17's rule: nothing spoken outlives its playback unless the person's settings keep history
audio (``Settings.keep_history_audio``, off by default). When it is on, the speech supervisor
thread (never the UI thread) stores each fully spoken message's audio here, so saying a history
entry again plays exactly what was heard (same voice, same intonation) instead of a new synthesis;
when it is off, the folder is emptied when the speaker starts (``keep=0``).

Storage: ``<profile>/history-audio/`` (0700), one 16-bit WAV per message (0600) under a random
name, and ``index.json`` (0600, written atomically) that maps a hash of the message's words to its
file, newest first; the words themselves are not written (the audio is the only copy). At most
``keep`` messages (default :data:`KEEP`), the same words said again replace their older audio,
as the history list moves them to the top.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from aac.fileio import atomic_write_json, ensure_private_dir

#: Messages kept: the board's history page shows the last few (aac/ui/app.py HISTORY_TILES), and
#: 20 messages of ~2 s at 22 kHz mono 16-bit are under 2 MB.
KEEP = 20
FOLDER = "history-audio"


def text_key(text: str) -> str:
    """The key of a message: its words with spacing and case ignored, exactly as
    :class:`aac.speech.history.SpeechHistory` tells a message said again, hashed ("Hello." and
    "Hello?" are two entries there, and sound different, so they are two here too)."""
    norm = " ".join(text.split()).casefold()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


class HistoryAudio:
    """The kept audio of one profile's last ``keep`` spoken messages (``keep=0``: keep nothing)."""

    def __init__(self, profile_dir: Path | str, keep: int = KEEP):
        self.dir = Path(profile_dir) / FOLDER
        self.index_path = self.dir / "index.json"
        self.keep = max(0, int(keep))

    @property
    def enabled(self) -> bool:
        return self.keep > 0

    def _entries(self) -> list[dict[str, str]]:
        try:
            raw = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        items = raw.get("messages", []) if isinstance(raw, dict) else []
        return [e for e in items if isinstance(e, dict) and isinstance(e.get("key"), str)
                and isinstance(e.get("file"), str) and "/" not in e["file"] and e["file"].endswith(".wav")]

    def find(self, text: str) -> Path | None:
        """The kept audio of these words (None when it is off or there is none)."""
        if not self.enabled:
            return None
        key = text_key(text)
        for e in self._entries():
            if e["key"] == key:
                path = self.dir / e["file"]
                return path if path.is_file() else None
        return None

    def store(self, text: str, parts: Sequence[Path], join: Callable[[Sequence[Path], Path], None]) -> Path | None:
        """Keep the audio of a spoken message (``parts`` joined by ``join`` into one 0600 WAV).

        Returns the kept file, or None when keeping is off or there is nothing to keep. Called on
        the speech supervisor thread; raises OSError/EOFError if the disk refuses (the caller
        reports it in the status line; the message itself was spoken).
        """
        if not self.enabled or not parts or not text.strip():
            return None
        ensure_private_dir(self.dir)
        dest = self.dir / f"{secrets.token_hex(8)}.wav"
        join(parts, dest)
        self._put(text_key(text), dest.name)
        return dest

    def touch(self, text: str) -> None:
        """A kept message said again moves to the top (it is the newest again)."""
        key = text_key(text)
        entries = self._entries()
        found = next((e for e in entries if e["key"] == key), None)
        if found is not None and entries[0] is not found:
            self._put(key, found["file"])

    def _put(self, key: str, file: str) -> None:
        old = self._entries()
        entries = [{"key": key, "file": file}] + [e for e in old if e["key"] != key and e["file"] != file]
        atomic_write_json(self.index_path, {"version": 1, "messages": entries[: self.keep]})
        self._remove_unlisted({e["file"] for e in entries[: self.keep]})

    def _remove_unlisted(self, listed: set[str]) -> None:
        for path in self.dir.glob("*.wav"):
            if path.name not in listed:
                try:
                    path.unlink()
                except OSError:
                    pass

    def prune(self) -> None:
        """Enforce ``keep`` (the speaker runs this when it starts): with ``keep=0`` the folder and
        all kept audio go; otherwise files beyond the newest ``keep`` (or not in the index) go."""
        if not self.dir.exists():
            return
        if not self.enabled:
            shutil.rmtree(self.dir, ignore_errors=True)
            return
        entries = self._entries()[: self.keep]
        if self.index_path.exists():
            atomic_write_json(self.index_path, {"version": 1, "messages": entries})
        self._remove_unlisted({e["file"] for e in entries})

    def __len__(self) -> int:
        return len(self._entries()) if self.enabled else 0
