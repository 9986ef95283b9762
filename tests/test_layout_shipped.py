"""The shipped layouts: all pass the checker and follow the eye-gaze design rules."""

from __future__ import annotations

import argparse
import string

import pytest

from aac import paths
from aac.layouts import THEMES, load_layout
from aac.layouts.cli import cmd_check
from aac.layouts.loader import emergency_layout
from aac.layouts.themes import contrast_ratio

SHIPPED = sorted(p.stem for p in paths.LAYOUTS_DIR.glob("*.toml"))
STANDARD = ["default", "alphabetical", "ru-default", "ru-alphabetical"]
RU_LETTERS = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
SCREEN = (1920, 1080)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))


def test_expected_layouts_are_shipped():
    assert set(STANDARD + ["large", "ru-large"]) <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_layout_passes_check(name, capsys):
    args = argparse.Namespace(files=[str(paths.LAYOUTS_DIR / f"{name}.toml")])

    assert cmd_check(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: {args.files[0]} (") and "pages" in out and "tiles)" in out


@pytest.mark.parametrize("name", SHIPPED)
def test_every_page_has_message_bar_and_way_home(name):
    layout = load_layout(name)
    home = layout.home
    assert any(t.action == "pause" for t in home.tiles)
    for page in layout.pages:
        assert len(page.tiles_of("message")) == 1, page.name
        if page is not home:
            linked = {t.target for t in page.tiles_of("page")} | {page.return_to}
            assert linked - {None}, page.name


@pytest.mark.parametrize("name", SHIPPED)
def test_tiles_are_big_enough_for_eye_gaze(name):
    """At 1920x1080 a grid cell is at least ~150 px; the large board at least 300 px."""
    layout = load_layout(name)
    minimum = 300 if name.endswith("large") else 150
    for page in layout.pages:
        cell_w, cell_h = SCREEN[0] / page.cols, SCREEN[1] / page.rows
        assert min(cell_w, cell_h) >= minimum, (name, page.name, cell_w, cell_h)


@pytest.mark.parametrize("name", STANDARD)
def test_standard_home_page_contents(name):
    layout = load_layout(name)
    home = layout.home
    assert home.name == "home"
    assert sorted(t.slot for t in home.tiles_of("word")) == [0, 1, 2, 3, 4]
    assert sorted(t.slot for t in home.tiles_of("ending")) == [0, 1, 2]
    actions = {t.action for t in home.tiles_of("action")}
    assert {"speak", "delete_word", "delete_letter", "undo", "clear", "pause"} <= actions
    assert {t.target for t in home.tiles_of("page")} >= {"keyboard", "phrases"}


@pytest.mark.parametrize("name", STANDARD)
def test_keyboard_page_types_everything_and_keeps_predictions_in_place(name):
    layout = load_layout(name)
    keyboard = layout.page("keyboard")
    letters = {t.value for t in keyboard.tiles_of("letter")}
    alphabet = RU_LETTERS if name.startswith("ru") else set(string.ascii_lowercase)
    assert alphabet <= letters
    assert {",", ".", "?"} <= {t.value for t in keyboard.tiles_of("punct")}
    assert "space" in {t.action for t in keyboard.tiles_of("action")}
    # predictions sit in exactly the same cells on home and keyboard: the eyes learn them once
    def spots(page):
        return {(t.kind, t.slot): (t.row, t.col, t.row_span, t.col_span) for t in page.tiles if t.kind in ("word", "ending")}

    assert spots(keyboard) == spots(layout.home)
    assert len(spots(keyboard)) == 8


@pytest.mark.parametrize("name", STANDARD)
def test_quick_phrases_page(name):
    layout = load_layout(name)
    phrases = layout.page("phrases").tiles_of("phrase")
    assert len(phrases) >= 16
    labels = {t.label for t in phrases}
    if name.startswith("ru"):
        assert layout.language == "ru"
        assert {"Да", "Нет", "Больно", "Спасибо"} <= labels
        assert all(any(ch in RU_LETTERS for ch in t.value.lower()) for t in phrases)
        # action tiles get Russian default labels
        assert "Сказать" in {t.label for t in layout.home.tiles_of("action")}
    else:
        assert layout.language == "en"
        assert {"Yes", "No", "Pain", "Hello", "Toilet"} <= labels
    assert all(t.value.strip() for t in phrases)


@pytest.mark.parametrize("name", ["large", "ru-large"])
def test_large_board_reaches_every_letter_in_two_looks(name):
    layout = load_layout(name)
    home = layout.home
    letters: set[str] = set()
    for link in home.tiles_of("page"):
        page = layout.page(link.target)
        if page.return_to == "home":
            letters |= {t.value for t in page.tiles_of("letter")}
    assert (RU_LETTERS if name.startswith("ru") else set(string.ascii_lowercase)) <= letters
    assert home.tiles_of("word") and home.tiles_of("ending")
    assert "phrases" in {t.target for t in home.tiles_of("page")}
    assert all(p.rows * p.cols <= 18 for p in layout.pages)


def test_emergency_layout_is_valid_and_usable():
    layout = emergency_layout()
    home = layout.home
    assert set(string.ascii_lowercase) <= {t.value for t in home.tiles_of("letter")}
    assert {"speak", "pause", "delete_letter", "space"} <= {t.action for t in home.tiles_of("action")}
    assert len(home.tiles_of("word")) == 5


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_theme_text_is_readable_on_every_tile(theme):
    t = THEMES[theme]
    for fill in (t.tile, t.word_tile, t.ending_tile, t.action_tile, t.key_tile):
        assert contrast_ratio(t.tile_text, fill) >= 4.5, (theme, fill)
    assert contrast_ratio(t.text, t.background) >= 7
    for value in vars(t).values():
        assert value == t.name or (value.startswith("#") and len(value) == 7)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_text_on_custom_fills_stays_readable(theme):
    t = THEMES[theme]
    for fill in ("#ffffff", "#ffff32", "#c8c8c8", "#000080", "#ff0000", "#003d1f", t.word_tile):
        assert contrast_ratio(t.text_on(fill), fill) >= 4.5, (theme, fill)
    assert t.text_on(t.word_tile) == t.tile_text
    assert t.text_on("not a colour") == t.tile_text


@pytest.mark.parametrize("name", SHIPPED)
def test_every_tile_knows_its_source_line(name):
    """The line scanner agrees with tomllib on real files: each tile points at its own entry."""
    layout = load_layout(name)
    lines = (paths.LAYOUTS_DIR / f"{name}.toml").read_text(encoding="utf-8").splitlines()
    for page in layout.pages:
        for tile in page.tiles:
            text = lines[tile.line - 1].strip()
            assert text == "[[page.tile]]" or text.startswith("keys = "), (page.name, tile, text)
            if text.startswith("keys = "):
                assert tile.value in text
            else:
                block = "\n".join(lines[tile.line : tile.line + 8])
                assert f'kind = "{tile.kind}"' in block
