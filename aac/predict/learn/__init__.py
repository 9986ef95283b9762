"""Learning from the person: their own words and sentences, and a per-person reranker.

See ``learner.py`` for how the prediction engine uses it and what is stored, DESIGN.md section 3
("Learning") and issue 7 for why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .learner import Learner, to_epoch

__all__ = ["Learner", "summary", "to_epoch"]


def summary(profile_dir: Path | str) -> dict[str, Any]:
    """What is learned for a profile, as counts only (used by ``aac profile show``).

    ``enabled`` reflects the profile's ``learning_enabled`` setting when it can be read.
    """
    enabled = True
    try:
        from aac.store.settings import load_settings

        settings, _ = load_settings(Path(profile_dir) / "settings.json")
        enabled = bool(getattr(settings, "learning_enabled", True))
    except Exception:  # noqa: BLE001 - the summary must work without the store module
        pass
    return Learner.open(profile_dir, enabled=enabled).summary()
