"""Learning from the person: their own words and sentences, and a per-person reranker.

See ``learner.py`` for how the prediction engine uses it and what is stored, and
docs/ARCHITECTURE.md ("Learning") for why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .learner import Learner, to_epoch

__all__ = ["Learner", "summary", "to_epoch"]


def summary(profile_dir: Path | str, enabled: bool = True) -> dict[str, Any]:
    """What is learned for a profile, as counts only (used by ``aac profile show``).

    ``enabled`` is the profile's ``learning_enabled`` setting; the caller (the CLI, which knows
    both the store and the predictor) passes it, so this package never imports the store.
    """
    return Learner.open(profile_dir, enabled=enabled).summary()
