"""Where things live: shipped resources (aac.resources), per-user data and cache directories.

Kept in one place so that tests can redirect everything with environment variables
(AAC_DATA_DIR, AAC_CACHE_DIR, XDG_DATA_HOME, XDG_CACHE_HOME) and nothing writes into the clone.

Per-user directories come from ``platformdirs``: on Linux that is the XDG base directories
(``$XDG_DATA_HOME/aac`` or ``~/.local/share/aac``; ``$XDG_CACHE_HOME/aac`` or ``~/.cache/aac``),
on Windows ``%LOCALAPPDATA%\\aac``, on macOS ``~/Library/Application Support/aac`` and
``~/Library/Caches/aac``. The AAC_* variables win everywhere; the XDG_* variables are honoured on
every platform too (as before platformdirs), so a test or a portable install can point them anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from aac.resources import SOURCE_ROOT, shipped_dir

APP_NAME = "aac"

#: The folder holding ``aac/``: the clone's root in development (tests, dev corpus, docs live
#: there); site-packages when installed from the wheel. Shipped files: use the *_DIR names below.
REPO_ROOT = SOURCE_ROOT
LAYOUTS_DIR = shipped_dir("layouts")
VOICES_DIR = shipped_dir("voices")
LANGUAGES_DIR = shipped_dir("languages")
CALIBRATION_DIR = shipped_dir("calibration")
MODELS_DIR = shipped_dir("models")
ICONS_DIR = shipped_dir("icons")


def _platform_dir(kind: str) -> Path:
    """``platformdirs``' user data/cache folder for the app, or the XDG default if it is absent."""
    try:
        import platformdirs
    except ImportError:  # a partial environment: keep the Linux behaviour rather than fail
        base = Path.home() / (".local/share" if kind == "data" else ".cache")
        return base / APP_NAME
    if kind == "data":
        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Per-user data root (profiles live under it). Never inside the clone."""
    if os.environ.get("AAC_DATA_DIR"):
        return Path(os.environ["AAC_DATA_DIR"])
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]) / APP_NAME
    return _platform_dir("data")


def cache_dir() -> Path:
    """Per-user cache root: built models and their build environments."""
    if os.environ.get("AAC_CACHE_DIR"):
        return Path(os.environ["AAC_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / APP_NAME
    return _platform_dir("cache")


def profiles_dir() -> Path:
    return data_dir() / "profiles"
