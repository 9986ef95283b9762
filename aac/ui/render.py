"""Drawing the board: tiles, labels, message bar, dwell progress, flash, stale and paused states.

The renderer only reads a :class:`FrameView` and draws it; it decides nothing. Text layout (font
size that fits a tile, wrapping) is cached per (text, tile size), and rendered strings are cached by
the :class:`~aac.ui.fonts.FontBook`, so a steady frame costs fills and blits only.
"""

from __future__ import annotations

from functools import lru_cache

import pygame

from aac.ui.fonts import FontBook
from aac.ui.geometry import TileBox
from aac.ui.next_words import WORDS_SHARE, line_centres, line_step
from aac.ui.surface_cache import SurfaceCache
from aac.ui.view import FLASH_S, FrameView
from aac.ui.wording import action_label, status_text

#: Upper bound for cached tile images (a full 1920x1080 board is ~8 MB of tiles).
TILE_CACHE_BYTES = 48 * 1024 * 1024

RGB = tuple[int, int, int]


@lru_cache(maxsize=64)
def rgb(colour: str | tuple) -> RGB:
    """``"#rrggbb"`` (or an RGB tuple) -> (r, g, b); unknown strings fall back to grey."""
    if isinstance(colour, tuple):
        return tuple(int(c) for c in colour[:3])  # type: ignore[return-value]
    s = str(colour).strip()
    if s.startswith("#") and len(s) == 7:
        try:
            return (int(s[1:3], 16), int(s[3:5], 16), int(s[5:7], 16))
        except ValueError:
            pass
    try:
        c = pygame.Color(s)
        return (c.r, c.g, c.b)
    except (ValueError, TypeError):
        return (128, 128, 128)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


class Renderer:
    """Draws :class:`FrameView` objects on a pygame surface."""

    def __init__(self) -> None:
        self.fonts = FontBook(bold=True)
        self.regular = FontBook(bold=False)
        self._fit_cache: dict[tuple, tuple[int, list[str]]] = {}
        self._overlay: pygame.Surface | None = None
        self._tile_cache = SurfaceCache(TILE_CACHE_BYTES)
        self._base: pygame.Surface | None = None
        #: what ``_base`` shows: (layout, tile looks in box order, message); see _compose_base
        self._base_state: tuple | None = None
        self._apart: dict[tuple, bool] = {}  # layout -> no two boxes overlap
        self.base_redraws = 0  # how often the resting board was recomposed (tests, benchmarks)
        self.base_tiles_drawn = 0  # tile images put on it in those recompositions (tests, benchmarks)

    # --- text layout ---------------------------------------------------------------------
    def fit(self, text: str, w: int, h: int, max_size: int, max_lines: int = 3) -> tuple[int, list[str]]:
        """Largest font size (<= max_size) at which ``text`` fits a w x h box, wrapped by words."""
        key = (text, w, h, max_size, max_lines)
        hit = self._fit_cache.get(key)
        if hit is not None:
            return hit
        size = max(10, int(max_size))
        result = (10, [text])
        while size >= 10:
            lines = self._wrap(text, size, w, max_lines)
            font = self.fonts.font(size, text)
            height = font.get_linesize() * len(lines)
            widest = max((font.size(line)[0] for line in lines), default=0)
            if lines and len(lines) <= max_lines and height <= h and widest <= w:
                result = (size, lines)
                break
            size = int(size * 0.9) if size > 20 else size - 2
        if len(self._fit_cache) > 4096:
            self._fit_cache.clear()
        self._fit_cache[key] = result
        return result

    def _wrap(self, text: str, size: int, w: int, max_lines: int) -> list[str]:
        words = text.split()
        if not words:
            return [text] if text else []
        font = self.fonts.font(size, text)
        lines: list[str] = []
        line = ""
        for word in words:
            trial = f"{line} {word}" if line else word
            if font.size(trial)[0] <= w or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
        if len(lines) > max_lines:
            return lines[: max_lines + 1]  # one line too many: fit() reads it as "does not fit"
        return lines

    def draw_text_centered(
        self, surf: pygame.Surface, text: str, rect: pygame.Rect, max_size: int, colour: RGB, max_lines: int = 3
    ) -> None:
        pad_x = max(6, rect.w // 14)
        pad_y = max(4, rect.h // 10)
        inner_w, inner_h = rect.w - 2 * pad_x, rect.h - 2 * pad_y
        size, lines = self.fit(text, inner_w, inner_h, max_size, max_lines)
        font = self.fonts.font(size, text)
        line_h = font.get_linesize()
        y = rect.y + (rect.h - line_h * len(lines)) // 2
        for line in lines:
            img = self.fonts.render(line, size, colour, like=text)
            surf.blit(img, (rect.x + (rect.w - img.get_width()) // 2, y))
            y += line_h

    # --- tiles ---------------------------------------------------------------------------
    def label_for(self, box: TileBox, view: FrameView) -> tuple[str, bool]:
        """(text, stale) shown on a tile."""
        tile = box.tile
        kind = box.kind
        if kind in ("word", "ending", "chunk"):
            slot = view.slots.get(box.id)
            return (slot.text, slot.stale) if slot else ("", False)
        if tile.label:
            return str(tile.label), False
        if kind == "action":
            if view.paused and box.id in view.resume_ids:
                return status_text(view.language, "resume"), False
            return action_label(view.language, str(tile.action)), False
        if kind == "page":
            return str(tile.target or "").replace("_", " ").title(), False
        return str(tile.value), False

    def tile_look(self, box: TileBox, view: FrameView) -> tuple:
        """Everything that decides how a tile looks at rest (the key of its cached image)."""
        theme = view.theme
        kind = box.kind
        bg = rgb(theme.background)
        own = getattr(box.tile, "color", None)
        fill = rgb(own) if own else rgb(theme.colour_for(kind))
        text, stale = self.label_for(box, view)
        disabled = box.id in view.disabled_ids
        if stale or disabled:
            colour = rgb(theme.stale_text)
        elif own:
            # A caregiver's or imported board's own colour (often a light pastel): the theme's
            # yellow/white text may be unreadable there, so pick the readable one.
            text_on = getattr(theme, "text_on", None)
            colour = rgb(text_on(own)) if text_on is not None else rgb(theme.tile_text)
        else:
            colour = rgb(theme.tile_text)
        if kind in ("word", "ending", "chunk") and not text:
            fill = mix(fill, bg, 0.5)
        border = rgb(theme.border)
        highlighted = (
            view.preview_word is not None
            and kind == "word"
            and view.slots.get(box.id) is not None
            and view.slots[box.id].text == view.preview_word
        )
        slot = view.slots.get(box.id)
        if kind == "ending" and slot is not None and slot.via_word and not stale:
            highlighted = True  # a preview: outlined like the word it belongs to
        if highlighted:
            edge, edge_w = rgb(theme.dwell), 5
        else:
            edge = mix(border, fill, 0.55) if not stale else mix(border, fill, 0.8)
            edge_w = max(2, box.rect[3] // 40)
        max_size = self._max_text_size(pygame.Rect(box.rect), kind, view.font_scale)
        max_lines = 3 if kind in ("ending", "chunk", "phrase", "history") else 2
        look = (box.rect[2], box.rect[3], bg, fill, edge, edge_w, text, colour, max_size, max_lines)
        picture = getattr(box.tile, "picture_path", None)
        if picture:
            return look + (str(picture),)  # aac.ui.pictures draws it above the label
        if view.next_words is not None and view.next_words.box_id == box.id and kind in ("letter", "word"):
            return look + (tuple(view.next_words.words),)  # drawn under the label
        return look

    def tile_image(self, look: tuple) -> pygame.Surface:
        """A tile drawn once and reused every frame until its look changes."""
        img = self._tile_cache.get(look)
        if img is None:
            w, h, bg, fill, edge, edge_w, text, colour, max_size, max_lines = look[:10]
            img = pygame.Surface((w, h))
            img.fill(bg)
            rect = pygame.Rect(0, 0, w, h)
            radius = max(4, min(w, h) // 12)
            pygame.draw.rect(img, fill, rect, border_radius=radius)
            pygame.draw.rect(img, edge, rect, width=edge_w, border_radius=radius)
            if len(look) > 10 and isinstance(look[10], tuple):
                rect, max_size = self._draw_next_words(img, look[10], rect, colour, max_size)
            elif len(look) > 10:
                from aac.ui.pictures import draw_picture

                text_rect = draw_picture(img, look[10], rect, bool(text))
                if text_rect is not rect:
                    rect, max_size, max_lines = text_rect, min(max_size, int(text_rect.h * 0.6)), 1
            if text:
                self.draw_text_centered(img, text, rect, max_size, colour, max_lines)
            self._tile_cache.put(look, img)
        return img

    #: Smallest size for the next words on a tile (px): below it a line is left out, not shrunk.
    KEY_WORD_MIN_PX = 13
    #: Smallest room left for the tile's own label (px); on smaller tiles no next words are drawn.
    KEY_LABEL_MIN_PX = 32

    def _draw_next_words(self, img: pygame.Surface, words: tuple[str, ...], rect: pygame.Rect, colour: RGB,
                        max_size: int) -> tuple[pygame.Rect, int]:
        """The next words of the tile being dwelt on (aac.ui.next_words), one per line in the
        word tiles' order, under its label; returns the rect and size left for the label."""
        room_w = rect.w - 2 * max(4, rect.w // 14)
        lines = list(words)
        while lines:
            size = min(int(line_step(rect.h, len(lines)) / 1.1), max(self.KEY_WORD_MIN_PX, int(rect.h * 0.17)))
            widest = max((self.fonts.size(w, size)[0] for w in lines if w), default=0)
            if widest > room_w:
                size = int(size * room_w / widest)
            if size >= self.KEY_WORD_MIN_PX:
                break
            lines.pop()  # too small to read: fewer lines, never tinier ones
        bar = max(6, rect.h // 18) + 8  # the dwell bar runs along the top of such a tile
        letter = pygame.Rect(rect.x, rect.y + bar // 2, rect.w, round(rect.h * (1 - WORDS_SHARE)) - bar // 2)
        if not lines or letter.h < self.KEY_LABEL_MIN_PX:
            return rect, max_size  # a tile too small for both: its label alone, as ever
        for word, (cx, cy) in zip(lines, line_centres(tuple(rect), len(lines))):
            if word:
                text = self.fonts.render(word, size, colour, like=word)
                img.blit(text, (round(cx - text.get_width() / 2), round(cy - text.get_height() / 2)))
        return letter, min(max_size, int(letter.h * 0.9))

    def draw(self, surf: pygame.Surface, view: FrameView) -> None:
        """Compose cached tile images, then the moving parts (dwell, flash, cursor) on top."""
        theme = view.theme
        self._compose_base(surf.get_size(), view)
        assert self._base is not None
        surf.blit(self._base, (0, 0))
        bg = rgb(theme.background)
        dwell = rgb(theme.dwell)
        if view.flash_id is not None and view.flash_age < FLASH_S:
            box = next((b for b in view.boxes if b.id == view.flash_id), None)
            if box is not None and box.kind != "message":
                look = self.tile_look(box, view)
                w, h, _bg, fill, edge, edge_w, text, _colour, max_size, max_lines = look[:10]
                flash_fill = mix(rgb(theme.flash), fill, view.flash_age / FLASH_S)
                img = self.tile_image((w, h, bg, flash_fill, edge, edge_w, text, bg, max_size, max_lines) + look[10:])
                surf.blit(img, box.rect[:2])
        if view.dwell_id is not None and view.dwell_progress > 0:
            box = next((b for b in view.boxes if b.id == view.dwell_id), None)
            if box is not None:
                rect = pygame.Rect(box.rect)
                radius = max(4, min(rect.w, rect.h) // 12)
                # a tile showing its next words has them where the bar runs: the bar goes on top
                top = view.next_words is not None and view.next_words.box_id == box.id
                self._draw_progress(surf, rect, view.dwell_progress, dwell, radius, top=top)
        for box in view.boxes:
            if box.id in view.highlight_ids:
                rect = pygame.Rect(box.rect)
                radius = max(4, min(rect.w, rect.h) // 12)
                pygame.draw.rect(surf, rgb(theme.flash), rect, width=max(6, rect.h // 14), border_radius=radius)
        if view.paused:
            self._draw_paused(surf, view)
        if view.banner:
            self._draw_banner(surf, view)
        if view.gaze is not None:
            gx, gy = int(view.gaze[0]), int(view.gaze[1])
            r = max(8, surf.get_height() // 90)
            pygame.draw.circle(surf, dwell, (gx, gy), r, width=3)
            pygame.draw.circle(surf, bg, (gx, gy), r + 2, width=1)

    def _compose_base(self, size: tuple[int, int], view: FrameView) -> None:
        """Bring the resting board (tiles and message, ``_base``) up to date with ``view``.

        Only the tiles whose look changed are put on it again, and the message only when its
        text or status changed: a typed letter changes the message and the prediction tiles,
        not the 30-odd keys. Recomposing the whole 1920x1080 board was what made the frames
        over 17 ms while predicting (a cProfile of the slowest shows nothing of the model); the
        frames that recompose it, `tests/bench/frame_time.py` with the model on a busy machine:
        p50 7.6-8.6 -> 3.8-4.4 ms, p95 12.9-14.4 -> 9.8-10.0 ms, 49 -> ~8 tiles drawn each
        (models/README.md, session 15). Tile images are opaque and cover their box, so a new one
        simply replaces the old; a layout whose boxes overlap is always recomposed whole (the
        order of drawing matters there).
        """
        theme = view.theme
        layout = (size, rgb(theme.background), rgb(theme.text), view.font_scale,
                  tuple((b.rect, b.kind) for b in view.boxes))
        boxes = [b for b in view.boxes if b.kind != "message"]
        looks = [self.tile_look(b, view) for b in boxes]
        message = (view.message, tuple(view.status))
        prev = self._base_state
        if self._base is None or self._base.get_size() != size:
            self._base = pygame.Surface(size)
            prev = None
        base = self._base
        if prev is not None and prev[0] == layout and self._boxes_apart(layout[4]):
            redo = [i for i, look in enumerate(looks) if look != prev[1][i]]
            if not redo and message == prev[2]:
                return
        else:
            base.fill(rgb(theme.background))
            redo = list(range(len(boxes)))
            prev = None
        for i in redo:
            base.blit(self.tile_image(looks[i]), boxes[i].rect[:2])
        if prev is None or message != prev[2]:
            for box in view.boxes:
                if box.kind == "message":
                    self._draw_message(base, pygame.Rect(box.rect), view)
        self._base_state = (layout, looks, message)
        self.base_redraws += 1
        self.base_tiles_drawn += len(redo)

    def _boxes_apart(self, boxes: tuple) -> bool:
        """No two boxes of this layout overlap (computed once per layout)."""
        apart = self._apart.get(boxes)
        if apart is None:
            rects = [pygame.Rect(r) for r, _ in boxes]
            apart = not any(a.colliderect(b) for i, a in enumerate(rects) for b in rects[i + 1:])
            if len(self._apart) > 32:
                self._apart.clear()
            self._apart[boxes] = apart
        return apart

    def _max_text_size(self, rect: pygame.Rect, kind: str, scale: float) -> int:
        if kind in ("letter", "punct"):
            base = min(rect.h * 0.55, rect.w * 0.6)
        elif kind in ("ending", "chunk", "phrase", "history"):
            base = min(rect.h * 0.4, 64)
        else:
            base = min(rect.h * 0.42, 64)
        return max(12, int(base * (scale or 1.0)))

    def _draw_progress(self, surf: pygame.Surface, rect: pygame.Rect, progress: float, colour: RGB, radius: int,
                       top: bool = False) -> None:
        """A thick outline plus a bar filling left to right along the bottom of the tile (its
        top, thinner, when the bottom holds the tile's next words)."""
        pygame.draw.rect(surf, colour, rect, width=6, border_radius=radius)
        bar_h = max(6, rect.h // 18) if top else max(8, rect.h // 9)
        inner = rect.inflate(-2 * max(12, radius), -16 if top else -20)
        y = inner.y if top else inner.bottom - bar_h
        bar = pygame.Rect(inner.x, y, int(inner.w * min(1.0, progress)), bar_h)
        if bar.w > 0:
            pygame.draw.rect(surf, colour, bar, border_radius=bar_h // 2)

    def _ellipsize(self, line: str, size: int, room: int) -> str:
        """``line`` cut to ``room`` px at ``size`` with "…" at the end (a status line too long
        even at the smallest readable size used to run under the bar's edge mid-word)."""
        if self.regular.size(line, size)[0] <= room:
            return line
        lo, hi = 0, len(line)
        while lo < hi:  # the longest head that fits with the ellipsis
            mid = (lo + hi + 1) // 2
            if self.regular.size(line[:mid].rstrip() + "…", size)[0] <= room:
                lo = mid
            else:
                hi = mid - 1
        return line[:lo].rstrip() + "…"

    def _draw_message(self, surf: pygame.Surface, rect: pygame.Rect, view: FrameView) -> None:
        clip = surf.get_clip()
        surf.set_clip(rect)  # nothing of it outside its box: _compose_base repaints only the box
        try:
            self._draw_message_in(surf, rect, view)
        finally:
            surf.set_clip(clip)

    def _draw_message_in(self, surf: pygame.Surface, rect: pygame.Rect, view: FrameView) -> None:
        theme = view.theme
        fill = rgb(theme.colour_for("message"))
        text_colour = rgb(theme.text)
        pygame.draw.rect(surf, fill, rect)
        pygame.draw.rect(surf, rgb(theme.border), rect, width=3, border_radius=8)
        status = [s for s in view.status if s]
        status_h = 0
        if status:
            status_size = max(14, min(28, rect.h // 6))
            status_h = int(status_size * 1.3)
            min_size = max(12, int(status_size * 0.7))
            room = rect.w - 24
            # Status items come most important first: drop from the end until the rest is
            # readable (never shrink to an unreadable size or run over the tiles).
            shown = list(status)
            while True:
                line = "   •   ".join(shown)
                width = self.regular.size(line, status_size)[0]
                size = status_size if width <= room else int(status_size * room / max(1, width))
                if size >= min_size or len(shown) == 1:
                    break
                shown.pop()
            size = max(min_size, size)
            line = self._ellipsize(line, size, room)
            img = self.regular.render(line, size, rgb(theme.flash))
            surf.set_clip(rect.inflate(-8, -4))
            surf.blit(img, (rect.x + 12, rect.bottom - status_h - 4))
            surf.set_clip(rect)  # back to the message box (see _draw_message)
        area = pygame.Rect(rect.x + 16, rect.y + 8, rect.w - 32, rect.h - 16 - status_h)
        size = max(16, int(min(area.h * 0.8, 72) * (view.font_scale or 1.0)))
        font = self.fonts.font(size, view.message or "A")
        line_h = font.get_linesize()
        max_lines = max(1, area.h // line_h)
        text = view.message
        lines = self._wrap_message(text, size, area.w - 10) if text else [""]
        if len(lines) > max_lines:
            # Shrink once, then show the end of the message (where the cursor is).
            size = max(16, int(size * 0.75))
            font = self.fonts.font(size, text)
            line_h = font.get_linesize()
            max_lines = max(1, area.h // line_h)
            lines = self._wrap_message(text, size, area.w - 10)[-max_lines:]
        y = area.y + max(0, (area.h - line_h * len(lines)) // 2)
        x_end = area.x
        for line in lines:
            if line:
                img = self.fonts.render(line, size, text_colour, like=text)
                surf.blit(img, (area.x, y))
                x_end = area.x + img.get_width()
            else:
                x_end = area.x
            y += line_h
        # Cursor: a bar after the last character (a trailing space moves it right).
        if text.endswith(" "):
            x_end += font.size(" ")[0]
        cursor = pygame.Rect(x_end + 3, y - line_h + line_h // 8, max(3, size // 12), int(line_h * 0.8))
        pygame.draw.rect(surf, rgb(theme.dwell), cursor)

    def _wrap_message(self, text: str, size: int, w: int) -> list[str]:
        font = self.fonts.font(size, text)
        out: list[str] = []
        for para in text.split("\n"):
            line = ""
            for word in para.split(" "):
                trial = f"{line} {word}" if line else word
                if font.size(trial)[0] <= w or not line:
                    line = trial
                else:
                    out.append(line)
                    line = word
            out.append(line.rstrip())
        return out

    def _draw_paused(self, surf: pygame.Surface, view: FrameView) -> None:
        size = surf.get_size()
        if self._overlay is None or self._overlay.get_size() != size:
            self._overlay = pygame.Surface(size, pygame.SRCALPHA)
        self._overlay.fill((*rgb(view.theme.paused_overlay), 200))
        surf.blit(self._overlay, (0, 0))
        # The resume tile(s) stay bright so the way out is always visible.
        for box in view.boxes:
            if box.id in view.resume_ids:
                rect = pygame.Rect(box.rect)
                radius = max(4, min(rect.w, rect.h) // 12)
                pygame.draw.rect(surf, rgb(view.theme.action_tile), rect, border_radius=radius)
                pygame.draw.rect(surf, rgb(view.theme.dwell), rect, width=6, border_radius=radius)
                self.draw_text_centered(surf, status_text(view.language, "resume"), rect, int(rect.h * 0.4), rgb(view.theme.tile_text), 1)
                if view.dwell_id == box.id and view.dwell_progress > 0:
                    self._draw_progress(surf, rect, view.dwell_progress, rgb(view.theme.dwell), radius)
        title = status_text(view.language, "paused_title", seconds=f"{view.resume_dwell_s:g}")
        tsize, _ = self.fit(title, int(size[0] * 0.8), size[1] // 8, size[1] // 14, 1)
        img = self.fonts.render(title, tsize, rgb(view.theme.text))
        panel = img.get_rect(center=(size[0] // 2, size[1] // 2)).inflate(tsize * 2, tsize)
        pygame.draw.rect(surf, rgb(view.theme.background), panel, border_radius=tsize // 2)
        pygame.draw.rect(surf, rgb(view.theme.dwell), panel, width=3, border_radius=tsize // 2)
        surf.blit(img, img.get_rect(center=panel.center))

    def _draw_banner(self, surf: pygame.Surface, view: FrameView) -> None:
        """Problems the caregiver must see (e.g. a broken layout file), over the top of the board."""
        w, h = surf.get_size()
        size = max(14, h // 45)
        lines = view.banner[:6]
        line_h = int(size * 1.35)
        box = pygame.Rect(0, 0, w, line_h * len(lines) + 16)
        pygame.draw.rect(surf, (90, 0, 0), box)
        pygame.draw.rect(surf, (255, 255, 0), box, width=3)
        y = 8
        for line in lines:
            fsize, _ = self.fit(line, w - 24, line_h, size, 1)
            img = self.regular.render(line, fsize, (255, 255, 255))
            surf.blit(img, (12, y))
            y += line_h
