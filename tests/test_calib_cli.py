"""`aac calibrate` headless: real pygame frames (dummy video driver), a scripted pointer that looks
at each target (with a systematic offset and noise), results stored in a real profile."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

pygame = pytest.importorskip("pygame")

from aac.gaze.cli import CalibrationRun, cmd_calibrate  # noqa: E402


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _args(tmp_path, **kw):
    base = dict(gaze="mouse", pattern="5-point", profile=str(tmp_path / "prof"), screen_cm=52.0, distance_cm=60.0,
                windowed="800x600", yes=False, frames=None, max_seconds=120.0)
    base.update(kw)
    return argparse.Namespace(**base)


def _driver(clock, offset=(12, -9), noise_px=4.0, keys=()):
    """Pointer that looks at the current target; frame hook that advances time and presses keys."""
    rng = np.random.default_rng(0)
    holder: dict = {"run": None, "keys": list(keys), "results_seen": 0}

    def pointer():
        run = holder["run"]
        tgt = run.target(clock()) if run is not None else None
        if tgt is None:
            return (400, 300)
        (x, y), _ = tgt
        return (x * 800 + offset[0] + rng.normal(0, noise_px), y * 600 + offset[1] + rng.normal(0, noise_px))

    def hook(run: CalibrationRun, now: float) -> None:
        holder["run"] = run
        clock.t += 1 / 60
        if run.phase == "results":
            holder["results_seen"] += 1
            if holder["results_seen"] == 3 and holder["keys"]:
                key = holder["keys"].pop(0)
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
                holder["results_seen"] = 0

    return pointer, hook, holder


def test_calibrate_redo_then_accept_stores_result_in_profile(tmp_path, capsys):
    clock = FakeClock()
    pointer, hook, holder = _driver(clock, keys=[pygame.K_r, pygame.K_RETURN])
    frames = tmp_path / "frames"
    rc = cmd_calibrate(_args(tmp_path, frames=str(frames)), clock=clock, pointer=pointer, frame_hook=hook, realtime=False)
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "calibration saved" in out.out
    doc = json.loads((tmp_path / "prof" / "calibration.json").read_text())
    latest = doc["latest"]
    assert latest["attempt"] == 2 and latest["pattern"] == "5-point" and latest["source"] == "mouse"
    assert latest["method"] == "correction" and latest["mapping"]["kind"] == "poly_ridge"
    # the 12/-9 px offset (about 0.55 deg) was corrected; noise 4 px ~ 0.15 deg
    assert latest["accuracy_deg"] < 0.3
    assert latest["screen"] == {"width_px": 800, "height_px": 600, "width_cm": 52.0, "distance_cm": 60.0}
    assert len(latest["points"]) == 4 and latest["date"]
    assert (frames / "calibration-results.png").exists()


def test_calibrate_cancel_keeps_previous(tmp_path, capsys):
    clock = FakeClock()
    pointer, hook, _ = _driver(clock, keys=[pygame.K_ESCAPE])
    rc = cmd_calibrate(_args(tmp_path), clock=clock, pointer=pointer, frame_hook=hook, realtime=False)
    assert rc == 1 and "cancelled" in capsys.readouterr().err
    assert not (tmp_path / "prof" / "calibration.json").exists() or json.loads(
        (tmp_path / "prof" / "calibration.json").read_text()).get("latest") is None


def test_calibrate_bad_inputs_are_clear(tmp_path, capsys):
    assert cmd_calibrate(_args(tmp_path, pattern="7-point")) == 2
    assert "calibration pattern not found" in capsys.readouterr().err
    assert cmd_calibrate(_args(tmp_path, gaze="tobii:nothing"), realtime=False) == 2
    assert "gaze source 'tobii:nothing'" in capsys.readouterr().err


def test_calibrate_without_a_display_says_so_instead_of_waiting_unseen(tmp_path, capsys, monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(var, raising=False)
    assert cmd_calibrate(_args(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "no display found" in err and "previous calibration is kept" in err


def test_calibrate_with_tobii_sdk_fake(tmp_path, capsys, monkeypatch):
    import importlib
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from fakes import tobii_research as fake_tr

    importlib.reload(fake_tr)
    monkeypatch.setitem(sys.modules, "tobii_research", fake_tr)
    et = fake_tr.EyeTracker("tobii-prp://A", serial_number="SER-A")
    fake_tr.fake_reset(et)
    clock = FakeClock()
    holder: dict = {"run": None}

    def hook(run, now):
        holder["run"] = run
        # the tracker streams 120 Hz gaze at the current target (SDK-calibrated, so accurate)
        tgt = run.target(now)
        x, y = tgt[0] if tgt else (0.5, 0.5)
        for k in range(2):
            et.emit_gaze(fake_tr.gaze_dict(now + k / 120, x + 0.002, y - 0.003))
        clock.t += 1 / 60

    rc = cmd_calibrate(_args(tmp_path, gaze="tobii", yes=True), clock=clock, frame_hook=hook, realtime=False)
    err = capsys.readouterr()
    assert rc == 0, err.err
    latest = json.loads((tmp_path / "prof" / "calibration.json").read_text())["latest"]
    assert latest["method"] == "tobii-sdk" and latest["mapping"] is None
    assert latest["accuracy_deg"] < 0.5 and latest["source"] == "tobii"
    assert et.calibration_points == [(0.5, 0.5), (0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9)]
    assert not et.calibration_mode


def test_calibrate_with_titta_fake_uses_its_calibration(tmp_path, capsys, monkeypatch):
    import importlib
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from fakes import TittaPy_v2 as fake_titta

    importlib.reload(fake_titta)
    monkeypatch.setitem(sys.modules, "TittaPy_v2", fake_titta)
    fake_titta.fake_reset(fake_titta.fake_tracker_info())
    clock = FakeClock()

    def hook(run, now):
        et = run.source.tracker
        tgt = run.target(now)
        x, y = tgt[0] if tgt else (0.5, 0.5)
        et.fake_push_gaze(now, x - 0.002, y + 0.002)
        clock.t += 1 / 60

    rc = cmd_calibrate(_args(tmp_path, gaze="titta", yes=True), clock=clock, frame_hook=hook, realtime=False)
    assert rc == 0, capsys.readouterr().err
    latest = json.loads((tmp_path / "prof" / "calibration.json").read_text())["latest"]
    assert latest["method"] == "tobii-sdk" and latest["source"] == "titta" and latest["accuracy_deg"] < 0.5


def test_calibrate_on_the_boards_window_unwraps_failover_and_keeps_pygame(tmp_path):
    """The board's "calibrate" tile: its own window, its running FailoverSource(mouse)."""
    from aac.gaze.calibration import ScreenGeometry, load_pattern
    from aac.gaze.cli import calibrate_on_screen
    from aac.gaze.factory import make_source
    from aac.gaze.source import FailoverSource

    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((640, 480))
        clock = FakeClock()
        holder: dict = {"run": None}

        def pointer():
            run = holder["run"]
            tgt = run.target(clock()) if run is not None else None
            return (tgt[0][0] * 640, tgt[0][1] * 480) if tgt else (320, 240)

        fo = FailoverSource([make_source("mouse", (640, 480), pointer=pointer, clock=clock)], clock=clock)
        fo.start()

        def hook(run, now):
            holder["run"] = run
            clock.t += 1 / 60

        decision, run = calibrate_on_screen(screen, fo, load_pattern("5-point"), ScreenGeometry(640, 480),
                                            clock=clock, frame_hook=hook, realtime=False, auto_accept=True)
        assert decision == "accept" and run.source is fo.current
        assert run.result()["accuracy_deg"] < 0.2
        assert pygame.display.get_init()  # the board's window is still open
    finally:
        pygame.quit()
