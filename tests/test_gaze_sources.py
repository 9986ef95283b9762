"""Gaze sources: factory, mouse, replay/recorder, Tobii and TittaPy adapters against fake SDKs."""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from aac.gaze.sample import GazeSample, to_tobii_dict
from aac.gaze.factory import make_source
from aac.gaze.source import FailoverSource, NullSource, SourceError
from aac.gaze.replay import RecordingSource, ReplaySource, TraceError, TraceRecorder, load_trace

sys.path.insert(0, str(Path(__file__).parent))
from fakes import TittaPy_v2 as fake_titta  # noqa: E402
from fakes import tobii_research as fake_tr  # noqa: E402


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# -- factory -----------------------------------------------------------------------------------
def test_unknown_spec_is_a_clear_error():
    with pytest.raises(SourceError, match="unknown gaze source 'eyes'.*mouse"):
        make_source("eyes", (800, 600))


def test_mouse_needs_pointer_and_replay_needs_file():
    with pytest.raises(SourceError, match="pointer"):
        make_source("mouse", (800, 600))
    with pytest.raises(SourceError, match="trace file"):
        make_source("replay", (800, 600))


def test_scan_spec_gives_a_silent_source():
    src = make_source("scan", (800, 600))
    assert isinstance(src, NullSource) and src.poll() == []


def test_tobii_without_sdk_fails_clearly(monkeypatch):
    monkeypatch.setitem(sys.modules, "tobii_research", None)  # import raises ImportError
    src = make_source("tobii", (800, 600))
    with pytest.raises(SourceError, match="Python 3.10 only.*--gaze titta"):
        src.start()


def test_titta_without_module_fails_clearly(monkeypatch):
    monkeypatch.setitem(sys.modules, "TittaPy_v2", None)
    with pytest.raises(SourceError, match="TittaPy is not installed"):
        make_source("titta", (800, 600)).start()


# -- mouse -------------------------------------------------------------------------------------
def test_mouse_normalizes_pointer_and_survives_a_broken_pointer():
    clock = FakeClock()
    pos = [(400, 150)]
    src = make_source("mouse", (800, 600), pointer=lambda: pos[0], clock=clock)
    (s,) = src.poll()
    assert (s.x, s.y, s.valid, s.t) == (0.5, 0.25, True, 100.0)

    def broken():
        raise RuntimeError("no display")

    src2 = make_source("mouse", (800, 600), pointer=broken, clock=clock)
    (s2,) = src2.poll()
    assert not s2.valid and "no display" in src2.status


# -- replay and recording ----------------------------------------------------------------------
def _write_trace(path: Path, samples: list[GazeSample]) -> None:
    with TraceRecorder(path) as rec:
        for s in samples:
            rec.write(s)


def test_recorder_writes_private_tobii_jsonl_and_replay_plays_in_real_time(tmp_path):
    path = tmp_path / "rec" / "trace.jsonl"
    samples = [GazeSample(5.0 + i / 60, 0.1 + i * 0.01, 0.5, i != 3) for i in range(10)]
    _write_trace(path, samples)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
    row = json.loads(path.read_text().splitlines()[0])
    assert row["left_gaze_point_validity"] == 1 and row["system_time_stamp"] == 5_000_000

    clock = FakeClock(50.0)
    src = ReplaySource(path, clock=clock)
    src.start()
    assert [s.x for s in src.poll()] == pytest.approx([0.1])  # only t=0 is due
    clock.t += 4.5 / 60
    got = src.poll()
    assert len(got) == 4 and not got[2].valid  # samples 1..4, sample 3 was a blink
    assert got[0].t == pytest.approx(50.0 + 1 / 60)
    clock.t += 10
    assert len(src.poll()) == 5 and src.finished and src.status == "replay finished"


def test_replay_speed_and_bad_files(tmp_path):
    path = tmp_path / "t.jsonl"
    _write_trace(path, [GazeSample(i * 0.1, 0.5, 0.5, True) for i in range(11)])
    clock = FakeClock(0.0)
    fast = ReplaySource(path, speed=10.0, clock=clock)
    fast.start()
    clock.t = 0.1  # 1 s of trace
    assert len(fast.poll()) == 11

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(to_tobii_dict(GazeSample(0, 0.5, 0.5, True))) + "\n{oops\n")
    with pytest.raises(TraceError, match=r"bad.jsonl:2: not valid JSON"):
        load_trace(bad)
    missing = tmp_path / "missing.jsonl"
    missing.write_text('{"system_time_stamp": 1}\n')
    with pytest.raises(TraceError, match="missing.jsonl:1: missing key"):
        load_trace(missing)
    with pytest.raises(TraceError, match="not found"):
        ReplaySource(tmp_path / "nope.jsonl").start()


def test_recording_source_records_what_it_passes_on(tmp_path):
    clock = FakeClock()
    src = RecordingSource(make_source("mouse", (100, 100), pointer=lambda: (10, 20), clock=clock), tmp_path / "r.jsonl")
    src.start()
    for _ in range(3):
        src.poll()
        clock.t += 0.02
    src.stop()
    rows = load_trace(tmp_path / "r.jsonl")
    assert len(rows) == 3 and rows[0]["left_gaze_point_on_display_area"] == [0.1, 0.2]


# -- Tobii adapter (fake tobii_research) -------------------------------------------------------
@pytest.fixture
def tobii(monkeypatch):
    importlib.reload(fake_tr)
    monkeypatch.setitem(sys.modules, "tobii_research", fake_tr)
    a = fake_tr.EyeTracker("tobii-prp://A", serial_number="SER-A")
    b = fake_tr.EyeTracker("tobii-prp://B", serial_number="SER-B")
    fake_tr.fake_reset(a, b)
    return a, b


def test_tobii_chooses_by_serial_or_address_and_reports_none(tobii, monkeypatch):
    a, b = tobii
    src = make_source("tobii:SER-B", (800, 600))
    src.start()
    assert src.tracker is b and b.fake_subscribers(fake_tr.EYETRACKER_GAZE_DATA) == 1
    src.stop()
    assert b.fake_subscribers(fake_tr.EYETRACKER_GAZE_DATA) == 0
    src = make_source("tobii:tobii-prp://A", (800, 600))
    src.start()
    assert src.tracker is a
    with pytest.raises(SourceError, match="'nope' not found; connected: .*SER-A"):
        make_source("tobii:nope", (800, 600)).start()
    fake_tr.fake_reset()
    with pytest.raises(SourceError, match="no Tobii eye tracker found"):
        make_source("tobii", (800, 600)).start()


def test_tobii_samples_cross_threads_combine_eyes_and_settle_after_reconnect(tobii):
    a, _ = tobii
    clock = FakeClock(1.0)
    src = make_source("tobii", (800, 600), clock=clock)
    src.start()
    rows = [fake_tr.gaze_dict(1.0 + i / 120, 0.3, 0.6) for i in range(12)]
    rows[5] = fake_tr.gaze_dict(1.0 + 5 / 120, 0.3, 0.6, left_valid=False)  # one eye lost
    rows[6] = fake_tr.gaze_dict(1.0 + 6 / 120, 0.3, 0.6, left_valid=False, right_valid=False)  # blink
    a.emit_gaze_from_thread(rows)
    got = src.poll()
    assert len(got) == 12
    assert got[0].x == pytest.approx(0.3) and got[0].confidence == 1.0
    assert got[5].valid and got[5].confidence == 0.5 and got[5].x == pytest.approx(0.302)
    assert not got[6].valid
    assert got[1].t - got[0].t == pytest.approx(1 / 120, abs=1e-5)

    a.emit_connection_lost()
    a.emit_gaze(fake_tr.gaze_dict(1.2, 0.3, 0.6))
    assert not any(s.valid for s in src.poll()) and "connection lost" in src.status
    # restored at t=2.0 (system clock): samples within settle_s (0.3 s) stay invalid
    a._call(fake_tr.EYETRACKER_NOTIFICATION_CONNECTION_RESTORED, {"system_time_stamp": 2_000_000})
    a.emit_gaze_from_thread([fake_tr.gaze_dict(2.0 + i / 10, 0.5, 0.5) for i in range(6)])
    valid = [s.valid for s in src.poll()]
    assert valid == [False, False, False, True, True, True] and src.status == ""


def test_tobii_reconnects_in_background_when_data_stops(tobii):
    a, b = tobii
    clock = FakeClock(0.0)
    src = make_source("tobii:SER-A", (800, 600), clock=clock)
    src.start()
    fake_tr.fake_reset(b)  # A vanished
    clock.t = 4.0
    src.poll()
    src._reconnecting.join(2)
    assert "not found again" in src.status
    a2 = fake_tr.EyeTracker("tobii-prp://A", serial_number="SER-A")  # plugged back in
    fake_tr.fake_reset(a2, b)
    clock.t = 8.0
    src.poll()
    src._reconnecting.join(2)
    assert src.tracker is a2 and a2.fake_subscribers(fake_tr.EYETRACKER_GAZE_DATA) == 1
    a2.emit_gaze_from_thread([fake_tr.gaze_dict(10 + i / 10, 0.5, 0.5) for i in range(5)])
    assert [s.valid for s in src.poll()] == [False, False, False, True, True]


def test_tobii_sdk_calibration(tobii):
    from aac.gaze.tobii import run_sdk_calibration

    a, _ = tobii
    src = make_source("tobii", (800, 600))
    src.start()
    shown = []
    ok, used = run_sdk_calibration(src, [(0.1, 0.1), (0.9, 0.1), (0.5, 0.5), (1.5, 0.5)], wait=lambda x, y: shown.append((x, y)))
    assert ok and used == [(0.1, 0.1), (0.9, 0.1), (0.5, 0.5)] and len(shown) == 4
    assert not a.calibration_mode  # always leaves calibration mode


# -- TittaPy adapter (fake TittaPy_v2) ---------------------------------------------------------
@pytest.fixture
def titta(monkeypatch):
    importlib.reload(fake_titta)
    monkeypatch.setitem(sys.modules, "TittaPy_v2", fake_titta)
    fake_titta.fake_reset(fake_titta.fake_tracker_info("tobii-prp://X", "SER-X"),
                          fake_titta.fake_tracker_info("tobii-prp://Y", "SER-Y"))


def test_titta_pulls_columns_and_handles_disconnect(titta):
    clock = FakeClock(0.0)
    src = make_source("titta:SER-Y", (800, 600), clock=clock)
    src.start()
    et = src.tracker
    assert et.address == "tobii-prp://Y" and et.is_recording("gaze") and src.name == "titta:SER-Y"
    for i in range(5):
        et.fake_push_gaze(1 + i / 60, 0.7, 0.2, left_valid=i != 2, right_valid=i not in (2, 3))
    got = src.poll()
    assert [s.valid for s in got] == [True, True, False, True, True]
    assert got[3].confidence == 0.5 and got[0].x == pytest.approx(0.7)
    assert got[0].t == pytest.approx(1.0)
    et.fake_disconnect(1.1)
    assert src.poll() == [] and "connection lost" in src.status
    et.fake_reconnect(2.0)
    for i in range(5):
        et.fake_push_gaze(2.0 + i / 10, 0.5, 0.5)
    assert [s.valid for s in src.poll()] == [False, False, False, True, True]
    with pytest.raises(SourceError, match="'Z' not found"):
        make_source("titta:Z", (800, 600)).start()


def test_titta_restarts_stream_after_silence(titta):
    clock = FakeClock(0.0)
    src = make_source("titta", (800, 600), clock=clock)
    src.start()
    et = src.tracker
    clock.t = 5.0
    assert src.poll() == [] and "reconnecting" in src.status
    et.fake_push_gaze(5.0, 0.5, 0.5)
    et.fake_push_gaze(5.5, 0.5, 0.5)
    assert [s.valid for s in src.poll()] == [False, True]


# -- failover ----------------------------------------------------------------------------------
class ScriptedSource(NullSource):
    """A source whose output the test sets frame by frame."""

    expects_data = True

    def __init__(self, name: str, clock: FakeClock, fail_start: str = "") -> None:
        super().__init__(name)
        self.clock, self.fail_start, self.valid, self.started = clock, fail_start, True, False

    def start(self) -> None:
        if self.fail_start:
            raise SourceError(self.fail_start)
        self.started = True

    def poll(self):
        return [GazeSample(self.clock.t, 0.5, 0.5, self.valid)] if self.valid is not None else []


def test_failover_reports_loss_settles_and_switches():
    clock = FakeClock(0.0)
    a, b = ScriptedSource("tobii", clock), ScriptedSource("mouse", clock)
    fo = FailoverSource([a, lambda: b], lost_after_s=0.5, failover_s=3.0, settle_s=0.2, clock=clock)
    fo.start()
    clock.t = 0.25
    assert fo.poll()[0].valid  # settled after 0.2 s
    a.valid = None  # no data at all
    for _ in range(3):
        clock.t += 0.1
        assert fo.poll() == []  # a gap shorter than lost_after_s is a blink: nothing to report
    assert not fo.lost
    clock.t = 2.35
    out = fo.poll()
    assert fo.lost and not out[-1].valid and fo.status == "Tracker lost: no valid gaze for 2.1 s (no data from the device)"
    a.valid = True  # reconnect: first 0.2 s invalid
    clock.t = 2.4
    assert not fo.poll()[0].valid and not fo.lost and "back" in fo.status
    clock.t = 2.65
    assert fo.poll()[0].valid and fo.status == ""
    a.valid = False  # invalid samples: eyes closed to rest. Reported, never switched.
    for _ in range(100):
        clock.t += 0.1
        fo.poll()
    assert fo.current is a and fo.lost and fo.status.endswith("(eyes not found)")
    a.valid = None  # now the device goes silent: switch after failover_s
    _run_until(fo, clock, lambda: fo.switching)
    assert fo.current is None and fo.status.startswith("Switching to the next input: tobii sent no data for 3.")
    _switch_done(fo)
    assert fo.current is b and b.started and not fo.switching
    assert fo.status.startswith("Switched to mouse: tobii sent no data for 3.")
    kinds = [e.kind for e in fo.drain_events()]
    assert kinds == ["lost", "restored", "lost", "switched"]


def test_failover_on_invalid_data_is_opt_in():
    clock = FakeClock(0.0)
    a, b = ScriptedSource("webcam", clock), ScriptedSource("mouse", clock)
    fo = FailoverSource([a, b], failover_s=5.0, failover_invalid_s=8.0, settle_s=0.0, clock=clock)
    fo.start()
    a.valid = False
    while clock.t < 7.9:
        clock.t += 0.1
        fo.poll()
    assert fo.current is a
    clock.t += 0.2
    fo.poll()
    assert fo.switching
    _switch_done(fo)
    assert fo.current is b


def _switch_done(fo, timeout=5.0):
    """A switch runs in the background: wait (real time) for its thread, then poll takes it."""
    thread = fo._switch_thread
    assert thread is not None
    thread.join(timeout)
    fo.poll()


class SlowStartSource(ScriptedSource):
    """A device whose start takes as long as the test says (a webcam opening, a tracker search)."""

    def __init__(self, name, clock, release):
        super().__init__(name, clock)
        self.release = release

    def start(self):
        assert self.release.wait(5.0)
        super().start()

    def stop(self):
        self.stopped = True


def test_a_switch_to_a_slow_device_never_holds_up_the_board():
    """The tracker goes silent and the next input takes seconds to open: every poll returns at
    once with no valid gaze (the board keeps drawing, no dwell runs), then the new input is used."""
    clock = FakeClock(0.0)
    release = threading.Event()
    tracker, webcam = ScriptedSource("tobii", clock), SlowStartSource("webcam", clock, release)
    fo = FailoverSource([tracker, webcam], failover_s=3.0, settle_s=0.2, retry_primary_s=None, clock=clock)
    fo.start()
    tracker.valid = None
    _run_until(fo, clock, lambda: fo.switching)
    slowest = 0.0
    for _ in range(20):  # the webcam is still opening
        clock.t += 0.1
        t0 = time.perf_counter()
        out = fo.poll()
        slowest = max(slowest, time.perf_counter() - t0)
        assert out and not any(s.valid for s in out)
    assert fo.switching and fo.current is None and "Switching to the next input" in fo.status
    assert slowest < 0.5  # a poll never waits for the device (it would wait 5 s)
    release.set()
    _switch_done(fo)
    assert fo.current is webcam and webcam.started and fo.status.startswith("Switched to webcam")
    clock.t += 0.1
    assert not fo.poll()[0].valid  # settling first, as after any switch
    assert [e.kind for e in fo.drain_events()] == ["lost", "switched"]


def test_a_board_closed_while_switching_stops_the_device_that_opened_late():
    clock = FakeClock(0.0)
    release = threading.Event()
    tracker, webcam = ScriptedSource("tobii", clock), SlowStartSource("webcam", clock, release)
    fo = FailoverSource([tracker, webcam], failover_s=3.0, retry_primary_s=None, clock=clock)
    fo.start()
    tracker.valid = None
    _run_until(fo, clock, lambda: fo.switching)
    thread = fo._switch_thread
    fo.stop()
    release.set()
    thread.join(5.0)
    assert webcam.started and getattr(webcam, "stopped", False) and fo.current is None


def test_failover_skips_sources_that_cannot_start():
    clock = FakeClock(0.0)
    bad = ScriptedSource("tobii", clock, fail_start="no Tobii eye tracker found")
    good = ScriptedSource("mouse", clock)
    fo = FailoverSource([bad, good], clock=clock)
    fo.start()
    assert fo.current is good and "no Tobii eye tracker found" in fo.status
    with pytest.raises(SourceError, match="no gaze source could be started: x"):
        FailoverSource([ScriptedSource("a", clock, fail_start="x")], clock=clock).start()


def test_stored_calibration_is_applied_only_to_its_source(tobii):
    from aac.gaze.calibration import PolyRidge
    from aac.gaze.factory import CorrectedSource

    # a correction that shifts x by +0.1
    raw = [(0.1, 0.1), (0.9, 0.1), (0.5, 0.5), (0.1, 0.9), (0.9, 0.9)]
    mapping = PolyRidge(degree=1, alpha=1e-9).fit(raw, [(x + 0.1, y) for x, y in raw])
    rec = {"source": "tobii", "mapping": mapping.to_dict()}
    src = make_source("tobii", (800, 600), calibration=rec)
    assert isinstance(src, CorrectedSource)
    src.start()
    a, _ = tobii
    a.emit_gaze(fake_tr.gaze_dict(1.0, 0.4, 0.4))
    (s,) = src.poll()
    assert s.x == pytest.approx(0.5, abs=1e-3) and s.y == pytest.approx(0.4, abs=1e-3)
    assert src.sdk_calibration() is not None  # adapter methods still reachable
    assert not isinstance(make_source("titta", (800, 600), calibration=rec), CorrectedSource)
    assert not isinstance(make_source("mouse", (8, 6), pointer=lambda: (1, 1), calibration={"source": "mouse", "mapping": mapping.to_dict()}), CorrectedSource)
    broken = make_source("tobii", (800, 600), calibration={"source": "tobii", "mapping": {"kind": "?"}})
    assert not isinstance(broken, CorrectedSource)


def test_failover_never_reports_loss_for_switch_scanning():
    clock = FakeClock(0.0)
    fo = FailoverSource([make_source("scan", (10, 10)), ScriptedSource("mouse", clock)], clock=clock)
    fo.start()
    for _ in range(100):
        clock.t += 0.1
        assert fo.poll() == []
    assert fo.name == "scan" and not fo.lost and fo.status == ""


def test_titta_sdk_calibration_through_queued_api(titta):
    src = make_source("titta", (800, 600))
    src.start()
    cal = src.sdk_calibration()
    with cal:
        assert src.tracker.is_in_calibration_mode()
        assert cal.collect(0.1, 0.1) and cal.collect(0.9, 0.9) and cal.collect(0.5, 0.5)
        assert not cal.collect(1.5, 0.5) and cal.failed_points == [(1.5, 0.5)]
        ok, used = cal.compute()
    assert ok and used == [(0.1, 0.1), (0.9, 0.9), (0.5, 0.5)]
    assert not src.tracker.is_in_calibration_mode()
    assert src.tracker.applied_calibration == used


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.floats(0.005, 1.5), st.sampled_from(["valid", "invalid", "silent"])), min_size=1, max_size=60))
def test_failover_never_passes_valid_data_during_settle_after_a_loss(script):
    """Whatever the pattern of data, blinks and silences: after any loss (> lost_after_s without
    valid data) no valid sample comes out until settle_s of clock time has passed."""
    clock = FakeClock(0.0)
    src = ScriptedSource("tobii", clock)
    fo = FailoverSource([src], lost_after_s=0.5, failover_s=None, settle_s=0.3, clock=clock)
    fo.start()
    last_valid_in, restored_at = 0.0, None
    for dt, kind in script:
        clock.t += dt
        src.valid = {"valid": True, "invalid": False, "silent": None}[kind]
        gap_before = clock.t - last_valid_in
        out = fo.poll()
        if kind == "valid":
            if gap_before > 0.5 or restored_at is None and clock.t < 0.3:
                restored_at = clock.t if gap_before > 0.5 else 0.0
            last_valid_in = clock.t
        for s in out:
            if s.valid:
                assert restored_at is None or clock.t >= restored_at + 0.3 - 1e-9


# -- after a switch: a resting fallback never selects; back to the tracker when it returns -----
class MovableSource(ScriptedSource):
    """A fallback whose pointer the test moves (a mouse nobody holds stays where it was)."""

    def __init__(self, name: str, clock: FakeClock, x: float = 0.5, y: float = 0.5) -> None:
        super().__init__(name, clock)
        self.x, self.y = x, y

    def poll(self):
        return [GazeSample(self.clock.t, self.x, self.y, True)] if self.valid is not None else []


def _run_until(fo, clock, done, step=0.1, limit=60.0):
    out = []
    end = clock.t + limit
    while not done() and clock.t < end:
        clock.t += step
        out.extend(fo.poll())
    assert done(), fo.status
    return out


def test_a_fallback_mouse_resting_over_a_tile_gives_no_gaze_until_it_moves():
    """The tracker went silent and the board fell back to the mouse, which rests where it was
    left (maybe over "Clear"): a person who cannot use a mouse must not have it select for them."""
    clock = FakeClock(0.0)
    tracker, mouse = ScriptedSource("tobii", clock), MovableSource("mouse", clock, 0.41, 0.77)
    fo = FailoverSource([tracker, mouse], failover_s=3.0, settle_s=0.2, retry_primary_s=None, clock=clock)
    fo.start()
    tracker.valid = None
    _run_until(fo, clock, lambda: fo.current is mouse)
    resting = [s for _ in range(100) for s in (setattr(clock, "t", clock.t + 0.1), fo.poll())[1]]
    assert len(resting) == 100 and not any(s.valid for s in resting)  # 10 s over the tile: nothing
    mouse.x += 0.003  # a tremor of the table is not a hand on the mouse
    clock.t += 0.1
    assert not fo.poll()[0].valid
    mouse.x += 0.02  # someone moves it: it is an input now
    clock.t += 0.1
    assert fo.poll()[0].valid
    mouse.x -= 0.02
    clock.t += 0.1
    assert fo.poll()[0].valid  # and stays one


def test_the_first_source_is_tried_again_in_the_background_and_takes_over_when_it_gives_gaze():
    clock = FakeClock(0.0)
    plugged = {"in": True}
    made: list[ScriptedSource] = []

    def tracker_factory():
        src = ScriptedSource("tobii", clock, fail_start="" if plugged["in"] else "no Tobii eye tracker found")
        made.append(src)
        return src

    mouse = MovableSource("mouse", clock)
    fo = FailoverSource([tracker_factory, mouse], failover_s=3.0, settle_s=0.2, retry_primary_s=10.0,
                        return_after_s=1.0, clock=clock)
    fo.start()
    made[0].valid = None  # unplugged: silent
    plugged["in"] = False
    _run_until(fo, clock, lambda: fo.current is mouse)
    switched_at = clock.t
    # every 10 s the tracker is looked for off the UI thread; while it is missing, nothing changes
    _run_until(fo, clock, lambda: fo._probe_thread is not None)
    fo._probe_thread.join(2)
    assert clock.t >= switched_at + 10.0 and fo.current is mouse and "no Tobii eye tracker found" in fo.probe_error
    plugged["in"] = True  # plugged back in
    _run_until(fo, clock, lambda: len(made) == 3 and not fo._probe_thread.is_alive(), limit=15.0)
    made[-1].valid = False  # found, but the eyes are not (yet) in view: stay on the mouse
    for _ in range(20):
        clock.t += 0.1
        fo.poll()
    assert fo.current is mouse
    made[-1].valid = True  # gaze: after return_after_s of it, the tracker is the input again
    t_gaze = clock.t
    out = _run_until(fo, clock, lambda: fo.current is made[-1], limit=2.0)
    assert fo.status == "Back to tobii" and 1.0 <= clock.t - t_gaze <= 1.25
    assert [e.kind for e in fo.drain_events()][-1] == "switched"
    clock.t += 0.1
    assert not fo.poll()[0].valid  # it settles first, as after any switch
    clock.t += 0.2
    assert fo.poll()[0].valid and fo._probe_thread.is_alive() is False
    assert not any(s.valid for s in out)  # the resting mouse gave nothing meanwhile


def test_back_to_a_tobii_tracker_plugged_in_again_through_the_sdk(tobii):
    """The same with the Tobii Pro SDK's own calls and data (fake tobii_research module)."""
    a, b = tobii
    fake_tr.fake_reset(a)
    clock = FakeClock(0.0)
    mouse = MovableSource("mouse", clock)
    fo = FailoverSource([lambda: make_source("tobii:SER-A", (800, 600), clock=clock), mouse], failover_s=5.0,
                        settle_s=0.2, retry_primary_s=10.0, return_after_s=1.0, clock=clock)
    fo.start()
    assert fo.name == "tobii:SER-A"
    fake_tr.fake_reset()  # unplugged: no data, not found
    _run_until(fo, clock, lambda: fo.current is mouse)
    a2 = fake_tr.EyeTracker("tobii-prp://A", serial_number="SER-A")
    fake_tr.fake_reset(a2, b)  # plugged in again
    _run_until(fo, clock, lambda: fo._probe is not None or a2.fake_subscribers(fake_tr.EYETRACKER_GAZE_DATA) > 0,
               limit=15.0, step=0.5)
    fo._probe_thread.join(2)
    t0 = clock.t
    while fo.current is mouse and clock.t < t0 + 3.0:
        a2.emit_gaze_from_thread([fake_tr.gaze_dict(clock.t + i / 120, 0.5, 0.5) for i in range(12)])
        clock.t += 0.1
        fo.poll()
    assert fo.name == "tobii:SER-A" and fo.status == "Back to tobii:SER-A"
    assert 1.0 <= clock.t - t0 <= 1.5
    fo.stop()
    assert a2.fake_subscribers(fake_tr.EYETRACKER_GAZE_DATA) == 0
