"""The speaker: real worker process and real engine; only the loudspeaker is a recorder.

SoundCardRecorder (aac/speech/fakes.py) is a real child-process player that copies each WAV it is
given and stays busy for (a quarter of) its duration, so queueing, interrupting, stopping and
restarting run exactly as with a sound card.
"""

from __future__ import annotations

import os
import signal
import time
import wave
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aac.speech.fakes import SoundCardRecorder
from aac.speech.playback import CommandPlayer, probe_player, wav_duration
from aac.speech.pyttsx3_worker import FAULT_ENV
from aac.speech.speaker import (
    NullSpeaker,
    RecordingSpeaker,
    WorkerSpeaker,
    make_speaker,
)
from aac.speech.voices import VoiceProfile


def wait_for(cond, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


@pytest.fixture
def card(tmp_path: Path) -> SoundCardRecorder:
    return SoundCardRecorder(tmp_path / "card", time_scale=0.1)


@pytest.fixture
def speakers(tmp_path: Path):
    made: list[WorkerSpeaker] = []

    def make(**kw) -> WorkerSpeaker:
        kw.setdefault("out_dir", tmp_path / "speech")
        sp = WorkerSpeaker(**kw)
        made.append(sp)
        return sp

    yield make
    for sp in made:
        sp.close(wait=True)


def played_texts(sp: WorkerSpeaker) -> list[str]:
    return [r.text for r in sp.records if r.outcome == "played"]


def test_queue_mode_plays_every_message_in_order(speakers, card) -> None:
    sp = speakers(player=card)
    texts = ["Good morning.", "I slept well, thank you.", "Could I have some tea?"]
    for t in texts:
        sp.speak(t)  # returns at once; the frame loop calls this
    assert sp.speaking
    assert sp.wait_idle(30)
    assert played_texts(sp) == texts
    assert not sp.speaking and sp.status == ""
    finished = card.finished()
    assert len(finished) == 3
    durations = [wav_duration(p) for p in finished]
    assert durations[1] > durations[0]  # the longer message really is longer audio
    with wave.open(str(finished[0])) as w:
        assert w.getframerate() == 22050
    assert not list((sp.out_dir).glob("utterance-*.wav"))  # played audio is not kept


def test_interrupt_mode_cuts_the_current_message(speakers, tmp_path) -> None:
    card = SoundCardRecorder(tmp_path / "card", time_scale=1.0)  # real time: surely still playing when cut
    sp = speakers(player=card, interrupt=True)
    sp.speak("This is a long message that will be interrupted before it has finished playing.")
    assert wait_for(lambda: len(card.started()) == 1)
    sp.speak("Stop.")
    assert sp.wait_idle(30)
    outcomes = [(r.text, r.outcome) for r in sp.records]
    assert outcomes[0][1] == "cancelled" and outcomes[-1] == ("Stop.", "played"), (outcomes, sp.status)
    assert len(card.cut()) == 1 and len(card.finished()) == 1, (card.started(), card.finished())


def test_queue_mode_does_not_cut(speakers, card) -> None:
    sp = speakers(player=card, interrupt=False)
    sp.speak("This message is played to the end even though another one comes.")
    assert wait_for(lambda: len(card.started()) >= 1), (sp.status, list(sp.records), card.started())
    sp.speak("Second.")
    assert sp.wait_idle(30), (sp.status, list(sp.records), card.started())
    assert [r.outcome for r in sp.records] == ["played", "played"] and not card.cut()


def test_stop_silences_and_empties_the_queue(speakers, tmp_path) -> None:
    card = SoundCardRecorder(tmp_path / "card", time_scale=1.0)  # real time: surely still playing at stop()
    sp = speakers(player=card)
    sp.speak("A long first message that is still playing when stop is selected by the person.")
    sp.speak("A second message.")
    sp.speak("A third message.")
    assert wait_for(lambda: len(card.started()) == 1)
    sp.stop()
    assert wait_for(lambda: not sp.speaking, 10)
    time.sleep(0.3)
    assert len(card.started()) == 1 and len(card.cut()) == 1 and sp.queued == []


def test_worker_killed_mid_queue_loses_nothing(speakers, card, tmp_path, monkeypatch) -> None:
    fault = tmp_path / "fault"
    monkeypatch.setenv(FAULT_ENV, str(fault))
    sp = speakers(player=card, timeout_base=60.0)  # it is the kill that must be noticed, not a timeout
    assert wait_for(lambda: sp.worker.alive)
    first_pid = sp.worker.pid
    fault.write_text("hang")  # the next synthesis blocks inside the worker, as a stuck driver would
    texts = ["One.", "Two, please.", "Three, thank you."]
    for t in texts:
        sp.speak(t)
    assert wait_for(lambda: not fault.exists())  # the worker is now stuck on "One."
    os.kill(first_pid, signal.SIGKILL)
    assert sp.wait_idle(30)
    assert played_texts(sp) == texts
    assert sp.worker.pid != first_pid and sp.worker.restarts == 1


def test_hung_worker_is_detected_by_timeout(speakers, card, tmp_path, monkeypatch) -> None:
    fault = tmp_path / "fault"
    monkeypatch.setenv(FAULT_ENV, str(fault))
    sp = speakers(player=card, timeout_base=1.0, timeout_per_char=0.01)
    assert wait_for(lambda: sp.worker.alive)
    fault.write_text("hang")
    sp.speak("Hello.")
    sp.speak("Are you there?")
    assert sp.wait_idle(30)
    assert played_texts(sp) == ["Hello.", "Are you there?"]
    assert sp.worker.restarts == 1


def test_crashing_worker_restarts_and_poison_message_is_skipped(speakers, card, tmp_path, monkeypatch) -> None:
    fault = tmp_path / "fault"
    monkeypatch.setenv(FAULT_ENV, str(fault))
    sp = speakers(player=card)
    assert wait_for(lambda: sp.worker.alive)
    fault.write_text("crash")
    sp.speak("Once.")
    assert sp.wait_idle(30)
    assert played_texts(sp) == ["Once."] and sp.worker.restarts == 1
    # A message that crashes the engine every time is dropped after two tries, the rest is spoken.
    statuses: list[str] = []
    sp.on_done = lambda record: statuses.append(sp.status)
    fault.write_text("crash 2")  # the first try and the retry both crash
    sp.speak("Poison.")
    assert sp.wait_idle(30)
    sp.speak("After.")
    assert sp.wait_idle(30)
    assert [(r.text, r.outcome) for r in sp.records][-2:] == [("Poison.", "failed"), ("After.", "played")]
    assert "crashed" in statuses[-2] and "skipped" in statuses[-2]
    assert sp.worker.restarts == 3


def test_no_audio_device_degrades_to_a_visible_message(speakers, tmp_path) -> None:
    failing = CommandPlayer("broken-card", ["sh", "-c", "echo 'audio open error: No such device' >&2; exit 1", "x", "{path}"])
    sp = speakers(probe_candidates=[failing])
    sp.speak("Is anybody there?")
    assert sp.wait_idle(30)
    (record,) = sp.records
    assert record.outcome == "no-audio"
    assert sp.status.startswith("no audio device: speech written to ")
    kept = tmp_path / "speech" / f"last-spoken-{os.getpid()}.wav"  # per process: see remove_stale_audio
    assert sp.status == f"no audio device: speech written to {kept}"
    assert "broken-card exited with 1: audio open error: No such device" in sp.audio_problem
    assert record.wav == kept and wav_duration(kept) > 0.5
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    sp.click()  # no device: nothing happens, nothing breaks


def test_no_player_at_all(speakers) -> None:
    sp = speakers(probe_candidates=[])
    sp.speak("Hello.")
    assert sp.wait_idle(30)
    assert "no audio device" in sp.status and "no audio player found" in sp.audio_problem


def test_probe_finds_a_working_player(tmp_path) -> None:
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.0)
    broken = CommandPlayer("broken", ["false"])
    player, why = probe_player([broken, card])
    assert player is card and why == ""
    player, why = probe_player([broken])
    assert player is None and "broken exited with 1" in why


def test_click_is_short_and_separate_from_speech(speakers, card) -> None:
    sp = speakers(player=card)
    sp.click()
    assert wait_for(lambda: len(card.finished()) == 1)
    assert 0.01 < wav_duration(card.finished()[0]) < 0.05
    assert not sp.speaking and sp.records == type(sp.records)(maxlen=sp.records.maxlen)


def test_wrong_engine_voice_still_speaks_and_says_why(speakers, card) -> None:
    sp = speakers(player=card, voice=VoiceProfile(voice_id="gmw/en-xx", language="en"))
    sp.speak("Hello.")
    assert sp.wait_idle(30)
    assert played_texts(sp) == ["Hello."]
    assert "gmw/en-xx" in sp.status and "gmw/en-us" in sp.status


def test_make_speaker_never_raises(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    sp = make_speaker("no-such-voice", player=SoundCardRecorder(tmp_path / "card", 0.0))
    try:
        assert isinstance(sp, WorkerSpeaker)
        assert sp.voice.name == "en-default"
        assert "no-such-voice" in sp.status and "en-default" in sp.status
        sp.speak("Still speaking.")
        assert sp.wait_idle(30)
        assert [r.outcome for r in sp.records] == ["played"]
    finally:
        sp.close(wait=True)
    sp = make_speaker("en-default", bogus_option=1)  # even a programming error gives a speaker
    assert isinstance(sp, NullSpeaker) and "speech unavailable" in sp.status
    sp.speak("x")
    sp.stop()
    assert not sp.speaking


def test_recording_speaker_for_board_tests() -> None:
    sp = RecordingSpeaker()
    sp.speak("hello")
    sp.speak("  ")
    sp.click()
    sp.stop()
    assert sp.spoken == ["hello"] and sp.clicks == 1
    assert [c[0] for c in sp.calls] == ["speak", "click", "stop"]
    assert sp.status == "" and not sp.speaking


def test_engine_that_cannot_start_falls_back_to_the_system_voice(speakers, card) -> None:
    # SAPI5 is Windows-only: on Linux the pyttsx3 driver fails to load, as espeak-ng would if missing;
    # the message is still said by the platform's voice (pyttsx3's default driver) and the note shows.
    sp = speakers(player=card, voice=VoiceProfile(engine="sapi5"))
    sp.speak("Hello.")
    assert sp.wait_idle(30)
    assert [(r.outcome, r.engines) for r in sp.records] == [("played", ("pyttsx3",))]
    assert "speech engine sapi5 did not start" in sp.status and "speaking with system voice" in sp.status


def test_no_engine_at_all_is_a_visible_no_speech_note(speakers, card, tmp_path, monkeypatch) -> None:
    # The end of the chain: neither the forced driver nor the platform voice can start (pyttsx3
    # missing in the worker, as on a machine without it): "no speech: ..." and nothing crashes.
    fake = tmp_path / "nopyttsx3" / "pyttsx3"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('pyttsx3 removed for this test')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    sp = speakers(player=card, voice=VoiceProfile(engine="espeak"))
    sp.speak("Hello.")
    assert sp.wait_idle(30)
    assert [r.outcome for r in sp.records] == ["failed"]
    assert sp.status.startswith("no speech: ") and "pyttsx3 is not installed" in sp.status
    monkeypatch.delenv("PYTHONPATH")
    sp.worker.restart()  # (the board would restart the speaker with the new environment)
    sp.voice = VoiceProfile()  # the caregiver picks a working voice: speech comes back
    sp.speak("Hello again.")
    assert sp.wait_idle(30)
    assert played_texts(sp) == ["Hello again."]


def test_close_with_a_hung_worker_does_not_hang(tmp_path, monkeypatch) -> None:
    fault = tmp_path / "fault"
    monkeypatch.setenv(FAULT_ENV, str(fault))
    sp = WorkerSpeaker(player=SoundCardRecorder(tmp_path / "card", 0.0), out_dir=tmp_path / "speech",
                       timeout_base=60.0)
    assert wait_for(lambda: sp.worker.alive)
    pid = sp.worker.pid
    fault.write_text("hang")
    sp.speak("This will never be synthesised.")
    assert wait_for(lambda: not fault.exists())
    sp.close()  # returns at once; the stuck worker is killed in the background
    assert not sp.speaking
    sp._closer.join(10)
    assert not sp._thread.is_alive() and not sp.worker.alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # our child is gone (and reaped), no zombie left behind
    assert not list((tmp_path / "speech").glob("utterance-*.wav"))


def test_player_failing_mid_message_keeps_the_audio(speakers, tmp_path) -> None:
    flaky = CommandPlayer("flaky", ["sh", "-c", "echo 'device unplugged' >&2; exit 1", "x", "{path}"])
    sp = speakers(player=flaky)
    sp.speak("Can you hear me?")
    assert sp.wait_idle(30)
    (record,) = sp.records
    assert record.outcome == "failed" and "device unplugged" in record.detail
    assert "audio playback failed" in sp.status and f"last-spoken-{os.getpid()}.wav" in sp.status
    assert wav_duration(tmp_path / "speech" / f"last-spoken-{os.getpid()}.wav") > 0.5


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie no one reaped yet
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_worker_stuck_in_the_engine_exits_when_the_board_dies(tmp_path) -> None:
    import subprocess
    import sys

    fault = tmp_path / "fault"
    fault.write_text("hang")
    board = subprocess.Popen(
        [sys.executable, "-c",
         ("import sys, time\n"
         "from aac.speech.pyttsx3_worker import WorkerClient\n"
         "w = WorkerClient(); w.start()\n"
         "w._proc.stdin.write('{\"id\": 1, \"cmd\": \"synth\", \"text\": \"x\", \"path\": \"/nonexistent/x.wav\"}\\n')\n"
         "w._proc.stdin.flush()\n"
         "print(w.pid, flush=True)\n"
         "time.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ, **{FAULT_ENV: str(fault)}),
    )
    try:
        worker_pid = int(board.stdout.readline())
        assert wait_for(lambda: not fault.exists())  # the worker is stuck "in the engine"
        board.kill()  # the board crashes; the worker's stdin pipe stays open in no one
        board.wait()
        assert wait_for(lambda: _gone(worker_pid), 10)
    finally:
        if board.poll() is None:
            board.kill()
            board.wait()


def test_split_for_speech() -> None:
    from aac.speech.speaker import split_for_speech

    # first sentence alone (heard quickly), the rest grouped
    assert split_for_speech("Hello. How are you? I'm fine!") == ["Hello.", "How are you? I'm fine!"]
    assert split_for_speech('He said "stop." Then left.') == ['He said "stop."', "Then left."]
    assert split_for_speech("3.5 kg please") == ["3.5 kg please"]  # no space after the dot: one piece
    assert split_for_speech("A. B. C.", max_len=3) == ["A.", "B.", "C."]
    long = ("word " * 100).strip()
    pieces = split_for_speech(long, max_len=60, first_max=30)
    assert len(pieces[0]) <= 30 and all(len(p) <= 60 for p in pieces) and " ".join(pieces) == long


LONG = ("First, I want to thank everyone for coming. Second, the food was lovely. "
        "Third, please come again next week. " + "Fourth, I have a lot more to say about it all. " * 9).strip()


def test_long_message_is_spoken_piece_by_piece(speakers, tmp_path) -> None:
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.01)
    sp = speakers(player=card)
    sp.speak(LONG)
    assert sp.wait_idle(30)
    (record,) = sp.records
    assert (record.outcome, record.pieces) == ("played", 3)
    assert record.first_audio_s is not None and record.first_audio_s > 0
    pieces = card.finished()
    assert len(pieces) == 3
    assert abs(sum(wav_duration(p) for p in pieces) - record.duration) < 0.01


def test_restart_resumes_at_the_piece_it_was_on(speakers, tmp_path, monkeypatch) -> None:
    card = SoundCardRecorder(tmp_path / "card", time_scale=0.01)
    fault = tmp_path / "fault"
    monkeypatch.setenv(FAULT_ENV, str(fault))
    sp = speakers(player=card)
    assert wait_for(lambda: sp.worker.alive)
    fault.write_text("crash @Second")  # the worker dies on the second sentence only
    sp.speak(LONG)
    sp.speak("Bye.")
    assert sp.wait_idle(30)
    assert played_texts(sp) == [LONG, "Bye."] and sp.worker.restarts == 1, (list(sp.records), sp.status)
    assert len(card.finished()) == 4  # 3 pieces + "Bye.": nothing repeated, nothing lost


def test_no_audio_keeps_the_whole_long_message_as_one_wav(speakers, tmp_path) -> None:
    sp = speakers(probe_candidates=[])
    sp.speak(LONG)
    assert sp.wait_idle(30)
    (record,) = sp.records
    assert record.outcome == "no-audio" and record.pieces == 3
    assert abs(wav_duration(record.wav) - record.duration) < 0.01
    assert not list((tmp_path / "speech").glob("utterance-*"))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,!?;:\"')\n\tяё")), max_size=600),
       st.integers(min_value=10, max_value=300))
def test_split_for_speech_loses_nothing(text: str, max_len: int) -> None:
    from aac.speech.speaker import split_for_speech

    text = " ".join(text.split())  # speak() normalises whitespace first
    pieces = split_for_speech(text, max_len, first_max=max_len // 2 + 1)
    assert all(0 < len(p) <= max_len for p in pieces) and (not pieces or len(pieces[0]) <= max_len // 2 + 1)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_make_speaker_with_a_broken_caregiver_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    broken = tmp_path / "grandma.toml"
    broken.write_text('engine = "pyttsx3"\nvoice_id = "gmw/en-us"\nlanguage = "en"\nvolume = "loud"\n')
    sp = make_speaker(str(broken), player=SoundCardRecorder(tmp_path / "card", 0.0))
    try:
        assert sp.voice.name == "en-default"
        assert f"{broken}:4: volume: expected a number from 0.0" in sp.status
        sp.speak("Hello.")
        assert sp.wait_idle(30) and [r.outcome for r in sp.records] == ["played"]
    finally:
        sp.close(wait=True)
