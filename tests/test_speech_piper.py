"""The natural voice (Piper en_US-joe-medium) through the real worker: real WAVs looked at as
numbers, the rate setting, fallback to espeak-ng when the natural voice is missing or its worker
is killed mid-message (nothing lost). Piper and the voice are pinned dependencies (pyproject.toml),
so these tests never skip: a missing install is a failure.
"""

from __future__ import annotations

import os
import signal
import time
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from aac.speech.fakes import SoundCardRecorder
from aac.speech.piper_engine import (
    find_voice,
    installed_voices,
    length_scale_for,
    piper_status,
)
from aac.speech.speaker import WorkerSpeaker, split_for_speech
from aac.speech.synth import synthesize_to_wav
from aac.speech.voices import load_voice


def samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0, w.getframerate()


def dbfs(x: float) -> float:
    return 20 * np.log10(max(x, 1e-9))


def wait_for(cond, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_natural_voice_is_installed_by_the_project_pins() -> None:
    assert piper_status() == ""
    (joe,) = installed_voices()
    assert joe.id == "en_US-joe-medium" and joe.model.stat().st_size > 50_000_000
    assert find_voice("en_US-joe-medium").config.name == "en_US-joe-medium.onnx.json"
    assert find_voice(str(joe.model)).model == joe.model  # a voice file named by path works too
    assert find_voice(str(joe.model)).language == "en"
    with pytest.raises(LookupError, match="no Piper voice 'en_US-nobody-x' is known"):
        find_voice("en_US-nobody-x")


@pytest.mark.parametrize("text, words", [
    ("Could I have something to drink please?", 7),
    ("I am tired, I would like to rest now.", 9),
    ("Please call my daughter.", 4),
])
def test_real_piper_wavs_for_english_sentences(tmp_path: Path, text: str, words: int) -> None:
    info = synthesize_to_wav(text, "en-default", tmp_path / "out.wav")
    assert (info.engine, info.voice_id, info.sample_rate, info.warning) == ("piper", "en_US-joe-medium", 22050, "")
    x, rate = samples(info.path)
    duration = len(x) / rate
    assert duration == pytest.approx(info.duration)
    wpm = words / duration * 60
    assert 90 < wpm < 260, f"{duration:.2f} s for {words} words"  # speech at a speaking pace
    rms, peak = float(np.sqrt(np.mean(x * x))), float(np.max(np.abs(x)))
    assert -30 < dbfs(rms) < -12  # audible, like espeak-ng's -22..-25 dBFS
    assert dbfs(peak) < -0.4 and int(np.sum(np.abs(x) >= 32767 / 32768)) == 0  # no clipping (PEAK 0.95 * 0.9)
    # Speech, not noise or a tone: voiced energy below 1 kHz dominates, fricatives reach above 4 kHz,
    # and there are pauses (quiet 20 ms frames) between words.
    spec = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    assert spec[freqs < 1000].sum() > spec[(freqs > 1000) & (freqs < 4000)].sum() * 0.5
    assert spec[freqs > 4000].sum() > 1e-4 * spec.sum()
    frames = x[: len(x) // 441 * 441].reshape(-1, 441)
    frame_db = 20 * np.log10(np.sqrt((frames ** 2).mean(axis=1)) + 1e-9)
    assert (frame_db < dbfs(rms) - 20).sum() >= 3


def test_rate_and_volume_per_profile(tmp_path: Path) -> None:
    text = "Thank you for coming to see me today."
    normal = synthesize_to_wav(text, "en-default", tmp_path / "n.wav")
    slow = synthesize_to_wav(text, "en-slow", tmp_path / "s.wav")  # rate 120 vs 160
    assert slow.duration > normal.duration * 1.15
    assert length_scale_for(160) == pytest.approx(1.25)
    quiet = synthesize_to_wav(text, replace(load_voice("en-default"), volume=0.3), tmp_path / "q.wav")
    xn, _ = samples(normal.path)
    xq, _ = samples(quiet.path)
    assert dbfs(np.max(np.abs(xq))) == pytest.approx(dbfs(np.max(np.abs(xn))) + dbfs(0.3 / 0.9), abs=0.3)


def test_missing_natural_voice_falls_back_to_espeak_with_a_note(tmp_path: Path) -> None:
    nobody = replace(load_voice("en-default"), voice_id="en_US-nobody-medium")
    info = synthesize_to_wav("Hello there.", nobody, tmp_path / "x.wav")
    assert info.engine == "espeak" and info.voice_id == "gmw/en-us" and info.duration > 0.5
    assert "no Piper voice 'en_US-nobody-medium' is known" in info.warning and "espeak-ng instead" in info.warning

    card = SoundCardRecorder(tmp_path / "card", time_scale=0.05)
    sp = WorkerSpeaker(nobody, player=card, out_dir=tmp_path / "speech")
    try:
        sp.speak("Hello there.")
        assert sp.wait_idle(60)
        (rec,) = sp.records
        assert (rec.outcome, rec.engines) == ("played", ("espeak",))
        assert "natural voice: no Piper voice" in sp.status and "speaking with espeak-ng instead" in sp.status
        assert sp.active_voice.engine == "espeak"  # the session does not retry a voice that is not there
    finally:
        sp.close(wait=True)


@pytest.mark.slow
def test_killing_the_voice_worker_mid_message_falls_back_and_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL the worker while the first piece plays and the next is being synthesised: every
    piece is still played once, in order (the rest by espeak-ng), the note is visible, and the
    next message has the natural voice again."""
    long_a = "I would like to go outside this afternoon when it is warmer " + "and the sun is out " * 8 + "today."
    long_b = "Then we could have tea in the garden with my sister " + "and her two children " * 8 + "please."
    text = f"Hello. {long_a} {long_b}"
    assert len(split_for_speech(text, first_clause=True)) == 3
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.2)
    sp = WorkerSpeaker(load_voice("en-default"), player=card, out_dir=tmp_path / "speech")
    try:
        assert wait_for(lambda: sp._warmed, 120)  # the voice loads when the speaker starts
        sp.speak(text)
        assert wait_for(lambda: len(card.started()) >= 1, 60)
        pid = sp.worker.pid
        os.kill(pid, signal.SIGKILL)
        assert sp.wait_idle(180)
        (rec,) = sp.records
        assert rec.outcome == "played" and rec.pieces == 3
        assert rec.engines == ("piper", "espeak")
        assert len(card.finished()) == 3 and card.cut() == []  # each piece played once, none twice
        assert "natural voice crashed (restarted); this message continues with espeak-ng" in sp.status
        assert sp.worker.pid != pid and sp.worker.restarts == 1
        sp.speak("Back to normal.")
        assert sp.wait_idle(120)
        assert sp.records[-1].engines == ("piper",) and sp.status == ""
    finally:
        sp.close(wait=True)
    assert not list((tmp_path / "speech").glob("utterance-*"))
