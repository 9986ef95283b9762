"""Gaze figures, printed (never asserted on timing): ``python -m aac.gaze.bench [--limit N]``.

1. Jitter (RMS, degrees) at fixations before/after the One Euro filter, and lag (ms) in saccades,
   on synthetic traces: Tobii-like (0.5 deg noise, 60 Hz) and webcam-like (4 deg noise, 30 Hz).
2. Calibration accuracy on simulations: a tracker with a systematic error (offset + scale) and
   0.5 or 4 deg sample noise, corrected from a 9-point calibration and validated on separate
   points; the webcam regression on the geometric eye model (13 points).
3. Webcam face-mesh detection rate and ms/frame on the recorded test video.
4. The dropout trace through failover + dwell: activations (intended: A, C).

Screen: 52 cm wide at 60 cm, 1920x1080.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from aac.gaze.calibration import (
    PolyRidge, ScreenGeometry, apply_mapping, fit_correction, fixation_samples, load_pattern, validate,
)
from aac.gaze.sample import GazeSample
from aac.gaze.synth import EyeModel, Fixation, scanpath, truth_at
from aac.paths import REPO_ROOT

GEO = ScreenGeometry(1920, 1080, 52.0, 60.0)


def _fixations(n: int, seed: int) -> list[Fixation]:
    rng = np.random.default_rng(seed)
    return [Fixation(float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.6, 1.2)))
            for _ in range(n)]


def jitter_and_lag(noise_deg: float, rate_hz: float, preset: str, n_fix: int = 20, seed: int = 1) -> dict[str, float]:
    """RMS error to the true fixation point (fixation parts only, from 0.3 s after landing), raw and
    filtered; lag = filtered minus raw time of crossing 50 % of each saccade's amplitude, and time
    after the saccade until the filtered point stays within 1 deg of the target."""
    from aac.gaze.filter import OneEuroFilter

    fx = _fixations(n_fix, seed)
    raw = scanpath(fx, rate_hz=rate_hz, noise_deg=noise_deg, seed=seed)
    clean = scanpath(fx, rate_hz=rate_hz, noise_deg=0.0, seed=seed)
    filt = OneEuroFilter.for_source(preset).filter_many(raw)
    starts, acc = [], 0.0
    for i, f in enumerate(fx):
        if i:
            acc += 0.04
        starts.append(acc)
        acc += f.duration_s

    def in_fix(t: float) -> bool:
        for s, f in zip(starts, fx):
            if s + 0.3 <= t < s + f.duration_s:
                return True
        return False

    def rms(samples: list[GazeSample]) -> float:
        errs = [GEO.angle_deg((s.x, s.y), truth_at(fx, s.t)) for s in samples if in_fix(s.t)]
        return float(np.sqrt(np.mean(np.square(errs))))

    lags, settles = [], []
    for i in range(1, len(fx)):
        a, b = fx[i - 1], fx[i]
        t_start = starts[i] - 0.04
        amp = GEO.angle_deg((a.x, a.y), (b.x, b.y))
        if amp < 5:
            continue

        def cross(samples: list[GazeSample], a: Fixation = a, b: Fixation = b, amp: float = amp,
                  t_start: float = t_start) -> float | None:
            for s in samples:
                if s.t >= t_start and GEO.angle_deg((a.x, a.y), (s.x, s.y)) >= amp / 2 and GEO.angle_deg((s.x, s.y), (b.x, b.y)) < amp / 2:
                    return s.t
            return None

        tc, tf = cross(clean), cross(filt)
        if tc is not None and tf is not None:
            lags.append((tf - tc) * 1000)
        window = [s for s in filt if starts[i] <= s.t < starts[i] + b.duration_s]
        settle = None
        for j, s in enumerate(window):
            if all(GEO.angle_deg((w.x, w.y), (b.x, b.y)) < max(1.0, 2 * noise_deg) for w in window[j:j + int(0.2 * rate_hz)]):
                settle = s.t - starts[i]
                break
        if settle is not None:
            settles.append(settle * 1000)
    return {
        "jitter_raw_deg": rms(raw), "jitter_filtered_deg": rms(filt),
        "lag50_ms": float(np.median(lags)) if lags else math.nan,
        "settle_ms": float(np.median(settles)) if settles else math.nan,
        "saccades": float(len(lags)),
    }


def tracker_calibration(noise_deg: float, pattern: str = "9-point", seed: int = 0) -> dict[str, float]:
    """A tracker with offset (+0.8 deg x, -0.6 deg y) and 4 % scale error, 1.5 s per target."""
    pat = load_pattern(pattern)

    def collect(points, s0):
        sets = []
        for i, (x, y) in enumerate(points):
            gx, gy = 0.5 + (x - 0.5) * 0.96 + 0.016, 0.5 + (y - 0.5) * 0.96 - 0.021
            sets.append(scanpath([Fixation(gx, gy, 1.5)], noise_deg=noise_deg, seed=s0 + i))
        return sets

    cal = collect(pat.points, seed)
    raw = []
    for ss in cal:
        fix = fixation_samples(ss, 0.0, 1.5, GEO, skip_s=0.2, saccade_deg_s=max(30.0, noise_deg * 60))
        raw.append((float(np.mean([s.x for s in fix])), float(np.mean([s.y for s in fix]))))
    mapping = fit_correction(raw, pat.points)
    val = collect(pat.validation, seed + 100)
    before = validate(pat.validation, val, GEO)
    after = validate(pat.validation, [[apply_mapping(mapping, s) for s in ss] for ss in val], GEO)
    return {"accuracy_before_deg": before.accuracy_deg, "accuracy_after_deg": after.accuracy_deg,
            "accuracy_after_px": after.accuracy_px, "precision_deg": after.precision_deg,
            "min_tile_deg": after.min_target_deg()}


def webcam_model_calibration(landmark_noise: float, frames_per_target: int = 30, seed: int = 3) -> dict[str, float]:
    model = EyeModel(geometry=GEO, landmark_noise=landmark_noise, seed=seed)
    pat = load_pattern("13-point")

    def frames(targets):
        return model.calibration_frames(targets, frames_per_target, spread_cm=1.5, spread_deg=2.0)

    X, Y = frames(pat.points)
    m = PolyRidge(degree=2, alpha=1e-2).fit(X, Y)
    Xv, Yv = frames(pat.validation)
    P = m.predict(Xv)
    per_frame = [GEO.angle_deg(tuple(p), tuple(y)) for p, y in zip(P, Yv)]
    n = frames_per_target
    per_target = [GEO.angle_deg(tuple(P[i * n:(i + 1) * n].mean(axis=0)), tuple(Yv[i * n])) for i in range(len(pat.validation))]
    return {"per_frame_error_deg": float(np.mean(per_frame)), "per_target_accuracy_deg": float(np.mean(per_target))}


def webcam_video(limit: int | None = None) -> dict[str, float]:
    import cv2

    from aac.gaze.webcam import FaceMeshTracker

    faces = REPO_ROOT / "tests" / "data" / "faces"
    expected = json.loads((faces / "face_test.json").read_text())["expected"]
    out: dict[str, float] = {}
    for mode, static in (("tracking", False), ("static", True)):
        tr = FaceMeshTracker(static_image_mode=static)
        cap = cv2.VideoCapture(str(faces / "face_test.avi"))
        got, ms = [], []
        while limit is None or len(got) < limit:
            ok, frame = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            t0 = time.perf_counter()
            got.append(tr.process(rgb).status)
            ms.append((time.perf_counter() - t0) * 1000)
        tr.close()
        face_frames = [i for i, e in enumerate(expected[: len(got)]) if e == "ok"]
        out[f"{mode}_detection_rate"] = sum(got[i] == "ok" for i in face_frames) / max(1, len(face_frames))
        out[f"{mode}_status_agreement"] = sum(g == e for g, e in zip(got, expected)) / max(1, len(got))
        out[f"{mode}_ms_per_frame_median"] = float(np.median(ms[1:] if len(ms) > 1 else ms))
        out[f"{mode}_frames"] = float(len(got))
    return out


def dropout() -> list[str]:
    import sys

    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from test_gaze_dropout import run_board  # the same loop as the test

    return [a for a, _ in run_board(settle_s=0.3, cancel_on_loss=True)[0]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, default=None, help="max webcam frames per mode (default all 24)")
    p.add_argument("--skip-webcam", action="store_true")
    args = p.parse_args(argv)
    print("== jitter / lag (One Euro presets from aac.gaze.filter) ==")
    for label, noise, rate, preset in (("tobii-like 0.5 deg @60 Hz", 0.5, 60.0, "tobii"), ("webcam-like 4 deg @30 Hz", 4.0, 30.0, "webcam")):
        r = jitter_and_lag(noise, rate, preset)
        print(f"{label:28s} jitter RMS {r['jitter_raw_deg']:.2f} -> {r['jitter_filtered_deg']:.2f} deg; "
              f"lag at 50% of saccade {r['lag50_ms']:.0f} ms; settle within max(1 deg, 2x noise) {r['settle_ms']:.0f} ms "
              f"({int(r['saccades'])} saccades)")
    print("== calibration on simulations (9-point fit, separate validation points) ==")
    for noise in (0.5, 4.0):
        r = tracker_calibration(noise)
        print(f"tracker noise {noise} deg + offset/scale error: accuracy {r['accuracy_before_deg']:.2f} -> "
              f"{r['accuracy_after_deg']:.2f} deg ({r['accuracy_after_px']:.0f} px), precision (RMS-S2S) "
              f"{r['precision_deg']:.2f} deg, min tile {r['min_tile_deg']:.1f} deg")
    for noise in (0.01, 0.03):
        r = webcam_model_calibration(noise)
        print(f"webcam eye model, landmark noise {noise * 100:.0f}% of eye width: per-frame error "
              f"{r['per_frame_error_deg']:.2f} deg, per-target accuracy {r['per_target_accuracy_deg']:.2f} deg")
    if not args.skip_webcam:
        print("== webcam face mesh on tests/data/faces/face_test.avi ==")
        r = webcam_video(args.limit)
        for mode in ("tracking", "static"):
            print(f"{mode:8s}: detection rate {r[mode + '_detection_rate'] * 100:.0f}% of face frames, status agreement "
                  f"{r[mode + '_status_agreement'] * 100:.0f}%, {r[mode + '_ms_per_frame_median']:.1f} ms/frame "
                  f"(median, {int(r[mode + '_frames'])} frames, 320x240)")
    print("== dropout trace (blinks, 3 s loss mid-dwell, glitchy reconnect) ==")
    print(f"activations: {dropout()} (intended: ['A', 'C'])")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
