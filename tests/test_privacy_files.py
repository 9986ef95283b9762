"""Private files and temp files (issue 9): nothing private lingers where it should not.

- An atomic write that fails half-way leaves no temp file and keeps the old content.
- Temp files left by a write that was killed are removed when the profile is next opened (once
  stale: a fresh one may belong to a second instance writing right now).
- What was spoken is not kept as audio after the speaker is closed (a WAV of a message is the
  message), and a killed speaker's leftovers are cleaned by the next one.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import leftover_temp_files, permission_problems  # noqa: E402

from aac.fileio import atomic_write_bytes, atomic_write_json, ensure_private_dir  # noqa: E402


def test_failed_atomic_write_leaves_no_temp_and_keeps_old_content(tmp_path):
    target = tmp_path / "d" / "settings.json"
    atomic_write_json(target, {"a": 1})
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    assert leftover_temp_files(tmp_path) == []
    assert target.read_text(encoding="utf-8").strip().startswith("{")
    assert '"a": 1' in target.read_text(encoding="utf-8")
    assert permission_problems(tmp_path / "d") == []


def test_private_dir_tightens_existing_loose_folder(tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    ensure_private_dir(loose)
    assert permission_problems(loose) == []


def test_stale_temp_files_from_a_kill_are_removed_on_open(tmp_path):
    from aac.store.profile import STALE_TEMP_S, Profile

    d = tmp_path / "p"
    Profile.open(d).close()
    stale = d / ".draft.json.k1ll3d.tmp"
    stale.write_text('{"text": "half a secret mess', encoding="utf-8")
    old = time.time() - STALE_TEMP_S - 5
    os.utime(stale, (old, old))
    fresh = d / ".settings.json.wr1t1ng.tmp"
    fresh.write_text("{", encoding="utf-8")
    Profile.open(d)
    assert not stale.exists(), "a killed write's temp file (message text) was left behind"
    assert fresh.exists(), "a temp file another instance may be writing right now was removed"


def _wait(cond, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@pytest.mark.slow
def test_spoken_audio_not_kept_after_the_speaker_closes(tmp_path):
    """No audio device here: the speaker keeps the unplayed speech as last-spoken.wav so the status
    line can point to it; once the board closes, the message must not stay on disk as audio."""
    from aac.speech.speaker import WorkerSpeaker
    from aac.speech.voices import load_voice

    out = tmp_path / "speech"
    sp = WorkerSpeaker(load_voice("en-default"), out_dir=out)
    try:
        sp.speak("my private zebra message")
        assert _wait(lambda: not sp.speaking and sp.status != "", 60), sp.status
        print(f"\nstatus while running: {sp.status}")
    finally:
        sp.close(wait=True)
    left = sorted(p.name for p in out.glob("*.wav") if p.name != "click.wav")
    assert left == [], f"spoken audio left in {out} after close: {left}"
