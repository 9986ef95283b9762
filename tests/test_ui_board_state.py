"""What the prediction tiles show: stale, never blank, held during a dwell, previews."""

from __future__ import annotations

from aac.predict.types import Suggestions
from aac.ui.board_state import BoardState


def sugg(context="", prefix="", words=None, endings=None, previews=None):
    return Suggestions(
        context,
        prefix,
        words or ["I", "the", "please", "can", "what"],
        endings or ["I am hungry.", "I need help.", "Thank you."],
        previews or {},
    )


def test_fresh_then_stale_keeps_the_old_words_visible_but_not_selectable():
    b = BoardState()
    assert b.stale and b.words()[0].text == "" and not b.words()[0].enabled
    assert b.offer(sugg())
    assert b.fresh and b.words()[0].text == "I" and b.words()[0].enabled
    b.set_context("I ", "")
    assert b.stale
    w = b.words()[0]
    assert w.text == "I" and w.stale and not w.enabled  # never blank, never selectable while stale
    assert not b.offer(sugg())  # an old result for the previous context is dropped
    assert b.offer(sugg("I ", "", ["am", "want", "need", "have", "like"], ["am hungry.", "need help.", "love you."]))
    assert b.fresh and [s.text for s in b.words()] == ["am", "want", "need", "have", "like"]


def test_result_is_held_while_dwelling_on_the_tile_it_would_change():
    b = BoardState()
    b.offer(sugg())
    newer = sugg(words=["Hello", "the", "please", "can", "what"])  # same context, reranked slot 0
    assert not b.offer(newer, dwelling=("word", 0))
    assert b.words()[0].text == "I", "the tile under the dwell keeps its word"
    assert b.pending is newer
    assert b.release()
    assert b.words()[0].text == "Hello"


def test_previews_arriving_during_a_word_dwell_are_applied_at_once():
    b = BoardState()
    b.offer(sugg())
    with_previews = sugg(previews={"I": ["I am hungry.", "I want to go home."]})
    # Dwelling on word 0: the word does not change, so the previews may appear now.
    assert b.offer(with_previews, dwelling=("word", 0))
    b.set_preview("I")
    assert b.previewing
    e = b.endings()
    assert [s.text for s in e[:2]] == ["I am hungry.", "I want to go home."]
    assert e[0].via_word == "I" and e[0].enabled
    assert e[2].text == "" and not e[2].enabled  # fewer previews than tiles: blank, not selectable


def test_preview_without_entries_shows_the_plain_endings_and_clears_on_context_change():
    b = BoardState()
    b.offer(sugg(previews={"I": ["I am hungry."]}))
    b.set_preview("the")  # no previews for "the"
    assert not b.previewing
    assert [s.text for s in b.endings()] == ["I am hungry.", "I need help.", "Thank you."]
    assert all(s.via_word is None for s in b.endings())
    b.set_preview("I")
    assert b.endings()[0].via_word == "I"
    b.set_context("I ", "")
    assert b.preview_word is None
    assert all(s.via_word is None for s in b.endings())


def test_ending_dwell_holds_a_result_that_would_change_the_ending():
    b = BoardState()
    b.offer(sugg())
    newer = sugg(endings=["Something else.", "I need help.", "Thank you."])
    assert not b.offer(newer, dwelling=("ending", 0))
    assert b.endings()[0].text == "I am hungry."
    # Even a dwell on another prediction tile holds it: nothing moves while the person dwells.
    b2 = BoardState()
    b2.offer(sugg())
    assert not b2.offer(newer, dwelling=("word", 3))
    assert b2.endings()[0].text == "I am hungry."
    assert b2.release() and b2.endings()[0].text == "Something else."


def test_endings_arriving_after_the_words_are_not_held_by_a_word_dwell():
    b = BoardState()
    b.offer(sugg())
    b.set_context("I ", "")
    b.offer(Suggestions("I ", "", ["am", "want", "need", "have", "like"], []))
    full = Suggestions("I ", "", ["am", "want", "need", "have", "like"], ["am hungry.", "need help.", "love you."],
                       {"am": ["am tired."]})
    assert b.offer(full, dwelling=("word", 0)), "the ending tiles were stale: filling them is no change"
    b.set_preview("am")
    assert b.endings()[0].text == "am tired." and b.endings()[0].via_word == "am"


def test_pending_result_is_dropped_if_the_context_moved_on():
    b = BoardState()
    b.offer(sugg())
    b.offer(sugg(words=["x", "the", "please", "can", "what"]), dwelling=("word", 0))
    b.set_context("I ", "")
    assert not b.release()
    assert b.stale


def test_words_first_then_endings_never_blanks_the_ending_tiles():
    b = BoardState()
    b.offer(sugg())
    b.set_context("I ", "")
    words_only = Suggestions("I ", "", ["am", "want", "need", "have", "like"], [])
    assert b.offer(words_only)
    assert b.fresh and not b.complete and b.endings_pending
    assert b.words()[0].enabled and b.words()[0].text == "am"
    e = b.endings()
    assert [s.text for s in e] == ["I am hungry.", "I need help.", "Thank you."], "old endings stay"
    assert all(s.stale and not s.enabled for s in e), "...drawn stale, not selectable"
    full = Suggestions("I ", "", ["am", "want", "need", "have", "like"], ["am hungry.", "need help.", "love you."])
    assert b.offer(full)
    assert b.complete and [s.text for s in b.endings()] == ["am hungry.", "need help.", "love you."]
    assert all(s.enabled for s in b.endings())


def test_a_context_with_no_endings_at_all_ends_up_blank_not_stale():
    b = BoardState()
    b.offer(sugg())
    b.set_context("I ", "")
    b.offer(Suggestions("I ", "", ["am", "want", "need", "have", "like"], []))
    assert b.endings_pending
    b.offer(Suggestions("I ", "", ["am", "want", "need", "have", "like"], []))  # the full answer: none
    assert b.complete
    assert all(s.text == "" and not s.enabled for s in b.endings())


def test_a_gated_ending_is_an_empty_tile_not_selectable():
    b = BoardState()
    s = Suggestions("", "", ["I", "the", "please", "can", "what"], ["I am hungry.", "I need help.", "Thank you."],
                    endings_shown=[False, True, False])
    assert b.offer(s)
    e = b.endings()
    assert [x.text for x in e] == ["I need help.", "", ""], "the shown ending takes the first tile, the rest are empty"
    assert e[0].enabled and not e[1].enabled and not e[2].enabled


def test_words_that_stay_valid_keep_their_tile_after_a_letter():
    b = BoardState()
    b.set_context("I want ", "")
    assert b.offer(sugg("I want ", "", ["to", "a", "the", "some", "my"], ["to go home.", "a drink.", "the TV on."]))
    b.set_context("I want ", "t")
    assert b.offer(sugg("I want ", "t", ["to", "the", "tea", "them", "that"], ["to go home.", "tea please.", "the TV on."]))
    words = [s.text for s in b.words()]
    assert words[0] == "to" and words[2] == "the", "words still offered stay where they were read"
    assert set(words) == {"to", "tea", "the", "them", "that"}
    assert [s.text for s in b.endings()] == ["to go home.", "tea please.", "the TV on."]


def test_an_ending_keeps_its_tile_when_its_first_word_is_chosen():
    b = BoardState()
    b.offer(sugg("", "", ["I", "please", "can", "the", "what"], ["Thank you.", "I want to go home.", "Please help."]))
    b.set_context("I ", "")
    assert b.offer(sugg("I ", "", ["am", "want", "need", "have", "like"], ["am tired.", "need help.", "want to go home."]))
    ends = [s.text for s in b.endings()]
    assert ends[1] == "want to go home.", "what is left of the ending read a moment ago stays on its tile"
    assert set(ends) == {"am tired.", "need help.", "want to go home."}
    # the tile a selection is made on carries the text shown there
    assert b.slot("ending", 1).enabled


def test_rank_of_a_stable_tile_is_the_predictors_rank():
    b = BoardState()
    b.set_context("I want ", "")
    assert b.offer(sugg("I want ", "", ["to", "a", "the", "some", "my"]))
    b.set_context("I want ", "t")
    assert b.offer(sugg("I want ", "t", ["the", "to", "tea", "them", "that"]))
    assert b.slot("word", 0).text == "to" and b.rank("word", 0) == 1
    assert b.slot("word", 2).text == "the" and b.rank("word", 2) == 0
