"""A private copy of a person's profile for a run that is not their use.

``aac simulate --profile P`` and ``aac run --screenshot/--frames`` must show the board the person
gets (their settings, dwell time, learned words, calibration, history) without adding a session
to their usage log, a sentence to what the predictor learned from them, or overwriting their
unfinished message. They run on this copy, which the board may change freely and which is
deleted afterwards.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: Profile files a simulation leaves behind: the person's usage log (never read by the board) and
#: their unfinished message (the simulated person starts on an empty message bar).
_NOT_COPIED = ("usage.sqlite", "usage.sqlite-wal", "usage.sqlite-shm", "draft.json")


def copy_profile(src: Path, dst: Path) -> Path:
    """A private copy of a profile folder for one simulated run (settings, learned data,
    calibration, history), so the board simulated is the person's own while their files stay
    untouched. The usage log and draft are not copied (see _NOT_COPIED)."""
    src = Path(src)
    if not src.is_dir():
        Path(dst).mkdir(parents=True, exist_ok=True, mode=0o700)
        return Path(dst)
    shutil.copytree(src, dst, ignore=lambda d, names: [n for n in names if Path(d) == src and (
        n in _NOT_COPIED or n.startswith("usage.sqlite.corrupt"))])
    return Path(dst)
