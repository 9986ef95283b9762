"""Real synthesis through pyttsx3 + espeak-ng: the WAV files are checked with the wave module."""

from __future__ import annotations

import os
import stat
import wave
from pathlib import Path

import numpy as np
import pytest

from aac.speech.synth import (
    SynthesisError,
    VoiceNotFoundMessage,
    list_engine_voices,
    synthesize_to_wav,
)
from aac.speech.voices import VoiceProfile, load_voice


def read_wav(path: Path) -> tuple[int, int, int, np.ndarray]:
    with wave.open(str(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return rate, channels, width, data


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


def speech_seconds(samples: np.ndarray, rate: int, threshold: float = 500.0) -> float:
    """Seconds of 20 ms windows that are clearly not silence."""
    win = rate // 50
    n = samples.size // win
    if n == 0:
        return 0.0
    frames = samples[: n * win].astype(np.float64).reshape(n, win)
    loud = np.sqrt((frames**2).mean(axis=1)) > threshold
    return float(loud.sum()) * 0.02


@pytest.mark.parametrize(
    "profile, short, long",
    [
        ("en-default", "Hello.", "Hello, could you please open the window and bring me a glass of water?"),
        ("ru-default", "Привет.", "Здравствуйте, пожалуйста, откройте окно и принесите мне стакан воды."),
    ],
)
def test_real_wav_duration_grows_not_silent(tmp_path: Path, profile: str, short: str, long: str) -> None:
    a = synthesize_to_wav(short, profile, tmp_path / "short.wav")
    b = synthesize_to_wav(long, profile, tmp_path / "long.wav")
    for info in (a, b):
        rate, channels, width, data = read_wav(info.path)
        assert (rate, channels, width) == (22050, 1, 2)
        assert info.sample_rate == rate and info.frames == data.size
        assert rms(data) > 300, f"{info.path} is (nearly) silent: rms {rms(data):.0f}"
        assert np.abs(data).max() < 32767 * 0.999 or rms(data) < 20000  # not a clipped square wave
        assert speech_seconds(data, rate) > 0.2
        assert stat.S_IMODE(os.stat(info.path).st_mode) == 0o600  # what was said is private
    assert b.duration > 2.5 * a.duration
    assert speech_seconds(read_wav(b.path)[3], 22050) > 2 * speech_seconds(read_wav(a.path)[3], 22050)
    assert b.voice_id == load_voice(profile).voice_id


def test_russian_voice_speaks_cyrillic_not_letter_names(tmp_path: Path) -> None:
    # An English voice spells unknown Cyrillic as letter names or skips it; the Russian voice reads it.
    text = "Мне нужна помощь, позовите врача."
    ru = synthesize_to_wav(text, "ru-default", tmp_path / "ru.wav")
    en = synthesize_to_wav(text, "en-default", tmp_path / "en.wav")
    assert ru.voice_id == "zle/ru"
    assert en.duration > 1.5 * ru.duration  # the English voice spells it out letter by letter


def test_slow_profile_is_slower(tmp_path: Path) -> None:
    text = "I would like to go outside this afternoon."
    normal = synthesize_to_wav(text, "en-default", tmp_path / "n.wav")
    slow = synthesize_to_wav(text, "en-slow", tmp_path / "s.wav")
    assert slow.duration > normal.duration * 1.2


def test_volume_changes_loudness(tmp_path: Path) -> None:
    text = "Testing the volume."
    loud = synthesize_to_wav(text, VoiceProfile(volume=1.0), tmp_path / "loud.wav")
    quiet = synthesize_to_wav(text, VoiceProfile(volume=0.3), tmp_path / "quiet.wav")
    assert rms(read_wav(quiet.path)[3]) < 0.6 * rms(read_wav(loud.path)[3])


def test_unknown_voice_id_lists_available_voices(tmp_path: Path) -> None:
    with pytest.raises(VoiceNotFoundMessage) as err:
        synthesize_to_wav("hello", VoiceProfile(voice_id="gmw/en-xx", language="en"), tmp_path / "x.wav")
    msg = str(err.value)
    assert "gmw/en-xx" in msg and "gmw/en-us" in msg and "aac voices --engine" in msg
    assert not (tmp_path / "x.wav").exists()


def test_lenient_voice_falls_back_to_the_language(tmp_path: Path) -> None:
    info = synthesize_to_wav("привет", VoiceProfile(voice_id="nope", language="ru"), tmp_path / "x.wav", strict=False)
    assert info.voice_id == "zle/ru"
    assert "nope" in info.warning and "zle/ru" in info.warning


def test_espeak_names_and_variants_are_accepted(tmp_path: Path) -> None:
    info = synthesize_to_wav("hello", VoiceProfile(voice_id="en-us+f3"), tmp_path / "f3.wav")
    assert info.voice_id == "gmw/en-us+f3"
    assert rms(read_wav(info.path)[3]) > 300


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SynthesisError, match="empty"):
        synthesize_to_wav("   ", "en-default", tmp_path / "e.wav")
    with pytest.raises(SynthesisError, match="does not exist"):
        synthesize_to_wav("hi", "en-default", tmp_path / "missing" / "e.wav")


def test_engine_lists_english_and_russian() -> None:
    ids = {v.id for v in list_engine_voices()}
    assert {"gmw/en-us", "gmw/en", "zle/ru"} <= ids


def test_rate_and_pitch_changes_apply_in_any_order(tmp_path: Path) -> None:
    # Regression: espeak-ng kept the first utterance's rate when pyttsx3 queued the change.
    text = "I would like to go outside this afternoon."
    seq = [("gmw/en-us", 120), ("gmw/en-us", 300), ("zle/ru", 300), ("gmw/en-us", 120), ("gmw/en-us", 300)]
    d = [synthesize_to_wav(text, VoiceProfile(voice_id=v, rate=r), tmp_path / f"{i}.wav").duration
         for i, (v, r) in enumerate(seq)]
    assert d[0] > 2 * d[1] and d[3] > 2 * d[4] and abs(d[0] - d[3]) < 0.1
    say = "Hello there, how are you today?"
    first = synthesize_to_wav(say, VoiceProfile(), tmp_path / "first.wav")
    low = synthesize_to_wav(say, VoiceProfile(pitch=10), tmp_path / "low.wav")
    normal = synthesize_to_wav(say, VoiceProfile(), tmp_path / "normal.wav")
    high = synthesize_to_wav(say, VoiceProfile(pitch=90), tmp_path / "high.wav")
    f_first, f_low, f_normal, f_high = (median_f0(read_wav(i.path)[3], 22050) for i in (first, low, normal, high))
    assert f_low < 0.85 * f_normal < f_high * 0.85
    # a profile without pitch is back at the normal pitch, not the previous profile's
    assert abs(f_normal - f_first) < 0.08 * f_first


def median_f0(samples: np.ndarray, rate: int) -> float:
    """Median fundamental frequency of the loud 46 ms windows (autocorrelation peak, 60-400 Hz)."""
    win, out = 1024, []
    x_all = samples.astype(np.float64)
    for i in range(0, x_all.size - win, win):
        x = x_all[i : i + win]
        if np.sqrt((x**2).mean()) < 1000:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, "full")[win - 1 :]
        lo, hi = rate // 400, rate // 60
        out.append(rate / (lo + int(np.argmax(ac[lo:hi]))))
    return float(np.median(out))


def test_default_and_explicit_espeak_share_one_engine(tmp_path: Path) -> None:
    # Regression: two espeak engines in one process steal each other's synth callback (checked:
    # the first one then writes no file at all), so "pyttsx3" on Linux must reuse the "espeak" one.
    a = synthesize_to_wav("Hello there.", VoiceProfile(engine="pyttsx3"), tmp_path / "a.wav")
    b = synthesize_to_wav("Hello there.", VoiceProfile(engine="espeak"), tmp_path / "b.wav")
    c = synthesize_to_wav("Hello there.", VoiceProfile(engine="pyttsx3"), tmp_path / "c.wav")
    for info in (a, b, c):
        assert rms(read_wav(info.path)[3]) > 300 and info.duration > 0.5


def test_aiff_from_macos_engine_is_converted_to_wav(tmp_path: Path) -> None:
    # NSSpeechSynthesizer (pyttsx3 "nsss") writes AIFF whatever the file name; the worker converts.
    import warnings

    from aac.speech.pyttsx3_worker import _aiff_to_wav

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import aifc

    src = synthesize_to_wav("Hello from a Mac.", "en-default", tmp_path / "src.wav")
    rate, _, _, data = read_wav(src.path)
    aiff = tmp_path / "mac.aiff"
    with aifc.open(str(aiff), "wb") as a:
        a.setnchannels(1)
        a.setsampwidth(2)
        a.setframerate(rate)
        a.writeframes(data.byteswap().tobytes())  # AIFF stores big-endian samples
    _aiff_to_wav(aiff, tmp_path / "out.wav")
    rate2, channels, width, data2 = read_wav(tmp_path / "out.wav")
    assert (rate2, channels, width) == (rate, 1, 2)
    assert np.array_equal(data, data2)


def test_long_utterances_back_to_back_in_a_fresh_engine(tmp_path: Path) -> None:
    # Regression: pyttsx3's espeak driver returns from runAndWait before a long synthesis ends
    # (no file), and an utterance started while espeak still "plays" is cancelled (empty file).
    from aac.speech.pyttsx3_worker import WorkerClient

    long = "I have a lot more to say about it all, so please wait for me. " * 6
    worker = WorkerClient()
    try:
        voice = VoiceProfile().to_worker()
        replies = [worker.request({"cmd": "synth", "text": t, "path": str(tmp_path / f"{i}.wav"), "voice": voice}, 60)
                   for i, t in enumerate([long, "Third, please come again next week.", long])]
    finally:
        worker.close()
    assert all(r["ok"] for r in replies), replies
    d = [r["duration"] for r in replies]
    assert d[0] > 15 and abs(d[0] - d[2]) < 0.5 and 1.5 < d[1] < 5
    for r in replies:
        assert rms(read_wav(Path(r["path"]))[3]) > 300
