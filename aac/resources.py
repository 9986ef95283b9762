"""The files the app ships (layouts, voices, language packs, calibration patterns, model recipes).

In a source checkout they are the top-level folders of the repository (``layouts/``, ``voices/``
...), which is where caregivers, docs and tests look for them. A built wheel carries the same
folders as package data under ``aac/_data/<kind>/`` (``setup.py`` copies them in at build time, so
nothing is duplicated in the repository). This module is the only place that knows both: it asks
``importlib.resources`` for the package's copy first and falls back to the checkout's folder, so
``pip install aac-*.whl`` from any directory and ``PYTHONPATH=$PWD`` in a clone find the same files.

User copies (``aac layout import`` into the data directory, for example) are searched before these
by the modules that own each kind; this module only answers "where are the shipped ones".
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: Folders shipped with the app, by kind; each is a top-level folder of the repository and
#: ``aac/_data/<kind>`` inside the wheel. ``setup.py`` reads this tuple (one list, not two).
SHIPPED_KINDS: tuple[str, ...] = ("layouts", "voices", "languages", "calibration", "models", "icons")

#: The package's own folder (``.../site-packages/aac`` or ``<clone>/aac``).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The folder that holds ``aac/``: the clone's root in development, site-packages when installed.
SOURCE_ROOT = PACKAGE_DIR.parent


class ResourceMissing(FileNotFoundError):
    """A shipped folder is not there: a broken install; the message says how to repair it."""


def _packaged(kind: str) -> Path | None:
    """``aac/_data/<kind>`` through importlib.resources, if this install carries it as a folder.

    A wheel is always unpacked on disk, so the Traversable is a real ``Path``; a zipped import
    (not something pip or pipx produce) is not supported and falls through to the checkout.
    """
    try:
        ref = resources.files("aac").joinpath("_data", kind)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - aac is always importable here
        return None
    if isinstance(ref, Path) and ref.is_dir():
        return ref
    return None


def shipped_dir(kind: str) -> Path:
    """The folder of shipped ``kind`` files: the wheel's package data, else the checkout's folder.

    Never raises: a missing folder is returned as the checkout's path so that messages name a
    real place ("no layouts found in <path>") and ``check_install`` can report it.
    """
    if kind not in SHIPPED_KINDS:
        raise ValueError(f"unknown resource kind {kind!r} (known: {', '.join(SHIPPED_KINDS)})")
    return _packaged(kind) or SOURCE_ROOT / kind


def origin() -> str:
    """'package' when the shipped files come from the installed wheel, 'checkout' otherwise."""
    return "package" if _packaged("layouts") is not None else "checkout"


def check_install() -> list[str]:
    """Problems with the shipped files, as sentences (empty when every folder is present)."""
    problems = []
    for kind in SHIPPED_KINDS:
        d = shipped_dir(kind)
        if not d.is_dir() or not any(d.iterdir()):
            problems.append(
                f"shipped {kind} are missing ({d}); reinstall the app (pip install --force-reinstall aac) "
                "or run from a complete clone"
            )
    return problems
