"""A really full disk (a tiny tmpfs): the log and the draft keep running, say so, and catch up.

Needs permission to mount a tmpfs (root in a container or CI runner); skipped otherwise.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from aac.store.profile import Profile
from aac.store.usage_log import UsageLog, integrity_check, usage_counts


@pytest.fixture
def tiny_fs(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], check=False,
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({r.stderr.strip() or r.returncode})")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True)


def test_disk_full_then_freed(tiny_fs):
    prof = Profile.open(tiny_fs / "p")
    log = UsageLog(prof, retry_s=0.1)
    log.start_session("mouse", 1000, None, "en")
    log.selection("word", slot=0, rank=0)
    assert log.flush(10)
    filler = tiny_fs / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill the disk to the last byte
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0")
        except OSError:
            pass
    for _ in range(300):
        log.selection("letter", dwell_ms=1000.0)
    prof.draft_writer.submit("still here " * 400)
    assert not log.flush(1.0)
    assert "disk is full" in log.status
    deadline = time.time() + 3
    while "disk is full" not in prof.draft_writer.status and time.time() < deadline:
        time.sleep(0.05)
    assert "disk is full" in prof.draft_writer.status
    filler.unlink()  # the caregiver frees space: everything queued meanwhile is written
    assert log.flush(10) and prof.draft_writer.flush(10)
    assert log.status == "" and prof.draft_writer.status == ""
    assert usage_counts(prof.usage_db)["selections"] == 301
    assert prof.load_draft() == "still here " * 400
    assert integrity_check(prof.usage_db) == "ok"
    log.close()
    prof.close()


def test_read_only_profile_then_writable(tiny_fs):
    prof = Profile.open(tiny_fs / "p")
    log = UsageLog(prof)
    log.start_session("mouse", 1000, None, "en")
    log.close()
    prof.save_draft("before")
    # remount needs no file open for writing, so the board "starts" on an already read-only profile
    r = subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=False, capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only here ({r.stderr.strip()})")
    try:
        prof = Profile.open(tiny_fs / "p")  # opening a read-only profile works
        assert prof.load_draft() == "before" and prof.settings.dwell_ms == 1000
        log = UsageLog(prof, retry_s=0.1)
        log.selection("word", slot=1, rank=1)
        prof.draft_writer.submit("written while read-only")
        assert not log.flush(1.0)
        assert "cannot be written" in log.status
        deadline = time.time() + 3
        while "read-only" not in prof.draft_writer.status and time.time() < deadline:
            time.sleep(0.05)
        assert "read-only" in prof.draft_writer.status
    finally:
        r = subprocess.run(["mount", "-o", "remount,rw", str(tiny_fs)], check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert log.flush(10) and prof.draft_writer.flush(10)
    assert log.status == "" and usage_counts(prof.usage_db)["selections"] == 1
    assert prof.load_draft() == "written while read-only"
    log.close()
    prof.close()
