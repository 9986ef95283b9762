"""Regenerate the synthetic gaze traces in this folder (JSONL, Tobii gaze-dict format).

    /tmp/rtenv/bin/python calibration/traces/make_traces.py

- ``dropout_blinks.jsonl``: the dropout scenario of the failover/dwell test on a 2x2 board
  (tiles A top-left, B top-right, C bottom-left, D bottom-right): 1.6 s on A (an intended
  selection), B for 0.6 s with a blink, then a 3 s tracking loss mid-dwell (no samples at all),
  a reconnect with 0.1 s of glitchy samples (one lands on D), 1.0 s more on B, 1.6 s on C with
  two blinks (an intended selection), 0.5 s on D. Intended activations: A, C. 60 Hz, 0.5 deg noise.
- ``reading_9.jsonl``: an ~8 s scanpath over a 3x3 grid with 0.5 deg noise and blinks, for
  ``aac run --gaze replay:calibration/traces/reading_9.jsonl`` demos.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from aac.gaze.replay import TraceRecorder
from aac.gaze.sample import GazeSample
from aac.gaze.synth import Fixation, scanpath

HERE = Path(__file__).parent
A, B, C, D = (0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)
T0 = 1000.0  # arbitrary tracker clock start (s)


def dropout_trace() -> list[GazeSample]:
    fx = [Fixation(*A, 1.6), Fixation(*B, 0.6 + 3.0 + 1.1), Fixation(*C, 1.6), Fixation(*D, 0.5)]
    b_start = 1.6 + 0.04
    loss = (b_start + 0.6, 3.0)
    c_start = b_start + 4.7 + 0.04
    samples = scanpath(fx, noise_deg=0.5, t0=T0, seed=7,
                       blinks=[(b_start + 0.3, 0.12), (c_start + 0.4, 0.1), (c_start + 0.9, 0.1)],
                       losses=[loss])
    # Reconnect glitch: the first 0.1 s after the loss jump around (one sample on D).
    glitch_end = T0 + loss[0] + loss[1] + 0.1
    rng = np.random.default_rng(3)
    out = []
    for s in samples:
        if T0 + loss[0] + loss[1] <= s.t < glitch_end:
            x, y = (D if rng.random() < 0.5 else (float(rng.uniform(0, 1)), float(rng.uniform(0, 1))))
            out.append(GazeSample(s.t, x, y, True, 1.0))
        else:
            out.append(s)
    return out


def reading_trace() -> list[GazeSample]:
    rng = np.random.default_rng(11)
    cells = [((c + 0.5) / 3, (r + 0.5) / 3) for r in range(3) for c in range(3)]
    fx = [Fixation(*cells[int(rng.integers(0, 9))], float(rng.uniform(0.3, 1.6))) for _ in range(8)]
    blinks = [(float(t), 0.12) for t in np.arange(1.7, 7, 2.9)]
    return scanpath(fx, noise_deg=0.5, t0=T0, seed=11, blinks=blinks)


def write(path: Path, samples: list[GazeSample]) -> None:
    with TraceRecorder(path) as rec:
        for s in samples:
            rec.write(s)
    path.chmod(0o644)  # shipped test data, not private


if __name__ == "__main__":
    write(HERE / "dropout_blinks.jsonl", dropout_trace())
    write(HERE / "reading_9.jsonl", reading_trace())
    print("written", sorted(p.name for p in HERE.glob("*.jsonl")))
    assert math.isfinite(T0)
