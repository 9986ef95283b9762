"""Progress lines for long work (model build, report, benchmarks, demo, screenshots).

A caregiver who starts a two-minute job in a terminal should see that it is alive and how far it
got, and be told at the end what happened in one sentence. Scripts, CI logs and pipes should not
get a line per step. So:

* on a terminal (stderr is a tty) each ``step`` prints ``[title] 3/8 what (12 s)``;
* not on a terminal the steps are silent;
* ``done(summary)`` always prints ``[title] summary (took 1 min 05 s)`` on stderr: the human
  summary, one line, never on stdout (which may carry JSON for tools).

``AAC_PROGRESS=1`` forces the step lines (e.g. ``make demo`` through a pipe), ``AAC_PROGRESS=0``
silences them. The clock is passed in so tests drive it without sleeping.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import IO


def format_duration(seconds: float) -> str:
    """``4.2 s``, ``1 min 05 s``, ``1 h 02 min``: what a person reads at a glance."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    s = int(round(seconds))
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def _wanted(stream: IO[str]) -> bool:
    forced = os.environ.get("AAC_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A line per step on a terminal, one summary line at the end. Use as a context manager."""

    def __init__(self, title: str, total: int | None = None, stream: IO[str] | None = None,
                 enabled: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.title = title
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _wanted(self.stream) if enabled is None else enabled
        self.clock = clock
        self.count = 0
        self.t0 = clock()
        self.finished = False

    def _print(self, text: str) -> None:
        try:
            print(f"[{self.title}] {text}", file=self.stream, flush=True)
        except (OSError, ValueError):  # a closed pipe must not break the work itself
            pass

    def elapsed(self) -> float:
        return self.clock() - self.t0

    def step(self, what: str, at: int | None = None) -> None:
        """Start step ``what`` (prints only on a terminal); ``at`` jumps to that step number."""
        self.count = self.count + 1 if at is None else at
        if self.enabled:
            of = f"/{self.total}" if self.total else ""
            self._print(f"{self.count}{of} {what} ({format_duration(self.elapsed())})")

    def note(self, text: str) -> None:
        """A line that is not a step (e.g. where output goes); only on a terminal."""
        if self.enabled:
            self._print(text)

    def done(self, summary: str) -> None:
        """The human summary; always printed (stderr), once."""
        if not self.finished:
            self.finished = True
            self._print(f"{summary} (took {format_duration(self.elapsed())})")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not self.finished and self.enabled:
            of = f"/{self.total}" if self.total else ""
            why = "interrupted" if exc_type is KeyboardInterrupt else "stopped by an error"
            self._print(f"{why} at step {self.count}{of} after {format_duration(self.elapsed())}")
            self.finished = True
