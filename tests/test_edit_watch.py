"""Live reload (aac.layouts.watch): a saved layout reaches the board after the dwell in progress."""

from __future__ import annotations

import os

from aac import paths
from aac.fileio import atomic_write_text
from aac.layouts.watch import POLL_INTERVAL_S, LayoutWatcher


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_saved_layout_is_handed_over_within_a_second_but_never_during_a_dwell(tmp_path):
    path = tmp_path / "anna.toml"
    text = (paths.LAYOUTS_DIR / "default.toml").read_text()
    path.write_text(text)
    clock = Clock()
    watcher = LayoutWatcher(path, clock=clock, run=lambda job: job())
    assert watcher.poll() is None
    atomic_write_text(path, text.replace('label = "Yes"', 'label = "Yes please"'))
    clock.t += POLL_INTERVAL_S
    assert watcher.poll(dwelling=True) is None  # the person is mid-dwell: nothing moves
    clock.t += 0.4
    assert watcher.poll(dwelling=True) is None
    result = watcher.poll(dwelling=False)  # the dwell ended: the new layout, checked
    assert result is not None and not result.problems
    assert any(t.label == "Yes please" for t in result.layout.home.tiles)
    assert POLL_INTERVAL_S < 1.0
    assert watcher.poll() is None  # handed over once


def test_a_bad_save_is_reported_once_and_the_next_good_one_is_used(tmp_path):
    path = tmp_path / "anna.toml"
    text = (paths.LAYOUTS_DIR / "default.toml").read_text()
    path.write_text(text)
    clock = Clock()
    watcher = LayoutWatcher(path, clock=clock, run=lambda job: job())
    atomic_write_text(path, text.replace('kind = "message"', 'kind = "mesage"', 1))
    clock.t += 1
    result = watcher.poll()
    assert result is not None and result.layout is None
    assert any('unknown tile kind "mesage"' in str(p) for p in result.problems)
    clock.t += 1
    assert watcher.poll() is None  # not reported again
    os.utime(path)  # touched, not changed: nothing
    clock.t += 1
    assert watcher.poll() is None
    atomic_write_text(path, text)
    clock.t += 1
    result = watcher.poll()
    assert result is not None and result.layout is not None and result.layout.name.startswith("Default")


def test_the_file_is_read_off_the_ui_thread(tmp_path):
    import threading
    import time

    path = tmp_path / "anna.toml"
    text = (paths.LAYOUTS_DIR / "default.toml").read_text()
    path.write_text(text)
    readers: list[str] = []
    watcher = LayoutWatcher(path, run=lambda job: (readers.append("thread"),
                                                   threading.Thread(target=job, daemon=True).start()))
    atomic_write_text(path, text.replace('label = "No"', 'label = "Nope"'))
    result = None
    deadline = time.monotonic() + 30
    while result is None and time.monotonic() < deadline:
        result = watcher.poll(now=time.monotonic())
        time.sleep(0.01)
    assert readers == ["thread"]
    assert result is not None and any(t.label == "Nope" for t in result.layout.home.tiles)
