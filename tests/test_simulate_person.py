"""The simulated person on the real board without the model (keyboard only): it types, speaks,
and repairs text it did not intend with undo."""

from __future__ import annotations

import os
import random

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from aac.speech.speaker import RecordingSpeaker
from aac.store.profile import Profile
from aac.ui.app import BoardApp
from aac.ui.simulate import (
    SimClock,
    SimulatedPerson,
    SimulatedTobii,
    SimulationConfig,
    run_simulation,
)


def _write_on_the_board(tmp_path, service, sentence, *, reads=True, app_ref=None, size=(1920, 1080), seed=3,
                        before=None, settings=None):
    """The person writes ``sentence`` from the keyboard page of a board fed by ``service`` (None:
    no predictions), 0.5 deg noise, at most a simulated minute; ``before(app)`` runs first;
    ``settings``: profile settings to set first. Returns (app, person, speaker), the app closed."""
    pygame.display.init()
    pygame.font.init()
    clock = SimClock()
    speaker = RecordingSpeaker()
    profile = Profile.open(tmp_path / "p")
    for key, value in (settings or {}).items():
        profile.set(key, value)
    app = BoardApp(profile, pygame.Surface(size), layout_name="default",
                   clock=clock, service=service, speaker=speaker, handle_events=False, source_name="sim")
    if app_ref is not None:
        app_ref.append(app)
    rng = random.Random(seed)
    person = SimulatedPerson(app, rng, reads_tile_words=reads)
    app.source = SimulatedTobii(person, size, clock, rng, noise_deg=0.5)
    app.on_activation = person.on_activation
    try:
        person.begin(sentence, clock.now)
        app.set_page("keyboard")
        if before is not None:
            before(app)
        for _ in range(60 * 60):
            person.update(clock.now)
            app.step(clock.now)
            clock.now += 1 / 60
            if person.done:
                break
    finally:
        app.close()
    return app, person, speaker


@pytest.mark.slow  # ~5 s on an idle machine, much more on a loaded one
def test_keyboard_only_run_writes_and_speaks(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    cfg = SimulationConfig(predictions=False, speech="record", speed=1000, noise_deg=0.5, seed=2,
                           size=(1280, 720), frames_dir=tmp_path / "frames")
    result = run_simulation(["Hi.", "ok"], cfg)
    assert result["sentences"] == 2 and result["correct"] == 2, result
    assert result["false_activations"] == 0
    # Keyboard page + h + i + speak, then o + k + speak: letters only, no predictions.
    assert result["selections"] == 7
    # 5 selections for 6 "keystrokes" (h i + space, o k + space): no space needed before speaking.
    assert abs(result["ks"] - (1 - 5 / 6)) < 1e-3
    assert result["predictions"] is False
    assert len(list((tmp_path / "frames").glob("*.png"))) == 7
    assert result["time_split_s"]["select"] > 0


def test_person_undoes_what_it_did_not_intend(tmp_path):
    def stray_letter(app):  # as if from a false activation
        app.session.type_letter("x")
        app.session.drain_events()

    app, person, speaker = _write_on_the_board(tmp_path, None, "ok", size=(1280, 720), seed=5, before=stray_letter)
    assert person.done
    assert speaker.spoken == ["Ok"]
    assert any(a.kind == "action" and a.text == "undo" for a in app.activations)
    assert person.false_activations == 0

class ScriptedService:
    """Instant suggestions from a table (the person's reading is tested here, not the model)."""

    ready, error = True, None

    def __init__(self, table: dict) -> None:
        self.table = table
        self._latest = None
        self._peeked = None
        self.peeks: list[tuple[str, str]] = []

    def _answer(self, context: str, prefix: str):
        from aac.predict.types import Suggestions

        words = list(self.table.get((context, prefix), ["and", "the", "to", "a", "of"]))
        # one ending, which the confidence gate hides (an empty tile is not read)
        return Suggestions(context, prefix, words, ["And so on."], previews=dict(self.table.get("previews", {})),
                           endings_shown=[False])

    def request(self, context: str, prefix: str) -> None:
        self._latest = self._answer(context, prefix)

    def latest(self):
        return self._latest

    def peek(self, context: str, prefix: str) -> None:
        self.peeks.append((context, prefix))
        self._peeked = self._answer(context, prefix)

    def peeked(self, context: str, prefix: str):
        p = self._peeked
        return p if p is not None and p.matches(context, prefix) else None

    def learn(self, sentence: str) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("reads", [True, False])
def test_person_reads_the_next_words_on_the_key_and_takes_the_word_without_searching(tmp_path, reads):
    """Dwelling on "h", the key shows Hello / How / Help (word tiles 1-3 after the letter): the
    person reads "Hello" during the dwell and stops, and after the letter takes word tile 1 from
    memory. The person before session 11 (``reads=False``) reads the word tile instead."""
    service = ScriptedService({("", ""): ["I", "the", "please", "can", "what"],
                               ("", "H"): ["Hello", "How", "Help", "Hi", "He"]})
    app, person, speaker = _write_on_the_board(tmp_path, service, "hello", reads=reads)
    assert person.done and speaker.spoken == ["Hello"]
    assert [a.kind for a in app.activations] == ["letter", "word", "action"], "h, Hello, speak"
    assert person.false_activations == 0
    assert ("", "H") in service.peeks
    if reads:
        assert person.key_lines_read == 1, "Hello: found, stops reading"
        assert person.tiles_read == 5, "the five word tiles at the start, none after the letter"
        assert person.tiles_recalled >= 1
    else:
        assert person.key_lines_read == 0
        assert person.tiles_read == 5 + 1, "after the letter: Hello on its tile"


def test_dwelling_on_a_word_the_person_sees_its_preview_and_takes_the_ending(tmp_path):
    """The word "Hello" is known from the key; while dwelling on its tile the ending tiles show
    "Hello there." (its preview), seen as when reading the tile: word + ending in one selection."""
    service = ScriptedService({("", ""): ["I", "the", "please", "can", "what"],
                               ("", "H"): ["Hello", "How", "Help", "Hi", "He"],
                               "previews": {"Hello": ["Hello there."]}})
    app, person, speaker = _write_on_the_board(tmp_path, service, "hello there")
    assert person.done and speaker.spoken == ["Hello there."]
    assert [a.kind for a in app.activations] == ["letter", "ending", "action"], "h, Hello there., speak"
    assert person.false_activations == 0

def test_with_speak_on_sentence_end_the_ending_is_said_and_no_speak_dwell_follows(tmp_path):
    """The same sentence with the caregiver setting on: the ending's full stop says the sentence
    as a message, and the person, hearing it, is done: two selections instead of three."""
    service = ScriptedService({("", ""): ["I", "the", "please", "can", "what"],
                               ("", "H"): ["Hello", "How", "Help", "Hi", "He"],
                               "previews": {"Hello": ["Hello there."]}})
    app, person, speaker = _write_on_the_board(tmp_path, service, "hello there",
                                               settings={"speak_on_sentence_end": True})
    assert person.done and person.spoken == "Hello there." and speaker.spoken == ["Hello there."]
    assert [a.kind for a in app.activations] == ["letter", "ending"], "h, Hello there. (said at once)"
    assert app.session.text == "" and app.controller.messages.history.items()[0] == "Hello there."
    assert person.false_activations == 0
    # the ending fired with the text the person had read on it: nothing to report
    assert (person.wrong_said, person.fired_other_text, person.incidents) == (0, 0, [])


def _meaning_hello_there(tmp_path):
    """A board without predictions (1280x720), the person about to write "hello there", and the
    first ending tile: for tests that hand the person activations directly."""
    pygame.display.init()
    pygame.font.init()
    app = BoardApp(Profile.open(tmp_path / "p"), pygame.Surface((1280, 720)), layout_name="default",
                   clock=SimClock(), speaker=RecordingSpeaker(), handle_events=False, source_name="sim")
    person = SimulatedPerson(app, random.Random(1))
    person.begin("hello there", 0.0)
    return app, person, next(b for b in app.boxes if b.kind == "ending")


def test_a_sentence_said_that_was_not_meant_is_taken_back_and_counted(tmp_path):
    """With speak_on_sentence_end a wrong ending is heard at once: the person does not stop there
    (as after Speak) but undoes it and goes on, and the run reports it (``wrong_said``)."""
    from aac.session import Session
    from aac.ui.effects import Activation

    app, person, ending = _meaning_hello_there(tmp_path)
    try:
        said = Session(clock=lambda: 0.0, text="Hello world.")
        said.speak()
        events = said.drain_events()
        for spoken, wrong in (("Hello world.", True), ("Hello there.", False)):
            app.controller.messages.last_spoken = spoken
            person.pending_undo = False
            person.select(ending, "ending", 1.0)
            person.on_activation(Activation(2.0, ending.id, "ending", spoken, "home", events))
            assert (person.wrong_said, person.pending_undo, person.done) == ((1, True, False) if wrong else (1, False, True))
        assert person.spoken == "Hello there." and person.false_activations == 0
        # the run's record of the wrong sentence: what was meant, said, and read on the tile
        # (this board has no predictions: the tile was blank when the person chose it)
        wrong = [i for i in person.incidents if i["kind"] == "wrong_said"]
        assert len(wrong) == 1 and wrong[0]["target"] == "hello there" and wrong[0]["said"] == "Hello world."
        assert wrong[0]["fired"] == "Hello world." and wrong[0]["read"] == "" and wrong[0]["intended"] is True
    finally:
        app.close()


def test_a_tile_that_fires_with_other_text_than_the_person_read_is_counted(tmp_path):
    """The person reads an ending, decides, and looks at it; if the tile's text changed before it
    fired (new suggestions between the read and the dwell), the selection was intended but its text
    was not. The run counts it (``fired_other_text``) and keeps what was read and what fired."""
    from aac.ui.effects import Activation

    app, person, ending = _meaning_hello_there(tmp_path)
    try:
        key = next(b for b in app.boxes if b.kind not in ("word", "ending", "message"))
        read = app.board.slot("ending", ending.tile.slot or 0).text
        person.select(ending, "ending", 1.0)
        person.on_activation(Activation(2.25, ending.id, "ending", read, "home", []))
        assert person.fired_other_text == 0, "the text it read fired"
        person.select(ending, "ending", 3.0)
        person.on_activation(Activation(4.5, ending.id, "ending", "Hello world.", "home", []))
        assert person.fired_other_text == 1 and person.false_activations == 0
        assert person.incidents == [{"kind": "fired_other_text", "target": "hello there", "tile": ending.id,
                                     "fired": "Hello world.", "said": None, "at_s": 4.5, "purpose": "ending",
                                     "read": read, "read_before_s": 1.5}]
        person.select(key, "page", 5.0)  # other tiles are not prediction tiles: their text is fixed
        person.on_activation(Activation(6.0, key.id, key.kind, "x", "home", []))
        assert person.fired_other_text == 1
    finally:
        app.close()


class LatePreviews(ScriptedService):
    """The word's previews reach the board only when its dwell bar is 90 % full."""

    def __init__(self, table: dict, app_ref: list) -> None:
        super().__init__(table)
        self.app_ref = app_ref

    def _answer(self, context: str, prefix: str):
        from dataclasses import replace

        return replace(super()._answer(context, prefix), previews={})

    def latest(self):
        from dataclasses import replace

        app = self.app_ref[0] if self.app_ref else None
        if app is not None and self._latest is not None and not self._latest.previews:
            st = app.controller.dwell_state
            box = next((b for b in app.boxes if b.id == st.target_id), None)
            if box is not None and box.kind == "word" and st.progress >= 0.9:
                self._latest = replace(self._latest, previews=dict(self.table["previews"]))
        return self._latest


@pytest.mark.parametrize("too_late_s", [SimulatedPerson.TOO_LATE_S, 0.0])
def test_a_preview_seen_when_the_word_is_about_to_fire_is_not_chased(tmp_path, monkeypatch, too_late_s):
    """"Hello there." shows as the word's preview only when the dwell bar on "Hello" is 90 % full
    (0.1 s left): the eye cannot leave in time (a saccade starts 120-200 ms after the decision), so
    the person lets "Hello" fire and writes on. Without that rule (``TOO_LATE_S = 0``) the person
    turns to the ending and "Hello" fires as a false activation, as the adaptive dwell showed."""
    monkeypatch.setattr(SimulatedPerson, "TOO_LATE_S", too_late_s)
    app_ref: list = []
    service = LatePreviews({("", ""): ["I", "the", "please", "can", "what"],
                            ("", "H"): ["Hello", "How", "Help", "Hi", "He"],
                            ("Hello ", ""): ["there", "and", "to", "I", "my"],
                            "previews": {"Hello": ["Hello there."]}}, app_ref)
    app, person, speaker = _write_on_the_board(tmp_path, service, "hello there", app_ref=app_ref)
    assert person.done and speaker.spoken and speaker.spoken[-1].lower().startswith("hello there")
    if too_late_s:
        assert person.false_activations == 0
        assert [a.kind for a in app.activations][:2] == ["letter", "word"], "h, then Hello fires as meant"
    else:
        assert person.false_activations >= 1, "the race this rule removes"
