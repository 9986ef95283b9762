"""Portability on paper and in code: POSIX-only calls have fallbacks (Windows and macOS users exist)."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from aac import fileio
from aac.predict import model_store

PACKAGE = Path(__file__).resolve().parent.parent / "aac"
#: Modules that exist only on POSIX systems: importing one at the top of a module would take a whole
#: command area down on Windows (aac/cli.py drops an area that fails to import).
POSIX_ONLY = {"fcntl", "resource", "termios", "pwd", "grp", "tty", "pty", "posix"}


def test_no_module_imports_a_posix_only_module_at_top_level() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # top level only: a guarded import inside a function is fine
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module.split(".")[0]]
            offenders += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {n}" for n in names if n in POSIX_ONLY]
    assert offenders == []


def test_private_writes_work_without_fchmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fchmod", raising=False)  # as on Windows
    fileio.atomic_write_text(tmp_path / "x.json", "{}")
    assert (tmp_path / "x.json").read_text(encoding="utf-8") == "{}"


def test_peak_memory_without_the_resource_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from aac.predict import bench

    assert bench.peak_rss_mb() > 0
    monkeypatch.setitem(sys.modules, "resource", None)  # import resource -> ImportError
    assert bench.peak_rss_mb() == 0.0


def test_build_environment_python_per_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert model_store.venv_python(tmp_path) == tmp_path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    monkeypatch.setattr(model_store.os, "name", "nt")
    assert model_store.venv_python(tmp_path) == tmp_path / "Scripts" / "python.exe"
