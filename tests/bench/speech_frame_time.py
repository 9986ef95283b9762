"""Benchmark: does speech make the board stutter? (issue 6: frame time under 17 ms)

Runs a 60 fps pygame loop (dummy video driver) that draws a board-like frame (tiles and text)
while long messages are synthesised by the real speech worker (Piper or pyttsx3 + espeak-ng: --voice), and prints
the per-frame work time (draw + speak() call + flip) and the frame-to-frame interval.
Optionally kills the worker mid-run to show a restart does not stutter either.

    SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy python tests/bench/speech_frame_time.py --rounds 4 --seconds 4
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from aac.speech.fakes import SoundCardRecorder
from aac.speech.pyttsx3_worker import WORKER_NICE
from aac.speech.speaker import WorkerSpeaker
from aac.speech.voices import load_voice

LONG = (
    "Good morning everyone. I would like to thank you all for coming today. "
    "I have been thinking about what I want to say for a long time, and I am glad that I can "
    "finally say it myself. Please be patient with me, because every word takes a moment. "
) * 4


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100.0 * (len(s) - 1)))]


def _proc_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a child (Linux /proc; 0 elsewhere or when it is gone)."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def run_phase(screen, font, seconds: float, speaker: WorkerSpeaker | None, every: float, kill: bool) -> dict:
    """One timed 60 fps loop; with ``speaker`` None it is the baseline (same drawing, no speech)."""
    clock = pygame.time.Clock()
    work: list[float] = []
    cpu: list[float] = []
    interval: list[float] = []
    speak_call: list[float] = []
    speak_cpu: list[float] = []
    busy_frames = 0
    proc_cpu0 = time.process_time()
    worker_cpu0 = _proc_cpu(speaker.worker.pid) if speaker is not None else 0.0
    t0 = time.perf_counter()
    next_speak = t0 + 0.2
    killed = False
    last_start = None
    frame = 0
    while time.perf_counter() - t0 < seconds:
        start = time.perf_counter()
        cpu0 = time.thread_time()
        if last_start is not None:
            interval.append((start - last_start) * 1000)
        last_start = start
        pygame.event.pump()
        status = ""
        if speaker is not None:
            if start >= next_speak:
                s, sc = time.perf_counter(), time.thread_time()
                speaker.speak(LONG)
                speak_call.append((time.perf_counter() - s) * 1000)
                speak_cpu.append((time.thread_time() - sc) * 1000)
                next_speak += every
            if kill and not killed and start - t0 > seconds / 2 and speaker.worker.pid:
                os.kill(speaker.worker.pid, signal.SIGKILL)  # our own child, by pid
                killed = True
            status = speaker.status or ("speaking" if speaker.speaking else "idle")
            busy_frames += speaker.speaking
        screen.fill((20, 20, 28))
        for i in range(30):
            r = pygame.Rect(20 + (i % 6) * 205, 120 + (i // 6) * 130, 195, 120)
            pygame.draw.rect(screen, (60, 90, 160) if i != frame % 30 else (200, 160, 40), r, border_radius=12)
            screen.blit(font.render(f"word {i}", True, (255, 255, 255)), r.move(20, 40))
        screen.blit(font.render(status[:60], True, (255, 255, 0)), (20, 30))
        pygame.display.flip()
        work.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - cpu0) * 1000)
        frame += 1
        clock.tick(60)
    other_threads = (time.process_time() - proc_cpu0) * 1000 - sum(cpu)
    worker_cpu = 0.0
    if speaker is not None:
        now_cpu = _proc_cpu(speaker.worker.pid)
        # after a restart the new worker's own total is all this phase's (the old one is gone)
        worker_cpu = (now_cpu - worker_cpu0 if now_cpu >= worker_cpu0 else now_cpu) * 1000
    return {
        "other_threads_ms": other_threads, "worker_ms": worker_cpu, "work": work, "cpu": cpu, "interval": interval,
        "speak": speak_call, "speak_cpu": speak_cpu, "busy": busy_frames, "seconds": seconds,
    }


def merge(runs: list[dict]) -> dict:
    out: dict = {"seconds": 0.0, "other_threads_ms": 0.0, "worker_ms": 0.0, "busy": 0}
    for r in runs:
        for k, v in r.items():
            if isinstance(v, list):
                out.setdefault(k, []).extend(v)
            else:
                out[k] = out.get(k, 0) + v
    return out


def report(name: str, r: dict) -> None:
    w, iv = r["work"], r["interval"]
    over = sum(1 for x in w if x >= 17.0)
    print(f"{name:<26} frames {len(w):4d} ({len(w) / r['seconds']:4.1f} fps)  "
          f"work median {statistics.median(w):5.2f} p99 {pct(w, 99):6.2f} max {max(w):6.2f} ms  "
          f"[{over} >= 17 ms]  UI-thread CPU max {max(r['cpu']):5.2f} ms  interval p99 {pct(iv, 99):6.2f} max {max(iv):6.2f} ms")
    print(f"{'':<26} CPU used besides the UI thread: board's other threads {r['other_threads_ms']:.0f} ms, "
          f"speech worker {r['worker_ms']:.0f} ms (nice {WORKER_NICE})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each phase (default 5)")
    ap.add_argument("--rounds", type=int, default=4, help="baseline/speaking pairs (default 4)")
    ap.add_argument("--every", type=float, default=2.0, help="speak a long message every N seconds")
    ap.add_argument("--voice", default="en-default",
                    help="voice profile (en-default: Piper natural voice; en-espeak: espeak-ng)")
    ap.add_argument("--player", choices=["auto", "recorder"], default="recorder",
                    help="auto: probe the system (no device here: WAV written); recorder: fake sound card")
    args = ap.parse_args()

    pygame.init()
    screen = pygame.display.set_mode((1280, 800))
    font = pygame.font.Font(None, 48)
    tmp = Path(tempfile.mkdtemp(prefix="aac-bench-"))
    player = SoundCardRecorder(tmp / "card", time_scale=0.02) if args.player == "recorder" else None

    # Phases alternate (baseline, speaking, baseline, speaking + worker kill, ...) so that load from
    # other processes on the machine, which drifts, falls on both kinds alike.
    phases: dict[str, list[dict]] = {"baseline (no speech)": [], "speaking": [], "speaking + worker kill": []}
    speaker = None
    create_ms = 0.0
    for rnd in range(args.rounds):
        phases["baseline (no speech)"].append(run_phase(screen, font, args.seconds, None, args.every, False))
        if speaker is None:
            # Created inside the measured phase: the worker start-up happens under the frames.
            t = time.perf_counter()
            speaker = WorkerSpeaker(load_voice(args.voice), interrupt=False, player=player, out_dir=tmp / "speech")
            create_ms = (time.perf_counter() - t) * 1000
        kind = "speaking + worker kill" if rnd % 2 else "speaking"
        phases[kind].append(run_phase(screen, font, args.seconds, speaker, args.every, kind != "speaking"))
        speaker.stop()
    assert speaker is not None
    # Latency on an idle speaker: from speak() to the first piece playing.
    latency: dict[str, list[float]] = {}
    for label, text in (("short (43 chars)", "Could you open the window a little, please?"), (f"long ({len(LONG)} chars)", LONG)):
        for _ in range(5):
            speaker.stop()
            speaker.wait_idle(30)
            n = len(speaker.records)
            speaker.speak(text)
            speaker.wait_idle(120)
            rec = speaker.records[n] if len(speaker.records) > n else None
            if rec is not None and rec.first_audio_s is not None:
                latency.setdefault(label, []).append(rec.first_audio_s * 1000)
    done = sum(1 for r in speaker.records if r.outcome in ("played", "no-audio"))
    firsts = [r.first_audio_s * 1000 for r in speaker.records if r.first_audio_s is not None]
    restarts = speaker.worker.restarts
    speaker.close(wait=True)
    pygame.quit()

    print(f"voice {args.voice} ({load_voice(args.voice).engine}); engines used: "
          f"{sorted({e for r in speaker.records for e in r.engines})}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine shows in every phase)")
    print(f"long message: {len(LONG)} chars, spoken every {args.every:.1f} s; synthesised+played: {done}; "
          f"worker restarts: {restarts}; WorkerSpeaker() took {create_ms:.1f} ms")
    for name, runs in phases.items():
        if runs:
            report(f"{name} x{len(runs)}", merge(runs))
    calls = [c for name in ("speaking", "speaking + worker kill") for r in phases[name] for c in r["speak"]]
    cpu_calls = [c for name in ("speaking", "speaking + worker kill") for r in phases[name] for c in r["speak_cpu"]]
    print(f"speak() call: wall median {statistics.median(calls):.3f} ms, max {max(calls):.3f} ms; "
          f"CPU in the caller max {max(cpu_calls):.3f} ms ({len(calls)} calls)")
    for label, ms in latency.items():
        print(f"idle speaker, speak() to first sound, {label}: median {statistics.median(ms):.0f} ms, "
              f"max {max(ms):.0f} ms over {len(ms)}")
    if firsts:
        print(f"speak() to first sound (first sentence synthesised, player started): median "
              f"{statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms (includes waiting behind earlier messages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
