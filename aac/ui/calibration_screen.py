"""The calibration screen: targets, validation and the accept/redo screen, drawn with pygame.

Flow: a short countdown, then one target at a time (a ring that shrinks onto a dot, so the eye is
drawn to its centre); samples are collected only in the steady part of each fixation (saccades
skipped). Then the mapping is fitted - the tracker's own calibration for a ``tobii``/``titta`` source,
a regression on face features for the webcam, a small correction of the raw gaze otherwise - and
*validated on separate points*. The results screen shows the error at each point and overall
accuracy/precision in degrees and pixels; the user accepts (stored in the profile with the date)
or redoes. Accept/redo work by keyboard (Enter / R, Esc cancels), mouse click, or by dwelling on
the buttons with the freshly calibrated gaze.

The state machine (:class:`CalibrationRun`) is plain Python so tests can drive it headless with a
fake clock; pygame only draws it. ``aac calibrate`` (:mod:`aac.gaze.cli`) and the board's
"calibrate" tile both show this screen.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from aac.gaze.calibration import (
    CalibrationError, CalibrationPattern, PolyRidge, ScreenGeometry, ValidationResult, apply_mapping,
    fit_correction, fixation_samples, load_pattern, result_dict, validate,
)
from aac.gaze.dwell import DwellConfig, DwellEngine, DwellTarget
from aac.gaze.sample import GazeSample
from aac.gaze.source import GazeSource

ANIM_S = 1.0  # the ring shrinks onto the dot
HOLD_S = 1.0  # then the dot stays; samples come from here (after the saccade has landed)
COUNTDOWN_S = 3.0
SKIP_S = 0.5  # of each target's time before collecting (reaction + saccade + shrink start)


@dataclass
class TargetData:
    point: tuple[float, float]
    onset: float
    end: float
    samples: list[GazeSample] = field(default_factory=list)
    features: list[np.ndarray] = field(default_factory=list)
    sdk_ok: bool | None = None


class CalibrationRun:
    """The calibration state machine: countdown -> calibrate -> fit -> validate -> results.

    Call :meth:`update` every frame with the time; it polls the source itself. ``sdk`` is an
    optional :class:`~aac.gaze.tobii.TobiiCalibration`: then the SDK collects data at each point and
    computes the calibration; raw gaze is used as is (plus validation). For the webcam the raw
    frame features are collected and a :class:`PolyRidge` is fitted to them.
    """

    def __init__(self, source: GazeSource, pattern: CalibrationPattern, geometry: ScreenGeometry,
                 *, sdk: Any = None, source_kind: str = "", start_t: float = 0.0) -> None:
        self.source = source
        self.pattern = pattern
        self.geometry = geometry
        self.sdk = sdk
        self.kind = source_kind or source.name.split(":")[0]
        self.webcam = hasattr(source, "poll_frames")
        self.phase = "countdown"
        self.phase_start = start_t
        self.index = 0
        self.cal: list[TargetData] = []
        self.val: list[TargetData] = []
        self.mapping: PolyRidge | None = None
        self.validation: ValidationResult | None = None
        self.method = ""
        self.error = ""
        self.attempt = 1

    # -- geometry of the animation -----------------------------------------------------------
    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        return self.pattern.points if self.phase == "calibrate" else self.pattern.validation

    def target(self, now: float) -> tuple[tuple[float, float], float] | None:
        """(point, ring radius fraction 1..0) of the current target, or None between targets."""
        if self.phase not in ("calibrate", "validate"):
            return None
        rel = now - self.phase_start - self.index * (ANIM_S + HOLD_S)
        return self.points[self.index], max(0.0, 1.0 - rel / ANIM_S)

    # -- data --------------------------------------------------------------------------------
    def _collect(self) -> tuple[list[GazeSample], list[Any]]:
        if self.webcam:
            frames = self.source.poll_frames()  # type: ignore[attr-defined]
            samples = [self.source.to_sample(f) for f in frames] if self.mapping is not None else []  # type: ignore[attr-defined]
            return samples, frames
        return self.source.poll(), []

    def update(self, now: float) -> None:
        samples, frames = self._collect()
        if self.phase == "countdown":
            if now - self.phase_start >= COUNTDOWN_S:
                self._begin("calibrate", now)
            return
        if self.phase in ("calibrate", "validate"):
            store = self.cal if self.phase == "calibrate" else self.val
            cur = store[self.index]
            if self.phase == "validate" and self.mapping is not None and not self.webcam:
                samples = [apply_mapping(self.mapping, s) for s in samples]
            cur.samples += samples
            for f in frames:
                if f.ok and cur.onset + SKIP_S <= f.t <= cur.end:
                    cur.features.append(f.features)
            if now >= cur.end:
                if self.phase == "calibrate" and self.sdk is not None:
                    cur.sdk_ok = bool(self.sdk.collect(*cur.point))
                self.index += 1
                if self.index >= len(self.points):
                    if self.phase == "calibrate":
                        self._fit(now)
                    else:
                        self._finish(now)
                else:
                    store.append(TargetData(self.points[self.index], now, now + ANIM_S + HOLD_S))

    def _begin(self, phase: str, now: float) -> None:
        self.phase, self.phase_start, self.index = phase, now, 0
        store = self.cal if phase == "calibrate" else self.val
        store.clear()
        store.append(TargetData(self.points[0], now, now + ANIM_S + HOLD_S))

    def _fit(self, now: float) -> None:
        try:
            if self.sdk is not None:
                ok, _used = self.sdk.compute()
                if not ok:
                    raise CalibrationError("the tracker could not compute a calibration (eyes not found at enough points)")
                self.method = "tobii-sdk"
                self.mapping = None
            elif self.webcam:
                X, Y = [], []
                for d in self.cal:
                    X += d.features
                    Y += [d.point] * len(d.features)
                if len({tuple(y) for y in Y}) < max(4, len(self.cal) - 1):
                    raise CalibrationError("the face was not seen at enough targets: check light and camera position")
                self.mapping = PolyRidge(degree=2, alpha=1e-2).fit(np.array(X), np.array(Y))
                self.source.mapping = self.mapping  # type: ignore[attr-defined]
                self.method = "webcam-regression"
            else:
                raw, tgt = [], []
                for d in self.cal:
                    fix = fixation_samples(d.samples, d.onset, d.end, self.geometry, skip_s=SKIP_S)
                    if len(fix) >= 5:
                        raw.append((float(np.mean([s.x for s in fix])), float(np.mean([s.y for s in fix]))))
                        tgt.append(d.point)
                if len(raw) < 3:
                    raise CalibrationError("too few targets had steady gaze: check the tracker can see both eyes")
                self.mapping = fit_correction(raw, tgt)
                self.method = "correction"
        except CalibrationError as exc:
            self.error = str(exc)
            self.phase, self.phase_start = "results", now
            return
        finally:
            if self.sdk is not None:
                self.sdk.leave()
        self._begin("validate", now)

    def _finish(self, now: float) -> None:
        sets = [fixation_samples(d.samples, d.onset, d.end, self.geometry, skip_s=SKIP_S) for d in self.val]
        self.validation = validate(self.pattern.validation, sets, self.geometry)
        self.phase, self.phase_start = "results", now

    # -- decisions ---------------------------------------------------------------------------
    def result(self) -> dict[str, Any]:
        if self.validation is None:
            raise CalibrationError(self.error or "calibration not finished")
        rec = result_dict(self.validation, source=self.kind, pattern=self.pattern.name, method=self.method,
                          mapping=self.mapping)
        rec["attempt"] = self.attempt
        return rec

    def redo(self, now: float) -> None:
        self.attempt += 1
        self.mapping, self.validation, self.error, self.method = None, None, "", ""
        if self.webcam:
            self.source.mapping = None  # type: ignore[attr-defined]
        if self.sdk is not None:
            self.sdk.enter()
        self.phase, self.phase_start = "countdown", now


# ============================================================================ pygame rendering
BG, FG, DIM, GOOD, WARN, BAD, TARGET = (20, 22, 28), (235, 235, 235), (140, 145, 160), (90, 200, 120), (240, 190, 60), (230, 90, 80), (255, 210, 60)


def _quality(deg: float) -> tuple[str, tuple[int, int, int]]:
    if not math.isfinite(deg):
        return "no data", BAD
    if deg <= 1.0:
        return "very good", GOOD
    if deg <= 2.5:
        return "good", GOOD
    if deg <= 5.0:
        return "usable with large tiles", WARN
    return "poor - try again", BAD


def buttons(size: tuple[int, int]) -> dict[str, Any]:
    import pygame  # noqa: PLC0415

    w, h = size
    bw, bh = int(w * 0.3), int(h * 0.16)
    y = h - bh - int(h * 0.04)
    return {"accept": pygame.Rect(int(w * 0.12), y, bw, bh), "redo": pygame.Rect(w - int(w * 0.12) - bw, y, bw, bh)}


def draw(screen: Any, run: CalibrationRun, now: float, fonts: Any, dwell_state: Any = None) -> None:
    import pygame  # noqa: PLC0415

    w, h = screen.get_size()
    screen.fill(BG)
    big, mid, small = max(24, h // 14), max(18, h // 24), max(14, h // 36)

    def text(s: str, size: int, color: tuple[int, int, int], center: tuple[int, int]) -> None:
        surf = fonts.render(s, size, color)
        screen.blit(surf, surf.get_rect(center=center))

    if run.phase == "countdown":
        left = max(1, math.ceil(COUNTDOWN_S - (now - run.phase_start)))
        text("Look at each dot until it disappears.", mid, FG, (w // 2, h // 3))
        text(f"Starting in {left}", big, TARGET, (w // 2, h // 2))
        text("Esc: cancel", small, DIM, (w // 2, int(h * 0.85)))
    elif run.phase in ("calibrate", "validate"):
        tgt = run.target(now)
        if tgt:
            (x, y), frac = tgt
            c = (int(x * w), int(y * h))
            r_dot = max(6, h // 90)
            r_ring = int(r_dot + frac * h * 0.06)
            pygame.draw.circle(screen, TARGET, c, r_ring, max(2, r_dot // 2))
            pygame.draw.circle(screen, TARGET, c, r_dot)
            pygame.draw.circle(screen, BG, c, max(2, r_dot // 3))
        label = "Calibrating" if run.phase == "calibrate" else "Checking accuracy"
        text(f"{label}: {run.index + 1} of {len(run.points)}", small, DIM, (w // 2, int(h * 0.96)))
    elif run.phase == "results":
        if run.validation is None:
            text("Calibration did not work", big, BAD, (w // 2, h // 4))
            text(run.error, small, FG, (w // 2, h // 2 - mid))
        else:
            v = run.validation
            verdict, color = _quality(v.accuracy_deg)
            text(f"Accuracy {v.accuracy_deg:.1f}° ({v.accuracy_px:.0f} px), precision {v.precision_deg:.2f}° - {verdict}",
                 mid, color, (w // 2, int(h * 0.06)))
            for p in v.points:
                c = (int(p.target[0] * w), int(p.target[1] * h))
                pygame.draw.circle(screen, DIM, c, max(6, h // 90), 2)
                if p.mean is not None:
                    m = (int(p.mean[0] * w), int(p.mean[1] * h))
                    _, col = _quality(p.accuracy_deg)
                    pygame.draw.line(screen, col, c, m, 2)
                    pygame.draw.circle(screen, col, m, max(4, h // 140))
                    text(f"{p.accuracy_deg:.1f}°", small, col, (c[0], c[1] - h // 25))
                else:
                    text("no gaze", small, BAD, (c[0], c[1] - h // 25))
            tw, th = v.min_tile_fraction()
            text(f"Tiles should be at least {tw * 100:.0f}% of the screen wide and {th * 100:.0f}% high.",
                 small, FG, (w // 2, int(h * 0.12)))
        for name, rect in buttons((w, h)).items():
            enabled = name == "redo" or run.validation is not None
            pygame.draw.rect(screen, (45, 50, 62) if enabled else (30, 32, 38), rect, border_radius=12)
            if dwell_state is not None and dwell_state.target_id == name and dwell_state.progress > 0:
                fill = rect.copy()
                fill.width = int(rect.width * dwell_state.progress)
                pygame.draw.rect(screen, (70, 90, 120), fill, border_radius=12)
            pygame.draw.rect(screen, FG if enabled else DIM, rect, 3, border_radius=12)
            label = {"accept": "Accept (Enter)", "redo": "Redo (R)"}[name]
            text(label, mid, FG if enabled else DIM, rect.center)


def calibrate_on_screen(
    screen: Any,
    source: GazeSource,
    pattern: CalibrationPattern,
    geometry: ScreenGeometry,
    *,
    clock: Callable[[], float] = time.monotonic,
    frame_hook: Callable[[CalibrationRun, float], None] | None = None,
    realtime: bool = True,
    auto_accept: bool = False,
    frames_dir: Path | None = None,
    max_seconds: float = 600.0,
) -> tuple[str, CalibrationRun]:
    """Run the calibration screens on an open pygame ``screen`` with a started ``source``.

    Used by ``aac calibrate`` and by the board's "calibrate" tile (pass the board's window and the
    running source; a :class:`~aac.gaze.source.FailoverSource` is unwrapped to its current device).
    Neither starts/stops the source nor quits pygame. Returns ``(decision, run)``: decision is
    ``accept`` (then ``run.result()`` is the record for ``Profile.save_calibration``), ``cancel``,
    ``failed`` or ``timeout``.
    """
    import pygame  # noqa: PLC0415 - the command line imports this module without a display

    from aac.ui import fonts as fonts_mod  # noqa: PLC0415

    while True:  # unwrap failover / recording / correction wrappers: calibrate the raw device
        if getattr(source, "current", None) is not None:
            source = source.current  # type: ignore[assignment]
        elif getattr(source, "inner", None) is not None:
            source = source.inner  # type: ignore[assignment]
        else:
            break
    w, h = screen.get_size()
    old_mapping = getattr(source, "mapping", None)  # webcam: restored unless the new one is accepted
    sdk = None
    if hasattr(source, "sdk_calibration"):  # tobii / titta: the tracker's own calibration
        try:
            sdk = source.sdk_calibration()  # type: ignore[attr-defined]
            sdk.enter()
        except Exception as exc:  # noqa: BLE001 - e.g. another program is calibrating
            print(f"aac calibrate: the tracker's own calibration is unavailable ({exc}); "
                  "using a correction of its gaze instead", file=sys.stderr)
            sdk = None


    if hasattr(fonts_mod.get_font, "cache_clear"):
        fonts_mod.get_font.cache_clear()  # fonts from an earlier pygame session are dead after quit()
    fonts = fonts_mod.FontBook()
    run = CalibrationRun(source, pattern, geometry, sdk=sdk, start_t=clock())
    dwell = DwellEngine(DwellConfig(dwell_s=1.5))
    rects = buttons((w, h))
    dwell_targets = [DwellTarget(n, (r.x / w, r.y / h, r.w / w, r.h / h)) for n, r in rects.items()]
    decision = ""
    started = clock()
    tick = pygame.time.Clock()
    state = None
    saved = 0
    try:
        while not decision:
            now = clock()
            if now - started > max_seconds:
                decision = "timeout"
                break
            for ev in pygame.event.get():
                if ev.type == pygame.QUIT or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
                    decision = "cancel"
                elif run.phase == "results" and ev.type == pygame.KEYDOWN:
                    if ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER) and run.validation is not None:
                        decision = "accept"
                    elif ev.key == pygame.K_r:
                        run.redo(now)
                elif run.phase == "results" and ev.type == pygame.MOUSEBUTTONUP:
                    if rects["accept"].collidepoint(ev.pos) and run.validation is not None:
                        decision = "accept"
                    elif rects["redo"].collidepoint(ev.pos):
                        run.redo(now)
            was = run.phase
            if run.phase == "results":
                samples = source.poll()
                if run.mapping is not None and not run.webcam:
                    samples = [apply_mapping(run.mapping, s) for s in samples]
                live = [t for t in dwell_targets if t.id == "redo" or run.validation is not None]
                for s in samples:
                    state = dwell.update(s, live)
                    if state.activated == "accept":
                        decision = "accept"
                    elif state.activated == "redo":
                        run.redo(now)
                if auto_accept and run.validation is not None:
                    decision = "accept"
                elif auto_accept and run.error:
                    decision = "failed"
            else:
                run.update(now)
                if run.phase == "results" and was != "results":
                    dwell.reset()
                    dwell.cancel()  # look away from where the last target was before anything fires
            if frame_hook is not None:
                frame_hook(run, now)
            draw(screen, run, now, fonts, state if run.phase == "results" else None)
            pygame.display.flip()
            if run.phase == "results" and frames_dir is not None and saved != run.attempt:
                frames_dir.mkdir(parents=True, exist_ok=True)
                pygame.image.save(screen, str(frames_dir / "calibration-results.png"))
                saved = run.attempt
            if realtime:
                tick.tick(60)
    finally:
        if sdk is not None:
            sdk.leave()
        if decision != "accept" and hasattr(source, "mapping"):
            source.mapping = old_mapping  # type: ignore[attr-defined]
    return decision, run


def calibrate_board(screen: Any, source: GazeSource, profile: Any, clock: Callable[[], float],
                    options: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str]:
    """The board's "calibrate" tile: this screen in the board's own window with the running
    source; an accepted result is saved to the profile. Returns (decision, the stored record or
    None, the sentence for the status line). Never raises: the board must stay usable."""
    options = dict(options)
    try:
        pattern = load_pattern(options.pop("pattern", "9-point"))
    except CalibrationError as exc:
        return "unavailable", None, f"Calibration unavailable: {exc}"
    w, h = screen.get_size()
    options.setdefault("clock", clock)
    try:
        decision, run = calibrate_on_screen(screen, source, pattern, ScreenGeometry(w, h), **options)
    except Exception as exc:  # noqa: BLE001 - a failed calibration must leave the board usable
        return "failed", None, f"Calibration failed: {exc}"
    if decision != "accept":
        why = {"cancel": "cancelled; the previous calibration is kept"}.get(decision, run.error or decision)
        return decision, None, f"Calibration {why}"
    try:
        stored = profile.save_calibration(run.result())
    except Exception as exc:  # noqa: BLE001 - the board goes on with the old calibration
        return "failed", None, f"Calibration not saved: {exc}"
    acc = stored.get("accuracy_deg") if isinstance(stored, dict) else None
    text = f"Calibration saved: accuracy {acc:.1f} degrees" if isinstance(acc, (int, float)) else "Calibration saved"
    return decision, stored, text
