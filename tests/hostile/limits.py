"""Run a piece of code in a child process under memory and CPU-time limits.

Why a child: a hostile file that makes the app allocate gigabytes or read for ever must fail
*the case*, not the test run (or the shared machine). ``RLIMIT_AS`` caps the address space, so
an allocation past the limit raises MemoryError in the child; ``RLIMIT_CPU`` plus a wall-clock
timeout stop a spinning or blocked child. The child prints one JSON line with its outcome.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool

    @property
    def result(self) -> dict:
        for line in reversed(self.stdout.strip().splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
        return {}


def _limits(mem_mb: int, cpu_s: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    return apply


def run_limited(code: str, *args: str, mem_mb: int = 700, cpu_s: int = 20, wall_s: float = 30.0,
                stdin: str | bytes | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run ``python -c code args...`` from the repo root under the limits."""
    child_env = dict(env if env is not None else os.environ)
    child_env["PYTHONPATH"] = str(REPO) + os.pathsep + child_env.get("PYTHONPATH", "")
    child_env.setdefault("SDL_VIDEODRIVER", "dummy")
    child_env.setdefault("SDL_AUDIODRIVER", "dummy")
    try:
        r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, cwd=str(REPO),
                           env=child_env, input=stdin.encode() if isinstance(stdin, str) else stdin,
                           timeout=wall_s, preexec_fn=_limits(mem_mb, cpu_s))
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if exc.stdout else ""
        err = exc.stderr.decode(errors="replace") if exc.stderr else ""
        return Outcome(-9, out, err, True)
    return Outcome(r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"), False)
