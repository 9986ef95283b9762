"""The activation click: a tiny generated WAV, played through the same path as speech.

Generated rather than shipped so there is no binary asset to license or lose; 25 ms of a 1.5 kHz
tone with a fast attack and exponential decay sounds like a soft tick and is short enough to
never overlap the next activation. Written once into the private speech cache.
"""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

from aac.fileio import atomic_write_bytes, ensure_private_dir

RATE = 22050


def click_samples(ms: float = 25.0, freq: float = 1500.0, amplitude: float = 0.35) -> array.array:
    """16-bit mono samples of the click (attack 2 ms, then exponential decay)."""
    n = int(RATE * ms / 1000.0)
    attack = max(1, int(RATE * 0.002))
    out = array.array("h")
    for i in range(n):
        env = i / attack if i < attack else math.exp(-(i - attack) / (n / 5.0))
        out.append(int(32767 * amplitude * env * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def click_wav(directory: Path) -> Path:
    """Path of the click WAV in ``directory`` (created on first use)."""
    path = Path(directory) / "click.wav"
    if not path.exists():
        ensure_private_dir(path.parent)
        import io

        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(click_samples().tobytes())
        atomic_write_bytes(path, buf.getvalue())
    return path
