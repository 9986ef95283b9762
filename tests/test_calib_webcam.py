"""The webcam branch of the calibration run: features from a geometric eye model (no camera)
-> fit the regression on calibration targets -> validate on separate targets, in degrees."""

from __future__ import annotations

import math

import pytest

from aac.gaze.calibration import ScreenGeometry, load_pattern
from aac.gaze.cli import CalibrationRun
from aac.gaze.synth import EyeModel
from aac.gaze.webcam import FrameResult, WebcamSource

GEO = ScreenGeometry(1920, 1080, 52.0, 60.0)


class ModelCamera(WebcamSource):
    """A WebcamSource whose frames come from :class:`EyeModel` looking at ``looking_at``."""

    def __init__(self, model: EyeModel) -> None:
        super().__init__()
        self.model = model
        self.looking_at = (0.5, 0.5)
        self.now = 0.0
        self.closed_every = 0

    def start(self) -> None:  # no camera
        pass

    def poll_frames(self) -> list[FrameResult]:
        n = int(self.now * 30)  # ~30 fps
        if self.closed_every and n % self.closed_every == 0:
            return [FrameResult(self.now, "eyes_closed", None, 0.0, 0.05)]
        head, yaw, pitch = self.model.random_pose(spread_cm=1.0, spread_deg=1.0)
        return [FrameResult(self.now, "ok", self.model.features(self.looking_at, head, yaw, pitch), 1.0, 0.3)]


def run_webcam_calibration(noise: float, pattern: str = "13-point", closed_every: int = 0):
    cam = ModelCamera(EyeModel(geometry=GEO, landmark_noise=noise, seed=5))
    cam.closed_every = closed_every
    run = CalibrationRun(cam, load_pattern(pattern), GEO, start_t=0.0)
    t = 0.0
    while run.phase != "results" and t < 120:
        t += 1 / 30
        tgt = run.target(t)
        if tgt is not None:
            cam.looking_at = tgt[0]
        cam.now = t
        run.update(t)
    return run


def test_webcam_calibration_pipeline_reports_degrees():
    run = run_webcam_calibration(noise=0.02, closed_every=7)
    assert run.method == "webcam-regression" and run.validation is not None, run.error
    v = run.validation
    assert not v.missing
    assert v.accuracy_deg < 3.0  # mean gaze per target, after averaging frames
    assert 0.5 < v.precision_deg < 15  # frame-to-frame spread is large for a webcam
    rec = run.result()
    assert rec["source"] == "webcam" and rec["mapping"]["kind"] == "poly_ridge"
    assert math.isfinite(rec["min_tile_deg"])


def test_webcam_calibration_fails_clearly_without_a_face():
    class NoFace(ModelCamera):
        def poll_frames(self):
            return [FrameResult(self.now, "no_face", None, 0.0)]

    cam = NoFace(EyeModel(geometry=GEO))
    run = CalibrationRun(cam, load_pattern("5-point"), GEO, start_t=0.0)
    t = 0.0
    while run.phase != "results" and t < 60:
        t += 1 / 30
        cam.now = t
        run.update(t)
    assert run.validation is None and "face was not seen" in run.error
    with pytest.raises(Exception, match="face was not seen"):
        run.result()
