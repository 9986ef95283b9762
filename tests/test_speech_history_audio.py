"""History audio (issue 17): kept only when the person's settings say so, replayed as heard.

Real worker process and real espeak-ng; the loudspeaker is SoundCardRecorder (a real child-process
player that copies what it is given), so "what was heard" is the bytes the player got.
"""

from __future__ import annotations

import json
import stat
import threading
import time
import wave
from pathlib import Path

import pytest

from aac.speech.fakes import SoundCardRecorder
from aac.speech.history_audio import HistoryAudio, text_key
from aac.speech.speaker import WorkerSpeaker, make_speaker
from aac.speech.voices import load_voice
from aac.store.settings import Settings, parse_cli_value


def frames(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


@pytest.fixture
def card(tmp_path: Path) -> SoundCardRecorder:
    return SoundCardRecorder(tmp_path / "card", time_scale=0.05)


@pytest.fixture
def speakers(tmp_path: Path):
    made: list = []

    def make(factory=WorkerSpeaker, *args, **kw):
        kw.setdefault("out_dir", tmp_path / "speech")
        sp = factory(*args, **kw)
        made.append(sp)
        return sp

    yield make
    for sp in made:
        sp.close(wait=True)


def test_the_setting_is_off_by_default_and_described():
    from aac.store.settings import HELP

    assert Settings().keep_history_audio is False
    assert parse_cli_value("keep_history_audio", "on") is True
    assert "history page replays the same audio" in HELP["keep_history_audio"]


def test_kept_on_the_speech_thread_and_replayed_as_heard(tmp_path, card, speakers, monkeypatch):
    writers: list[str] = []
    store = HistoryAudio.store

    def spy(self, *args, **kw):
        writers.append(threading.current_thread().name)
        return store(self, *args, **kw)

    monkeypatch.setattr(HistoryAudio, "store", spy)
    history = HistoryAudio(tmp_path / "prof", keep=3)
    sp = speakers(voice=load_voice("en-espeak"), player=card, history_audio=history)
    message = "Hello there. How are you today?"  # two pieces: the kept audio is both, joined
    sp.speak(message)
    assert sp.wait_idle(60)
    rec = sp.records[-1]
    assert rec.outcome == "played" and rec.pieces == 2 and writers == ["speech-supervisor"]
    kept = rec.history_audio
    assert kept is not None and kept.parent == history.dir and history.find(message.upper()) == kept
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(history.dir.stat().st_mode) == 0o700
    heard = card.finished()
    assert len(heard) == 2 and frames(kept) == frames(heard[0]) + frames(heard[1])
    assert "Hello" not in history.index_path.read_text()  # the index holds hashes, not the words

    sp.replay(message)  # the history page says it again: the same audio, no new synthesis
    assert sp.wait_idle(60)
    again = sp.records[-1]
    assert again.engines == ("history-audio",) and again.history_audio == kept and again.outcome == "played"
    assert card.finished()[-1].read_bytes() == kept.read_bytes()

    for text in ("One.", "Two.", "Three."):  # bounded: the oldest goes
        sp.speak(text)
    assert sp.wait_idle(60)
    assert len(history) == 3 and history.find(message) is None and not kept.exists()
    assert sorted(p.name for p in history.dir.glob("*.wav")) == sorted(
        e["file"] for e in json.loads(history.index_path.read_text())["messages"])
    sp.replay("Never said.")  # nothing kept of it: synthesised as usual
    assert sp.wait_idle(60) and sp.records[-1].engines == ("espeak",)
    assert len(history) == 3  # it was said, so it is kept now and "One." went
    assert history.find("never  said.") is not None and history.find("Never said?") is None
    assert history.find("One.") is None


def test_off_keeps_nothing_and_empties_what_an_earlier_session_kept(tmp_path, card, speakers):
    prof = tmp_path / "prof"
    earlier = HistoryAudio(prof)  # the setting was on yesterday
    (earlier.dir).mkdir(parents=True)
    (earlier.dir / "0123.wav").write_bytes(b"RIFF")
    (earlier.dir / "index.json").write_text(json.dumps({"messages": [{"key": text_key("Secret."), "file": "0123.wav"}]}))
    sp = speakers(make_speaker, "en-espeak", profile_dir=prof, keep_history_audio=False, player=card)
    assert isinstance(sp, WorkerSpeaker) and sp.history_audio is not None and not sp.history_audio.enabled
    sp.speak("My private message.")
    assert sp.wait_idle(60)
    assert sp.records[-1].outcome == "played" and sp.records[-1].history_audio is None
    assert not earlier.dir.exists()
    sp.replay("Secret.")
    assert sp.wait_idle(60) and sp.records[-1].engines == ("espeak",)
    assert not earlier.dir.exists()
    assert sorted(p.name for p in (tmp_path / "speech").iterdir()) == ["click.wav"]  # pieces gone after playback


def test_a_message_cut_off_keeps_nothing(tmp_path, speakers):
    slow_card = SoundCardRecorder(tmp_path / "card", time_scale=1.0)
    history = HistoryAudio(tmp_path / "prof")
    sp = speakers(voice=load_voice("en-espeak"), player=slow_card, history_audio=history)
    sp.speak("Hello. " + "This is a long message that the person stops before it ends. " * 4)
    end = time.monotonic() + 60
    while time.monotonic() < end and not slow_card.started():
        time.sleep(0.02)
    time.sleep(0.3)
    sp.stop()
    assert sp.wait_idle(30)
    end = time.monotonic() + 10
    while time.monotonic() < end and not sp.records:
        time.sleep(0.02)
    assert sp.records[-1].outcome == "cancelled" and sp.records[-1].history_audio is None
    assert len(history) == 0 and not (history.dir.exists() and list(history.dir.glob("*.wav")))
