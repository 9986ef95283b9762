"""The half-written message, kept on disk so that a crash or a kill never loses it.

``save_draft`` writes atomically (temp file, fsync, rename), so draft.json always holds either
the previous or the new text, never a torn mix. The board must not wait for the disk on every
letter, so ``DraftWriter`` takes updates from the UI thread without blocking (it only swaps a
string under a lock) and a background thread writes the newest one; rapid updates coalesce.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from aac.fileio import atomic_write_json
from aac.store.jsonfile import read_json

DRAFT_VERSION = 1


def save_draft(path: Path, text: str) -> None:
    """Atomically store ``text`` as the draft in ``path`` (draft.json)."""
    if not isinstance(text, str):
        raise TypeError(f"draft text must be str, not {type(text).__name__}")
    atomic_write_json(Path(path), {"version": DRAFT_VERSION, "text": text, "saved": time.time()})


def load_draft(path: Path) -> tuple[str, list[str]]:
    """Return (draft text, problems). Missing -> ""; damaged -> set aside, "" and a problem."""
    data, problems = read_json(Path(path))
    if data is None:
        return "", problems
    text = data.get("text", "")
    if not isinstance(text, str):
        return "", problems + [f"{path}: text: expected a text, found {type(text).__name__}; draft ignored"]
    return text, problems


class DraftWriter:
    """Background writer for the draft: ``submit`` never blocks on the disk.

    ``submit(text)`` records the newest text and wakes the writer; the writer saves whatever is
    newest when it gets to it, so a burst of 1000 letters costs a handful of writes. ``flush``
    waits until the newest submitted text is on disk (for shutdown and tests). If a write fails
    (disk full, read-only profile) the writer keeps the text, sets ``status`` to a message for the
    caregiver and retries, so the message is saved as soon as the disk allows.
    """

    def __init__(self, save: Callable[[str], None], retry_s: float = 2.0,
                 name: str = "aac-draft-writer") -> None:
        self._save = save
        self._retry_s = retry_s
        self._cond = threading.Condition()
        self._pending: str | None = None
        self._submitted = 0  # generation counter of submit() calls
        self._written = 0  # generation that is on disk
        self._closed = False
        self.status = ""
        self.writes = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        _LIVE.add(self)

    def submit(self, text: str) -> None:
        """Record ``text`` as the newest draft (cheap; safe from any thread)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("DraftWriter is closed")
            self._pending = text
            self._submitted += 1
            self._cond.notify_all()

    def flush(self, timeout: float | None = 5.0) -> bool:
        """Wait until the newest submitted text is written; False on timeout or failure."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._submitted
            while self._written < target:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def close(self, timeout: float = 5.0) -> bool:
        """Write the newest text, stop the thread; returns whether everything was written."""
        ok = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return ok

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._pending is None and self._closed:
                    return
                text, generation = self._pending, self._submitted
                self._pending = None
            try:
                self._save(text)
            except Exception as exc:  # noqa: BLE001 - disk trouble must never stop the writer
                with self._cond:
                    self.status = f"Draft not saved: {_describe(exc)}. Retrying."
                    if self._pending is None:
                        self._pending = text  # keep it; a newer submit replaces it
                    if self._closed:
                        return
                    self._cond.wait(self._retry_s)
                continue
            with self._cond:
                self.writes += 1
                self.status = ""
                self._written = max(self._written, generation)
                self._cond.notify_all()


#: Writers not yet closed: their newest text is written at interpreter exit (daemon threads die
#: silently at exit, and the draft must survive a normal quit even if nobody called close()).
_LIVE: weakref.WeakSet[DraftWriter] = weakref.WeakSet()


@atexit.register
def _flush_all_at_exit() -> None:
    for writer in list(_LIVE):
        if not writer._closed:
            writer.flush(timeout=3.0)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        import errno

        if exc.errno == errno.ENOSPC:
            return "the disk is full"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "the profile folder is read-only"
        return exc.strerror or str(exc)
    return f"{type(exc).__name__}: {exc}"
