"""The caregiver's settings screen (F2 or Ctrl+S on the board).

Driven by keyboard and mouse only, so the person's gaze cannot change a setting by accident;
if it is ever opened by a settings tile (long dwell) and nobody is at the keyboard, it closes by
itself without saving after :data:`IDLE_CLOSE_S`, so the gaze user is never trapped in it.
Saved settings are written by a background thread (the frame loop never waits for the disk).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygame

from aac.ui.fonts import FontBook

IDLE_CLOSE_S = 60.0
BG = (0, 0, 0)
FG = (255, 255, 255)
ACCENT = (255, 255, 0)
ROW_BG = (38, 38, 38)
SEL_BG = (0, 61, 102)


@dataclass
class Field:
    """One editable setting: its key, a label, and how to step its value."""

    key: str
    label: str
    kind: str  # "int", "bool", "choice"
    step: int = 0
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()


def _voices() -> tuple[str, ...]:
    try:
        from aac.speech.voices import available_profiles

        return tuple(available_profiles()) or ("en-default",)
    except Exception:  # noqa: BLE001
        return ("en-default",)


def _themes() -> tuple[str, ...]:
    try:
        from aac.layouts.themes import theme_names

        return tuple(theme_names())
    except Exception:  # noqa: BLE001
        return ("high-contrast",)


def _layouts() -> tuple[str, ...]:
    try:
        from aac.layouts.loader import list_layouts

        return tuple(name for name, _ in list_layouts()) or ("default",)
    except Exception:  # noqa: BLE001
        return ("default",)


def default_fields() -> list[Field]:
    return [
        Field("dwell_ms", "Dwell time (ms)", "int", step=100, lo=300, hi=5000),
        Field("voice", "Voice", "choice", choices=_voices()),
        Field("theme", "Colours", "choice", choices=_themes()),
        Field("layout", "Layout", "choice", choices=_layouts()),
        Field("text_logging", "Keep message text in the usage log", "bool"),
        Field("profanity_filter", "Filter rude words from predictions", "bool"),
        Field("speak_on_sentence_end", "Say each sentence when it ends (no Speak)", "bool"),
        Field("click_sound", "Click sound on activation", "bool"),
        Field("show_gaze_cursor", "Show gaze cursor", "bool"),
        Field("resume_dwell_ms", "Resume dwell when paused (ms)", "int", step=250, lo=500, hi=10000),
    ]


class SettingsScreen:
    """A list of settings; Up/Down choose, Left/Right change, Enter saves, Esc cancels."""

    def __init__(
        self,
        profile: Any,
        size: tuple[int, int],
        on_close: Callable[[bool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile = profile
        self.size = size
        self.on_close = on_close
        self.clock = clock
        self.fields = default_fields()
        self.values: dict[str, Any] = {f.key: getattr(profile.settings, f.key) for f in self.fields}
        for f in self.fields:  # keep the current value choosable even if not in the list
            if f.kind == "choice" and self.values[f.key] not in f.choices:
                f.choices = (str(self.values[f.key]), *f.choices)
        self.selected = 0
        self.last_input = clock()
        self.closed = False
        self.fonts = FontBook(bold=True)
        self._row_rects: list[pygame.Rect] = []
        self._value_rects: list[pygame.Rect] = []
        self._buttons: dict[str, pygame.Rect] = {}
        self.save_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ editing
    def change(self, index: int, direction: int) -> None:
        f = self.fields[index]
        value = self.values[f.key]
        if f.kind == "int":
            self.values[f.key] = max(f.lo, min(f.hi, int(value) + direction * f.step))
        elif f.kind == "bool":
            self.values[f.key] = not bool(value)
        elif f.kind == "choice" and f.choices:
            i = f.choices.index(value) if value in f.choices else 0
            self.values[f.key] = f.choices[(i + direction) % len(f.choices)]

    def save(self) -> None:
        """Store the values in the profile; the file is written off the UI thread."""
        self.profile.settings = self.profile.settings.replace(**self.values)
        self.save_thread = threading.Thread(target=self._write, name="aac-settings-save", daemon=True)
        self.save_thread.start()
        self.close(True)

    def _write(self) -> None:
        try:
            self.profile.save_settings()
        except OSError:
            pass  # the profile reports disk trouble through its own status on next open

    def close(self, changed: bool) -> None:
        if self.closed:
            return
        self.closed = True
        if self.on_close is not None:
            self.on_close(changed)

    # ------------------------------------------------------------------ input
    def handle(self, event: Any) -> None:
        if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):
            self.last_input = self.clock()
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_UP:
                self.selected = (self.selected - 1) % len(self.fields)
            elif event.key in (pygame.K_DOWN, pygame.K_TAB):
                self.selected = (self.selected + 1) % len(self.fields)
            elif event.key in (pygame.K_LEFT, pygame.K_MINUS):
                self.change(self.selected, -1)
            elif event.key in (pygame.K_RIGHT, pygame.K_PLUS, pygame.K_EQUALS, pygame.K_SPACE):
                self.change(self.selected, +1)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.save()
            elif event.key in (pygame.K_ESCAPE, pygame.K_F2):
                self.close(False)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            pos = event.pos
            if self._buttons.get("save", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
                self.save()
            elif self._buttons.get("cancel", pygame.Rect(0, 0, 0, 0)).collidepoint(pos):
                self.close(False)
            for i, rect in enumerate(self._row_rects):
                if rect.collidepoint(pos):
                    self.selected = i
                    value = self._value_rects[i] if i < len(self._value_rects) else None
                    if value is not None and value.collidepoint(pos):
                        # "<" half lowers / goes back, ">" half raises / goes forward.
                        self.change(i, -1 if pos[0] < value.centerx else +1)

    # ------------------------------------------------------------------ drawing
    def draw(self, surf: pygame.Surface) -> None:
        if not self.closed and self.clock() - self.last_input > IDLE_CLOSE_S:
            self.close(False)
            return
        w, h = surf.get_size()
        surf.fill(BG)
        title_size = max(20, h // 22)
        row_size = max(16, h // 34)
        y = h // 30
        img = self.fonts.render("Settings (caregiver)", title_size, ACCENT)
        surf.blit(img, (w // 20, y))
        y += int(title_size * 1.6)
        hint = "Up/Down: choose   Left/Right: change   Enter: save   Esc: cancel"
        surf.blit(self.fonts.render(hint, max(14, row_size * 3 // 4), FG), (w // 20, y))
        y += int(row_size * 1.6)
        row_h = int(row_size * 1.9)
        self._row_rects = []
        self._value_rects = []
        for i, f in enumerate(self.fields):
            rect = pygame.Rect(w // 20, y, w - w // 10, row_h - 6)
            self._row_rects.append(rect)
            pygame.draw.rect(surf, SEL_BG if i == self.selected else ROW_BG, rect, border_radius=8)
            if i == self.selected:
                pygame.draw.rect(surf, ACCENT, rect, width=3, border_radius=8)
            label = self.fonts.render(f.label, row_size, FG)
            surf.blit(label, (rect.x + 16, rect.y + (rect.h - label.get_height()) // 2))
            value = self.values[f.key]
            shown = ("On" if value else "Off") if f.kind == "bool" else str(value)
            vimg = self.fonts.render(f"<  {shown}  >", row_size, ACCENT)
            vpos = (rect.right - vimg.get_width() - 16, rect.y + (rect.h - vimg.get_height()) // 2)
            surf.blit(vimg, vpos)
            self._value_rects.append(pygame.Rect(vpos, vimg.get_size()).inflate(12, 6))
            y += row_h
        y += row_h // 2
        bw, bh = w // 6, int(row_h * 1.2)
        self._buttons = {
            "save": pygame.Rect(w // 20, y, bw, bh),
            "cancel": pygame.Rect(w // 20 + bw + 20, y, bw, bh),
        }
        for name, rect in self._buttons.items():
            pygame.draw.rect(surf, (0, 90, 40) if name == "save" else (90, 30, 0), rect, border_radius=10)
            pygame.draw.rect(surf, FG, rect, width=2, border_radius=10)
            t = self.fonts.render("Save" if name == "save" else "Cancel", row_size, FG)
            surf.blit(t, (rect.centerx - t.get_width() // 2, rect.centery - t.get_height() // 2))
        left = max(0, int(IDLE_CLOSE_S - (self.clock() - self.last_input)))
        note = f"Closes without saving after {left} s with no keyboard or mouse input."
        surf.blit(self.fonts.render(note, max(14, row_size * 2 // 3), FG), (w // 20, y + bh + 16))
