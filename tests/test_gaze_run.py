"""`aac run --gaze ...` end to end through the real board (headless, a few frames): the fake Tobii
SDK's gaze reaches the board and the trace recorder; a missing device falls back as configured."""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).parent))

from fakes import tobii_research as fake_tr  # noqa: E402

from aac.gaze.replay import load_trace  # noqa: E402

pytestmark = pytest.mark.slow  # starts the whole board (model, speech, usage log): ~10 s per run


def _run(argv: list[str]) -> int:
    from aac.cli import main
    from aac.ui import fonts

    # aac.ui.fonts caches Font objects across pygame.quit(); a second in-process run needs fresh ones.
    fonts.get_font.cache_clear()
    return main(argv)


def test_run_with_fake_tobii_records_its_gaze(tmp_path, monkeypatch, capsys):
    importlib.reload(fake_tr)
    monkeypatch.setitem(sys.modules, "tobii_research", fake_tr)
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    et = fake_tr.EyeTracker("tobii-prp://A", serial_number="SER-A")
    fake_tr.fake_reset(et)
    stop = threading.Event()

    def stream():  # the SDK's thread: 120 Hz gaze at (0.3, 0.6) once subscribed
        while not stop.is_set():
            et.emit_gaze(fake_tr.gaze_dict(time.monotonic(), 0.3, 0.6))
            time.sleep(1 / 120)

    th = threading.Thread(target=stream, daemon=True)
    th.start()
    trace = tmp_path / "rec.jsonl"
    try:
        rc = _run(["run", "--gaze", "tobii:SER-A", "--windowed", "640x480", "--frames", "40",
                   "--profile", str(tmp_path / "prof"), "--record-gaze", str(trace)])
    finally:
        stop.set()
        th.join(2)
    assert rc == 0, capsys.readouterr().err
    rows = load_trace(trace)
    valid = [r for r in rows if r["left_gaze_point_validity"] == 1]
    assert len(valid) > 10
    assert all(abs(r["left_gaze_point_on_display_area"][0] - 0.3) < 0.01 for r in valid)
    assert et.fake_subscribers(fake_tr.EYETRACKER_GAZE_DATA) == 0  # unsubscribed on exit


def test_run_without_a_tracker_falls_back_and_replay_and_scan_start(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tobii_research", None)
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    replay = Path(__file__).resolve().parent.parent / "calibration" / "traces" / "reading_9.jsonl"
    for spec in ("tobii", f"replay:{replay}", "scan"):
        rc = _run(["run", "--gaze", spec, "--windowed", "640x480", "--frames", "5", "--profile", str(tmp_path / "prof")])
        assert rc == 0, (spec, capsys.readouterr().err)
