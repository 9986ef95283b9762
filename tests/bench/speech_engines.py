"""Natural voice (Piper) vs espeak-ng on this machine: time to first audio, real-time factor, the
WAVs as numbers, and a spectrogram to look at.

    PYTHONPATH=$PWD .venv/bin/python tests/bench/speech_engines.py [--out DIR] [--json]

- time to first audio: from ``speak()`` to the start of the player, through the board's own
  speaker (worker process, sentence-by-sentence pipeline) with a real child-process player that
  plays into a folder (aac/speech/fakes.py; the machine has no sound card). Each message is spoken
  after the previous one ended, as a person speaks one message at a time.
- real-time factor: synthesis seconds / audio seconds, one sentence at a time (``synthesize_to_wav``).
- natural speed of the Piper voice at length scale 1.0 (words per minute), which sets
  aac/speech/piper_engine.py NATURAL_WPM.
- WAV numbers: duration, RMS and peak in dBFS, clipped samples; spectrogram PNG of one sentence
  per engine.

The machine is shared: the load average is printed with the figures; compare engines within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aac.speech.fakes import SoundCardRecorder
from aac.speech.speaker import WorkerSpeaker
from aac.speech.synth import synthesize_to_wav
from aac.speech.voices import load_voice

#: Typical AAC messages: short requests, answers, a longer two-sentence message.
SENTENCES = [
    "Could I have something to drink please?",
    "Yes.",
    "I am tired, I would like to rest now.",
    "Please call my daughter.",
    "Thank you for coming to see me today.",
    "Can you move my legs?",
    "I need the toilet.",
    "What time is it?",
    "I love you.",
    "The pain is worse in the evening.",
    "Please turn the television off, it is too loud.",
    "Good morning. Did you sleep well?",
]


#: Long first sentences without a comma (where the first piece is the whole sentence), for
#: ``--long``: does cutting before the first clause opener (aac/speech/speaker.py first_phrase_cut)
#: bring the first sound forward?
LONG_SENTENCES = [
    "I would like to go out into the garden this afternoon when the sun comes out.",
    "Could you please ask the nurse to come and check my feeding tube because it hurts.",
    "Please tell my brother that I will call him later tonight if I am not too tired.",
    "I want to watch the football match on the television after my lunch is finished.",
    "Can you turn me onto my other side before the physiotherapist arrives this morning?",
    "I do not want to see any more visitors today because I need some quiet time.",
]


def first_audio_long(out_dir: Path, rounds: int = 2) -> dict:
    """Time to first audio of LONG_SENTENCES with the first-phrase cut off and on, alternating
    message by message (the machine's load drifts; both see the same drift)."""
    from aac.speech.speaker import split_for_speech

    card = SoundCardRecorder(out_dir / "card-long", time_scale=0.05)
    sp = WorkerSpeaker(load_voice("en-default"), player=card, out_dir=out_dir / "speech-long")
    times: dict[str, list[float]] = {"off": [], "on": []}
    try:
        sp.speak("Ready.")
        sp.wait_idle(120)
        for _ in range(rounds):
            for text in LONG_SENTENCES:
                for mode in ("off", "on"):
                    sp.first_phrase = mode == "on"
                    sp.speak(text)
                    sp.wait_idle(120)
                    rec = sp.records[-1]
                    if rec.outcome == "played" and rec.first_audio_s is not None:
                        times[mode].append(rec.first_audio_s)
    finally:
        sp.close(wait=True)
    return {"first_audio_ms": {m: {"median": round(1000 * statistics.median(v)), "max": round(1000 * max(v)),
                                   "all": [round(1000 * x) for x in v]} for m, v in times.items()},
            "first_pieces": [split_for_speech(t, first_clause=True)[0] for t in LONG_SENTENCES]}


def wav_numbers(path: Path) -> dict:
    """Duration, loudness and clipping of a 16-bit WAV."""
    with wave.open(str(path), "rb") as w:
        rate, n = w.getframerate(), w.getnframes()
        x = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(x * x))) if len(x) else 0.0
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return {
        "duration_s": round(n / rate, 3),
        "rate": rate,
        "rms_dbfs": round(20 * np.log10(max(rms, 1e-9)), 1),
        "peak_dbfs": round(20 * np.log10(max(peak, 1e-9)), 2),
        "clipped": int(np.sum(np.abs(x) >= 32767 / 32768.0)),
    }


def spectrogram(paths: dict[str, Path], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(paths), 1, figsize=(9, 3.2 * len(paths)), squeeze=False)
    for ax, (name, path) in zip(axes[:, 0], paths.items()):
        with wave.open(str(path), "rb") as w:
            rate = w.getframerate()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        ax.specgram(x, NFFT=512, Fs=rate, noverlap=384, cmap="magma", vmin=-20)
        ax.set_title(f"{name}: {path.name}")
        ax.set_ylabel("Hz")
        ax.set_ylim(0, 8000)
    axes[-1, 0].set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def first_audio(voice_name: str, out_dir: Path) -> list[float]:
    card = SoundCardRecorder(out_dir / f"card-{voice_name}", time_scale=0.05)
    sp = WorkerSpeaker(load_voice(voice_name), player=card, out_dir=out_dir / f"speech-{voice_name}")
    try:
        sp.speak("Ready.")  # the speaker starts (and loads the voice) when the board starts
        sp.wait_idle(120)
        times = []
        for text in SENTENCES:
            sp.speak(text)
            sp.wait_idle(120)
            rec = sp.records[-1]
            if rec.outcome == "played" and rec.first_audio_s is not None:
                times.append(rec.first_audio_s)
        if sp.status:
            print(f"  status: {sp.status}", file=sys.stderr)
        return times
    finally:
        sp.close(wait=True)


def rtf(voice_name: str, out_dir: Path) -> tuple[list[float], list[float], dict[str, dict]]:
    voice = load_voice(voice_name)
    synthesize_to_wav("Hello.", voice, out_dir / "warm.wav")  # model load is not synthesis
    ratios, secs, numbers = [], [], {}
    for i, text in enumerate(SENTENCES):
        path = out_dir / f"{voice_name}-{i:02d}.wav"
        t = time.perf_counter()
        info = synthesize_to_wav(text, voice, path)
        dt = time.perf_counter() - t
        ratios.append(dt / info.duration)
        secs.append(dt)
        numbers[text] = wav_numbers(path) | {"cpu_s": round(info.cpu_s, 3)}
    return ratios, secs, numbers


def natural_wpm(out_dir: Path) -> float:
    """Words per minute of the Piper voice at length scale 1 (profile rate = NATURAL_WPM)."""
    from dataclasses import replace

    from aac.speech.piper_engine import NATURAL_WPM

    voice = replace(load_voice("en-default"), rate=round(NATURAL_WPM))
    words = seconds = 0.0
    for i, text in enumerate(SENTENCES):
        info = synthesize_to_wav(text, voice, out_dir / f"wpm-{i}.wav")
        words += len(text.split())
        seconds += info.duration
    return words / seconds * 60.0 * (NATURAL_WPM / round(NATURAL_WPM))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None, help="folder for WAVs and the spectrogram PNG")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--long", action="store_true", help="only: long first sentences, first-phrase cut off vs on")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="aac-speech-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    result: dict = {"load_avg": [round(x, 2) for x in load], "cores": os.cpu_count(), "engines": {}}
    if args.long:
        result["long"] = first_audio_long(out)
        result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
        if args.json:
            print(json.dumps(result, indent=1))
            return 0
        print(f"load average {result['load_avg']} -> {result['load_avg_after']} on {result['cores']} cores")
        for mode, fa in result["long"]["first_audio_ms"].items():
            print(f"en-default long first sentences, first-phrase cut {mode:>3}: first audio median "
                  f"{fa['median']} ms, max {fa['max']} ms  {fa['all']}")
        for piece in result["long"]["first_pieces"]:
            print(f"    first piece: {piece}")
        return 0
    for name in ("en-default", "en-espeak"):
        voice = load_voice(name)
        fa = first_audio(name, out)
        ratios, secs, numbers = rtf(name, out)
        result["engines"][name] = {
            "engine": voice.engine,
            "first_audio_ms": {"median": round(1000 * statistics.median(fa)), "max": round(1000 * max(fa)),
                               "all": [round(1000 * x) for x in fa]},
            "rtf": {"median": round(statistics.median(ratios), 3), "max": round(max(ratios), 3)},
            "synth_s_median": round(statistics.median(secs), 3),
            # Piper reports the worker's CPU seconds: the cost without the machine's other load.
            "cpu_rtf_median": round(statistics.median(n["cpu_s"] / n["duration_s"] for n in numbers.values()), 3),
            "sentence_cpu_ms": {t[:30]: round(1000 * n["cpu_s"]) for t, n in numbers.items()},
            "wavs": numbers,
        }
    result["piper_natural_wpm"] = round(natural_wpm(out), 1)
    png = out / "spectrogram.png"
    spectrogram({n: out / f"{n}-00.wav" for n in ("en-default", "en-espeak")}, png)
    result["spectrogram"] = str(png)
    result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"load average {result['load_avg']} -> {result['load_avg_after']} on {result['cores']} cores")
    for name, r in result["engines"].items():
        fa = r["first_audio_ms"]
        print(f"{name:<11} ({r['engine']}): first audio median {fa['median']} ms, max {fa['max']} ms; "
              f"RTF median {r['rtf']['median']}, max {r['rtf']['max']}; synthesis median {r['synth_s_median']} s")
        if r["cpu_rtf_median"]:
            cpu = sorted(r["sentence_cpu_ms"].values())
            print(f"    CPU-time RTF median {r['cpu_rtf_median']} (load-independent); CPU ms per sentence: "
                  f"median {statistics.median(cpu)}, max {max(cpu)}")
        for text, n in list(r["wavs"].items())[:3]:
            print(f"    {text[:40]:<40} {n}")
        worst = max(r["wavs"].values(), key=lambda n: n["peak_dbfs"])
        quiet = min(r["wavs"].values(), key=lambda n: n["rms_dbfs"])
        print(f"    all {len(r['wavs'])}: peak max {worst['peak_dbfs']} dBFS, RMS min {quiet['rms_dbfs']} dBFS, "
              f"clipped samples {sum(n['clipped'] for n in r['wavs'].values())}")
    print(f"Piper natural speed at length scale 1: {result['piper_natural_wpm']} wpm")
    print(f"spectrogram: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
