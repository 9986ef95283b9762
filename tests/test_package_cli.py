"""The installed tool's own surface: aac --version, aac screenshots' arguments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aac import __version__
from aac.cli import main

AAC = [sys.executable, "-m", "aac.cli"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"aac {__version__} (Python ") and "shipped files from the checkout" in out


def test_screenshots_help_creates_nothing(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    for argv in (AAC + ["screenshots", "--help"], [sys.executable, "-m", "aac.ui.screenshots", "--help"]):
        proc = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 0, proc.stderr
        assert "--layout" in proc.stdout and "--size WxH" in proc.stdout
    assert list(tmp_path.iterdir()) == []  # no folder named --help


def test_screenshots_bad_arguments_say_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screenshots", str(tmp_path / "out"), "--page", "nope"]) == 1
    assert "no page 'nope' in layout 'default' (pages: home, keyboard" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["screenshots", str(tmp_path / "out"), "--size", "12"])
    assert "size must look like 1280x720" in capsys.readouterr().err
    assert main(["screenshots", str(tmp_path / "out"), "--layout", "no-such-layout"]) == 1
    assert not (tmp_path / "out").exists()
