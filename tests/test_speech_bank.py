"""The person's own recorded messages: import (WAV/FLAC/OGG) with checks, private storage, the
CLI, `aac profile show`, a phrase tile's `recording`, playback instead of synthesis, and the usage
log's "recorded message" without text. Recordings are real speech audio (espeak-ng writes it,
soundfile re-encodes it), played through the real speaker with a child-process "sound card"."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile

from aac.cli import main
from aac.layouts.loader import parse_layout_text
from aac.layouts.model import LayoutError
from aac.paths import LAYOUTS_DIR
from aac.speech.bank import BankError, VoiceBank, name_for
from aac.speech.fakes import SoundCardRecorder
from aac.speech.speaker import WorkerSpeaker
from aac.speech.synth import synthesize_to_wav
from aac.speech.voices import load_voice


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    """A real spoken message (espeak-ng), standing in for the person's recording."""
    path = tmp_path_factory.mktemp("rec") / "speech.wav"
    synthesize_to_wav("I love you, see you tomorrow.", "en-espeak", path)
    return path


def encode(src: Path, dest: Path, gain: float = 1.0, seconds: float | None = None) -> Path:
    data, rate = soundfile.read(str(src))
    if seconds is not None:
        data = data[: int(seconds * rate)]
    soundfile.write(str(dest), data * gain, rate)
    return dest


def test_import_wav_flac_ogg_stores_private_16bit_wavs(tmp_path: Path, speech_wav: Path) -> None:
    bank = VoiceBank(tmp_path / "prof")
    a = bank.import_file(speech_wav, "I love you, see you tomorrow.")
    b = bank.import_file(encode(speech_wav, tmp_path / "m.flac"), "Good morning!")
    c = bank.import_file(encode(speech_wav, tmp_path / "m.ogg"), "Доброе утро", name="dobroe-utro")
    assert [r.name for r in bank.list()] == ["i-love-you-see-you-tomorrow", "good-morning", "dobroe-utro"]
    assert name_for("Доброе утро").startswith("rec-")
    assert "(FLAC)" in b.source and "(OGG)" in c.source
    for rec in (a, b, c):
        path = bank.path(rec.name)
        assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o600
        info = soundfile.info(str(path))
        assert (info.format, info.subtype, info.channels) == ("WAV", "PCM_16", 1)
        assert info.duration == pytest.approx(rec.duration, abs=0.01) and rec.duration > 1.0
        assert -30 < rec.rms_dbfs < -10 and rec.peak_dbfs < 0
    assert stat.S_IMODE(bank.dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(bank.index_path.stat().st_mode) == 0o600
    assert bank.find("good morning") == b and bank.find("I love you, see you tomorrow") == a
    assert bank.remove("good-morning").name == "good-morning" and bank.path("good-morning") is None
    assert not (bank.dir / "good-morning.wav").exists()


def test_quiet_and_clipped_recordings_are_kept_with_a_note(tmp_path: Path, speech_wav: Path) -> None:
    bank = VoiceBank(tmp_path / "prof")
    quiet = bank.import_file(encode(speech_wav, tmp_path / "q.wav", gain=0.02), "Quiet")
    assert quiet.gain_db > 20 and quiet.peak_dbfs == pytest.approx(-1.0, abs=0.2)
    assert any("raised by" in w for w in quiet.warnings)
    loud = bank.import_file(encode(speech_wav, tmp_path / "l.wav", gain=8.0), "Loud")
    assert any("clipped in places" in w for w in loud.warnings)


@pytest.mark.parametrize("make, message", [
    (lambda d, src: d / "missing.wav", "no such file"),
    (lambda d, src: (d / "text.wav").write_text("not audio") and d / "text.wav", "not a sound file that can be read"),
    (lambda d, src: encode(src, d / "short.wav", seconds=0.1), "too short"),
    (lambda d, src: _write(d / "silent.flac", np.zeros(22050)), "silent (no sound at all)"),
    (lambda d, src: _write(d / "hiss.wav", np.random.default_rng(1).normal(0, 1e-4, 22050)), "silent (loudest point"),
    (lambda d, src: _write(d / "long.ogg", np.full(8000 * 130, 0.1), rate=8000), "too long for one message"),
    (lambda d, src: _write(d / "x.aiff", np.full(22050, 0.1), fmt="AIFF"), "AIFF files are not accepted"),
])
def test_bad_files_are_refused_with_a_clear_message(tmp_path: Path, speech_wav: Path, make, message: str) -> None:
    bank = VoiceBank(tmp_path / "prof")
    with pytest.raises(BankError, match=re.escape(message)):
        bank.import_file(make(tmp_path, speech_wav), "Hello")
    assert bank.list() == []


def _write(path: Path, data: np.ndarray, rate: int = 22050, fmt: str | None = None) -> Path:
    soundfile.write(str(path), data, rate, format=fmt)
    return path


def test_cli_import_list_and_profile_show(tmp_path: Path, speech_wav: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    assert main(["profile", "create", "anna"]) == 0
    assert main(["voices", "bank", "import", str(speech_wav), "--phrase", "See you tomorrow", "--profile", "anna"]) == 0
    out = capsys.readouterr().out
    assert "stored 'see-you-tomorrow'" in out and 'recording = "see-you-tomorrow"' in out
    assert main(["voices", "bank", "import", str(speech_wav), "--phrase", "See you tomorrow", "--profile", "anna"]) == 1
    assert "already exists; add --replace" in capsys.readouterr().err
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt ")
    assert main(["voices", "bank", "import", str(bad), "--phrase", "x", "--profile", "anna"]) == 1
    assert "not a sound file that can be read" in capsys.readouterr().err
    assert main(["voices", "bank", "list", "--profile", "anna"]) == 0
    assert 'see-you-tomorrow' in capsys.readouterr().out
    assert main(["profile", "show", "anna"]) == 0
    out = capsys.readouterr().out
    assert "recorded messages: 1" in out and 'see-you-tomorrow: ' in out
    assert main(["profile", "show", "anna", "--json"]) == 0
    (rec,) = json.loads(capsys.readouterr().out)["recordings"]
    assert rec["name"] == "see-you-tomorrow" and rec["present"] and rec["duration"] > 1


def test_phrase_tile_recording_field_is_validated() -> None:
    text = (LAYOUTS_DIR / "default.toml").read_text(encoding="utf-8")
    marker = 'kind = "phrase"\nvalue = "Yes."\n'
    assert marker in text
    layout = parse_layout_text(text.replace(marker, marker + 'recording = "yes-mine"\n', 1))
    (tile,) = [t for p in layout.pages for t in p.tiles if t.recording]
    assert (tile.kind, tile.value, tile.recording) == ("phrase", "Yes.", "yes-mine")
    with pytest.raises(LayoutError, match="not a recording name: '../secret.wav'"):
        parse_layout_text(text.replace(marker, marker + 'recording = "../secret.wav"\n', 1))
    action = 'kind = "action"'
    with pytest.raises(LayoutError, match='"recording" has no effect on a action tile'):
        parse_layout_text(text.replace(action, action + '\nrecording = "x1"', 1))


def test_recording_is_played_instead_of_synthesis_and_logged_without_text(tmp_path: Path, speech_wav: Path) -> None:
    from aac.store import UsageLog

    bank = VoiceBank(tmp_path / "prof")
    rec = bank.import_file(speech_wav, "See you tomorrow")
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.05)
    sp = WorkerSpeaker(load_voice("en-espeak"), player=card, out_dir=tmp_path / "speech")
    try:
        sp.speak(rec.phrase, recording=bank.path(rec))
        sp.speak("Missing recording.", recording=tmp_path / "gone.wav")  # said with the voice instead
        assert sp.wait_idle(60)
    finally:
        sp.close(wait=True)
    first, second = sp.records
    assert (first.outcome, first.recording, first.engines) == ("played", bank.path(rec), ("recording",))
    assert (second.outcome, second.engines) == ("played", ("espeak",))
    played = card.finished()
    assert played[0].read_bytes() == bank.path(rec).read_bytes()  # the person's own audio, unchanged
    assert bank.path(rec).is_file()  # playing never deletes the recording

    log = UsageLog(tmp_path / "usage.sqlite", text_logging=False)
    log.recorded_message(text=rec.phrase, tile_id="5,0", page="home")
    assert log.flush(10) and log.close()
    with sqlite3.connect(tmp_path / "usage.sqlite") as db:
        rows = db.execute("SELECT kind, text, tile_id FROM selections").fetchall()
    assert rows == [("recorded message", None, None)]


def test_tile_recording_name_resolved_by_the_speaker_and_kept_in_history(tmp_path: Path, speech_wav: Path) -> None:
    """The board passes a phrase tile's ``recording`` name; the speaker finds it in the profile's
    bank off the UI thread. A missing name says the words instead. History remembers the name."""
    from aac.speech.history import SpeechHistory

    bank = VoiceBank(tmp_path / "prof")
    bank.import_file(speech_wav, "Yes.", name="yes-mine")
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.05)
    sp = WorkerSpeaker(load_voice("en-espeak"), player=card, out_dir=tmp_path / "speech", bank=bank)
    try:
        sp.speak("Yes.", recording="yes-mine")
        assert sp.wait_idle(60)
        assert sp.records[-1].recording == bank.path("yes-mine") and sp.records[-1].engines == ("recording",)
        sp.speak("No.", recording="no-such-name")
        assert sp.wait_idle(60)
        assert sp.records[-1].engines == ("espeak",) and sp.records[-1].outcome == "played"
        assert "recorded message no-such-name cannot be played; the words were spoken instead" in sp.status
    finally:
        sp.close(wait=True)
    history = SpeechHistory()
    history.add("Yes.", recording="yes-mine")
    history.add("Something typed")
    assert history.recording_of(1) == "yes-mine" and history.recording_of(0) is None
    history.add("yes.")  # said again, typed this time: still the same message, same recording
    assert history.items()[0] == "yes." and history.recording_of(0) == "yes-mine"
    history.remove(0)
    assert history.recording_of(0) is None and history.to_list() == ["Something typed"]
