"""``aac install-desktop``: a launcher in the desktop's menu and, if asked, the board at login.

A caregiver sets this up once so the person's board is there when the computer starts, without a
terminal. Files follow the freedesktop.org specifications (checked by ``desktop-file-validate``):

* launcher:  ``$XDG_DATA_HOME/applications/aac-board.desktop`` (default ``~/.local/share``);
* icon:      ``$XDG_DATA_HOME/icons/hicolor/scalable/apps/aac-board.svg`` and ``128x128/.../aac-board.png``;
* autostart: ``$XDG_CONFIG_HOME/autostart/aac-board.desktop`` (default ``~/.config``), opening
  ``aac run --profile NAME`` at login (Desktop Application Autostart Specification).

``--remove`` deletes exactly these files, and only desktop entries this command wrote (they carry
``X-AAC-Installed-By``), so a hand-made entry of the same name is left alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aac import __version__, paths

APP_ID = "aac-board"
MARKER_KEY = "X-AAC-Installed-By"
#: Characters that force quoting of an Exec argument (Desktop Entry Specification, "The Exec key").
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


class DesktopError(Exception):
    """The launcher cannot be installed or removed; the message says why and what to do."""


@dataclass(frozen=True)
class DesktopPaths:
    launcher: Path
    autostart: Path
    icon_svg: Path
    icon_png: Path

    @classmethod
    def current(cls) -> DesktopPaths:
        home = Path.home()
        data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        icons = data / "icons" / "hicolor"
        return cls(
            launcher=data / "applications" / f"{APP_ID}.desktop",
            autostart=config / "autostart" / f"{APP_ID}.desktop",
            icon_svg=icons / "scalable" / "apps" / f"{APP_ID}.svg",
            icon_png=icons / "128x128" / "apps" / f"{APP_ID}.png",
        )


def aac_command() -> list[str]:
    """How to start this very installation: its ``aac`` console script, else ``python -m aac.cli``.

    The absolute path matters: at login there is no activated virtualenv and PATH may not hold
    ``~/.local/bin`` (pipx), so a bare ``aac`` would not be found.
    """
    script = Path(sys.executable).parent / ("aac.exe" if os.name == "nt" else "aac")
    if script.is_file():
        return [str(script)]
    found = shutil.which("aac")
    if found:
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "aac.cli"]


def exec_quote(arg: str) -> str:
    """One Exec argument, quoted and escaped as the Desktop Entry Specification asks."""
    if not arg:
        return '""'
    if _RESERVED & set(arg):
        inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        arg = f'"{inner}"'
    return arg.replace("%", "%%")


def exec_line(profile: str | None) -> str:
    argv = aac_command() + ["run"] + (["--profile", profile] if profile else [])
    return " ".join(exec_quote(a) for a in argv)


def _entry_value(text: str) -> str:
    """A localestring/string value: no newlines (escaped as the spec's \\n) or control characters."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", " ").replace("\r", "")


def desktop_entry(profile: str | None, autostart: bool = False) -> str:
    """The text of the launcher (or the autostart entry) for ``profile`` (None: the default one)."""
    who = f" ({profile})" if profile else ""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",  # the newest version Debian bookworm's desktop-file-validate knows
        f"Name=AAC board{_entry_value(who)}",
        "GenericName=Eye-gaze communication board",
        "Comment=Write with your eyes and speak aloud (augmentative and alternative communication)",
        f"Exec={exec_line(profile)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "StartupNotify=false",
        "Categories=Utility;Accessibility;",
        "Keywords=AAC;communication;eye gaze;speech;dwell;",
        f"{MARKER_KEY}=aac install-desktop {__version__}",
    ]
    if autostart:
        # Opening the board is the point of logging in for the person: no delay, not hidden.
        lines += ["X-GNOME-Autostart-enabled=true"]
    return "\n".join(lines) + "\n"


def _ours(path: Path) -> bool:
    try:
        return f"\n{MARKER_KEY}=" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    try:
        os.chmod(tmp, mode)
    except OSError:  # a filesystem without POSIX modes (FAT, some Windows shares)
        pass
    os.replace(tmp, path)


def install(profile: str | None = None, autostart: bool = False,
            where: DesktopPaths | None = None) -> list[Path]:
    """Write the launcher and icon (and the autostart entry); returns the files written."""
    from aac.resources import shipped_dir

    where = where or DesktopPaths.current()
    icons = shipped_dir("icons")
    svg, png = icons / "aac.svg", icons / "aac-128.png"
    if not svg.is_file():
        raise DesktopError(f"the app's icon is missing ({svg}); reinstall the app")
    for target in (where.launcher, where.autostart):
        if target.exists() and not _ours(target):
            raise DesktopError(f"{target} exists and was not written by aac; move it away first")
    written = []
    _write(where.icon_svg, svg.read_bytes())
    written.append(where.icon_svg)
    if png.is_file():
        _write(where.icon_png, png.read_bytes())
        written.append(where.icon_png)
    _write(where.launcher, desktop_entry(profile).encode("utf-8"))
    written.append(where.launcher)
    if autostart:
        _write(where.autostart, desktop_entry(profile, autostart=True).encode("utf-8"))
        written.append(where.autostart)
    elif where.autostart.exists() and _ours(where.autostart):
        # asked for a launcher only: an old autostart entry of ours would contradict that
        where.autostart.unlink()
    return written


def remove(where: DesktopPaths | None = None) -> list[Path]:
    """Delete the launcher, autostart entry and icons this command wrote; returns what was removed."""
    where = where or DesktopPaths.current()
    removed = []
    for path in (where.launcher, where.autostart):
        if path.exists():
            if not _ours(path):
                raise DesktopError(f"{path} was not written by aac; left alone")
            path.unlink()
            removed.append(path)
    for path in (where.icon_svg, where.icon_png):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


# ------------------------------------------------------------------------------------------ CLI


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "install-desktop",
        help="add the board to the desktop menu (and open it at login with --autostart)",
        description="Write an XDG desktop launcher with an icon; --autostart also opens the person's "
                    "board when they log in; --remove takes everything away again.",
    )
    p.add_argument("--autostart", action="store_true", help="also open the board at login")
    p.add_argument("--profile", help="the person's profile name (default: the 'default' profile)")
    p.add_argument("--remove", action="store_true", help="remove the launcher, autostart entry and icon")
    p.set_defaults(func=cmd_install_desktop)


def cmd_install_desktop(args: argparse.Namespace) -> int:
    if sys.platform in ("win32", "darwin"):
        print("error: launchers are written for Linux/BSD desktops (XDG). On this system create a "
              f"shortcut to: {' '.join(aac_command())} run", file=sys.stderr)
        return 1
    try:
        if args.remove:
            removed = remove()
            if not removed:
                print("nothing to remove: no launcher from aac install-desktop was found")
            for path in removed:
                print(f"removed {path}")
            return 0
        profile = None
        if args.profile:
            from aac.store.profile import ProfileError, check_name

            try:
                profile = check_name(args.profile)
            except ProfileError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            if not (paths.profiles_dir() / profile / "profile.json").exists():
                print(f"error: no profile named {profile!r} in {paths.profiles_dir()}; create it first "
                      f"with: aac profile create {profile}", file=sys.stderr)
                return 1
        written = install(profile, autostart=args.autostart)
    except (DesktopError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    who = f"profile {profile!r}" if profile else "the default profile"
    print(f"'AAC board' is in the applications menu (opens {who})"
          + ("; it also opens at login" if args.autostart else "")
          + ". Remove with: aac install-desktop --remove")
    return 0
