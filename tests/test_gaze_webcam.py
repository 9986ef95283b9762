"""Webcam gaze on recorded images/video (no camera): face states, features, the source thread."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")
pytest.importorskip("mediapipe")

from aac.gaze.calibration import PolyRidge  # noqa: E402
from aac.gaze.source import SourceError  # noqa: E402
from aac.gaze.webcam import FEATURE_NAMES, FaceMeshTracker, WebcamSource, eye_aspect_ratio, eye_features, R_EAR  # noqa: E402

FACES = Path(__file__).parent / "data" / "faces"


@pytest.fixture(scope="module")
def tracker():
    t = FaceMeshTracker(static_image_mode=True)
    yield t
    t.close()


@pytest.fixture(scope="module")
def face_rgb():
    return cv2.cvtColor(cv2.imread(str(FACES / "astronaut_face.png")), cv2.COLOR_BGR2RGB)


def test_face_photo_gives_open_eyes_and_sane_features(tracker, face_rgb):
    r = tracker.process(face_rgb, t=1.5)
    assert r.ok and r.t == 1.5 and r.confidence > 0.5
    assert 0.2 < r.ear < 0.45
    f = dict(zip(FEATURE_NAMES, r.features))
    # iris roughly in the middle of each eye (0..1 along the corner axis)
    assert 0.3 < f["r_iris_u"] < 0.7 and 0.3 < f["l_iris_u"] < 0.7
    assert abs(f["r_iris_v"]) < 0.15 and abs(f["yaw"]) < 0.2


def test_mirrored_face_flips_yaw_sign_and_iris(tracker, face_rgb):
    a = dict(zip(FEATURE_NAMES, tracker.process(face_rgb).features))
    b = dict(zip(FEATURE_NAMES, tracker.process(np.ascontiguousarray(face_rgb[:, ::-1])).features))
    assert np.sign(a["yaw"]) != np.sign(b["yaw"])
    assert np.sign(a["roll"]) != np.sign(b["roll"])


def test_no_face_and_several_faces_are_invalid(tracker, face_rgb):
    assert tracker.process(np.zeros_like(face_rgb)).status == "no_face"
    two = np.concatenate([face_rgb, face_rgb[:, ::-1]], axis=1)
    r = tracker.process(np.ascontiguousarray(two))
    assert r.status == "several_faces" and r.features is None


def test_eye_aspect_ratio_on_synthetic_landmarks():
    lm = np.zeros((478, 3))
    p1, p2, p3, p4, p5, p6 = R_EAR
    lm[p1, :2], lm[p4, :2] = (0, 0), (1, 0)
    lm[p2, :2], lm[p6, :2] = (0.33, -0.15), (0.33, 0.15)
    lm[p3, :2], lm[p5, :2] = (0.66, -0.15), (0.66, 0.15)
    assert eye_aspect_ratio(lm, R_EAR) == pytest.approx(0.3)
    lm[[p2, p3], 1] = -0.02
    lm[[p5, p6], 1] = 0.02
    assert eye_aspect_ratio(lm, R_EAR) == pytest.approx(0.04)
    with pytest.raises(ValueError, match="478 landmarks"):
        eye_features(np.zeros((468, 3)))


def test_recorded_video_statuses_match(tracker):
    expected = json.loads((FACES / "face_test.json").read_text())["expected"]
    cap = cv2.VideoCapture(str(FACES / "face_test.avi"))
    got = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        got.append(tracker.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)).status)
    assert len(got) == len(expected) == 24
    assert got == expected


def test_webcam_source_reads_a_video_on_its_thread_and_maps_features():
    # A mapping that puts every face at the screen centre plus a small feature-dependent term.
    X = np.random.default_rng(0).normal(size=(30, len(FEATURE_NAMES)))
    Y = np.column_stack([0.5 + 0.01 * X[:, 0], 0.5 + 0.01 * X[:, 1]])
    src = WebcamSource(capture_factory=lambda: cv2.VideoCapture(str(FACES / "face_test.avi")), max_fps=0)
    src.start()
    deadline = time.monotonic() + 20
    samples, statuses = [], set()
    while time.monotonic() < deadline and len(samples) < 23:  # the first frame is read by start()
        samples += src.poll()
        statuses.add(src.status)
        time.sleep(0.02)
    src.stop()
    assert len(samples) == 23
    assert not any(s.valid for s in samples)  # no mapping yet: never valid
    assert any("calibration" in st for st in statuses) and "webcam: eyes closed" in statuses
    src2 = WebcamSource(mapping=PolyRidge(degree=1).fit(X, Y), capture_factory=lambda: cv2.VideoCapture(str(FACES / "face_test.avi")), max_fps=0)
    src2.start()
    deadline = time.monotonic() + 20
    samples = []
    while time.monotonic() < deadline and len(samples) < 23:
        samples += src2.poll()
        time.sleep(0.02)
    src2.stop()
    valid = [s for s in samples if s.valid]
    assert 8 <= len(valid) <= 11  # frames 1-11 hold one open-eyed face (tracking may miss one)
    assert all(0.3 < s.x < 0.7 and 0.3 < s.y < 0.7 for s in valid)
    assert src2.frame_ms and all(ms > 0 for ms in src2.frame_ms)


def test_missing_camera_is_a_clear_error():
    class Closed:
        def isOpened(self):
            return False

    with pytest.raises(SourceError, match="no webcam at index 0"):
        WebcamSource(capture_factory=Closed).start()
