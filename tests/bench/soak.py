"""Soak: a long `aac simulate` run (real board, usage log, draft writer, model unless --no-model)
with memory (RSS) and frame time sampled; prints the figures and the RSS growth trend.

Usage:  python tests/bench/soak.py --sim-minutes 30 --speed 100 [--no-model] [--max-wall-minutes 25]

Same code path as ``aac simulate`` (``aac.ui.simulate.run_simulation``); a probe only records the
BoardApp it creates so a sampler thread can read the simulated clock and the frame times. The
sentences cycle through tests/data/demo_sentences.txt (and the dev corpus if present) until the
simulated time is reached. Growth trend = least-squares slope of RSS over simulated minutes after
the first 20 % of the run (model load and caches warming up are not a leak).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    if n < 2:
        return 0.0
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(q / 100 * len(v)))]


class StopSimulation(Exception):
    pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sim-minutes", type=float, default=30.0)
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--no-model", action="store_true")
    ap.add_argument("--max-wall-minutes", type=float, default=30.0)
    ap.add_argument("--sample-s", type=float, default=10.0, help="wall seconds between samples")
    ap.add_argument("--json", metavar="FILE", help="also write the samples and figures as JSON")
    args = ap.parse_args()

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import aac.ui.app as app_mod
    from aac.ui.simulate import SimulationConfig, run_simulation

    sentences = [ln.strip() for ln in (REPO / "tests" / "data" / "demo_sentences.txt").read_text().splitlines()
                 if ln.strip() and not ln.startswith("#")]
    dev = REPO.parent / "shared" / "data" / "aac_dev.txt"
    if dev.exists():
        sentences += [ln.strip() for ln in dev.read_text(encoding="utf-8").splitlines()[:200] if ln.strip()]
    # enough sentences for the run; the simulation stops itself when the simulated time is reached
    sentences = (sentences * 50)[:2000]

    holder: dict = {}
    _init = app_mod.BoardApp.__init__
    end_sim = args.sim_minutes * 60.0

    def init(self, *a, **k):
        _init(self, *a, **k)
        holder["app"] = self
        holder["t0"] = self.clock()
        step = self.step

        def limited_step(now=None):
            if self.clock() - holder["t0"] >= end_sim or time.monotonic() > holder["wall_end"]:
                raise StopSimulation()
            step(now)

        self.step = limited_step

    app_mod.BoardApp.__init__ = init
    samples: list[dict] = []
    stop = threading.Event()
    wall0 = time.monotonic()
    holder["wall_end"] = wall0 + args.max_wall_minutes * 60.0

    def sampler() -> None:
        seen = 0
        while not stop.is_set():
            app = holder.get("app")
            if app is not None:
                frames = app.frame_ms
                new = frames[seen:len(frames)]
                seen += len(new)
                samples.append({
                    "wall_s": round(time.monotonic() - wall0, 1),
                    "sim_min": round((app.clock() - holder["t0"]) / 60.0, 2),
                    "rss_mb": round(rss_mb(), 1),
                    "frames": len(frames),
                    "frame_ms_p50": round(pct(new, 50), 2),
                    "frame_ms_p95": round(pct(new, 95), 2),
                    "frame_ms_max": round(max(new), 2) if new else 0.0,
                    "activations": len(app.activations),
                })
                s = samples[-1]
                print(f"{s['wall_s']:7.1f}s wall  sim {s['sim_min']:6.2f} min  RSS {s['rss_mb']:7.1f} MB  "
                      f"frames {s['frames']:7d}  frame ms p50 {s['frame_ms_p50']:5.2f} p95 {s['frame_ms_p95']:6.2f} "
                      f"max {s['frame_ms_max']:7.2f}  activations {s['activations']}", flush=True)
            stop.wait(args.sample_s)

    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    rss_start_process = rss_mb()
    with tempfile.TemporaryDirectory(prefix="aac-soak-") as tmp:
        cfg = SimulationConfig(speed=args.speed, predictions=not args.no_model, speech="record",
                               profile=str(Path(tmp) / "profile"), sentence_timeout_s=240.0,
                               log_as_use=True)  # a throw-away profile whose usage log growth is measured
        try:
            run_simulation(sentences, cfg)
        except StopSimulation:
            pass
        stop.set()
        th.join(5)
        app = holder.get("app")
        if app is not None:  # the final sample
            samples.append({"wall_s": round(time.monotonic() - wall0, 1),
                            "sim_min": round((app.clock() - holder["t0"]) / 60.0, 2), "rss_mb": round(rss_mb(), 1),
                            "frames": len(app.frame_ms), "activations": len(app.activations),
                            "frame_ms_p50": 0.0, "frame_ms_p95": 0.0, "frame_ms_max": 0.0})
        usage = {}
        try:
            from aac.store.usage_log import usage_counts

            usage = usage_counts(Path(tmp) / "profile" / "usage.sqlite")
        except Exception:  # noqa: BLE001
            pass
    if len(samples) < 3:
        print("too few samples")
        return 1
    warm = [s for s in samples if s["sim_min"] >= 0.2 * samples[-1]["sim_min"]]
    trend = slope([s["sim_min"] for s in warm], [s["rss_mb"] for s in warm])
    first_half = [s for s in warm if s["sim_min"] < samples[-1]["sim_min"] / 2]
    second_half = [s for s in warm if s["sim_min"] >= samples[-1]["sim_min"] / 2]
    frames_all = app.frame_ms if app is not None else []
    out = {
        "sim_minutes": samples[-1]["sim_min"],
        "wall_minutes": round((time.monotonic() - wall0) / 60.0, 1),
        "speed": args.speed,
        "model": not args.no_model,
        "rss_mb_process_start": round(rss_start_process, 1),
        "rss_mb_first_sample": samples[0]["rss_mb"],
        "rss_mb_after_warmup": warm[0]["rss_mb"],
        "rss_mb_end": samples[-1]["rss_mb"],
        "rss_mb_max": max(s["rss_mb"] for s in samples),
        "rss_trend_mb_per_sim_hour": round(trend * 60.0, 2),
        "rss_mean_first_half": round(sum(s["rss_mb"] for s in first_half) / max(1, len(first_half)), 1),
        "rss_mean_second_half": round(sum(s["rss_mb"] for s in second_half) / max(1, len(second_half)), 1),
        "frames": len(frames_all),
        "frame_ms_p50": round(pct(frames_all, 50), 2),
        "frame_ms_p95": round(pct(frames_all, 95), 2),
        "frame_ms_p95_first_half": round(pct(frames_all[: len(frames_all) // 2], 95), 2),
        "frame_ms_p95_second_half": round(pct(frames_all[len(frames_all) // 2:], 95), 2),
        "activations": samples[-1]["activations"],
        "usage_rows": usage,
    }
    print(json.dumps(out))
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": out, "samples": samples}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
