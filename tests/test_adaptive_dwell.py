"""Adaptive dwell (issue 15): shortens while selections are kept, lengthens after mistakes,
stays within the caregiver's bounds, off by default, every change logged for the clinician."""

from __future__ import annotations

import json

import pytest

from aac.gaze.adaptive_dwell import AdaptiveDwell, AdaptiveDwellSettings, DwellChange
from aac.store.settings import Settings


def make(start=1000, **kw):
    logged: list[DwellChange] = []
    s = AdaptiveDwellSettings(enabled=True, **kw)
    return AdaptiveDwell.start(s, start, t=0.0, on_change=logged.append), logged


def test_off_by_default_never_changes_the_dwell():
    assert Settings().adaptive_dwell is False
    d = AdaptiveDwell.start(AdaptiveDwellSettings.from_settings(Settings()), 1000)
    for i in range(100):
        d.selection(float(i))
    d.undo(200.0)
    d.false_activation(201.0)
    assert d.dwell_ms == 1000 and d.changes == []


def test_kept_selections_shorten_in_small_steps():
    d, logged = make(streak=4, step_ms=50)
    for i in range(3):
        assert d.selection(float(i)) is None
    change = d.selection(3.0)
    assert change is not None and (change.old_ms, change.new_ms, change.reason) == (1000, 950, "kept_streak")
    assert change.selections_kept == 4
    assert d.dwell_ms == 950 and logged == [change]


def test_undo_makes_it_slower_at_once_and_restarts_the_streak():
    d, logged = make(streak=4, step_ms=50, backoff_steps=2)
    for i in range(3):
        d.selection(float(i))
    change = d.undo(3.5)
    assert change is not None and change.reason == "undo" and d.dwell_ms == 1100
    for i in range(3):
        assert d.selection(4.0 + i) is None, "the streak starts again after an undo"
    assert d.selection(8.0).new_ms == 1050
    assert [c.reason for c in logged] == ["undo", "kept_streak"]


def test_false_activation_makes_it_slower():
    d, _ = make(step_ms=100, backoff_steps=1)
    change = d.false_activation(1.0)
    assert change is not None and change.reason == "false_activation" and d.dwell_ms == 1100


def test_never_leaves_the_caregivers_bounds():
    d, logged = make(start=700, min_ms=600, max_ms=900, streak=1, step_ms=50)
    for i in range(50):
        d.selection(float(i))
    assert d.dwell_ms == 600
    assert len(logged) == 2, "no record once the bound is reached (nothing changed)"
    for i in range(50):
        d.undo(100.0 + i)
    assert d.dwell_ms == 900
    assert all(600 <= c.new_ms <= 900 for c in d.changes)


def test_a_start_outside_the_bounds_is_clamped_and_logged():
    d, logged = make(start=2000, min_ms=600, max_ms=1500)
    assert d.dwell_ms == 1500 and logged[0].reason == "bounds" and logged[0].old_ms == 2000


def test_records_are_json_with_no_message_text():
    d, logged = make(streak=1)
    d.selection(12.5)
    rec = logged[0].as_record()
    assert rec == {"event": "dwell_change", "t": 12.5, "old_ms": 1000, "new_ms": 950, "reason": "kept_streak",
                   "selections_kept": 1}
    json.dumps(rec)


def test_settings_fields_validate_and_map():
    s = Settings().replace(adaptive_dwell=True, adaptive_dwell_min_ms=1200, adaptive_dwell_max_ms=800,
                           adaptive_dwell_step_ms=25)
    a = AdaptiveDwellSettings.from_settings(s)
    assert (a.enabled, a.min_ms, a.max_ms, a.step_ms) == (True, 800, 1200, 25), "swapped bounds are put right"
    with pytest.raises(ValueError):
        AdaptiveDwellSettings(min_ms=900, max_ms=800)
    from aac.store.settings import check_value

    assert check_value("adaptive_dwell_min_ms", 50)[1] is not None, "out-of-range bounds are refused"
    assert check_value("adaptive_dwell_step_ms", 50) == (50, None)
