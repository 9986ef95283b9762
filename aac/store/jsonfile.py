"""Reading the profile's JSON files without ever losing or blindly trusting them.

A profile file can be damaged (a full disk in an older version, a caregiver's hand edit, a
sync tool). The rule: a file that does not parse is *set aside* (renamed to
``<name>.corrupt-<timestamp>``) so nobody loses it and a later save cannot overwrite it, the
problem is reported in words, and the caller falls back to defaults.

"Does not parse" means *any* failure (issue 20, finding 6): besides bad JSON, a 5,000-digit
number (ValueError from Python's integer-digits limit), 100,000 nested brackets
(RecursionError), a file too large to be one of ours, or a path that is not a regular file (a
fifo would block the board's start for ever). ``read_person_bytes`` is the one guarded way to
read such a file; the learning files (aac.predict.learn.persistence) use it too.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from aac.fileio import FileTooLarge, NotARegularFile, read_capped


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


#: The largest person's JSON file read (the learning module's training lists reach a few MB).
MAX_PERSON_FILE_BYTES = 64 * 1024 * 1024


class DamagedFile(ValueError):
    """A person's file that cannot be used as it is; the message says why in words."""


def read_person_bytes(path: Path, max_bytes: int = MAX_PERSON_FILE_BYTES) -> bytes | None:
    """The bytes of a person's file, or None if it does not exist.

    Raises DamagedFile for a file that is not a regular file (fifo, device: never read, they
    could block for ever or never end) or is larger than ``max_bytes``; OSError for a read error.
    """
    try:
        return read_capped(Path(path), max_bytes)
    except FileNotFoundError:
        return None
    except (NotARegularFile, FileTooLarge) as exc:
        raise DamagedFile(str(exc.strerror)) from None


def _no_lone_surrogates(obj: Any) -> Any:
    """``obj`` with lone surrogates (from escapes like ``\\ud800``) replaced by U+FFFD.

    Such a str cannot be written as UTF-8: ``aac profile show --json`` crashed printing it and
    every later save of the file failed (found by the hostile-input harness). Iterative, so a
    deeply nested document cannot overflow the stack here."""
    def fix(s: str) -> str:
        return s.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if any(
            "\ud800" <= c <= "\udfff" for c in s) else s

    if isinstance(obj, str):
        return fix(obj)
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for k in list(cur):
                v = cur[k]
                nk = fix(k)
                if isinstance(v, str):
                    v = fix(v)
                elif isinstance(v, (dict, list)):
                    stack.append(v)
                if nk != k:
                    del cur[k]
                cur[nk] = v
        elif isinstance(cur, list):
            for i, v in enumerate(cur):
                if isinstance(v, str):
                    cur[i] = fix(v)
                elif isinstance(v, (dict, list)):
                    stack.append(v)
    return obj


def parse_json_bytes(raw: bytes) -> Any:
    """Decode UTF-8 JSON; any failure becomes DamagedFile with a short reason."""
    try:
        obj = json.loads(raw.decode("utf-8"))
        if b"\\u" in raw or b"\\U" in raw:  # only escapes can make a lone surrogate
            obj = _no_lone_surrogates(obj)
        return obj
    except json.JSONDecodeError as exc:
        raise DamagedFile(f"line {exc.lineno}: not valid JSON ({_short(exc)})") from None
    except UnicodeDecodeError as exc:
        raise DamagedFile(f"not valid JSON ({_short(exc)})") from None
    except RecursionError:
        raise DamagedFile("not valid JSON (nested too deeply)") from None
    except MemoryError:
        raise DamagedFile("not valid JSON (too large to load)") from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise DamagedFile(f"not valid JSON ({_short(exc)})") from None


def read_json(path: Path, expect: type = dict) -> tuple[Any | None, list[str]]:
    """Load ``path``; return (object or None, problems).

    None with no problems means the file does not exist. A file that cannot be decoded, or
    whose top level is not ``expect``, is set aside and reported; None is returned so the caller
    uses its defaults.
    """
    path = Path(path)
    try:
        raw = read_person_bytes(path)
        if raw is None:
            return None, []
        obj = parse_json_bytes(raw)
    except DamagedFile as exc:
        return None, [_aside_message(path, str(exc))]
    except OSError as exc:
        return None, [f"{path}: cannot read ({exc.strerror or exc}); using defaults"]
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
