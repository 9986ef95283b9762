"""Regenerate the webcam test video from the public-domain face photo (run once; output committed).

astronaut_face.png: crop of ``skimage.data.astronaut()`` (NASA photo of astronaut Eileen Collins,
public domain), scaled to 200x218. The video ``face_test.avi`` (MJPEG, 320x240, 10 fps) holds, in
order: 8 frames of the face shifted/scaled, 4 mirrored, 4 blank (no face), 4 with two faces, 4 with
the eyes painted shut (eyes closed). ``face_test.json`` lists the expected status per frame.

    /tmp/rtenv/bin/python tests/data/faces/make_video.py
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).parent
W, H = 320, 240


def place(canvas: np.ndarray, face: np.ndarray, cx: int, cy: int, scale: float) -> None:
    f = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = f.shape[:2]
    x0, y0 = max(0, cx - w // 2), max(0, cy - h // 2)
    x1, y1 = min(W, x0 + w), min(H, y0 + h)
    canvas[y0:y1, x0:x1] = f[: y1 - y0, : x1 - x0]


def close_eyes(face: np.ndarray) -> np.ndarray:
    """Paint the eye openings with skin colour and draw a lid line (a crude closed-eye image)."""
    from aac.gaze.webcam import FaceMeshTracker  # noqa: PLC0415

    rgb = cv2.cvtColor(face, cv2.COLOR_BGR2RGB)
    lm = FaceMeshTracker(static_image_mode=True).landmarks(rgb)[0]
    h, w = face.shape[:2]
    out = face.copy()
    skin = face[int(lm[205, 1] * h), int(lm[205, 0] * w)].tolist()  # cheek
    for ring in ([33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7],
                 [362, 398, 384, 385, 386, 387, 388, 466, 263, 249, 390, 373, 374, 380, 381, 382]):
        pts = np.array([(lm[i, 0] * w, lm[i, 1] * h) for i in ring], np.int32)
        c = pts.mean(axis=0)
        grown = ((pts - c) * 1.6 + c).astype(np.int32)
        cv2.fillPoly(out, [grown], skin)
        a, b = pts[0], pts[8]
        cv2.line(out, tuple(int(v) for v in a), tuple(int(v) for v in b), (40, 30, 30), 1)
    return out


def main() -> None:
    face = cv2.imread(str(HERE / "astronaut_face.png"))
    closed = close_eyes(face)
    frames: list[tuple[np.ndarray, str]] = []
    for dx, dy, s in ([(0, 0, 1.0), (20, 0, 1.0), (-20, 5, 1.0), (0, -10, 0.9),
                                     (10, 10, 1.1), (-10, 0, 0.8), (30, -5, 0.95), (0, 0, 1.05)]):
        c = np.full((H, W, 3), 90, np.uint8)
        place(c, face, W // 2 + dx, H // 2 + dy, s)
        frames.append((c, "ok"))
    for dx in (0, 15, -15, 5):
        c = np.full((H, W, 3), 90, np.uint8)
        place(c, np.ascontiguousarray(face[:, ::-1]), W // 2 + dx, H // 2, 1.0)
        frames.append((c, "ok"))
    for g in (0, 60, 128, 200):
        frames.append((np.full((H, W, 3), g, np.uint8), "no_face"))
    for k in range(4):
        c = np.full((H, W, 3), 90, np.uint8)
        place(c, face, 80, 120 + k, 0.7)
        place(c, np.ascontiguousarray(face[:, ::-1]), 240, 120 - k, 0.7)
        frames.append((c, "several_faces"))
    for dx in (0, 10, -10, 5):
        c = np.full((H, W, 3), 90, np.uint8)
        place(c, closed, W // 2 + dx, H // 2, 1.0)
        frames.append((c, "eyes_closed"))
    out = cv2.VideoWriter(str(HERE / "face_test.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H))
    for f, _ in frames:
        out.write(f)
    out.release()
    (HERE / "face_test.json").write_text(json.dumps({"expected": [s for _, s in frames]}, indent=1) + "\n")


if __name__ == "__main__":
    main()
