"""The draft survives: atomic saves, a background writer that coalesces and never loses the newest."""

from __future__ import annotations

import errno
import threading
import time

from aac.store.draft import DraftWriter, load_draft, save_draft
from aac.store.profile import Profile


def test_save_load_exact(tmp_path):
    text = "Hello wörld — 👋\n second line  with  spaces \t"
    save_draft(tmp_path / "draft.json", text)
    assert load_draft(tmp_path / "draft.json") == (text, [])
    assert load_draft(tmp_path / "missing.json") == ("", [])


def test_writer_many_rapid_updates(tmp_path):
    prof = Profile.open(tmp_path / "p")
    w = prof.draft_writer
    text = ""
    t0 = time.perf_counter()
    worst = 0.0
    for i in range(3000):
        text += "abcdefghij"[i % 10] if i % 7 else " "
        s = time.perf_counter()
        w.submit(text)
        worst = max(worst, time.perf_counter() - s)
    assert w.flush(10)
    assert Profile.open(tmp_path / "p").load_draft() == text
    assert 1 <= w.writes < 3000  # coalesced, not one write per letter
    prof.close()
    print(f"3000 submits in {time.perf_counter() - t0:.3f}s, {w.writes} writes, worst submit {worst * 1e6:.0f} us")


def test_writer_from_threads_keeps_newest(tmp_path):
    prof = Profile.open(tmp_path / "p")
    w = prof.draft_writer
    lock = threading.Lock()
    last = []

    def worker(n):
        for i in range(200):
            with lock:
                t = f"t{n}-{i}"
                w.submit(t)
                last.append(t)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.flush()
    assert prof.load_draft() == last[-1]
    prof.close()


def test_writer_survives_disk_errors_and_retries(tmp_path):
    saved = []
    fail = {"on": True}

    def save(text):
        if fail["on"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        saved.append(text)

    w = DraftWriter(save, retry_s=0.05)
    w.submit("first")
    w.submit("second")
    assert not w.flush(0.3)
    assert "disk is full" in w.status
    fail["on"] = False
    assert w.flush(3)
    assert saved[-1] == "second" and w.status == ""
    w.close()


def test_corrupt_draft_set_aside(tmp_path):
    prof = Profile.open(tmp_path / "p")
    (prof.dir / "draft.json").write_bytes(b"\x00\xff garbage")
    assert prof.load_draft() == ""
    assert list(prof.dir.glob("draft.json.corrupt-*"))
    assert any("draft.json" in p for p in prof.problems)
