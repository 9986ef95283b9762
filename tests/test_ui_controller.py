"""The board controller on its own: plain values in, plain values out (no pygame, no threads,
no model), with the clock passed in. Covers the hooks other parts plug into: a layout reload
waits for the dwell to end, adaptive dwell keeps the pause, effects are typed values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aac.gaze.dwell import DwellConfig
from aac.gaze.sample import GazeSample
from aac.layouts.loader import load_layout
from aac.predict.types import Suggestions
from aac.ui import effects as fx
from aac.ui.controller import BoardController, BoardOptions

SIZE = (1280, 720)


class Rig:
    def __init__(self, **options) -> None:
        self.now = 10.0
        self.layout = load_layout("default")
        self.c = BoardController(self.layout, BoardOptions(dwell=DwellConfig(), **options), SIZE, now=self.now)
        self.effects: list = self.c.drain_effects()

    def tile(self, kind, **attrs):
        return next(b for b in self.c.boxes if b.kind == kind and all(getattr(b.tile, k) == v for k, v in attrs.items()))

    def gaze(self, box, seconds: float, events=()):
        """Look at ``box`` (normalised centre) for ``seconds`` at 60 Hz, one sample per frame."""
        x, y, w, h = box.norm
        for i in range(round(seconds * 60)):
            self.now += 1 / 60
            evs = list(events) if i == 0 else []
            _view, eff = self.c.step(self.now, [GazeSample(self.now, x + w / 2, y + h / 2, True)], evs)
            self.effects += eff

    def of(self, kind):
        return [e for e in self.effects if isinstance(e, kind)]


def test_the_controller_needs_no_pygame_and_no_threads():
    code = ("import sys, threading; import aac.ui.controller, aac.ui.effects, aac.ui.view; "
            "print('pygame' in sys.modules, threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         cwd=str(Path(__file__).resolve().parents[1]))
    assert out.stdout.split() == ["False", "1"]


def test_a_phrase_dwell_types_it_and_says_what_must_happen_as_values():
    r = Rig(click_sound=True)
    phrase = r.tile("phrase")
    r.gaze(phrase, 1.5)
    assert r.c.session.text.strip() == phrase.tile.value.strip()
    assert r.of(fx.Click) and r.of(fx.SaveDraft)[-1].text == r.c.session.text
    sel = r.of(fx.LogSelection)
    assert [s.kind for s in sel] == ["phrase"] and sel[0].tile_id == phrase.id
    assert r.of(fx.Activated)[0].activation.box_id == phrase.id
    assert r.of(fx.RequestPredictions)[-1] == fx.RequestPredictions(*r.c.session.context_and_prefix())


def test_speak_emits_speak_learn_and_log_message():
    r = Rig()
    r.c.session.restore("I need water")
    r.gaze(r.tile("action", action="speak"), 1.5)
    assert r.of(fx.Speak) == [fx.Speak("I need water")]
    assert r.of(fx.Learn) == [fx.Learn("I need water")]
    assert r.of(fx.LogMessage)[0].text == "I need water"
    assert r.c.session.text == ""


def test_a_finished_sentence_is_said_as_a_message_with_speak_on_sentence_end():
    """speak_on_sentence_end saves the Speak dwell: the sentence is said, kept, learned and logged
    as Speak would (without counting a Speak selection), the message clears, and one undo takes
    back the selection that ended the sentence (the message as before it: nothing lost)."""
    from aac.speech.policy import SpeechPolicy

    r = Rig()
    r.c.set_speech_policy(SpeechPolicy(speak_on_sentence_end=True))
    r.c.session.restore("I need water")
    r.gaze(r.tile("page", target="keyboard"), 1.5)
    r.effects.clear()
    r.gaze(r.tile("punct", value="."), 1.5)
    assert r.of(fx.Speak) == [fx.Speak("I need water.")]
    assert r.of(fx.Learn) == [fx.Learn("I need water.")]
    (logged,) = r.of(fx.LogMessage)
    assert logged.text == "I need water." and logged.selections == 1  # the full stop, no Speak dwell
    assert r.c.session.text == "" and r.c.last_spoken == "I need water."
    assert r.c.messages.history.items()[0] == "I need water."
    act = r.of(fx.Activated)[-1].activation
    assert [ev.kind for ev in act.events] == ["punct", "speak"]  # what the simulated person sees
    r.gaze(r.tile("action", action="undo"), 1.5)  # one undo takes back the whole selection
    assert r.c.session.text == "I need water"


def test_speak_on_sentence_end_without_clearing_says_only_the_new_sentence():
    from aac.speech.policy import SpeechPolicy

    r = Rig(clear_after_speak=False)
    r.c.set_speech_policy(SpeechPolicy(speak_on_sentence_end=True))
    r.c.session.restore("Hello. I am cold")
    r.gaze(r.tile("page", target="keyboard"), 1.5)
    r.gaze(r.tile("punct", value="!"), 1.5)
    assert r.of(fx.Speak) == [fx.Speak("I am cold!")]
    assert r.of(fx.Learn) == [fx.Learn("I am cold!")]
    assert r.c.session.text.strip() == "Hello. I am cold!"
    r.gaze(r.tile("letter", value="a"), 1.5)  # not a sentence end: nothing more is said
    assert len(r.of(fx.Speak)) == 1


def test_pause_holds_through_adaptive_dwell_and_a_settings_change():
    r = Rig()
    pause = r.tile("action", action="pause")
    r.gaze(pause, 1.5)
    assert r.c.paused and r.c.dwell.paused
    r.c.set_dwell_time(600, "adaptive")
    r.c.apply_options(BoardOptions(dwell=DwellConfig(dwell_s=0.8), theme="dark"), r.now)
    effects = r.c.drain_effects()
    assert fx.DwellTimeChanged(600, "adaptive") in effects and fx.DwellTimeChanged(800, "settings") in effects
    assert r.c.paused and r.c.dwell.paused, "a new dwell time never unpauses"
    r.gaze(r.tile("phrase"), 3.0)
    assert r.c.session.text == ""
    r.gaze(r.tile("page", target="keyboard"), 3.0)
    assert r.c.page_name == "home"
    r.gaze(pause, 2.5)  # the resume tile, same place, longer dwell
    assert not r.c.paused and not r.c.dwell.paused


def test_a_reloaded_layout_waits_until_the_dwell_ends():
    r = Rig()
    phrase = r.tile("phrase")
    r.gaze(phrase, 0.5)  # lock-on and part of the dwell
    assert r.c.dwell_state.phase == "dwell"
    new = load_layout("large")
    r.c.reload_layout(new)
    r.gaze(phrase, 0.1)
    assert r.c.layout is r.layout, "tiles never move under a dwell in progress"
    r.gaze(phrase, 1.0)  # the dwell completes; the next idle frame takes the new layout
    r.gaze(r.tile("message"), 0.3)
    assert r.c.layout is new
    assert r.c.page_name == "home"  # the new layout has a page of the same name


def test_suggestions_fill_the_word_tiles_and_a_held_result_waits_for_the_dwell():
    r = Rig()
    ctx = r.c.session.context_and_prefix()
    first = Suggestions(*ctx, ["I", "the", "please", "can", "what"], ["I am hungry.", "I need help.", "Thank you."])
    r.c.take_inputs([fx.PredictionsIn(first)], r.now)
    r.gaze(r.tile("message"), 0.1, events=[fx.PredictionsIn(first)])
    word = r.tile("word", slot=0)
    assert r.c.slot_of(word).text == "I" and r.c.slot_of(word).enabled
    r.gaze(word, 0.5)
    other = Suggestions(*ctx, ["Hello", "the", "please", "can", "what"], ["I am hungry."])
    r.gaze(word, 0.1, events=[fx.PredictionsIn(other)])
    assert r.c.slot_of(word).text == "I", "the word under the dwell does not change"
    r.gaze(word, 1.0)
    assert r.c.session.text == "I "


def test_a_phrase_tile_with_a_recording_plays_it_at_once_and_history_replays_it():
    """Issue 17 wired into the controller: the person's own recording instead of synthesis."""
    from dataclasses import replace

    r = Rig()
    home = r.layout.home
    first = next(t for t in home.tiles if t.kind == "phrase")
    tiles = [replace(t, recording="good-morning") if t is first else t for t in home.tiles]
    pages = [replace(p, tiles=tiles) if p is home else p for p in r.layout.pages]
    r.c.show_layout(replace(r.layout, pages=pages), [], r.now)
    r.c.session.restore("I was writing")
    r.effects = r.c.drain_effects()
    phrase = r.tile("phrase", recording="good-morning")
    r.gaze(r.tile("action", action="speak"), 0.1)  # a new board wants a look away first
    r.gaze(phrase, 1.5)
    text = first.value or first.label
    assert r.of(fx.Speak) == [fx.Speak(text, "good-morning")]
    assert r.c.session.text == "I was writing"  # the message being written is left as it is
    sel = r.of(fx.LogSelection)
    assert [s.kind for s in sel] == ["recorded message"] and sel[0].tile_id == phrase.id
    r.c.open_history()  # the "history" action (not on the default home page)
    r.effects = []
    entry = r.tile("history")
    r.gaze(next(b for b in r.c.boxes if b.id != entry.id), 0.4)
    r.gaze(entry, 2.0)  # the newest message: said again with the same recording
    assert r.of(fx.Speak) == [fx.Speak(text, "good-morning", replay=True)]
    said_again = r.of(fx.LogSelection)  # logged as "history": the report counts it as said again
    assert [(s.kind, s.tile_id, s.page, s.text) for s in said_again] == [("history", entry.id, "__history__", text)]


def test_adaptive_dwell_on_the_board_shortens_after_kept_selections_lengthens_after_undo_and_keeps_pause():
    """Issue 15's adaptive dwell wired into the controller: within the caregiver's bounds, every
    change an effect the shell logs for the clinician, and a pause is never lifted by it."""
    from aac.gaze.adaptive_dwell import AdaptiveDwellSettings

    r = Rig(adaptive=AdaptiveDwellSettings(enabled=True, min_ms=800, max_ms=1200, step_ms=100, streak=3))
    letter_page = r.tile("page", target="keyboard")
    r.gaze(letter_page, 1.5)
    keys = [b for b in r.c.boxes if b.kind == "letter"][:3]
    for key in keys:
        r.gaze(r.tile("action", action="undo"), 0.1)  # look away between two letters
        r.gaze(key, 1.5)
    changes = r.of(fx.DwellTimeChanged)
    assert changes and changes[-1].dwell_ms == 900 and changes[-1].reason == "adaptive:kept_streak"
    assert r.c.dwell.config.dwell_s == 0.9
    r.gaze(r.tile("letter", value=keys[0].tile.value), 0.1)
    r.gaze(r.tile("action", action="undo"), 1.5)  # an undo right after a letter: a suspected false activation
    assert r.of(fx.DwellTimeChanged)[-1].dwell_ms == 1100 and r.c.dwell.config.dwell_s == 1.1
    r.gaze(r.tile("action", action="pause"), 1.5)
    r.c.set_dwell_time(800, "adaptive:kept_streak")
    assert r.c.paused and r.c.dwell.paused
    for _ in range(5):  # never below the caregiver's minimum
        r.c.adaptive.selection(r.now)
    assert r.c.dwell.config.dwell_s >= 0.8


def _with_previews(r: Rig) -> Suggestions:
    ctx = r.c.session.context_and_prefix()
    sugg = Suggestions(*ctx, ["I", "the", "please", "can", "what"], ["Thank you.", "", ""],
                       previews={"I": ["I am hungry.", "I need help."], "the": ["the door please."],
                                 "please": ["please help me."], "can": [], "what": []})
    r.gaze(r.tile("message"), 0.1, events=[fx.PredictionsIn(sugg)])
    return sugg


def test_previews_follow_the_gaze_from_one_word_tile_to_the_next_within_a_fixation():
    """Reading word tiles one after the other, a fixation of 200-300 ms shows each word's
    previews after 60 ms, although the dwell still holds the previous tile (exit grace)."""
    r = Rig()
    _with_previews(r)
    first, second = r.tile("word", slot=0), r.tile("word", slot=1)
    r.gaze(first, 0.25)
    assert r.c.board.preview_word == "I" and r.c.board.previewing
    r.gaze(second, 1 / 30)  # passing over it: the ending tiles stay as they are
    assert r.c.board.preview_word == "I"
    r.gaze(second, 0.05)  # 83 ms on it: a fixation
    assert r.c.dwell_state.target_id == first.id, "the dwell's target is still held on the first tile"
    assert r.c.board.preview_word == "the"
    assert r.c.slot_of(r.tile("ending", slot=0)).text == "the door please."
    # previews never select anything: nothing was activated by reading
    assert r.c.session.text == "" and not r.of(fx.Activated)


def test_an_ending_being_dwelt_on_keeps_its_text_while_the_gaze_strays_to_a_word():
    r = Rig()
    _with_previews(r)
    r.gaze(r.tile("word", slot=0), 0.3)
    ending = r.tile("ending", slot=0)
    r.gaze(ending, 0.5)
    assert r.c.slot_of(ending).text == "I am hungry."
    r.gaze(r.tile("word", slot=1), 0.1)  # a stray glance shorter than the exit grace
    assert r.c.slot_of(ending).text == "I am hungry.", "the tile under the dwell does not change"
    r.gaze(ending, 0.8)
    assert r.c.session.text.strip() == "I am hungry."


def test_the_flash_shows_the_ending_that_fired_not_the_stale_one_behind_it():
    """An ending taken from a word's preview: the message changes, so the ending tiles fall back
    to the plain (stale) endings until new ones come. The flash confirming the choice still shows
    the chosen text; once it is over the tile shows what the board holds."""
    from aac.ui.view import FLASH_S

    r = Rig()
    _with_previews(r)
    r.gaze(r.tile("word", slot=0), 0.3)  # "I": its previews on the ending tiles
    ending = r.tile("ending", slot=0)
    r.gaze(ending, 1.3)
    assert r.c.session.text.strip() == "I am hungry."
    fired = r.of(fx.Activated)[-1].activation
    assert fired.box_id == ending.id
    behind = r.c.slot_of(ending).text
    assert behind != "I am hungry.", "the tile itself no longer holds the preview"
    during = r.c.view(fired.t + FLASH_S / 2)
    assert during.flash_id == ending.id and during.slots[ending.id].text == "I am hungry."
    assert not during.slots[ending.id].enabled
    after = r.c.view(fired.t + FLASH_S + 0.01)
    assert after.slots[ending.id].text == behind


def test_the_new_word_on_a_tile_just_chosen_is_not_previewed_until_looked_at_again():
    """After a word fires, the eye is still on its tile, which now shows the next word: that is
    not a look at the new word, so the ending tiles keep the plain endings."""
    r = Rig()
    sugg = _with_previews(r)
    word = r.tile("word", slot=1)
    r.gaze(word, 1.4)  # "the" fires
    assert r.c.session.text == "The "
    ctx = r.c.session.context_and_prefix()
    after = Suggestions(*ctx, ["door", "the", "light", "window", "bed"], ["door please.", "", ""],
                        previews={"the": ["the end."], "door": ["door please."]})
    r.gaze(word, 0.3, events=[fx.PredictionsIn(after)])
    assert r.c.slot_of(word).text == "the" and r.c.dwell_state.phase == "rearm"
    assert not r.c.board.previewing and r.c.slot_of(r.tile("ending", slot=0)).text == "door please."
    assert sugg.previews["the"]  # (the old word had previews too)
