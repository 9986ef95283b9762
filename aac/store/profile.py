"""One folder per person: settings, draft, calibration history, usage log, learned data.

Layout of a profile directory (0700; every file 0600, written atomically)::

    profile.json       name, created, version
    settings.json      Settings (see settings.py)
    draft.json         the message being composed (survives a kill)
    calibration.json   {"version", "latest": {...}, "history": [... newest last]}
    usage.sqlite       the usage log (usage_log.py), WAL mode
    learning/          owned by the learning module (aac.predict.learn)

Problems found while opening (bad keys, damaged files set aside) are collected in
``Profile.problems`` as plain sentences so the board can show them to the caregiver; opening a
profile never raises because of a damaged file.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aac import paths
from aac.fileio import atomic_write_json, ensure_private_dir
import aac.store.draft as draft_mod
from aac.store.jsonfile import read_json
from aac.store.settings import Settings, load_settings, parse_cli_value, save_settings

log = logging.getLogger(__name__)

PROFILE_VERSION = 1
CALIBRATION_VERSION = 1
#: Calibration history kept per person (newest last); older entries are dropped.
CALIBRATION_HISTORY_MAX = 200
DEFAULT_PROFILE = "default"
_NAME_RE = re.compile(r"^[\w][\w .-]{0,63}$", re.UNICODE)


class ProfileError(Exception):
    """A profile cannot be found, created or used; the message says what to do."""


def check_name(name: str) -> str:
    """Profile names become folder names: letters (any script), digits, space, ``_ . -``."""
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or not _NAME_RE.match(name) or name in (".", ".."):
        raise ProfileError(
            f"invalid profile name {name!r}: use 1-64 letters, digits, spaces, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return name


def _now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


class Profile:
    """A person's profile directory. Use ``Profile.open``, ``Profile.create`` or ``resolve_profile``."""

    SETTINGS = "settings.json"
    DRAFT = "draft.json"
    CALIBRATION = "calibration.json"
    META = "profile.json"
    USAGE_DB = "usage.sqlite"
    LEARNING = "learning"

    def __init__(self, directory: Path, name: str, created: str,
                 settings: Settings, problems: list[str]) -> None:
        self.dir = Path(directory)
        self.name = name
        self.created = created
        self.settings = settings
        self.problems = problems
        self._draft_writer: draft_mod.DraftWriter | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: Path | str, name: str | None = None) -> Profile:
        """Open the profile in ``path``; an empty or new folder is initialised as a profile.

        Initialising on open is deliberate: ``--profile /tmp/fresh`` gives a benchmark or a test
        a clean profile without a separate create step.
        """
        directory = Path(path).expanduser()
        if directory.exists() and not directory.is_dir():
            raise ProfileError(f"{directory}: is a file, not a profile folder")
        check_profile_folder(directory)
        try:
            ensure_private_dir(directory)
            ensure_private_dir(directory / cls.LEARNING)
        except OSError as exc:
            if not directory.is_dir():
                raise ProfileError(f"{directory}: cannot create profile folder ({exc.strerror or exc})") from exc
        problems: list[str] = []
        _remove_stale_temp_files(directory)
        meta, more = read_json(directory / cls.META)
        problems += more
        if meta is None:
            meta = {"name": name or directory.name, "created": _now_iso(), "version": PROFILE_VERSION}
            try:
                atomic_write_json(directory / cls.META, meta)
            except OSError as exc:
                problems.append(f"{directory / cls.META}: cannot write ({exc.strerror or exc})")
        pname = meta.get("name") if isinstance(meta.get("name"), str) else directory.name
        created = meta.get("created") if isinstance(meta.get("created"), str) else ""
        settings, more = load_settings(directory / cls.SETTINGS)
        problems += more
        if not (directory / cls.SETTINGS).exists():
            try:
                save_settings(directory / cls.SETTINGS, settings)
            except OSError as exc:
                problems.append(f"{directory / cls.SETTINGS}: cannot write ({exc.strerror or exc})")
        for p in problems:
            log.warning("profile: %s", p)
        return cls(directory, pname, created, settings, problems)

    @classmethod
    def create(cls, name: str, directory: Path | str | None = None, exist_ok: bool = False) -> Profile:
        """Create the profile ``name`` (under ``profiles_dir()`` unless ``directory`` is given)."""
        name = check_name(name)
        if directory is None:
            ensure_private_dir(paths.data_dir())
            ensure_private_dir(paths.profiles_dir())
        target = Path(directory) if directory is not None else paths.profiles_dir() / name
        if (target / cls.META).exists() and not exist_ok:
            raise ProfileError(f"profile {name!r} already exists in {target}")
        return cls.open(target, name=name)

    # ---------------------------------------------------------------- settings
    def save_settings(self) -> None:
        """Write the current ``settings`` atomically (raises OSError if the disk refuses)."""
        save_settings(self.dir / self.SETTINGS, self.settings)

    def set(self, key: str, value: Any) -> Any:
        """Validate and store one setting (a str is parsed as a caregiver would type it)."""
        from aac.store.settings import check_value, field_names

        if key not in field_names():
            parse_cli_value(key, "")  # raises the "unknown setting ... did you mean" message
        if isinstance(value, str) and not isinstance(getattr(self.settings, key), str):
            clean = parse_cli_value(key, value)
        else:
            clean, why = check_value(key, value)
            if why:
                raise ValueError(f"{key}: {why}")
        self.settings = self.settings.replace(**{key: clean})
        self.save_settings()
        return clean

    # ------------------------------------------------------------------- draft
    def load_draft(self) -> str:
        """The saved draft ("" if none); a damaged draft file is set aside and reported."""
        text, problems = draft_mod.load_draft(self.dir / self.DRAFT)
        for p in problems:
            log.warning("profile: %s", p)
        self.problems += problems
        return text

    def save_draft(self, text: str) -> None:
        """Write the draft now, atomically (blocking; the board uses ``draft_writer``)."""
        draft_mod.save_draft(self.dir / self.DRAFT, text)

    @property
    def draft_writer(self) -> draft_mod.DraftWriter:
        """A background writer for this profile's draft (created on first use)."""
        if self._draft_writer is None:
            self._draft_writer = draft_mod.DraftWriter(self.save_draft)
        return self._draft_writer

    # ------------------------------------------------------------- calibration
    def _calibration_doc(self) -> dict[str, Any]:
        data, problems = read_json(self.dir / self.CALIBRATION)
        if problems:
            self.problems += problems
            for p in problems:
                log.warning("profile: %s", p)
        if not data:
            return {"version": CALIBRATION_VERSION, "latest": None, "history": []}
        history = data.get("history")
        if not isinstance(history, list):
            history = []
        history = [h for h in history if isinstance(h, dict)]
        latest = data.get("latest")
        if not isinstance(latest, dict):
            latest = history[-1] if history else None
        return {"version": CALIBRATION_VERSION, "latest": latest, "history": history}

    @property
    def calibration(self) -> dict[str, Any] | None:
        """The latest calibration result (a dict with at least "date"), or None."""
        return self._calibration_doc()["latest"]

    @property
    def calibration_history(self) -> list[dict[str, Any]]:
        """All kept calibration results, oldest first."""
        return self._calibration_doc()["history"]

    def save_calibration(self, result: dict[str, Any]) -> dict[str, Any]:
        """Store ``result`` as the latest calibration and append it to the history.

        A "date" (ISO 8601, local time with offset) is added if missing. Returns the stored dict.
        """
        if not isinstance(result, dict):
            raise TypeError("calibration result must be a dict")
        entry = dict(result)
        entry.setdefault("date", _now_iso())
        doc = self._calibration_doc()
        doc["history"] = (doc["history"] + [entry])[-CALIBRATION_HISTORY_MAX:]
        doc["latest"] = entry
        atomic_write_json(self.dir / self.CALIBRATION, doc)
        return entry

    # ------------------------------------------------------------------- misc
    @property
    def usage_db(self) -> Path:
        return self.dir / self.USAGE_DB

    @property
    def learning_dir(self) -> Path:
        return self.dir / self.LEARNING

    def close(self) -> None:
        """Flush and stop the background draft writer, if one was started."""
        if self._draft_writer is not None:
            self._draft_writer.close()
            self._draft_writer = None

    def __repr__(self) -> str:
        return f"Profile(name={self.name!r}, dir={str(self.dir)!r})"


#: A temp file older than this is from a writer that died mid-write (a kill); younger ones may belong
#: to another instance writing right now.
STALE_TEMP_S = 60.0


def _remove_stale_temp_files(directory: Path, older_than_s: float = STALE_TEMP_S) -> int:
    """Delete leftovers of atomic writes interrupted by a kill (``.NAME.xxxx.tmp``)."""
    import time

    removed = 0
    try:
        candidates = list(directory.glob(".*.tmp"))
    except OSError:
        return 0
    for p in candidates:
        try:
            if time.time() - p.stat().st_mtime > older_than_s:
                p.unlink()
                removed += 1
        except OSError:
            pass
    return removed


#: Names a profile folder holds (see the module docstring); anything else means the folder is
#: something else (a person's Documents, /tmp) that must not be re-moded or written into.
_PROFILE_ENTRIES = ("profile.json", "settings.json", "draft.json", "calibration.json", "usage.sqlite",
                    "learning", "profile.lock", "speech_history.json")


def _is_profile_entry(name: str) -> bool:
    return name.startswith(".") or name.startswith(_PROFILE_ENTRIES)


def check_profile_folder(directory: Path) -> None:
    """Refuse a folder that is not (and cannot become) this user's profile (issue 20, finding 1).

    * a folder, or a symlink to one, that belongs to another user: never chmodded or written;
    * an existing folder holding other files and no profile.json: ``--profile ~/Documents`` by
      mistake must not turn Documents into a 0700 profile.
    An empty folder, a missing one and an existing profile are fine.
    """
    import os

    try:
        lst = os.lstat(directory)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ProfileError(f"{directory}: cannot use this folder ({exc.strerror or exc})") from None
    uid = os.geteuid()
    try:
        st = os.stat(directory)
    except OSError as exc:
        raise ProfileError(f"{directory}: cannot use this folder ({exc.strerror or exc})") from None
    for what, owner in (("the symlink", lst.st_uid), ("the folder", st.st_uid)):
        if owner != uid:
            raise ProfileError(f"{directory}: {what} belongs to another user (uid {owner}); a profile must "
                               "belong to the person running the app - give a folder of your own")
    if (directory / Profile.META).exists():
        return
    try:
        names = os.listdir(directory)
    except OSError as exc:
        raise ProfileError(f"{directory}: cannot list the folder ({exc.strerror or exc})") from None
    if any(_is_profile_entry(n) and not n.startswith(".") for n in names):
        return  # a profile whose profile.json was lost or set aside (a newer version may add files too)
    others = sorted(n for n in names if not _is_profile_entry(n))
    if others:
        shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
        raise ProfileError(f"{directory}: this folder holds other files ({shown}) and is not a profile "
                           "(no profile.json); give a new or empty folder, or a profile name")


def list_profiles(root: Path | None = None) -> list[Path]:
    """Profile folders under ``root`` (default ``profiles_dir()``), sorted by name."""
    root = Path(root) if root is not None else paths.profiles_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / Profile.META).exists())


def resolve_profile(arg: str | Path | None = None, create: bool = True) -> Profile:
    """Turn a ``--profile`` argument into a Profile.

    None -> the "default" profile; a value containing a path separator, starting with ``.``/``~``
    or naming an existing folder -> that folder; otherwise a profile name under ``profiles_dir()``.
    With ``create=False`` a missing profile raises ProfileError listing the existing ones.
    """
    if arg is None or str(arg).strip() == "":
        arg = DEFAULT_PROFILE
    text = str(arg)
    looks_like_path = isinstance(arg, Path) or "/" in text or text.startswith((".", "~")) or (
        "\\" in text)
    if looks_like_path or (Path(text).is_dir() and (Path(text) / Profile.META).exists()):
        directory = Path(text).expanduser()
        if not create and not (directory / Profile.META).exists():
            raise ProfileError(f"{directory}: no profile there (profile.json missing)")
        return Profile.open(directory)
    name = check_name(text)
    directory = paths.profiles_dir() / name
    if not (directory / Profile.META).exists():
        if not create:
            known = ", ".join(p.name for p in list_profiles()) or "none yet"
            raise ProfileError(
                f"no profile named {name!r} in {paths.profiles_dir()} (existing: {known}); "
                f"create it with: aac profile create {name}"
            )
        return Profile.create(name)
    return Profile.open(directory)

