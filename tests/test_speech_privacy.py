"""Spoken audio does not outlive its playback: what a killed process left in the speech cache is
removed when the next speaker starts (issue 17). Real processes, real worker, real SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from aac.paths import REPO_ROOT
from aac.speech.speaker import WorkerSpeaker, remove_stale_audio
from aac.speech.voices import load_voice

CHILD = r"""
import sys, time
from pathlib import Path
from aac.speech.fakes import SoundCardRecorder
from aac.speech.speaker import WorkerSpeaker
from aac.speech.voices import load_voice
out, card = Path(sys.argv[1]), Path(sys.argv[2])
voice = load_voice("en-espeak")
mute = WorkerSpeaker(voice, out_dir=out, probe_candidates=[])  # no sound device: keeps last-spoken-<pid>.wav
mute.speak("My private message about the doctor.")
loud = WorkerSpeaker(voice, out_dir=out, player=SoundCardRecorder(card, time_scale=1.0))
loud.speak("Hello. " + "This is a long private message that is still being spoken. " * 6)
end = time.monotonic() + 60
while time.monotonic() < end and not (list(out.glob("last-spoken-*.wav")) and list(out.glob("utterance-*.wav"))):
    time.sleep(0.05)
print("READY", mute.worker.pid, loud.worker.pid, flush=True)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/status").exists() and "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_killed_speaking_process_leaves_no_audio_after_the_next_start(tmp_path: Path) -> None:
    out = tmp_path / "speech"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(tmp_path / "card")],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline().split()
        assert line[:1] == ["READY"], line
        workers = [int(p) for p in line[1:]]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    end = time.monotonic() + 15  # the orphaned workers notice their parent is gone within ~1 s
    while time.monotonic() < end and not all(_gone(p) for p in workers):
        time.sleep(0.05)
    left = sorted(p.name for p in out.iterdir() if p.name != "click.wav")
    assert any(n.startswith(f"last-spoken-{child.pid}") for n in left), left  # the killed process's message
    assert any(n.startswith(f"utterance-{child.pid}-") for n in left), left
    (out / "last-spoken.wav").write_bytes(b"RIFF")  # the name older versions used: also goes

    sp = WorkerSpeaker(load_voice("en-espeak"), out_dir=out, probe_candidates=[])
    try:
        sp.speak("New.")
        assert sp.wait_idle(60)
        names = sorted(p.name for p in out.iterdir())
        assert names == ["click.wav", f"last-spoken-{os.getpid()}.wav"], names  # only this process's own
    finally:
        sp.close(wait=True)
    assert sorted(p.name for p in out.iterdir()) == ["click.wav"]


def test_files_of_live_processes_are_left_alone(tmp_path: Path) -> None:
    me, dead = os.getpid(), 2**22 + 12345  # above pid_max: no such process
    for name in (f"utterance-{me}-1-0.wav", f"last-spoken-{dead}.wav", f".utterance-{dead}-3-1.wav.part",
                 f"utterance-{dead}-2-0.wav", "click.wav", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    removed = sorted(p.name for p in remove_stale_audio(tmp_path))
    gone = [f"last-spoken-{dead}.wav", f".utterance-{dead}-3-1.wav.part", f"utterance-{dead}-2-0.wav"]
    assert removed == sorted(gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["click.wav", "notes.txt", f"utterance-{me}-1-0.wav"])
