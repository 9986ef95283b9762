"""Reading the profile's JSON files without ever losing or blindly trusting them.

A profile file can be damaged (a full disk in an older version, a caregiver's hand edit, a
sync tool). The rule: a file that does not parse is *set aside* (renamed to
``<name>.corrupt-<timestamp>``) so nobody loses it and a later save cannot overwrite it, the
problem is reported in words, and the caller falls back to defaults.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


def set_aside(path: Path) -> Path:
    """Rename a damaged file out of the way (never delete it); return its new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    os.replace(path, target)
    return target


def read_json(path: Path, expect: type = dict) -> tuple[Any | None, list[str]]:
    """Load ``path``; return (object or None, problems).

    None with no problems means the file does not exist. A file that cannot be decoded, or
    whose top level is not ``expect``, is set aside and reported; None is returned so the caller
    uses its defaults.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [f"{path}: cannot read ({exc.strerror or exc}); using defaults"]
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f"line {exc.lineno}: " if isinstance(exc, json.JSONDecodeError) else ""
        return None, [_aside_message(path, f"{where}not valid JSON ({_short(exc)})")]
    if not isinstance(obj, expect):
        return None, [
            _aside_message(path, f"expected a JSON {expect.__name__}, found {type(obj).__name__}")
        ]
    return obj, []


def _aside_message(path: Path, why: str) -> str:
    try:
        moved = set_aside(path)
        kept = f"the damaged file was kept as {moved.name}"
    except OSError as exc:
        kept = f"could not move it aside ({exc.strerror or exc}); it was left in place"
    return f"{path}: {why}; using defaults, {kept}"


def _short(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    return msg[:120]
