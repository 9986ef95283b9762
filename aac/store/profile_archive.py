"""A person's profile as one file: export, import (checked), and backups before anything is lost.

Moving to a new computer or keeping a backup must carry everything that makes the board *theirs*:
settings, the draft, calibration history, learned words and sentences (``learning/``), recorded
messages and any other file the app keeps in the profile folder, plus the caregiver-made layout the
settings name (a shipped layout needs no copy). The usage log (what was selected, and message text
if text logging was on) only travels when asked (``--with-usage-log``): it is the most private part.

Format (``FORMAT_VERSION`` 1): a zip file holding

    manifest.json          {"format": "aac-profile-archive", "format_version": 1, "app_version",
                            "profile_version", "created", "profile_name", "with_usage_log",
                            "files": [{"path", "size", "sha256"}, ...]}
    profile/<relative>     the profile folder's files
    layouts/<name>.toml    user layouts the profile uses

Import trusts nothing in the file: the format and profile versions must be ones this app reads; every
member must be listed in the manifest and every listed file present, as a regular file (no symlinks),
under ``profile/`` or ``layouts/`` without ``..``/absolute/backslash parts; sizes are capped
(``MAX_FILE_BYTES``, ``MAX_TOTAL_BYTES``, ``MAX_FILES``) before anything is read and each file's
bytes must match its size and sha256. Everything is unpacked into a staging folder beside the
profiles first; only when all of it checked out does one rename put the profile in place, so a
refused or failed import changes nothing. An existing profile is never replaced without ``force``,
and then only after a backup archive of it was written to ``<data dir>/backups/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from aac import __version__, paths
from aac.fileio import ZIP_MEMBER_ERRORS, ensure_private_dir
from aac.store.profile import PROFILE_VERSION, Profile, ProfileError, check_name, list_profiles

FORMAT = "aac-profile-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PROFILE_PREFIX = "profile/"
LAYOUT_PREFIX = "layouts/"
#: Caps checked before reading: a recorded-message folder of a few hundred WAV files fits easily
#: (a 10 s 22 kHz 16-bit message is ~0.4 MB); a zip bomb or a wrong file does not.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_FILES = 20_000
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
#: The usage log and SQLite's side files; exported (as one consistent copy) only when asked.
USAGE_FILES = {Profile.USAGE_DB, Profile.USAGE_DB + "-wal", Profile.USAGE_DB + "-shm",
               Profile.USAGE_DB + "-journal"}


class ArchiveError(Exception):
    """The archive cannot be written or is refused; the message says why and that nothing changed."""


@dataclass
class ExportResult:
    path: Path
    profile: str
    files: int
    bytes: int
    layouts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    name: str
    dir: Path
    files: int
    bytes: int
    layouts: list[str] = field(default_factory=list)
    backup: Path | None = None
    source_app_version: str = ""


def _now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def backups_dir() -> Path:
    return paths.data_dir() / "backups"


# ---------------------------------------------------------------------------------------- export


def _profile_files(profile: Profile, with_usage_log: bool) -> tuple[list[tuple[str, Path]], list[str]]:
    """(archive path, file) for each file to export, and the names skipped (with why)."""
    chosen: list[tuple[str, Path]] = []
    skipped: list[str] = []
    for p in sorted(profile.dir.rglob("*")):
        rel = p.relative_to(profile.dir).as_posix()
        if p.is_symlink():
            skipped.append(f"{rel} (a symbolic link)")
            continue
        if not p.is_file():
            continue
        if p.name.startswith(".") and p.name.endswith(".tmp"):
            continue  # an atomic write in progress or left by a kill
        if rel in USAGE_FILES:
            continue  # added below as one consistent copy when asked
        chosen.append((PROFILE_PREFIX + rel, p))
    return chosen, skipped


def _usage_snapshot(profile: Profile, work: Path) -> Path | None:
    """A consistent copy of the usage log (WAL folded in) through SQLite's backup API."""
    if not profile.usage_db.exists():
        return None
    out = work / Profile.USAGE_DB
    try:
        src = sqlite3.connect(f"file:{profile.usage_db}?mode=ro", uri=True, timeout=10)
        try:
            dst = sqlite3.connect(out)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise ArchiveError(f"cannot read the usage log {profile.usage_db} ({exc}); "
                           "close the board and try again, or export without --with-usage-log") from exc
    return out


def _user_layouts(profile: Profile) -> list[Path]:
    """The caregiver-made layout file the profile's settings name (shipped ones need no copy)."""
    from aac.layouts.loader import user_layouts_dir

    name = str(getattr(profile.settings, "layout", "") or "").strip()
    if not name or "/" in name or "\\" in name or name.endswith(".toml"):
        return []  # a path outside the data folder is the caregiver's own file, not part of the profile
    candidate = user_layouts_dir() / f"{name}.toml"
    return [candidate] if candidate.is_file() and not candidate.is_symlink() else []


def export_profile(name_or_dir: str, out: Path | str, with_usage_log: bool = False,
                   force: bool = False) -> ExportResult:
    """Write the profile ``name_or_dir`` to the archive ``out`` (0600, written atomically)."""
    from aac.store.profile import resolve_profile

    out = Path(out).expanduser()
    if out.exists() and not force:
        raise ArchiveError(f"{out} already exists; choose another file name (or add --force to replace it)")
    if out.exists() and out.is_dir():
        raise ArchiveError(f"{out} is a folder; give a file name such as {out / 'profile.aacprofile'}")
    profile = resolve_profile(name_or_dir, create=False)
    files, skipped = _profile_files(profile, with_usage_log)
    with tempfile.TemporaryDirectory(prefix="aac-export-") as tmp:
        if with_usage_log:
            snap = _usage_snapshot(profile, Path(tmp))
            if snap is not None:
                files.append((PROFILE_PREFIX + Profile.USAGE_DB, snap))
        layouts = _user_layouts(profile)
        files += [(LAYOUT_PREFIX + p.name, p) for p in layouts]
        entries = []
        for arc, src in files:
            size = src.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ArchiveError(f"{src} is {size / 1e6:.0f} MB, more than an archive may hold "
                                   f"({MAX_FILE_BYTES / 1e6:.0f} MB); nothing was written")
            entries.append({"path": arc, "size": size, "sha256": _sha256_file(src)})
        total = sum(e["size"] for e in entries)
        if total > MAX_TOTAL_BYTES or len(entries) > MAX_FILES:
            raise ArchiveError(f"the profile is too large to archive ({len(entries)} files, {total / 1e6:.0f} MB); "
                               "nothing was written")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": __version__,
            "profile_version": PROFILE_VERSION,
            "created": _now_iso(),
            "profile_name": profile.name,
            "with_usage_log": bool(with_usage_log),
            "files": entries,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_out = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
        try:
            try:
                os.chmod(tmp_out, 0o600)  # what the person said is private, in a backup too
            except OSError:
                pass
            with zipfile.ZipFile(tmp_out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
                for arc, src in files:
                    zf.write(src, arc)
            os.replace(tmp_out, out)
        except BaseException:
            Path(tmp_out).unlink(missing_ok=True)
            raise
    return ExportResult(out, profile.name, len(entries), total, [p.stem for p in layouts], skipped)


# ---------------------------------------------------------------------------------------- import


def _refuse(archive: Path, why: str) -> ArchiveError:
    return ArchiveError(f"{archive}: {why}; nothing was changed")


def _safe_member(path: Any) -> str | None:
    """Why an archive path is unacceptable (None when it is a plain relative path we know)."""
    if not isinstance(path, str) or not path:
        return "an entry without a path"
    if "\\" in path or "\x00" in path or path.startswith("/") or ":" in path.split("/")[0]:
        return f"{path!r} is not a relative path inside the archive"
    parts = PurePosixPath(path).parts
    if any(p in ("", ".", "..") for p in parts) or path.endswith("/"):
        return f"{path!r} points outside the profile"
    if path.startswith(PROFILE_PREFIX) and len(parts) >= 2:
        return None
    if path.startswith(LAYOUT_PREFIX) and len(parts) == 2 and path.endswith(".toml"):
        return None
    return f"{path!r} is neither a profile file nor a layout"


def read_manifest(archive: Path, zf: zipfile.ZipFile) -> dict[str, Any]:
    """The checked manifest (versions, entries, sizes); raises ArchiveError saying what is wrong."""
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _refuse(archive, "not a profile archive (no manifest.json)") from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _refuse(archive, "manifest.json is too large")
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except ZIP_MEMBER_ERRORS + (UnicodeDecodeError, OSError) as exc:
        raise _refuse(archive, f"manifest.json is damaged ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(archive, "not a profile archive (manifest.json has no 'aac-profile-archive' format)")
    fv = manifest.get("format_version")
    if not isinstance(fv, int) or isinstance(fv, bool) or fv < 1:
        raise _refuse(archive, f"archive format version {fv!r} is not valid")
    if fv > FORMAT_VERSION:
        raise _refuse(archive, f"made by a newer aac (archive format {fv}, app {manifest.get('app_version')}); "
                               f"this aac {__version__} reads format {FORMAT_VERSION}: update aac first")
    pv = manifest.get("profile_version")
    if not isinstance(pv, int) or isinstance(pv, bool) or pv < 1:
        raise _refuse(archive, f"profile version {pv!r} is not valid")
    if pv > PROFILE_VERSION:
        raise _refuse(archive, f"the profile is from a newer aac (profile version {pv}); "
                               f"this aac reads version {PROFILE_VERSION}: update aac first")
    files = manifest.get("files")
    if not isinstance(files, list) or not files:
        raise _refuse(archive, "manifest.json lists no files")
    if len(files) > MAX_FILES:
        raise _refuse(archive, f"lists {len(files)} files (at most {MAX_FILES})")
    seen: set[str] = set()
    total = 0
    for entry in files:
        if not isinstance(entry, dict):
            raise _refuse(archive, "manifest.json has an entry that is not an object")
        path, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
        why = _safe_member(path)
        if why:
            raise _refuse(archive, why)
        if path.casefold() in seen:
            raise _refuse(archive, f"{path!r} is listed twice")
        seen.add(path.casefold())
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_FILE_BYTES:
            raise _refuse(archive, f"{path!r}: size {size!r} is not allowed (0 .. {MAX_FILE_BYTES})")
        if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise _refuse(archive, f"{path!r}: no valid sha256")
        total += size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(archive, f"holds {total / 1e6:.0f} MB (at most {MAX_TOTAL_BYTES / 1e6:.0f} MB)")
    if not any(e["path"] == PROFILE_PREFIX + Profile.META for e in files):
        raise _refuse(archive, "holds no profile (profile/profile.json missing)")
    return manifest


def _check_members(archive: Path, zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Every zip member is the manifest or a listed regular file of the listed size, and vice versa."""
    listed = {e["path"]: e for e in manifest["files"]}
    names = set()
    for info in zf.infolist():
        name = info.filename
        if name in names:
            raise _refuse(archive, f"{name!r} appears twice in the zip")
        names.add(name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse(archive, f"{name!r} is a symbolic link (not allowed)")
        if info.is_dir():
            raise _refuse(archive, f"{name!r} is a folder entry (not allowed)")
        if name == MANIFEST:
            continue
        if name not in listed:
            raise _refuse(archive, f"{name!r} is in the zip but not in the manifest")
        if info.file_size != listed[name]["size"]:
            raise _refuse(archive, f"{name!r} is {info.file_size} bytes, the manifest says {listed[name]['size']}")
    missing = sorted(set(listed) - names)
    if missing:
        raise _refuse(archive, f"{len(missing)} listed file(s) are missing, e.g. {missing[0]!r} (a truncated copy?)")


def _extract(archive: Path, zf: zipfile.ZipFile, entry: dict[str, Any], dest: Path) -> None:
    """Copy one member to ``dest`` reading at most its listed size + 1 byte, checking size and sha256."""
    h = hashlib.sha256()
    n = 0
    ensure_private_dir(dest.parent)
    try:
        with zf.open(entry["path"]) as src, open(dest, "xb") as out:
            try:
                os.chmod(dest, 0o600)
            except OSError:
                pass
            while True:
                block = src.read(min(1 << 20, entry["size"] + 1 - n))
                if not block:
                    break
                n += len(block)
                if n > entry["size"]:
                    raise _refuse(archive, f"{entry['path']!r} is larger than the manifest says")
                h.update(block)
                out.write(block)
    except ZIP_MEMBER_ERRORS as exc:  # a damaged member (bad CRC, bad deflate data, cut off...)
        raise _refuse(archive, f"{entry['path']!r} cannot be read ({exc}; a damaged copy?)") from exc
    if n != entry["size"]:
        raise _refuse(archive, f"{entry['path']!r} is {n} bytes, the manifest says {entry['size']} (truncated?)")
    if h.hexdigest() != entry["sha256"]:
        raise _refuse(archive, f"{entry['path']!r} does not match its sha256 (the archive was changed or damaged)")


def _open_zip(archive: Path) -> zipfile.ZipFile:
    if not archive.is_file():
        raise ArchiveError(f"{archive}: no such file")
    try:
        return zipfile.ZipFile(archive)
    except ZIP_MEMBER_ERRORS + (OSError,) as exc:
        raise _refuse(archive, f"not a readable profile archive ({exc}; a truncated or damaged copy?)") from exc


def describe(archive: Path | str) -> dict[str, Any]:
    """The checked manifest of ``archive`` (for ``--dry-run`` style listings and tests)."""
    archive = Path(archive).expanduser()
    with _open_zip(archive) as zf:
        manifest = read_manifest(archive, zf)
        _check_members(archive, zf, manifest)
    return manifest


def import_profile(archive: Path | str, as_name: str | None = None, force: bool = False) -> ImportResult:
    """Install the profile from ``archive`` under ``profiles_dir()``; all or nothing."""
    from aac.layouts.loader import user_layouts_dir

    archive = Path(archive).expanduser()
    with _open_zip(archive) as zf:
        manifest = read_manifest(archive, zf)
        _check_members(archive, zf, manifest)
        name = as_name if as_name is not None else manifest.get("profile_name")
        if not isinstance(name, str):
            raise _refuse(archive, "the manifest names no profile; give one with --as NAME")
        try:
            name = check_name(name)
        except ProfileError as exc:
            raise ArchiveError(f"{exc}; give another with --as NAME; nothing was changed") from exc
        root = ensure_private_dir(paths.profiles_dir())
        ensure_private_dir(paths.data_dir())
        target = root / name
        if target.exists() and not force:
            raise ArchiveError(f"a profile named {name!r} already exists ({target}); import under another name "
                               f"with --as NEW_NAME, or replace it with --force (a backup is kept); "
                               "nothing was changed")
        layout_entries = [e for e in manifest["files"] if e["path"].startswith(LAYOUT_PREFIX)]
        conflicts = []
        for e in layout_entries:
            existing = user_layouts_dir() / PurePosixPath(e["path"]).name
            if existing.exists() and (existing.is_symlink() or _sha256_file(existing) != e["sha256"]):
                conflicts.append(existing)
        if conflicts and not force:
            raise ArchiveError(f"the archive's layout {conflicts[0].stem!r} differs from the one already in "
                               f"{conflicts[0].parent}; add --force to replace it (a backup is kept); "
                               "nothing was changed")
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=root))
        try:
            total = 0
            for e in manifest["files"]:
                _extract(archive, zf, e, staging / e["path"])
                total += e["size"]
            profile_stage = staging / PROFILE_PREFIX.rstrip("/")
            # the profile's own name follows the name it is installed under
            meta_path = profile_stage / Profile.META
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                if not isinstance(meta, dict):
                    raise ValueError("not an object")
            except (ValueError, UnicodeDecodeError) as exc:
                raise _refuse(archive, f"profile/profile.json is damaged ({exc})") from exc
            meta["name"] = name
            from aac.fileio import atomic_write_json

            atomic_write_json(meta_path, meta)
            for d in [profile_stage, *(p for p in profile_stage.rglob("*") if p.is_dir())]:
                ensure_private_dir(d)
            # ---- commit: everything checked; back up what will be replaced, then rename into place
            backup = None
            aside = None
            if target.exists():
                backup = backup_profile(target)
                aside = staging / "replaced"  # moved, not deleted, until the new one is in place
                os.replace(target, aside)
            installed_layouts = []
            for e in layout_entries:
                dest = ensure_private_dir(user_layouts_dir()) / PurePosixPath(e["path"]).name
                if dest.exists() and not dest.is_symlink() and _sha256_file(dest) == e["sha256"]:
                    continue
                if dest.exists() or dest.is_symlink():  # only with force (checked above): keep the old one
                    if not dest.is_symlink():
                        keep = ensure_private_dir(backups_dir()) / f"layout-{dest.stem}-{_stamp()}.toml"
                        shutil.copyfile(dest, keep)
                    dest.unlink()
                os.replace(staging / e["path"], dest)
                installed_layouts.append(dest.stem)
            try:
                os.replace(profile_stage, target)
            except OSError:
                if aside is not None:
                    os.replace(aside, target)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return ImportResult(name, target, len(manifest["files"]), total, installed_layouts, backup,
                        str(manifest.get("app_version", "")))


# ------------------------------------------------------------------------------- rename / delete


def backup_profile(directory: Path) -> Path:
    """An archive of the profile folder (usage log included) in ``backups_dir()``; returns its path."""
    ensure_private_dir(backups_dir())
    out = backups_dir() / f"{directory.name}-{_stamp()}.aacprofile"
    n = 1
    while out.exists():
        n += 1
        out = backups_dir() / f"{directory.name}-{_stamp()}-{n}.aacprofile"
    export_profile(str(directory), out, with_usage_log=True)
    return out


def _existing(name: str) -> Path:
    name = check_name(name)
    d = paths.profiles_dir() / name
    if not (d / Profile.META).exists():
        known = ", ".join(p.name for p in list_profiles()) or "none yet"
        raise ProfileError(f"no profile named {name!r} in {paths.profiles_dir()} (existing: {known})")
    return d


def rename_profile(old: str, new: str) -> Path:
    """Rename the profile folder and its recorded name; refuses to overwrite another profile."""
    src = _existing(old)
    new = check_name(new)
    dst = paths.profiles_dir() / new
    if dst.exists() and dst.resolve() != src.resolve():
        raise ProfileError(f"a profile named {new!r} already exists; nothing was changed")
    if src.name != new:
        if dst.exists():  # the same folder on a case-insensitive file system: rename through a temp name
            tmp = src.with_name(f".rename-{_stamp()}-{src.name}")
            os.replace(src, tmp)
            src = tmp
        os.replace(src, dst)
    prof = Profile.open(dst)
    from aac.fileio import atomic_write_json

    meta = {"name": new, "created": prof.created, "version": PROFILE_VERSION}
    try:
        current = json.loads((dst / Profile.META).read_text(encoding="utf-8"))
        if isinstance(current, dict):
            meta = {**current, "name": new}
    except (OSError, ValueError):
        pass
    atomic_write_json(dst / Profile.META, meta)
    return dst


def delete_profile(name: str) -> Path:
    """Back the profile up as an archive (usage log included), then delete its folder; returns the backup."""
    d = _existing(name)
    backup = backup_profile(d)
    shutil.rmtree(d)
    return backup
