"""Feeds hostile cases to a worker process with memory, CPU and wall-time limits; keeps the figures.

One worker serves many cases (starting Python and importing the app for each case would cost
more than the cases); it runs under ``RLIMIT_AS`` (memory) and ``RLIMIT_CPU``, and each case has
a wall-clock limit. A case that goes over a limit, or kills the worker, is a failure of that case
and the worker is restarted.
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Address-space limit of the worker. Python + the app + pygame + ONNX Runtime with the model map
#: about 1.3 GB of address space here (measured: RSS ~ 420 MB); the hostile files that broke the
#: app needed 2-4 GB, so 2.5 GB catches them and leaves the real work room.
MEM_LIMIT_MB = 2560
#: Wall-clock limit per case (a fifo read for ever, a 10^10-cell grid) and CPU seconds per worker.
CASE_TIMEOUT_S = 20.0
WORKER_CPU_S = 3600


@dataclass
class Result:
    status: str
    detail: str
    ms: float
    rss_mb: float


@dataclass
class Stats:
    cases: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    slowest: dict[str, tuple[float, str]] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    total_ms: defaultdict = field(default_factory=lambda: defaultdict(float))
    restarts: int = 0

    def lines(self) -> list[str]:
        out = []
        for fam in sorted(self.cases):
            ms, what = self.slowest.get(fam, (0.0, ""))
            outs = ", ".join(f"{k.split(':', 1)[1]}={v}" for k, v in sorted(self.outcomes.items()) if k.startswith(fam + ":"))
            out.append(f"  {fam:8s} {self.cases[fam]:6d} cases  mean {self.total_ms[fam] / max(1, self.cases[fam]):7.1f} ms  "
                       f"slowest {ms:8.1f} ms  ({outs})")
        out.append(f"  peak worker RSS {self.peak_rss_mb:.0f} MB (limit {MEM_LIMIT_MB} MB address space), "
                   f"worker restarts {self.restarts}, failures {len(self.failures)}")
        return out


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT_MB << 20, MEM_LIMIT_MB << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (WORKER_CPU_S, WORKER_CPU_S + 5))
    os.setsid()


class Harness:
    def __init__(self) -> None:
        self.stats = Stats()
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests"), env.get("PYTHONPATH", "")])
        env["OMP_NUM_THREADS"] = "1"
        return subprocess.Popen([sys.executable, "-m", "hostile.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=str(REPO), env=env, preexec_fn=_limits)

    def _kill(self) -> None:
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, 9)
            except OSError:
                pass
            self._proc.wait()
            self._proc = None

    def run(self, case: dict) -> Result:
        fam = case["family"]
        if self._proc is None or self._proc.poll() is not None:
            if self._proc is not None:
                self.stats.restarts += 1
            self._proc = self._start()
        proc = self._proc
        t0 = time.perf_counter()
        try:
            proc.stdin.write((json.dumps(case) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            self._kill()
            return self._record(fam, Result("crash", "worker died before the case", 0.0, 0.0), case)
        line = b""
        while not line.endswith(b"\n"):
            left = CASE_TIMEOUT_S - (time.perf_counter() - t0)
            ready, _, _ = select.select([proc.stdout], [], [], max(0.0, left))
            if not ready:
                self._kill()
                return self._record(fam, Result("timeout", f"no answer in {CASE_TIMEOUT_S} s", CASE_TIMEOUT_S * 1000, 0.0),
                                    case)
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                code = proc.wait()
                self._proc = None
                return self._record(fam, Result("crash", f"worker exited with {code} (memory or CPU limit?)",
                                                (time.perf_counter() - t0) * 1000, 0.0), case)
            line += chunk
        ans = json.loads(line)
        res = Result(ans["status"], ans["detail"], ans["ms"], ans["rss_mb"])
        if res.status == "memory":
            self._kill()  # a MemoryError can leave the worker half-broken: start clean
        return self._record(fam, res, case)

    def _record(self, fam: str, res: Result, case: dict) -> Result:
        st = self.stats
        if res.status == "skipped":
            return res
        st.cases[fam] += 1
        st.outcomes[f"{fam}:{res.status}"] += 1
        st.total_ms[fam] += res.ms
        st.peak_rss_mb = max(st.peak_rss_mb, res.rss_mb)
        if res.ms > st.slowest.get(fam, (-1.0, ""))[0]:
            st.slowest[fam] = (res.ms, f"{len(case.get('data', ''))} bytes, shape {case.get('shape', 'file')}")
        if res.status not in ("ok", "refused"):
            st.failures.append((fam, f"{res.status}: {res.detail}"))
        return res

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.stdin.close()
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._kill()
            self._proc = None
