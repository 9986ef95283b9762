"""Design advice for a valid layout (``aac layout check --advice``).

The checker rejects files the board cannot use; this module points out layouts that work but
cost the person effort: tiles too small for eye gaze, predictions that move between pages or
are missing where letters are typed, letters that cannot be reached, ``clear`` right beside the
predictions. Advice never fails a check: a caregiver may have good reasons.
"""

from __future__ import annotations

from .model import Layout, Page, Tile

#: Smallest comfortable tile for eye gaze on a 1920x1080 screen (a good tracker, ~1 degree).
MIN_TILE_PX = 150
SCREEN = (1920, 1080)
ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
}


def _touching(a: Tile, b: Tile) -> bool:
    """True if the tiles share (part of) an edge; diagonal neighbours are far enough apart."""
    a_cells, b_cells = set(a.cells()), set(b.cells())
    return any((r + dr, c + dc) in b_cells for r, c in a_cells for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)))


def _prediction_spots(page: Page) -> dict[tuple[str, int], tuple[int, int, int, int]]:
    return {
        (t.kind, t.slot): (t.row, t.col, t.row_span, t.col_span)
        for t in page.tiles
        if t.kind in ("word", "ending") and t.slot is not None
    }


def _alphabet(language: str) -> str | None:
    """Letters of the language pack (languages/<code>.toml), or the built-in list."""
    try:
        from ..language import load_language

        letters = load_language(language).letters
        if letters:
            return letters
    except Exception:  # noqa: BLE001, S110 - no pack for this language: fall back, advice is optional
        pass
    return ALPHABETS.get(language)


def advise(layout: Layout, screen: tuple[int, int] = SCREEN) -> list[str]:
    """Human-readable suggestions, one per finding (empty list: nothing to say)."""
    notes: list[str] = []
    for page in layout.pages:
        w, h = screen[0] / page.cols, screen[1] / page.rows
        if min(w, h) < MIN_TILE_PX:
            notes.append(f"page {page.name!r}: one grid cell is {w:.0f} x {h:.0f} px at {screen[0]}x{screen[1]}; "
                         f"eye gaze needs about {MIN_TILE_PX} px or more (fewer rows/cols, or col_span/row_span)")
        types = page.tiles_of("letter")
        has_predictions = bool(page.tiles_of("word") or page.tiles_of("ending"))
        if types and not has_predictions and not page.return_to:
            notes.append(f"page {page.name!r}: letters but no word or ending tiles; with predictions on this "
                         "page a word can be picked without changing page (saves looks)")
        if (types or has_predictions) and not any(t.action in ("undo", "delete_letter", "delete_word") for t in page.tiles):
            notes.append(f"page {page.name!r}: no undo or delete tile on a page where text is written")
        for clear in (t for t in page.tiles if t.action == "clear"):
            near = [t for t in page.tiles if t.kind in ("word", "ending", "chunk") and _touching(clear, t)]
            if near:
                notes.append(f"page {page.name!r}: the clear tile (row {clear.row}, col {clear.col}) touches "
                             f"{near[0].kind} slot {near[0].slot}; a slip would erase the message; move it to a corner")
    # predictions should not move between pages
    spots: dict[tuple[str, int], tuple[str, tuple[int, int, int, int]]] = {}
    for page in layout.pages:
        for key, where in _prediction_spots(page).items():
            first = spots.setdefault(key, (page.name, where))
            if first[1] != where:
                notes.append(f"{key[0]} slot {key[1]} is at row {first[1][0]}, col {first[1][1]} on page "
                             f"{first[0]!r} but at row {where[0]}, col {where[1]} on page {page.name!r}; "
                             "keeping predictions in the same place lets the eyes learn them")
    alphabet = _alphabet(layout.language)
    letters = {t.value.lower() for p in layout.pages for t in p.tiles_of("letter")}
    if alphabet and letters:
        missing = [ch for ch in alphabet if ch not in letters]
        if missing:
            notes.append(f"letters missing from every page: {' '.join(missing)}")
    return notes
