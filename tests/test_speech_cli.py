"""`aac speak` and `aac voices` through the real dispatcher and the real engine."""

from __future__ import annotations

import os
import wave
from pathlib import Path

from aac.cli import main


def test_speak_to_wav_prints_path_and_duration(tmp_path: Path, capsys) -> None:
    out = tmp_path / "hello.wav"
    assert main(["speak", "Hello,", "how are you?", "--wav", str(out)]) == 0
    line = capsys.readouterr().out.strip()
    path, duration, rate, voice = line.split("\t")
    assert Path(path) == out and rate == "22050 Hz" and voice == "voice en_US-joe-medium"  # the natural default
    with wave.open(str(out)) as w:
        assert abs(w.getnframes() / w.getframerate() - float(duration.split()[0])) < 0.01


def test_speak_russian_to_wav(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ru.wav"
    assert main(["speak", "Доброе утро", "--voice", "ru-default", "--wav", str(out)]) == 0
    assert "zle/ru" in capsys.readouterr().out


def test_speak_without_sound_card_writes_a_wav(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("aac.speech.speaker.probe_player", lambda cands=None: (None, "no audio player found"))
    assert main(["speak", "Hello"]) == 3
    captured = capsys.readouterr()
    assert "no audio device: speech written to" in captured.err
    kept = tmp_path / "cache" / "speech" / f"last-spoken-{os.getpid()}.wav"
    assert captured.out.startswith(str(kept)) and kept.stat().st_size > 1000


def test_speak_bad_profile_and_bad_voice_id(tmp_path: Path, capsys) -> None:
    assert main(["speak", "hi", "--voice", "en-defualt", "--wav", str(tmp_path / "x.wav")]) == 1
    assert "no such voice profile" in capsys.readouterr().err
    prof = tmp_path / "odd.toml"
    prof.write_text('engine = "espeak"\nvoice_id = "en-zz"\nlanguage = "en"\n')
    assert main(["speak", "hi", "--voice", str(prof), "--wav", str(tmp_path / "x.wav")]) == 1
    err = capsys.readouterr().err
    assert "'en-zz' is not offered" in err and "available:" in err
    prof.write_text('engine = "espeak"\nvoice_id = "en-zz"\nlanguage = "en"\nrate = fast\n')
    assert main(["speak", "hi", "--voice", str(prof)]) == 1
    assert f"{prof}:4: not valid TOML" in capsys.readouterr().err


def test_voices_lists_profiles_and_engine_voices(capsys) -> None:
    assert main(["voices", "--engine"]) == 0
    out = capsys.readouterr().out
    for name in ("en-default", "en-slow", "ru-default"):
        assert name in out
    assert "gmw/en-us" in out and "zle/ru" in out and "Engine voices (" in out
    # engines with their licences, and the natural voice installed by the project's own pins
    assert "piper      natural (neural) voices - installed; licence piper-tts 1.8.0: GPL-3.0-or-later" in out
    assert "en_US-joe-medium" in out and "CC0" in out and "espeak-ng: GPL-3.0-or-later" in out
    assert "[piper] en_US-joe-medium (en), 160 wpm" in out and "!!" not in out


def test_speak_to_wav_works_for_every_engine(tmp_path: Path, capsys) -> None:
    """`aac speak --voice NAME --wav PATH` for the natural voice, espeak-ng and the system voice."""
    for profile, voice_id in (("en-default", "en_US-joe-medium"), ("en-espeak", "gmw/en-us"), ("en-gb", "gmw/en")):
        out = tmp_path / f"{profile}.wav"
        assert main(["speak", "See you tomorrow.", "--voice", profile, "--wav", str(out)]) == 0
        assert capsys.readouterr().out.strip().endswith(f"voice {voice_id}")
        with wave.open(str(out)) as w:
            assert w.getnframes() / w.getframerate() > 0.8
