"""Versioned JSON files for what was learned: atomic writes, damaged files set aside.

Every file carries ``{"format": <name>, "version": <int>, ...}``. On load:

* missing file -> nothing learned yet (not a problem);
* unreadable JSON, wrong format, wrong shape -> the file is renamed to
  ``<name>.corrupt-<UTC time>`` and a problem is reported; learning starts empty;
* a *newer* version (written by a newer app) -> renamed to ``<name>.newer-v<N>-<UTC time>`` and
  reported, never loaded blindly nor overwritten: a later upgrade can still read it.

Nothing here uses pickle: every file is plain JSON that a person can inspect.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aac.fileio import atomic_write_json, atomic_write_text, ensure_private_dir

log = logging.getLogger(__name__)

#: The version of every learning file this code writes and reads.
VERSION = 1


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def set_aside(path: Path, why: str) -> Path:
    """Rename ``path`` out of the way (kept in the same private folder) and return the new path."""
    target = path.with_name(f"{path.name}.{why}-{_stamp()}")
    os.replace(path, target)
    return target


def load(path: Path, fmt: str, problems: list[str]) -> dict[str, Any] | None:
    """Read one learning file; returns its dict, or None (absent or set aside, with a problem)."""
    from aac.store.jsonfile import DamagedFile, parse_json_bytes, read_person_bytes

    try:  # the one guarded reader of a person's files (issue 20: any failure = a damaged file)
        raw = read_person_bytes(path)
        if raw is None:
            return None
        data = parse_json_bytes(raw)
    except (OSError, DamagedFile) as exc:
        return _reject(path, "corrupt", f"cannot be read ({exc})", problems)
    if not isinstance(data, dict) or data.get("format") != fmt:
        return _reject(path, "corrupt", f"is not a {fmt!r} file", problems)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        return _reject(path, "corrupt", "has no valid version number", problems)
    if version > VERSION:
        return _reject(
            path, f"newer-v{version}",
            f"was written by a newer version of the app (format version {version}, this one reads {VERSION})",
            problems,
        )
    return data


def _reject(path: Path, why: str, message: str, problems: list[str]) -> None:
    try:
        moved = set_aside(path, why)
        text = f"{path}: {message}; set aside as {moved.name}, learning continues without it"
    except OSError as exc:
        text = f"{path}: {message}; could not set it aside ({exc}), it is ignored"
    log.warning("learning: %s", text)
    problems.append(text)
    return None


def save(path: Path, fmt: str, payload: dict[str, Any], compact: bool = False) -> None:
    """Write ``payload`` as a versioned file atomically (0600 inside a 0700 folder).

    ``compact`` drops indentation: the training examples are thousands of numbers and are
    rewritten after every sentence, so size and write time matter more than readability.
    """
    ensure_private_dir(path.parent)
    doc = {"format": fmt, "version": VERSION, "saved": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    doc.update(payload)
    if compact:
        atomic_write_text(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        atomic_write_json(path, doc)
