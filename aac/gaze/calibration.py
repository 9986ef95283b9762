"""Calibration maths, pure and testable: patterns, fixation windows, the mapping fit, validation.

The board must be honest about how well the person can hit a tile, so a calibration always ends
with a *validation on separate points* and reports accuracy (offset of the mean gaze from the
target) and precision (sample-to-sample RMS) in pixels and in degrees of visual angle, overall and
per screen region. The numbers are stored in the profile and used to size tiles.

- Patterns live in ``calibration/*.toml`` (5, 9, 13 points + separate validation points).
- :func:`fixation_samples` keeps only the samples of the steady fixation on a target: it skips the
  saccade latency after the target appears and any sample moving faster than a saccade threshold.
- :class:`PolyRidge` (numpy only, no pickle) maps features to screen coordinates: for the webcam
  the features are iris/head features; for a tracker it is a small correction of the raw gaze.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations_with_replacement
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from aac.gaze.sample import GazeSample
from aac.paths import CALIBRATION_DIR

Point = tuple[float, float]


class CalibrationError(ValueError):
    """A pattern file is wrong or a calibration cannot be computed; the message says why."""


# ----------------------------------------------------------------------------- screen geometry
@dataclass(frozen=True)
class ScreenGeometry:
    """Screen size in pixels and centimetres and the eye distance, for degrees of visual angle.

    Defaults: a 52 cm wide screen viewed from 60 cm (a typical 24" monitor on a desk/wheelchair mount).
    """

    width_px: int = 1920
    height_px: int = 1080
    width_cm: float = 52.0
    distance_cm: float = 60.0

    @property
    def height_cm(self) -> float:
        return self.width_cm * self.height_px / self.width_px

    @property
    def px_per_cm(self) -> float:
        return self.width_px / self.width_cm

    def to_cm(self, p: Point) -> tuple[float, float]:
        """Normalized point -> cm from the screen centre."""
        return (p[0] - 0.5) * self.width_cm, (p[1] - 0.5) * self.height_cm

    def angle_deg(self, a: Point, b: Point) -> float:
        """Visual angle between two normalized screen points, eye on the axis through the centre."""
        ax, ay = self.to_cm(a)
        bx, by = self.to_cm(b)
        va = np.array([ax, ay, self.distance_cm])
        vb = np.array([bx, by, self.distance_cm])
        cos = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))
        return math.degrees(math.acos(max(-1.0, min(1.0, cos))))

    def dist_px(self, a: Point, b: Point) -> float:
        return math.hypot((a[0] - b[0]) * self.width_px, (a[1] - b[1]) * self.height_px)

    def deg_to_px(self, deg: float) -> float:
        """Size in pixels of ``deg`` degrees at the screen centre."""
        return math.tan(math.radians(deg)) * self.distance_cm * self.px_per_cm

    def deg_to_norm(self, deg: float) -> tuple[float, float]:
        """``deg`` degrees at the centre as a fraction of screen width and height."""
        px = self.deg_to_px(deg)
        return px / self.width_px, px / self.height_px

    def to_dict(self) -> dict[str, Any]:
        return {"width_px": self.width_px, "height_px": self.height_px,
                "width_cm": self.width_cm, "distance_cm": self.distance_cm}


# ----------------------------------------------------------------------------- patterns
@dataclass(frozen=True)
class CalibrationPattern:
    name: str
    points: tuple[Point, ...]
    validation: tuple[Point, ...]
    source: str = ""


def _points(raw: Any, where: str) -> tuple[Point, ...]:
    if not isinstance(raw, list) or not raw:
        raise CalibrationError(f"{where}: expected a non-empty list of [x, y] pairs (0..1)")
    out = []
    for i, p in enumerate(raw):
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)):
            raise CalibrationError(f"{where}[{i}]: expected [x, y] numbers, got {p!r}")
        x, y = float(p[0]), float(p[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise CalibrationError(f"{where}[{i}]: {p!r} is off screen (x and y must be between 0 and 1)")
        out.append((x, y))
    return tuple(out)


def available_patterns(directory: Path = CALIBRATION_DIR) -> list[str]:
    return sorted(p.stem for p in Path(directory).glob("*.toml"))


def load_pattern(name_or_path: str | Path, directory: Path = CALIBRATION_DIR) -> CalibrationPattern:
    """Load ``calibration/<name>.toml`` (or a path). Errors name the file and key."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = Path(directory) / f"{name_or_path}.toml"
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalibrationError(
            f"{path}: calibration pattern not found (available: {', '.join(available_patterns(directory)) or 'none'})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{path}: not valid TOML: {exc}") from None
    points = _points(doc.get("points"), f"{path}: points")
    validation = _points(doc.get("validation"), f"{path}: validation")
    if set(points) & set(validation):
        raise CalibrationError(f"{path}: validation points must differ from calibration points")
    return CalibrationPattern(str(doc.get("name", path.stem)), points, validation, str(path))


# ----------------------------------------------------------------------------- fixation windows
def fixation_samples(
    samples: Sequence[GazeSample],
    onset_t: float,
    end_t: float,
    geometry: ScreenGeometry = ScreenGeometry(),
    skip_s: float = 0.4,
    saccade_deg_s: float = 30.0,
) -> list[GazeSample]:
    """The samples of the steady fixation on a target shown from ``onset_t`` to ``end_t``.

    Skips ``skip_s`` after onset (reaction time + the saccade to the target), invalid samples and
    samples moving faster than ``saccade_deg_s`` (a saccade or a glance away). If the person looked
    at two places, the larger cluster (around the median) is kept.
    """
    window = [s for s in samples if onset_t + skip_s <= s.t <= end_t]
    kept: list[GazeSample] = []
    prev: GazeSample | None = None
    for s in window:
        if not s.usable:
            prev = None
            continue
        if prev is not None and s.t > prev.t:
            speed = geometry.angle_deg((prev.x, prev.y), (s.x, s.y)) / (s.t - prev.t)
            if speed > saccade_deg_s:
                prev = s
                continue
        kept.append(s)
        prev = s
    if len(kept) < 3:
        return kept
    mx = float(np.median([s.x for s in kept]))
    my = float(np.median([s.y for s in kept]))
    d = np.array([geometry.angle_deg((s.x, s.y), (mx, my)) for s in kept])
    limit = max(3.0 * float(np.median(d)), 1.0)
    return [s for s, di in zip(kept, d) if di <= limit]


# ----------------------------------------------------------------------------- regression
def poly_features(X: np.ndarray, degree: int) -> np.ndarray:
    """Polynomial expansion with all cross terms up to ``degree`` (no bias column)."""
    X = np.atleast_2d(np.asarray(X, dtype=float))
    cols = [X[:, i] for i in range(X.shape[1])]
    out = list(cols)
    for d in range(2, degree + 1):
        for combo in combinations_with_replacement(range(X.shape[1]), d):
            out.append(np.prod([cols[i] for i in combo], axis=0))
    return np.column_stack(out)


@dataclass
class PolyRidge:
    """Ridge regression on standardized polynomial features (closed form, numpy only).

    Serializes to plain JSON (``to_dict``/``from_dict``) so a stored calibration never needs pickle.
    """

    degree: int = 2
    alpha: float = 1e-2
    mean_in: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale_in: np.ndarray = field(default_factory=lambda: np.ones(0))
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale: np.ndarray = field(default_factory=lambda: np.ones(0))
    coef: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    intercept: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def _phi(self, X: np.ndarray) -> np.ndarray:
        Xs = (np.atleast_2d(np.asarray(X, dtype=float)) - self.mean_in) / self.scale_in
        return (poly_features(Xs, self.degree) - self.mean) / self.scale

    def fit(self, X: np.ndarray, Y: np.ndarray) -> "PolyRidge":
        X = np.atleast_2d(np.asarray(X, dtype=float))
        Y = np.atleast_2d(np.asarray(Y, dtype=float))
        if len(X) != len(Y) or len(X) < 2:
            raise CalibrationError(f"need at least 2 matching samples to fit, got {len(X)} and {len(Y)}")
        if not (np.isfinite(X).all() and np.isfinite(Y).all()):
            raise CalibrationError("calibration data contains NaN or infinite values")
        self.mean_in = X.mean(axis=0)
        self.scale_in = np.where(X.std(axis=0) > 1e-12, X.std(axis=0), 1.0)
        P = poly_features((X - self.mean_in) / self.scale_in, self.degree)
        self.mean = P.mean(axis=0)
        self.scale = np.where(P.std(axis=0) > 1e-12, P.std(axis=0), 1.0)
        Z = (P - self.mean) / self.scale
        self.intercept = Y.mean(axis=0)
        A = Z.T @ Z + self.alpha * len(Z) * np.eye(Z.shape[1])
        self.coef = np.linalg.solve(A, Z.T @ (Y - self.intercept))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self._phi(X) @ self.coef + self.intercept

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "poly_ridge", "degree": self.degree, "alpha": self.alpha,
            "mean_in": self.mean_in.tolist(), "scale_in": self.scale_in.tolist(),
            "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept.tolist(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PolyRidge":
        if d.get("kind") != "poly_ridge":
            raise CalibrationError(f"unknown mapping kind {d.get('kind')!r}")
        return cls(
            degree=int(d["degree"]), alpha=float(d["alpha"]),
            mean_in=np.array(d["mean_in"], float), scale_in=np.array(d["scale_in"], float),
            mean=np.array(d["mean"], float), scale=np.array(d["scale"], float),
            coef=np.array(d["coef"], float).reshape(-1, 2), intercept=np.array(d["intercept"], float),
        )


def fit_correction(raw: Sequence[Point], targets: Sequence[Point], n_points: int | None = None) -> PolyRidge:
    """A correction for a tracker's raw gaze (raw gaze -> target).

    Affine (degree 1) with few points, quadratic with 9+ points; ridge keeps it close to identity
    in spirit by fitting the residual-free mapping with a small penalty.
    """
    n = n_points if n_points is not None else len(set(map(tuple, targets)))
    return PolyRidge(degree=2 if n >= 9 else 1, alpha=1e-3).fit(np.asarray(raw), np.asarray(targets))


# ----------------------------------------------------------------------------- validation
REGIONS = ("top-left", "top", "top-right", "left", "centre", "right", "bottom-left", "bottom", "bottom-right")


def region_of(p: Point) -> str:
    col = 0 if p[0] < 1 / 3 else (2 if p[0] > 2 / 3 else 1)
    row = 0 if p[1] < 1 / 3 else (2 if p[1] > 2 / 3 else 1)
    return REGIONS[row * 3 + col]


@dataclass
class PointResult:
    target: Point
    mean: Point | None
    n: int
    accuracy_deg: float
    accuracy_px: float
    precision_deg: float  # RMS sample-to-sample
    precision_px: float
    sd_deg: float

    def to_dict(self) -> dict[str, Any]:
        def r(v: float) -> float | None:
            return None if not math.isfinite(v) else round(v, 3)

        return {
            "target": list(self.target), "mean": list(self.mean) if self.mean else None, "n": self.n,
            "region": region_of(self.target), "accuracy_deg": r(self.accuracy_deg), "accuracy_px": r(self.accuracy_px),
            "precision_deg": r(self.precision_deg), "precision_px": r(self.precision_px), "sd_deg": r(self.sd_deg),
        }


def evaluate_point(target: Point, samples: Sequence[GazeSample], geometry: ScreenGeometry) -> PointResult:
    """Accuracy (mean offset) and precision (RMS-S2S and SD) for one validation target."""
    pts = [(s.x, s.y) for s in samples if s.usable]
    if not pts:
        return PointResult(target, None, 0, math.inf, math.inf, math.nan, math.nan, math.nan)
    arr = np.array(pts)
    mean = (float(arr[:, 0].mean()), float(arr[:, 1].mean()))
    s2s = [geometry.angle_deg(pts[i - 1], pts[i]) for i in range(1, len(pts))]
    s2s_px = [geometry.dist_px(pts[i - 1], pts[i]) for i in range(1, len(pts))]
    sd = [geometry.angle_deg(p, mean) for p in pts]
    return PointResult(
        target, mean, len(pts),
        geometry.angle_deg(mean, target), geometry.dist_px(mean, target),
        float(np.sqrt(np.mean(np.square(s2s)))) if s2s else 0.0,
        float(np.sqrt(np.mean(np.square(s2s_px)))) if s2s_px else 0.0,
        float(np.sqrt(np.mean(np.square(sd)))),
    )


@dataclass
class ValidationResult:
    points: list[PointResult]
    geometry: ScreenGeometry

    def _mean(self, attr: str, pts: Iterable[PointResult] | None = None) -> float:
        vals = [getattr(p, attr) for p in (pts if pts is not None else self.points) if p.n > 0]
        vals = [v for v in vals if math.isfinite(v)]
        return float(np.mean(vals)) if vals else math.inf

    @property
    def accuracy_deg(self) -> float:
        return self._mean("accuracy_deg")

    @property
    def accuracy_px(self) -> float:
        return self._mean("accuracy_px")

    @property
    def precision_deg(self) -> float:
        return self._mean("precision_deg")

    @property
    def precision_px(self) -> float:
        return self._mean("precision_px")

    @property
    def missing(self) -> list[Point]:
        """Validation targets where no usable gaze was collected (e.g. the person could not look there)."""
        return [p.target for p in self.points if p.n == 0]

    def regions(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for name in REGIONS:
            pts = [p for p in self.points if region_of(p.target) == name]
            if pts:
                out[name] = {"accuracy_deg": round(self._mean("accuracy_deg", pts), 3),
                             "accuracy_px": round(self._mean("accuracy_px", pts), 1),
                             "precision_deg": round(self._mean("precision_deg", pts), 3)}
        return out

    def min_target_deg(self) -> float:
        """Smallest tile side (deg) that the gaze reliably stays within: offset + spread on both sides."""
        worst = max((p.accuracy_deg + 2 * p.sd_deg for p in self.points if p.n > 0), default=math.inf)
        return 2 * worst

    def min_tile_fraction(self) -> tuple[float, float]:
        """:meth:`min_target_deg` as (fraction of screen width, fraction of height)."""
        deg = self.min_target_deg()
        if not math.isfinite(deg):
            return (1.0, 1.0)
        return self.geometry.deg_to_norm(deg)


def validate(targets: Sequence[Point], sample_sets: Sequence[Sequence[GazeSample]],
             geometry: ScreenGeometry = ScreenGeometry()) -> ValidationResult:
    if len(targets) != len(sample_sets):
        raise CalibrationError("one sample set per validation target is needed")
    return ValidationResult([evaluate_point(t, s, geometry) for t, s in zip(targets, sample_sets)], geometry)


def result_dict(validation: ValidationResult, *, source: str, pattern: str, method: str,
                mapping: PolyRidge | None = None, date: str | None = None) -> dict[str, Any]:
    """The calibration record stored in the profile (plain JSON)."""
    w, h = validation.min_tile_fraction()
    return {
        "date": date or datetime.now().astimezone().isoformat(timespec="seconds"),
        "source": source,
        "pattern": pattern,
        "method": method,
        "screen": validation.geometry.to_dict(),
        "accuracy_deg": round(validation.accuracy_deg, 3),
        "accuracy_px": round(validation.accuracy_px, 1),
        "precision_deg": round(validation.precision_deg, 3),
        "precision_px": round(validation.precision_px, 1),
        "min_tile_deg": round(validation.min_target_deg(), 2),
        "min_tile_fraction": [round(w, 4), round(h, 4)],
        "regions": validation.regions(),
        "points": [p.to_dict() for p in validation.points],
        "missing_points": [list(p) for p in validation.missing],
        "mapping": mapping.to_dict() if mapping is not None else None,
    }


def mapping_from_result(result: Mapping[str, Any] | None) -> PolyRidge | None:
    """The stored mapping of a calibration record (None if there is none or it is unreadable)."""
    if not result or not result.get("mapping"):
        return None
    try:
        return PolyRidge.from_dict(result["mapping"])
    except (CalibrationError, KeyError, TypeError, ValueError):
        return None


def apply_mapping(mapping: PolyRidge | None, s: GazeSample) -> GazeSample:
    """Correct one tracker sample with a stored mapping (invalid samples pass through)."""
    if mapping is None or not s.valid:
        return s
    x, y = mapping.predict(np.array([[s.x, s.y]]))[0]
    return GazeSample(s.t, float(x), float(y), s.valid, s.confidence)


def tile_size_warning(calibration: Mapping[str, Any] | None, tile_w: float, tile_h: float) -> str:
    """A plain warning when the smallest tile of a layout is smaller than the stored calibration
    can reliably hit ("" when fine or when there is no calibration).

    ``tile_w``/``tile_h`` are the smallest tile's size as fractions of the screen. The board shows
    the message and suggests a layout with larger tiles.
    """
    if not calibration:
        return ""
    need = calibration.get("min_tile_fraction")
    try:
        nw, nh = float(need[0]), float(need[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return ""
    if tile_w + 1e-9 >= nw and tile_h + 1e-9 >= nh:
        return ""
    acc = calibration.get("accuracy_deg")
    acc_txt = f"{float(acc):.1f} degrees" if isinstance(acc, (int, float)) else "the measured accuracy"
    return (
        f"Some tiles are smaller ({tile_w * 100:.0f}% x {tile_h * 100:.0f}% of the screen) than gaze with "
        f"{acc_txt} can reliably hit ({nw * 100:.0f}% x {nh * 100:.0f}%). Choose a layout with larger "
        f"tiles or recalibrate."
    )
