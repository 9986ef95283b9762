"""The profile's state as one JSON-able dict (``aac profile show --json``).

Other tools and tests depend on this shape (keep it stable, add keys rather than change them)::

    {"name", "dir", "created", "settings": {...}, "draft": "...", "calibration": {...} | null,
     "calibration_count": n, "learning": {...}, "usage": {"sessions", "selections", "messages",
     "errors"}, "problems": [...]}

The learning module can describe its own files: the caller (the CLI, which knows both the store
and the predictor) passes its ``summary(profile_dir, enabled) -> dict`` and it is used for
"learning"; otherwise the files in learning/ are listed with their sizes. The store never
imports the predictor. Reading the state never creates or changes the usage log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aac.store.profile import Profile
from aac.store.usage_log import usage_counts


#: ``summary(profile_dir, enabled)`` of the learning module (``aac.predict.learn.summary``).
LearningSummary = Callable[[Path, bool], dict[str, Any]]


def learning_summary(profile: Profile, fn: LearningSummary | None = None) -> dict[str, Any]:
    """What the learning module keeps for this person (its own summary when the caller passes it)."""
    if fn is not None:
        try:
            out = fn(profile.dir, bool(getattr(profile.settings, "learning_enabled", True)))
            if isinstance(out, dict):
                return out
        except Exception as exc:  # noqa: BLE001
            return {"error": f"{type(exc).__name__}: {exc}"}
    files: dict[str, int] = {}
    base: Path = profile.learning_dir
    if base.is_dir():
        for p in sorted(base.rglob("*")):
            if p.is_file():
                files[str(p.relative_to(base))] = p.stat().st_size
    return {"files": files} if files else {}


def profile_state(profile: Profile, learning: LearningSummary | None = None) -> dict[str, Any]:
    """Everything a tool needs to know about the profile, JSON-serialisable (``learning``: the
    learning module's summary function, wired by the CLI)."""
    draft = profile.load_draft()
    settings = profile.settings.to_dict()
    settings.pop("version", None)
    return {
        "name": profile.name,
        "dir": str(profile.dir),
        "created": profile.created,
        "settings": settings,
        "draft": draft,
        "calibration": profile.calibration,
        "calibration_count": len(profile.calibration_history),
        "learning": learning_summary(profile, learning),
        "usage": usage_counts(profile.usage_db),
        "problems": list(profile.problems),
    }
