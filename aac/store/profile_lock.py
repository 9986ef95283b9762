"""One process owns a profile's learned data at a time (issue 20, finding 5).

Why: two boards (or a board and ``aac predict``) on one profile each rewrote
``learning/sentences.json`` from their own memory, so one run's sentences silently replaced the
other's (SQLite's usage log copes with two writers; the JSON files cannot). The first process
takes ``<profile>/profile.lock``; a second one gets ProfileBusy, whose message names the holder
(pid, command, since when) so a caregiver knows which window to close.

The lock is an ``fcntl.flock`` on the file: the kernel drops it when the holder exits or is
killed, so a lock left by a dead process is simply taken over (the pid inside is only for the
message). Within one process the lock is shared (a board and its learner open it twice).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

LOCK_NAME = "profile.lock"

_held: dict[str, list] = {}  # real path -> [fd, users]
_guard = threading.Lock()


class ProfileBusy(Exception):
    """Another process holds the profile; the message names it."""


def _describe_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8", errors="replace") or "{}")
    except (OSError, ValueError, RecursionError):
        info = {}
    if not isinstance(info, dict):
        info = {}
    pid = info.get("pid")
    what = f"pid {pid}" if isinstance(pid, int) else "an unknown process"
    command = info.get("command")
    if isinstance(command, str) and command:
        what += f" ({command[:80]})"
    since = info.get("since")
    if isinstance(since, str) and since:
        what += f", since {since[:25]}"
    return what


def _command() -> str:
    argv = [os.path.basename(sys.argv[0] or "python")] + sys.argv[1:3]
    return " ".join(a for a in argv if a)


class ProfileLock:
    """A held lock; ``release()`` (or the context manager) gives it back."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._released = False

    def release(self) -> None:
        with _guard:
            if self._released:
                return
            self._released = True
            entry = _held.get(self._key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del _held[self._key]
                try:
                    _unlock(entry[0])
                finally:
                    os.close(entry[0])

    def __enter__(self) -> ProfileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock_now(fd: int) -> None:
    """An exclusive lock the kernel drops when this process ends; BlockingIOError if taken.
    POSIX: ``flock``; Windows: ``msvcrt.locking`` on the first byte (imported where used, so the
    module imports on every platform)."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            raise BlockingIOError(str(exc)) from None
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def acquire(profile_dir: Path) -> ProfileLock:
    """Take the profile's lock (shared within this process); raise ProfileBusy if another has it."""
    directory = Path(profile_dir)
    key = os.path.realpath(directory)
    with _guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
            return ProfileLock(key)
        path = directory / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            try:
                _lock_now(fd)
            except BlockingIOError:
                raise ProfileBusy(f"{directory} is in use by another process: {_describe_holder(path)}") from None
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            data = json.dumps({"pid": os.getpid(), "command": _command(), "since": stamp}).encode("utf-8")
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)  # (os.pwrite is POSIX-only)
            os.write(fd, data + b"\n")
        except BaseException:
            os.close(fd)
            raise
        _held[key] = [fd, 1]
        return ProfileLock(key)
