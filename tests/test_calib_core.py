"""Calibration maths: patterns, fixation windows, regression, validation in px and degrees."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from aac.gaze.calibration import (
    CalibrationError, PolyRidge, ScreenGeometry, apply_mapping, available_patterns, fit_correction,
    fixation_samples, load_pattern, mapping_from_result, region_of, result_dict, validate,
)
from aac.gaze.sample import GazeSample
from aac.gaze.synth import EyeModel, Fixation, scanpath

GEO = ScreenGeometry(1920, 1080, 52.0, 60.0)


def test_geometry_degrees():
    # 1 cm at 60 cm is 0.955 deg; 1 cm = 1920/52 px
    assert GEO.angle_deg((0.5, 0.5), (0.5 + 1 / 52, 0.5)) == pytest.approx(math.degrees(math.atan(1 / 60)))
    assert GEO.deg_to_px(1.0) == pytest.approx(math.tan(math.radians(1)) * 60 * 1920 / 52)
    assert GEO.dist_px((0, 0), (0.5, 0)) == 960


def test_shipped_patterns_load_and_are_separate():
    assert {"5-point", "9-point", "13-point"} <= set(available_patterns())
    for name, n in (("5-point", 5), ("9-point", 9), ("13-point", 13)):
        p = load_pattern(name)
        assert len(p.points) == n and len(p.validation) >= 4
        assert not set(p.points) & set(p.validation)


def test_bad_pattern_files_name_file_and_key(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text("points = [[0.1, 0.1], [2, 0.5]]\nvalidation = [[0.3, 0.3]]\n")
    with pytest.raises(CalibrationError, match=r"x.toml: points\[1\]: .*off screen"):
        load_pattern(f)
    f.write_text("points = [[0.1, 0.1]]\n")
    with pytest.raises(CalibrationError, match="validation: expected a non-empty list"):
        load_pattern(f)
    f.write_text("points = [[0.1, 0.1\n")
    with pytest.raises(CalibrationError, match="not valid TOML"):
        load_pattern(f)
    with pytest.raises(CalibrationError, match="not found .*9-point"):
        load_pattern("nope")


def test_fixation_window_skips_saccade_and_glances():
    fx = [Fixation(0.2, 0.2, 0.3), Fixation(0.7, 0.6, 1.2)]
    trace = scanpath(fx, noise_deg=0.3, seed=1)
    # a glance away in the middle of the fixation
    trace = [GazeSample(s.t, 0.1, 0.9, True) if 0.9 <= s.t < 0.95 else s for s in trace]
    kept = fixation_samples(trace, onset_t=0.3, end_t=1.54, geometry=GEO)
    assert kept and min(s.t for s in kept) >= 0.7
    assert all(abs(s.x - 0.7) < 0.03 and abs(s.y - 0.6) < 0.05 for s in kept)


def test_poly_ridge_roundtrips_through_json():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 3))
    Y = np.column_stack([0.5 + 0.2 * X[:, 0] + 0.1 * X[:, 1] ** 2, 0.5 - 0.3 * X[:, 2] + 0.05 * X[:, 0] * X[:, 1]])
    m = PolyRidge(degree=2, alpha=1e-6).fit(X, Y)
    assert np.abs(m.predict(X) - Y).max() < 1e-3
    m2 = PolyRidge.from_dict(json.loads(json.dumps(m.to_dict())))
    assert np.allclose(m2.predict(X), m.predict(X))
    with pytest.raises(CalibrationError, match="NaN"):
        PolyRidge().fit(np.array([[0.0], [math.nan]]), np.zeros((2, 2)))


def _collect(points, bias=(0.0, 0.0), scale=1.0, noise_deg=0.5, seed=0):
    """Simulated tracker with a systematic error: per target, 1 s fixation samples."""
    sets = []
    for i, (x, y) in enumerate(points):
        gx, gy = 0.5 + (x - 0.5) * scale + bias[0], 0.5 + (y - 0.5) * scale + bias[1]
        sets.append(scanpath([Fixation(gx, gy, 1.0)], noise_deg=noise_deg, seed=seed + i))
    return sets


def test_tracker_correction_and_validation_on_separate_points():
    pat = load_pattern("9-point")
    cal_sets = _collect(pat.points, bias=(0.02, -0.015), scale=0.95)
    raw = [(float(np.mean([s.x for s in ss])), float(np.mean([s.y for s in ss]))) for ss in cal_sets]
    mapping = fit_correction(raw, pat.points)
    val_raw = _collect(pat.validation, bias=(0.02, -0.015), scale=0.95, seed=100)
    before = validate(pat.validation, val_raw, GEO)
    after = validate(pat.validation, [[apply_mapping(mapping, s) for s in ss] for ss in val_raw], GEO)
    assert before.accuracy_deg > 1.0
    assert after.accuracy_deg < 0.3
    assert 0.4 < after.precision_deg < 1.2  # sample-to-sample RMS of 0.5 deg noise = 0.5*sqrt(2)
    rec = result_dict(after, source="tobii", pattern="9-point", method="sdk+correction", mapping=mapping)
    rec = json.loads(json.dumps(rec))  # stored as plain JSON
    assert set(rec["regions"]) == {"left", "right", "top-left", "top-right", "bottom-left", "bottom-right"}
    assert rec["accuracy_px"] > 0 and rec["points"][0]["region"] == region_of(pat.validation[0])
    assert mapping_from_result(rec) is not None and mapping_from_result({"mapping": {"kind": "x"}}) is None
    w, h = rec["min_tile_fraction"]
    assert 0 < w < 0.2 and h > w


def test_missing_validation_point_is_reported():
    res = validate([(0.3, 0.3), (0.7, 0.7)], [[], _collect([(0.7, 0.7)])[0]], GEO)
    assert res.missing == [(0.3, 0.3)] and math.isfinite(res.accuracy_deg)


@pytest.mark.parametrize("noise,limit", [(0.005, 2.0), (0.03, 6.0)])
def test_webcam_regression_on_synthetic_eye_model(noise, limit):
    model = EyeModel(geometry=GEO, landmark_noise=noise, seed=3)
    pat = load_pattern("13-point")

    def frames(targets, n=20):
        return model.calibration_frames(targets, n, spread_cm=1.0, spread_deg=1.5)

    X, Y = frames(pat.points)
    m = PolyRidge(degree=2, alpha=1e-3).fit(X, Y)
    Xv, Yv = frames(pat.validation)
    P = m.predict(Xv)
    errs = [GEO.angle_deg(tuple(p), tuple(y)) for p, y in zip(P, Yv)]
    assert float(np.mean(errs)) < limit


def test_tile_size_warning_uses_the_stored_accuracy():
    from aac.gaze.calibration import tile_size_warning

    rec = {"accuracy_deg": 3.9, "min_tile_fraction": [0.2, 0.3]}
    assert tile_size_warning(rec, 0.25, 0.3) == ""
    msg = tile_size_warning(rec, 0.1, 0.12)
    assert "3.9 degrees" in msg and "larger tiles" in msg and "10% x 12%" in msg
    assert tile_size_warning(None, 0.01, 0.01) == "" and tile_size_warning({"min_tile_fraction": "x"}, 0.1, 0.1) == ""
