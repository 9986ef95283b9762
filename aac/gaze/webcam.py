"""Webcam gaze: MediaPipe face mesh with iris landmarks -> eye features -> calibrated regression.

The fallback when no eye tracker is available (expect WebGazer-class accuracy, about 4 degrees,
so the board must use large tiles). Per frame:

1. ``mediapipe`` face mesh (``refine_landmarks=True`` adds the iris landmarks 468-477).
2. Features (:func:`eye_features`): for each eye, the iris centre relative to the eye corners
   (along the corner-to-corner axis) and to the lids (across it), normalized by the eye width;
   plus a simple head pose (nose position within the face box for yaw/pitch, the eye-line angle for
   roll, the face centre and size for position/distance). Head pose matters because people move.
3. A :class:`~aac.gaze.calibration.PolyRidge` fitted during ``aac calibrate`` maps features to the
   screen.

No face, several faces (we cannot know which one is the user) or closed eyes (eye aspect ratio
below ``ear_closed``) give an invalid sample with a confidence and a status the board can show.
The camera is read on a background thread so the UI never waits on it.
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from aac.gaze.calibration import PolyRidge
from aac.gaze.sample import GazeSample
from aac.gaze.source import Clock, GazeSource, SourceError

# MediaPipe/TFLite log chatter on stderr would bury our own messages.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

INSTALL_HINT = "webcam gaze needs mediapipe 0.10.21 and OpenCV: pip install 'aac[webcam]' (Python <= 3.12)"

# Face-mesh landmark indices (MediaPipe canonical face model). "Right" is the subject's right eye
# (on the left of a non-mirrored image).
R_OUTER, R_INNER, R_UPPER, R_LOWER = 33, 133, 159, 145
L_INNER, L_OUTER, L_UPPER, L_LOWER = 362, 263, 386, 374
R_EAR = (33, 160, 158, 133, 153, 144)  # p1..p6 for the eye aspect ratio
L_EAR = (362, 385, 387, 263, 373, 380)
R_IRIS, L_IRIS = 468, 473  # iris centres (468-472 and 473-477 with refine_landmarks)
NOSE_TIP, CHIN, FOREHEAD, CHEEK_R, CHEEK_L = 1, 152, 10, 234, 454

FEATURE_NAMES = (
    "r_iris_u", "r_iris_v", "l_iris_u", "l_iris_v",
    "yaw", "pitch", "roll", "face_x", "face_y", "face_size",
)


def eye_aspect_ratio(lm: np.ndarray, idx: tuple[int, ...]) -> float:
    """(|p2-p6| + |p3-p5|) / (2 |p1-p4|): about 0.25-0.35 open, below ~0.15 closed."""
    p = lm[list(idx), :2]
    width = np.linalg.norm(p[0] - p[3])
    if width < 1e-9:
        return 0.0
    return float((np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])) / (2 * width))


def _iris_in_eye(lm: np.ndarray, a: int, b: int, upper: int, lower: int, iris: int) -> tuple[float, float]:
    """Iris position: u along the corner axis (0 at corner ``a``, 1 at ``b``) and v across it
    (offset from the lid midpoint), both in eye widths."""
    pa, pb = lm[a, :2], lm[b, :2]
    axis = pb - pa
    width = float(np.linalg.norm(axis))
    if width < 1e-9:
        return math.nan, math.nan
    ex = axis / width
    ey = np.array([-ex[1], ex[0]])
    c = lm[iris, :2]
    u = float((c - pa) @ ex) / width
    lid_mid = (lm[upper, :2] + lm[lower, :2]) / 2
    v = float((c - lid_mid) @ ey) / width
    return u, v


def eye_features(lm: np.ndarray) -> np.ndarray:
    """The feature vector (see :data:`FEATURE_NAMES`) from 478 face-mesh landmarks (x, y[, z])."""
    lm = np.asarray(lm, dtype=float)
    if lm.shape[0] < 478:
        raise ValueError(f"need 478 landmarks (refine_landmarks=True), got {lm.shape[0]}")
    ru, rv = _iris_in_eye(lm, R_OUTER, R_INNER, R_UPPER, R_LOWER, R_IRIS)
    lu, lv = _iris_in_eye(lm, L_INNER, L_OUTER, L_UPPER, L_LOWER, L_IRIS)
    cheek_r, cheek_l = lm[CHEEK_R, :2], lm[CHEEK_L, :2]
    face_w = float(np.linalg.norm(cheek_l - cheek_r)) or 1e-9
    mid = (cheek_r + cheek_l) / 2
    top, chin = lm[FOREHEAD, :2], lm[CHIN, :2]
    face_h = float(np.linalg.norm(chin - top)) or 1e-9
    nose = lm[NOSE_TIP, :2]
    yaw = float((nose[0] - mid[0]) / face_w)
    pitch = float((nose[1] - (top[1] + chin[1]) / 2) / face_h)
    eye_line = lm[L_OUTER, :2] - lm[R_OUTER, :2]
    roll = math.atan2(eye_line[1], eye_line[0])
    return np.array([ru, rv, lu, lv, yaw, pitch, roll, float(mid[0]), float(mid[1]), face_w])


@dataclass(frozen=True)
class FrameResult:
    """One processed camera frame: ``status`` ok | no_face | several_faces | eyes_closed."""

    t: float
    status: str
    features: np.ndarray | None
    confidence: float
    ear: float = math.nan

    @property
    def ok(self) -> bool:
        return self.status == "ok"


STATUS_TEXT = {
    "no_face": "webcam: no face in view (sit in front of the camera, light on your face)",
    "several_faces": "webcam: several faces in view; only the user should be in front of the camera",
    "eyes_closed": "webcam: eyes closed",
}


class FaceMeshTracker:
    """MediaPipe face mesh with iris landmarks, turned into :class:`FrameResult`.

    ``static_image_mode=False`` tracks between frames (fast, ~ms per frame); tests on single photos
    use ``True``. ``max_num_faces=2`` so a second face is detected and reported, not silently used.
    """

    def __init__(self, static_image_mode: bool = False, ear_closed: float = 0.15, min_confidence: float = 0.5) -> None:
        try:
            import mediapipe as mp  # noqa: PLC0415 - optional dependency
        except ImportError as exc:
            raise SourceError(f"{INSTALL_HINT} ({exc})") from None
        self.ear_closed = ear_closed
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=static_image_mode, max_num_faces=2, refine_landmarks=True,
            min_detection_confidence=min_confidence, min_tracking_confidence=min_confidence,
        )

    def landmarks(self, rgb: np.ndarray) -> list[np.ndarray]:
        """All faces' landmarks (each 478 x 3, normalized image coordinates) in an RGB frame."""
        res = self._mesh.process(np.ascontiguousarray(rgb))
        faces = res.multi_face_landmarks or []
        return [np.array([(p.x, p.y, p.z) for p in f.landmark]) for f in faces]

    def process(self, rgb: np.ndarray, t: float = 0.0) -> FrameResult:
        """Classify one RGB frame and, for a single open-eyed face, compute its features.

        Landmarks are normalized to the image width and height separately; x is rescaled by the
        aspect ratio so that distances (eye width, aspect ratio) are isotropic.
        """
        faces = self.landmarks(rgb)
        h, w = rgb.shape[:2]
        faces = [f * np.array([w / h, 1.0, w / h]) for f in faces]
        if not faces:
            return FrameResult(t, "no_face", None, 0.0)
        if len(faces) > 1:
            return FrameResult(t, "several_faces", None, 0.3)
        lm = faces[0]
        ear = (eye_aspect_ratio(lm, R_EAR) + eye_aspect_ratio(lm, L_EAR)) / 2
        if ear < self.ear_closed:
            return FrameResult(t, "eyes_closed", None, 0.0, ear)
        feats = eye_features(lm)
        if not np.isfinite(feats).all():
            return FrameResult(t, "no_face", None, 0.0, ear)
        # Half-closed eyes make the iris estimate less reliable.
        conf = float(min(1.0, max(0.2, (ear - self.ear_closed) / 0.1)))
        return FrameResult(t, "ok", feats, conf, ear)

    def close(self) -> None:
        self._mesh.close()


class WebcamSource(GazeSource):
    """Gaze from a webcam: a capture thread runs the face mesh; ``poll()`` maps features to screen.

    ``mapping`` is the calibrated regression (from the profile's calibration); without one every
    sample is invalid and ``status`` asks for calibration. ``capture_factory`` defaults to
    ``cv2.VideoCapture(camera_index)`` and can be replaced (e.g. a video file for tests/replays).
    Calibration reads raw frames with :meth:`poll_frames`.
    """

    name = "webcam"

    def __init__(
        self,
        camera_index: int = 0,
        *,
        mapping: PolyRidge | None = None,
        clock: Clock = time.monotonic,
        capture_factory: Callable[[], Any] | None = None,
        max_fps: float = 30.0,
    ) -> None:
        self.camera_index = camera_index
        self.mapping = mapping
        self._clock = clock
        self._capture_factory = capture_factory
        self.max_fps = max_fps
        self._frames: "queue.Queue[FrameResult]" = queue.Queue(maxsize=256)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = ""
        self._raw: list[FrameResult] = []
        self.frame_ms: list[float] = []

    def start(self) -> None:
        try:
            import cv2  # noqa: PLC0415
        except ImportError as exc:
            raise SourceError(f"{INSTALL_HINT} ({exc})") from None
        cap = self._capture_factory() if self._capture_factory else cv2.VideoCapture(self.camera_index)
        if cap is None or not cap.isOpened():
            raise SourceError(
                f"no webcam at index {self.camera_index}: check that a camera is connected and not used "
                "by another program (try webcam:1 for a second camera)"
            )
        ok, frame = cap.read()
        if not ok:
            cap.release()
            raise SourceError(f"webcam {self.camera_index} opened but gives no frames")
        try:
            tracker = FaceMeshTracker()
        except SourceError:
            cap.release()
            raise
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(cap, tracker, cv2), name="webcam", daemon=True)
        self._thread.start()

    def _run(self, cap: Any, tracker: FaceMeshTracker, cv2: Any) -> None:
        period = 1.0 / self.max_fps if self.max_fps > 0 else 0.0
        try:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                ok, frame = cap.read()
                t = self._clock()
                if not ok:
                    self._status = "webcam stopped giving frames"
                    break
                res = tracker.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), t)
                self.frame_ms.append((time.perf_counter() - t0) * 1000)
                del self.frame_ms[:-300]
                try:
                    self._frames.put_nowait(res)
                except queue.Full:
                    pass
                spare = period - (time.perf_counter() - t0)
                if spare > 0:
                    self._stop.wait(spare)
        finally:
            cap.release()
            tracker.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def poll_frames(self) -> list[FrameResult]:
        """Raw frame results since the last call (used by calibration to collect features)."""
        out = []
        while True:
            try:
                out.append(self._frames.get_nowait())
            except queue.Empty:
                return out

    def to_sample(self, r: FrameResult) -> GazeSample:
        if not r.ok or r.features is None:
            self._status = STATUS_TEXT.get(r.status, r.status)
            return GazeSample(r.t, math.nan, math.nan, False, r.confidence)
        if self.mapping is None:
            self._status = "webcam needs calibration: run `aac calibrate --gaze webcam`"
            return GazeSample(r.t, math.nan, math.nan, False, 0.0)
        self._status = ""
        x, y = self.mapping.predict(r.features[None, :])[0]
        return GazeSample(r.t, float(x), float(y), True, r.confidence)

    def poll(self) -> list[GazeSample]:
        return [self.to_sample(r) for r in self.poll_frames()]

    @property
    def status(self) -> str:
        return self._status
