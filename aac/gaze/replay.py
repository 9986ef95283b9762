"""Recorded gaze traces: play them back as a source, and record them from any source.

Traces are JSON Lines, one ``tobii_research`` gaze dictionary (as_dictionary=True) per line, so a
trace recorded from a real tracker, from TittaPy, or from the webcam/mouse path replays the same
way and bug reports can carry the exact input that caused them. Tuples become JSON lists and
missing values ``NaN`` (Python's json reads and writes it).
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import IO, Any, Iterable, Mapping

from aac.fileio import ensure_private_dir
from aac.gaze.sample import GazeSample, from_tobii_dict, to_tobii_dict
from aac.gaze.source import Clock, GazeSource, SourceError

REQUIRED_KEYS = ("system_time_stamp", "left_gaze_point_validity", "right_gaze_point_validity")


class TraceError(SourceError):
    """A trace file is missing or malformed; the message names the file and line."""


def load_trace(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL trace of Tobii gaze dictionaries; blank lines and ``#`` comments are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TraceError(f"{path}: trace file not found") from None
    except OSError as exc:
        raise TraceError(f"{path}: cannot read trace: {exc}") from None
    rows: list[dict[str, Any]] = []
    last_t = -math.inf
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TraceError(f"{path}:{n}: not valid JSON ({exc.msg}); expected one Tobii gaze dict per line") from None
        if not isinstance(row, dict):
            raise TraceError(f"{path}:{n}: expected a JSON object (a Tobii gaze dict), got {type(row).__name__}")
        missing = [k for k in REQUIRED_KEYS if k not in row]
        if missing:
            raise TraceError(f"{path}:{n}: missing key(s) {', '.join(missing)}")
        try:
            t = float(row["system_time_stamp"])
        except (TypeError, ValueError):
            raise TraceError(f"{path}:{n}: system_time_stamp must be a number of microseconds") from None
        if t < last_t:
            raise TraceError(f"{path}:{n}: system_time_stamp goes backwards ({t:.0f} < {last_t:.0f})")
        last_t = t
        rows.append(row)
    if not rows:
        raise TraceError(f"{path}: the trace has no samples")
    return rows


def trace_samples(rows: Iterable[Mapping[str, Any]]) -> list[GazeSample]:
    """Convert trace rows to samples (time in seconds, as recorded)."""
    return [from_tobii_dict(r) for r in rows]


class ReplaySource(GazeSource):
    """Plays a trace in real time (``speed=1``), faster (``speed>1``) or as fast as polled (0).

    Output timestamps are rebased onto ``clock`` (start of playback + trace offset / speed) so a
    replay drives the dwell engine exactly like a live tracker. At the end the source gives no more
    samples (``loop=True`` restarts it) and says so in ``status``.
    """

    def __init__(self, path: Path, *, speed: float = 1.0, loop: bool = False, clock: Clock = time.monotonic) -> None:
        self.path = Path(path)
        self.name = f"replay:{self.path.name}"
        if speed < 0:
            raise SourceError(f"replay speed must be >= 0, got {speed}")
        self.speed = speed
        self.loop = loop
        self._clock = clock
        self._samples: list[GazeSample] = []
        self._i = 0
        self._t0 = 0.0
        self._start = 0.0
        self._status = ""

    def start(self) -> None:
        self._samples = trace_samples(load_trace(self.path))
        self._t0 = self._samples[0].t
        self._start = self._clock()
        self._i = 0
        self._status = ""

    @property
    def duration_s(self) -> float:
        return self._samples[-1].t - self._t0 if self._samples else 0.0

    @property
    def finished(self) -> bool:
        return bool(self._samples) and self._i >= len(self._samples)

    def poll(self) -> list[GazeSample]:
        if not self._samples:
            return []
        now = self._clock()
        out: list[GazeSample] = []
        while True:
            if self._i >= len(self._samples):
                if not self.loop:
                    self._status = "replay finished"
                    break
                self._i = 0
                self._start = out[-1].t if out else now
            s = self._samples[self._i]
            rel = s.t - self._t0
            if self.speed > 0:
                t = self._start + rel / self.speed
                if t > now:
                    break
            else:
                t = self._start + rel
            out.append(GazeSample(t, s.x, s.y, s.valid, s.confidence))
            self._i += 1
            if self.speed == 0 and len(out) >= 1:
                break  # as fast as polled: one sample per poll
        return out

    @property
    def status(self) -> str:
        return self._status


def _jsonable(value: Any) -> Any:
    """Tuples/arrays -> lists; floats rounded to 6 decimals (sub-pixel on any screen, half the size)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        return round(value, 6)
    return value


class TraceRecorder:
    """Writes gaze dictionaries or samples to a JSONL trace (file 0600, directory 0700).

    Used by ``aac run --record-gaze FILE``. Lines are flushed in batches (``flush_every``) and on
    close, so a crash loses at most one batch; a recorder never raises into the UI loop after
    opening (write errors are kept in ``error``).
    """

    def __init__(self, path: Path, flush_every: int = 60) -> None:
        self.path = Path(path)
        if not self.path.parent.exists():
            ensure_private_dir(self.path.parent)  # new dirs are private; never re-mode an existing one
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        if hasattr(os, "fchmod"):  # POSIX only; Windows protects files through ACLs
            os.fchmod(fd, 0o600)
        self._fh: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")
        self._pending = 0
        self.flush_every = flush_every
        self.count = 0
        self.error = ""

    def write_dict(self, d: Mapping[str, Any]) -> None:
        if self._fh is None:
            return
        try:
            self._fh.write(json.dumps({k: _jsonable(v) for k, v in d.items()}) + "\n")
            self.count += 1
            self._pending += 1
            if self._pending >= self.flush_every:
                self._fh.flush()
                self._pending = 0
        except (OSError, TypeError, ValueError) as exc:
            self.error = f"gaze recording stopped: {exc}"
            self.close()

    def write(self, sample: GazeSample) -> None:
        self.write_dict(to_tobii_dict(sample))

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
            except OSError:
                pass
            self._fh = None

    def __enter__(self) -> "TraceRecorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordingSource(GazeSource):
    """Wraps a source and records every polled sample to a trace (for ``--record-gaze``)."""

    def __init__(self, inner: GazeSource, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.recorder = TraceRecorder(path)

    def start(self) -> None:
        self.inner.start()

    def stop(self) -> None:
        self.inner.stop()
        self.recorder.close()

    def poll(self) -> list[GazeSample]:
        samples = self.inner.poll()
        for s in samples:
            self.recorder.write(s)
        return samples

    @property
    def status(self) -> str:
        return self.inner.status or self.recorder.error
