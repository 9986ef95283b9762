"""The linter and the type checker, as part of the test command (configured in pyproject.toml:
ruff on everything, mypy strict on the board's pure core: controller, session, dwell engine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_ruff_finds_nothing():
    proc = run_tool("ruff", "check", "--quiet", "--output-format", "concise", "aac", "tests")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_on_the_pure_core():
    proc = run_tool("mypy")  # files and strictness from [tool.mypy] in pyproject.toml
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout
