"""Next words on the tile being dwelt on (aac.ui.next_words): the session says what a letter or a
word will make, the board arranges the peeked words as the word tiles will show them, the
controller asks once and shows them on the tile, the renderer draws them under the label."""

from __future__ import annotations

import os

import pytest

from aac.gaze.dwell import DwellConfig
from aac.gaze.sample import GazeSample
from aac.layouts.loader import load_layout
from aac.predict.types import Suggestions
from aac.session import Session
from aac.ui import effects as fx
from aac.ui.board_state import BoardState
from aac.ui.controller import BoardController, BoardOptions
from aac.ui.next_words import MAX_LINES, NextWords, NextWordsOnTile, line_centres

SIZE = (1920, 1080)


# ------------------------------------------------------------------ the session's dry run
@pytest.mark.parametrize("text, letter", [
    ("", "h"),  # a sentence start: capitalised, as typing it would
    ("I want to ", "g"),
    ("I want to go", "e"),
    ("Hello. ", "w"),
    ("It costs 3.", "5"),  # "3." then "5" is 3.5
])
def test_after_letter_is_what_typing_the_letter_makes(text, letter):
    s = Session(text=text)
    expected_s = Session(text=text)
    expected_s.type_letter(letter)
    assert s.after_letter(letter) == expected_s.context_and_prefix()
    assert s.text == text, "the dry run types nothing"


def test_after_word_is_what_choosing_the_word_makes():
    for text, word in [("", "please"), ("I want t", "to"), ("Hello. how", "how"), ("i", "i")]:
        s = Session(text=text)
        expected_s = Session(text=text)
        expected_s.insert_word(word)
        assert s.after_word(word) == expected_s.context_and_prefix(), (text, word)
        assert s.text == text


def test_after_letter_refuses_what_makes_no_word():
    s = Session(text="I ")
    assert s.after_letter(" ") is None
    assert s.after_letter("") is None
    assert s.after_word("") is None


# ------------------------------------------------------------------ the tiles' order
def test_words_after_is_the_arrangement_the_word_tiles_get():
    board = BoardState()
    board.set_context("I want ", "")
    board.offer(Suggestions("I want ", "", ["to", "a", "some", "the", "my"], []))
    nxt = Suggestions("I want ", "s", ["some", "soup", "sugar", "so", "socks"], [])
    arranged = board.words_after(nxt)
    # "some" stays on its tile (slot 2); the new words fill the free tiles in order
    assert arranged == ["soup", "sugar", "some", "so", "socks"]
    board.set_context("I want ", "s")
    board.offer(nxt)
    assert [board.slot("word", i).text for i in range(5)] == arranged


# ------------------------------------------------------------------ pure state
def test_the_tile_asks_once_and_shows_the_first_lines_when_the_answer_comes():
    nw = NextWordsOnTile()
    want = ("I want ", "s")
    answer = Suggestions(*want, ["some", "soup", "sugar", "so", "socks"], [])
    arrange = lambda s: list(s.words)  # noqa: E731
    assert nw.update("k", lambda: want, None, arrange) == want
    assert nw.shown is None, "nothing before the answer"
    assert nw.update("k", lambda: want, None, arrange) is None, "asked once"
    assert nw.update("k", lambda: want, answer, arrange) is None
    assert nw.shown == NextWords("k", ("some", "soup", "sugar")) and MAX_LINES == 3
    other = Suggestions("I want ", "t", ["to", "the"], [])
    assert nw.update("k", lambda: want, other, arrange) is None
    assert nw.shown == NextWords("k", ("some", "soup", "sugar")), "an answer for another text is ignored"
    assert nw.update(None, lambda: want, answer, arrange) is None and nw.shown is None, "the eye left"


def test_switched_off_the_tile_never_asks():
    nw = NextWordsOnTile(enabled=False)
    assert nw.update("k", lambda: ("", "a"), None, list) is None and nw.shown is None


def test_line_centres_lie_inside_the_tile_below_its_label():
    x, y, w, h = 100, 200, 150, 145
    centres = line_centres((x, y, w, h), 3)
    assert [round(cx) for cx, _ in centres] == [175] * 3
    ys = [cy for _, cy in centres]
    assert y + h * 0.44 < ys[0] < ys[1] < ys[2] < y + h
    assert all(b - a > 20 for a, b in zip(ys, ys[1:])), "lines far enough apart to fixate one by one"


# ------------------------------------------------------------------ the controller
class Rig:
    def __init__(self, **options) -> None:
        self.now = 10.0
        self.c = BoardController(load_layout("default"), BoardOptions(dwell=DwellConfig(), **options), SIZE, now=self.now)
        self.effects: list = self.c.drain_effects()

    def tile(self, kind, **attrs):
        return next(b for b in self.c.boxes if b.kind == kind and all(getattr(b.tile, k) == v for k, v in attrs.items()))

    def gaze(self, box, seconds: float, events=()):
        x, y, w, h = box.norm
        view = None
        for i in range(round(seconds * 60)):
            self.now += 1 / 60
            evs = list(events) if i == 0 else []
            view, eff = self.c.step(self.now, [GazeSample(self.now, x + w / 2, y + h / 2, True)], evs)
            self.effects += eff
        return view

    def peeks(self):
        return [e for e in self.effects if isinstance(e, fx.PeekPredictions)]


def _keyboard(r: Rig, words=("I", "the", "please", "can", "what")) -> Suggestions:
    r.c.activate(r.tile("page", target="keyboard").id, r.now)
    r.effects += r.c.drain_effects()
    first = Suggestions("", "", list(words), [])
    r.gaze(r.tile("message"), 0.1, events=[fx.PredictionsIn(first)])
    assert r.c.board.fresh
    return first


def test_dwelling_on_a_letter_peeks_once_and_shows_the_words_on_the_key():
    r = Rig()
    first = _keyboard(r)
    key = r.tile("letter", value="h")
    r.gaze(key, 0.1, events=[fx.PredictionsIn(first)])
    assert [(p.context, p.prefix) for p in r.peeks()] == [("", "H")], "asked once, as typing would make it"
    answer = Suggestions("", "H", ["How", "Hello", "Help", "Hi", "He"], [])
    view = r.gaze(key, 0.1, events=[fx.PredictionsIn(first, peeked=answer)])
    assert view.next_words == NextWords(key.id, ("How", "Hello", "Help"))
    assert len(r.peeks()) == 1
    r.gaze(key, 1.2)  # the dwell completes: the letter is typed
    assert r.c.session.text == "H"
    view = r.gaze(r.tile("message"), 0.1)
    assert view.next_words is None, "gone once the text changed"


def test_dwelling_on_a_word_tile_shows_the_words_after_it():
    r = Rig()
    first = _keyboard(r)
    word = r.tile("word", slot=2)  # "please"
    r.gaze(word, 0.1, events=[fx.PredictionsIn(first)])
    assert [(p.context, p.prefix) for p in r.peeks()] == [("Please ", "")]


def test_no_words_on_keys_while_paused_or_when_switched_off():
    r = Rig(next_words_on_tile=False)
    first = _keyboard(r)
    view = r.gaze(r.tile("letter", value="h"), 0.3, events=[fx.PredictionsIn(first)])
    assert not r.peeks() and view.next_words is None
    r2 = Rig()
    first = _keyboard(r2)
    r2.c.session.pause()
    view = r2.gaze(r2.tile("letter", value="h"), 0.3, events=[fx.PredictionsIn(first)])
    assert not r2.peeks() and view.next_words is None


# ------------------------------------------------------------------ the renderer
def test_the_key_draws_its_words_under_the_letter(tmp_path):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from aac.ui.render import Renderer

    pygame.font.init()
    r = Rig()
    first = _keyboard(r)
    key = r.tile("letter", value="h")
    r.gaze(key, 0.1, events=[fx.PredictionsIn(first)])
    answer = Suggestions("", "H", ["How", "Hello", "Help", "Hi", "He"], [])
    with_words = r.gaze(key, 0.1, events=[fx.PredictionsIn(first, peeked=answer)])
    assert with_words.next_words is not None
    plain = r.c.view(r.now)
    plain.next_words = None
    renderer = Renderer()
    shots = []
    for view in (plain, with_words):
        view.dwell_id = None  # the progress bar is not what is compared
        surf = pygame.Surface(SIZE)
        renderer.draw(surf, view)
        shots.append(surf)
    pygame.image.save(shots[1], str(tmp_path / "key_words.png"))
    x, y, w, h = key.rect
    lower = pygame.Rect(x + 4, y + int(h * 0.5), w - 8, int(h * 0.45))
    differs = sum(
        shots[0].get_at((px, py)) != shots[1].get_at((px, py))
        for px in range(lower.x, lower.right, 2) for py in range(lower.y, lower.bottom, 2)
    )
    assert differs > 100, "words drawn in the key's lower part"
    neighbour = r.tile("letter", value="j")
    nx, ny, nw_, nh = neighbour.rect
    assert all(shots[0].get_at((px, ny + nh // 2)) == shots[1].get_at((px, ny + nh // 2)) for px in range(nx, nx + nw_, 3)), \
        "the other keys are unchanged"
