"""Private, crash-safe file writes: the one guarded way the app writes a file.

What the person says is private and must survive a kill at any moment, so every file the app
writes goes through here: created 0600, written to a temp file in the same directory, fsynced,
then atomically renamed over the old one.

Guards (issue 20, finding 1: an output once changed the folder it went into):

* folders the app *creates* are made 0700; an existing folder an output goes into (a shared
  1777 folder, the caregiver's Documents) is never re-moded;
* ``ensure_private_dir`` tightens existing folders that are the app's own (profile, learning,
  cache), but never a shared sticky folder, a folder owned by another user, or one reached
  through a symlink that belongs to someone else;
* the target must be a regular file or not exist: a device node, fifo, socket or folder is
  refused with ``NotARegularFile`` instead of being replaced by a file (as root, ``--out
  /dev/full`` used to replace the device node).
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any


#: What reading a member of a damaged zip can raise (a package or an archive from someone else):
#: zipfile's own errors, a header pointing before the file start ("negative seek value", a
#: ValueError), a bad deflate stream (zlib.error), a cut-off member (EOFError), an unsupported
#: compression or encryption (NotImplementedError, RuntimeError), a name missing (KeyError).
#: Each means "this file cannot be read", never a crash. OSError is left to the caller (a real
#: file's read or write error says something else).
ZIP_MEMBER_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, RuntimeError, EOFError, ValueError,
    NotImplementedError, zlib.error)


class NotARegularFile(OSError):
    """An output path names a device, fifo, folder or socket: writing there is refused."""


def make_dirs(path: Path) -> list[Path]:
    """Create the missing folders of ``path`` with mode 0700; return the ones created.

    Existing folders are left exactly as they are. (``Path.mkdir(parents=True, mode=...)``
    gives intermediate folders the default 0755, hence one level at a time.)
    """
    path = Path(path)
    missing: list[Path] = []
    p = path
    while not p.exists() and not p.is_symlink():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    created = []
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made by another process meanwhile: not ours to re-mode
        os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask
        created.append(d)
    if not path.is_dir():
        raise NotADirectoryError(20, "not a folder", str(path))
    return created


def may_tighten(path: Path) -> bool:
    """Whether an existing folder may be re-moded to 0700 by the app.

    Never a shared sticky folder (/tmp-like), never a folder owned by another user, never
    through a symlink owned by another user."""
    try:
        st = os.stat(path)
        lst = os.lstat(path)
    except OSError:
        return False
    uid = os.geteuid()
    if st.st_mode & stat.S_ISVTX:
        return False
    if st.st_uid != uid:
        return False
    if stat.S_ISLNK(lst.st_mode) and lst.st_uid != uid:
        return False
    return True


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700; tighten an existing app folder (see may_tighten).

    For the app's own folders (profile, learning, cache). Output folders a person names use
    ``make_dirs`` instead, which never changes an existing folder.
    """
    path = Path(path)
    created = make_dirs(path)
    if path not in created and may_tighten(path):
        try:
            os.chmod(path, 0o700)
        except PermissionError:
            pass
    return path


def check_output_path(path: Path) -> None:
    """Raise NotARegularFile unless ``path`` is absent or a regular file (symlinks followed)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    except OSError:
        return  # e.g. a dangling symlink loop: the write below reports the real error
    if not stat.S_ISREG(st.st_mode):
        what = ("a folder" if stat.S_ISDIR(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode) or
                stat.S_ISBLK(st.st_mode) else "a fifo (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket")
        raise NotARegularFile(errno.EINVAL, f"is {what}, not a regular file; give a file name to write to",
                              str(path))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (old content kept on failure)."""
    path = Path(path)
    check_output_path(path)
    make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        fh = os.fdopen(fd, "wb")  # owns fd from here: closed on any failure below
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with fh:
            if hasattr(os, "fchmod"):  # POSIX; on Windows the mode bits mean nothing (ACLs do)
                os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


# --------------------------------------------------------------------------- reading


class FileTooLarge(OSError):
    """A file is larger than the reader accepts for its kind."""


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` (issue 20, finding 4).

    The one guarded way to read a file someone hands the app (a board, a layout, a person's
    JSON): opened without blocking (a fifo would wait for ever), refused with NotARegularFile
    unless it is a regular file (a symlink to /dev/zero never ends), refused with FileTooLarge
    before reading when its size is over the cap, and read with the cap (a file that grows
    meanwhile still stops). FileNotFoundError and other OSErrors pass through.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(errno.EINVAL, "is not a regular file (a device, fifo or folder); "
                                  "give the file itself", str(path))
        if st.st_size > max_bytes:
            raise FileTooLarge(errno.EFBIG, f"is too large ({st.st_size} bytes; at most {max_bytes})", str(path))
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise FileTooLarge(errno.EFBIG, f"grew past {max_bytes} bytes while being read", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)

