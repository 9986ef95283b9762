"""Pictures and sounds kept with a layout: sniffing, resizing, naming.

Why one module: the OBF importer, the exporter and the browser editor all take picture bytes from
outside (a board file, a caregiver's upload) and must store them the same way: only real images,
never larger than the board needs, under a content-derived name inside the layout's own
``NAME.media/`` folder (so a layout travels as one file plus one folder).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
from pathlib import Path

#: Largest picture edge stored. A tile on a 1920x1080 7x12 board is ~160 px; the large board's
#: tiles are ~360 px; 512 keeps pictures sharp on both and a 100-tile board's pictures ~10 MB at most.
MAX_PICTURE_EDGE = 512
#: Largest upload or board picture accepted before decoding (a phone photo is 3-8 MB).
MAX_PICTURE_BYTES = 10_000_000
MAX_SOUND_BYTES = 5_000_000
#: Largest decoded picture (pixels) accepted: a decompression bomb is refused before scaling.
MAX_PICTURE_PIXELS = 40_000_000

SOUND_TYPES = {
    "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav",
    "audio/ogg": ".ogg", "audio/webm": ".webm", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/flac": ".flac",
}


class MediaError(ValueError):
    """A picture or sound cannot be used; the message says why in one sentence."""


def media_dir_for(layout_file: Path) -> Path:
    """The folder that holds a layout's pictures and sounds: ``NAME.media`` next to ``NAME.toml``."""
    return layout_file.parent / f"{layout_file.stem}.media"


def sniff_picture(data: bytes) -> str | None:
    """The picture type by content (``png``, ``jpeg``, ``gif``, ``svg``), or None: never trust a name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith((b"<?xml", b"<!--", b"<!doctype svg")) and b"<svg" in head):
        return "svg"
    return None


def _pygame():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    return pygame


def normalise_picture(data: bytes, max_edge: int = MAX_PICTURE_EDGE) -> bytes:
    """Any PNG/JPEG/GIF/SVG -> a PNG no larger than ``max_edge`` on its longest side.

    Raises MediaError for anything that is not a picture pygame can decode (the caregiver sees
    the message next to the upload button)."""
    if len(data) > MAX_PICTURE_BYTES:
        raise MediaError(f"the picture is too large ({len(data) // 1_000_000} MB); the limit is {MAX_PICTURE_BYTES // 1_000_000} MB")
    kind = sniff_picture(data)
    if kind is None:
        raise MediaError("this file is not a picture (PNG, JPEG or SVG)")
    pygame = _pygame()
    try:
        if kind == "svg":
            try:
                surf = pygame.image.load_sized_svg(io.BytesIO(data), (max_edge, max_edge))
            except (AttributeError, TypeError):
                surf = pygame.image.load(io.BytesIO(data), "picture.svg")
        else:
            surf = pygame.image.load(io.BytesIO(data), f"picture.{kind}")
    except (pygame.error, ValueError, OSError, MemoryError) as exc:
        raise MediaError(f"the {kind.upper()} picture cannot be read ({exc})") from None
    w, h = surf.get_size()
    if w < 1 or h < 1:
        raise MediaError("the picture is empty (0 pixels)")
    if w * h > MAX_PICTURE_PIXELS:
        raise MediaError(f"the picture is {w} x {h} pixels; the limit is {MAX_PICTURE_PIXELS // 1_000_000} megapixels")
    scale = min(1.0, max_edge / max(w, h))
    if scale < 1.0:
        rgba = pygame.Surface((w, h), pygame.SRCALPHA, 32)  # smoothscale needs 32-bit pixels
        rgba.blit(surf, (0, 0))
        surf = pygame.transform.smoothscale(rgba, (max(1, round(w * scale)), max(1, round(h * scale))))
    out = io.BytesIO()
    pygame.image.save(surf, out, "picture.png")
    return out.getvalue()


def picture_name(png: bytes) -> str:
    """Content-derived file name: the same picture uploaded twice is stored once."""
    return f"pic-{hashlib.sha256(png).hexdigest()[:12]}.png"


def sound_name(data: bytes, suffix: str) -> str:
    return f"snd-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"


def sniff_sound(data: bytes, content_type: str | None = None, path: str | None = None) -> str | None:
    """A sound's file suffix from its bytes (or declared type / name), or None."""
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return ".wav"
    if data.startswith(b"OggS"):
        return ".ogg"
    if data.startswith(b"fLaC"):
        return ".flac"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa"):
        return ".mp3"
    if content_type and content_type.lower().split(";")[0].strip() in SOUND_TYPES:
        return SOUND_TYPES[content_type.lower().split(";")[0].strip()]
    if path:
        suffix = Path(path).suffix.lower()
        if suffix in (".wav", ".mp3", ".ogg", ".m4a", ".webm", ".flac"):
            return suffix
    return None


_DATA_URI = re.compile(r"^data:([\w/+.-]*)((?:;[\w=.-]+)*?)(;base64)?,(.*)$", re.DOTALL)


def decode_data_uri(uri: str, limit: int) -> tuple[bytes, str] | None:
    """``data:TYPE;base64,...`` -> (bytes, TYPE); None when it is not a data URI or too large."""
    m = _DATA_URI.match(uri.strip())
    if not m or len(m.group(4)) > limit * 4 // 3 + 16:
        return None
    try:
        if m.group(3):
            data = base64.b64decode(m.group(4), validate=False)
        else:
            from urllib.parse import unquote_to_bytes

            data = unquote_to_bytes(m.group(4))
    except (ValueError, TypeError):
        return None
    return data, m.group(1).lower()


def data_uri(data: bytes, content_type: str) -> str:
    return f"data:{content_type};base64," + base64.b64encode(data).decode("ascii")
