"""aac install-desktop: XDG launcher, icon and autostart entry that pass desktop-file-validate."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aac import desktop
from aac.cli import main


@pytest.fixture()
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "aac"))
    return tmp_path


def _validate(*files: Path) -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate missing (apt-get install desktop-file-utils; scripts/setup.sh does)")
    proc = subprocess.run([tool, *map(str, files)], capture_output=True, text=True)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_install_autostart_for_a_profile_then_remove(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "create", "Ann Lee"]) == 0
    assert main(["install-desktop", "--autostart", "--profile", "Ann Lee"]) == 0
    where = desktop.DesktopPaths.current()
    assert where.launcher == xdg / "share" / "applications" / "aac-board.desktop"
    assert where.autostart == xdg / "config" / "autostart" / "aac-board.desktop"
    for f in (where.launcher, where.autostart, where.icon_svg, where.icon_png):
        assert f.is_file() and f.stat().st_size > 0, f
    assert where.icon_svg.read_bytes().startswith(b"<?xml")
    assert where.icon_png.read_bytes().startswith(b"\x89PNG")
    text = where.autostart.read_text(encoding="utf-8")
    # the profile name has a space: quoted as the Desktop Entry Specification asks
    assert 'run --profile "Ann Lee"' in text
    exec_cmd = next(line for line in text.splitlines() if line.startswith("Exec="))[5:]
    assert Path(exec_cmd.split(" ")[0]).is_absolute()  # works at login without an activated venv
    assert "Icon=aac-board" in text and "X-GNOME-Autostart-enabled=true" in text
    _validate(where.launcher, where.autostart)

    assert main(["install-desktop", "--remove"]) == 0
    for f in (where.launcher, where.autostart, where.icon_svg, where.icon_png):
        assert not f.exists(), f
    out = capsys.readouterr().out
    assert "removed" in out and str(where.launcher) in out
    assert main(["install-desktop", "--remove"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_launcher_only_and_reinstall_drops_old_autostart(xdg: Path) -> None:
    desktop.install(autostart=True)
    where = desktop.DesktopPaths.current()
    assert where.autostart.exists()
    desktop.install(autostart=False)  # asked again without --autostart: no login entry any more
    assert where.launcher.exists() and not where.autostart.exists()
    text = where.launcher.read_text(encoding="utf-8")
    assert "--profile" not in text  # the default profile
    _validate(where.launcher)


def test_foreign_entries_are_left_alone(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = desktop.DesktopPaths.current()
    where.launcher.parent.mkdir(parents=True)
    where.launcher.write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=mine\n", encoding="utf-8")
    assert main(["install-desktop"]) == 1
    assert "not written by aac" in capsys.readouterr().err
    assert main(["install-desktop", "--remove"]) == 1
    assert where.launcher.read_text(encoding="utf-8").endswith("Exec=mine\n")


def test_unknown_profile_is_refused(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install-desktop", "--autostart", "--profile", "nobody"]) == 1
    assert "aac profile create nobody" in capsys.readouterr().err
    assert not desktop.DesktopPaths.current().autostart.exists()


@pytest.mark.parametrize("arg, quoted", [
    ("plain", "plain"),
    ("Ann Lee", '"Ann Lee"'),
    ('say "hi"', '"say \\"hi\\""'),
    ("100%", "100%%"),
    ("$HOME", '"\\$HOME"'),
])
def test_exec_quoting(arg: str, quoted: str) -> None:
    assert desktop.exec_quote(arg) == quoted


def test_other_platforms_get_a_clear_message(xdg: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(desktop.sys, "platform", "win32")
    assert main(["install-desktop"]) == 1
    assert "create a shortcut to" in capsys.readouterr().err
    assert not desktop.DesktopPaths.current().launcher.exists()
