"""The dropout test of issue 5: blinks, a 3 s tracker loss mid-dwell and a reconnect (with glitchy
first samples) replayed through the failover manager and the real DwellEngine, driven the way the
board drives them (cancel the dwell when the source is reported lost). Zero unintended activations.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aac.gaze.dwell import DwellConfig, DwellEngine, DwellTarget
from aac.gaze.replay import ReplaySource, load_trace
from aac.gaze.source import FailoverSource

TRACE = Path(__file__).resolve().parent.parent / "calibration" / "traces" / "dropout_blinks.jsonl"
TILES = [
    DwellTarget("A", (0.0, 0.0, 0.5, 0.5)),
    DwellTarget("B", (0.5, 0.0, 0.5, 0.5)),
    DwellTarget("C", (0.0, 0.5, 0.5, 0.5)),
    DwellTarget("D", (0.5, 0.5, 0.5, 0.5)),
]


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def run_board(settle_s: float, cancel_on_loss: bool, filter_factory=None):
    """Frame loop at 60 fps: poll the (failover-wrapped) replay, feed the dwell engine."""
    clock = FakeClock()
    replay = ReplaySource(TRACE, clock=clock)
    fo = FailoverSource([replay], lost_after_s=0.5, failover_s=None, settle_s=settle_s, clock=clock)
    fo.start()
    dwell = DwellEngine(DwellConfig())
    filt = filter_factory() if filter_factory else None
    activations, statuses, was_lost = [], set(), False
    while not replay.finished:
        clock.t += 1 / 60
        for s in fo.poll():
            if filt is not None:
                s = filt.filter(s)
            st = dwell.update(s, TILES)
            if st.activated:
                activations.append((st.activated, round(s.t, 2)))
        if fo.lost and not was_lost and cancel_on_loss:
            dwell.cancel()
        was_lost = fo.lost
        if fo.status:
            statuses.add(fo.status.split(" for ")[0])
    return activations, statuses


def test_trace_has_the_scenario():
    rows = load_trace(TRACE)
    ts = [r["system_time_stamp"] / 1e6 for r in rows]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert max(gaps) == pytest.approx(3.0, abs=0.05)  # the 3 s loss
    assert sum(1 for r in rows if r["left_gaze_point_validity"] == 0) >= 15  # blinks


def test_dropout_gives_only_the_intended_activations():
    activations, statuses = run_board(settle_s=0.3, cancel_on_loss=True)
    assert [a for a, _ in activations] == ["A", "C"]  # B (interrupted) and D (glitch) never fire
    assert "Tracker lost: no valid gaze" in statuses
    assert any("is back" in s for s in statuses)


def test_dropout_with_the_one_euro_filter_in_the_loop():
    flt = pytest.importorskip("aac.gaze.filter")
    activations, _ = run_board(settle_s=0.3, cancel_on_loss=True, filter_factory=lambda: flt.OneEuroFilter())
    assert [a for a, _ in activations] == ["A", "C"]


def test_dropout_is_safe_even_without_board_cancel():
    # The settle period and the dwell engine's blink tolerance alone already prevent a phantom.
    activations, _ = run_board(settle_s=0.3, cancel_on_loss=False)
    assert [a for a, _ in activations] == ["A", "C"]
