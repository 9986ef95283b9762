"""Where things live: shipped resources in the repo, per-user data and cache under XDG dirs.

Kept in one place so that tests can redirect everything with environment variables
(AAC_DATA_DIR, AAC_CACHE_DIR, XDG_DATA_HOME, XDG_CACHE_HOME) and nothing writes into the clone.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the package is installed editable, so resources sit beside it).
REPO_ROOT = Path(__file__).resolve().parent.parent
LAYOUTS_DIR = REPO_ROOT / "layouts"
VOICES_DIR = REPO_ROOT / "voices"
CALIBRATION_DIR = REPO_ROOT / "calibration"
MODELS_DIR = REPO_ROOT / "models"


def data_dir() -> Path:
    """Per-user data root (profiles live under it). Never inside the clone."""
    if os.environ.get("AAC_DATA_DIR"):
        return Path(os.environ["AAC_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aac"


def cache_dir() -> Path:
    """Per-user cache root: built models and their build environments."""
    if os.environ.get("AAC_CACHE_DIR"):
        return Path(os.environ["AAC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aac"


def profiles_dir() -> Path:
    return data_dir() / "profiles"
