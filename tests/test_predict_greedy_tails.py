"""Greedy endings already decoded are replayed, not decoded again (aac.predict.endings.GreedyTails).

A greedy ending depends only on the tokens before it. When the person takes the next word of an
ending the board decoded a moment ago, the ending after that word is the rest of the old one:
replaying it must give the same ending as decoding it, with fewer model calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aac.predict.endings import Ending, GreedyTails


def _ending(ids: tuple[int, ...], complete: bool = True, pruned: bool = False) -> Ending:
    lps = tuple(-0.1 * (k + 1) for k in range(len(ids)))
    return Ending("head tail", -1.0, complete, [0.9] * len(ids), ["x"] * len(ids), sum(lps), pruned, ids, lps)


def test_a_complete_ending_is_found_from_inside_it():
    tails = GreedyTails()
    tails.add([1, 2, 3], _ending((10, 11, 12, 13)))
    # after its first token (where the choice was greedy) the rest is known
    got = tails.find([1, 2, 3, 10, 11])
    assert got is not None and got.ids == (12, 13) and got.lps == pytest.approx((-0.3, -0.4))
    assert tails.find([1, 2, 3, 10]).ids == (11, 12, 13)
    # not at its start (the first token may be a preview's second choice), not past its end,
    # not after other tokens
    assert tails.find([1, 2, 3]) is None
    assert tails.find([1, 2, 3, 10, 11, 12, 13]) is None
    assert tails.find([9, 2, 3, 10]) is None


def test_cut_endings_are_not_kept():
    """A cut ending (too many tokens, or stopped because the gate could never show it) would
    have gone on further from a later start: its rest is not the whole ending there."""
    tails = GreedyTails()
    tails.add([1], _ending((10, 11, 12), complete=False))
    tails.add([1], _ending((10, 11, 12), pruned=True))
    assert len(tails) == 0 and tails.find([1, 10]) is None


def test_the_store_stays_bounded_and_keeps_the_newest():
    tails = GreedyTails()
    for n in range(GreedyTails.SIZE):
        tails.add([n], _ending((7, 8, 9)))
    assert len(tails) == GreedyTails.SIZE
    assert tails.find([0, 7]) is None, "the oldest went first"
    assert tails.find([GreedyTails.SIZE - 1, 7]).ids == (8, 9)


@pytest.mark.model
def test_replayed_endings_equal_decoded_ones_with_the_real_model():
    from model_helpers import built_model_dir

    from aac.predict.suggest import Predictor, PredictorSettings

    model_dir: Path = built_model_dir()
    # requests at each new word of sentences the person writes by taking words whole, as after
    # a word tile: the greedy endings of one request often go on along the words taken
    requests = []
    for sentence in ["I want to go to bed.", "Can you turn the light off please?", "I would like a cup of tea."]:
        words = sentence.split()
        requests += [(" ".join(words[:k]) + (" " if k else ""), "") for k in range(len(words))]
    got = {}
    for reuse in (False, True):
        for stop in (False, True):
            pred = Predictor.from_model_dir(model_dir, PredictorSettings(reuse_greedy_tails=reuse, stop_hopeless_endings=stop), threads=2)
            calls0 = pred.engine.calls
            out = [pred.suggest(ctx, pre) for ctx, pre in requests]
            got[reuse, stop] = ([(s.words, sorted(s.endings), s.visible_endings(), s.chunks) for s in out], pred.engine.calls - calls0)
    for stop in (False, True):
        (decoded, calls_decoded), (replayed, calls_replayed) = got[False, stop], got[True, stop]
        # the same words, visible endings and chunks, and the same hidden endings: their order
        # may differ at a near tie, because the replayed log-probs were computed in another
        # batch of another shape (ONNX Runtime's sums differ there; on dev lines 1-20 the
        # ending probabilities moved by up to ~0.02 nats)
        assert replayed == decoded
        assert calls_replayed < calls_decoded, (calls_replayed, calls_decoded)


def test_a_known_tail_that_would_go_on_inside_the_word_is_not_replayed(fake_engine):
    """Inside an earlier ending, the token after a word may continue that word ("go" + "ing");
    decoding an ending after the word never picks such a token first, so neither does replay."""
    import numpy as np

    from aac.predict.endings import KnownTail
    from aac.predict.suggest import Predictor

    decoder = Predictor(fake_engine).endings
    vocab = decoder.vocab
    cont = int(np.flatnonzero(vocab.cont & vocab.valid)[0])
    word_start = int(np.flatnonzero(~vocab.cont & vocab.valid)[0])
    assert decoder.replay("go", -1.0, KnownTail((cont, word_start), (-0.1, -0.2))) is None
    assert decoder.replay("go", -1.0, KnownTail((), ())) is None
