"""The background service: newest request wins, stale ones are cancelled, errors never raise."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from aac.predict.service import create_service
from model_helpers import built_model_dir


_model_dir = built_model_dir


@pytest.fixture(scope="module")
def service():  # noqa: ANN201
    svc = create_service(None, model_dir=_model_dir())
    assert svc.wait_ready(60), svc.error
    yield svc
    svc.close()


@pytest.mark.model
def test_results_are_tagged_and_previews_follow(service) -> None:  # noqa: ANN001
    service.request("I would like ", "")
    s = service.wait_for("I would like ", "", timeout=30)
    assert s is not None and s.matches("I would like ", "")
    assert len(s.words) == 5 and len(s.endings) == 3
    full = service.wait_for("I would like ", "", timeout=30, previews=True)
    assert full is not None and set(full.previews) == set(full.words)
    assert full.words == s.words  # same suggestions, previews filled in


@pytest.mark.model
def test_newest_request_wins_and_stale_ones_are_cancelled(service) -> None:  # noqa: ANN001
    before = service.cancelled
    # a long fresh context keeps the worker busy for a while...
    old_ctx = "This is a long message about my appointment with the doctor next week and the bus " * 3
    service.request(old_ctx, "")
    deadline = time.monotonic() + 20
    while service.current != (old_ctx, "") and time.monotonic() < deadline:
        time.sleep(0.001)
    assert service.current == (old_ctx, ""), "the worker never started the first request"
    for p in ["s", "so", "som"]:  # ...while the person keeps typing
        service.request("I want ", p)
    final = service.wait_for("I want ", "som", timeout=30)
    assert final is not None and all(w.lower().startswith("som") for w in final.words)
    published = [(c, p) for c, p, _, _ in service.published]
    assert (old_ctx, "") not in published  # stopped between decode steps, never shown
    assert service.cancelled > before
    assert ("I want ", "s") not in published and ("I want ", "so") not in published  # skipped
    latest = service.latest()
    assert latest is not None and latest.matches("I want ", "som")


@pytest.mark.model
def test_learning_is_async_and_changes_suggestions(tmp_path: Path) -> None:
    svc = create_service(tmp_path / "profile", model_dir=_model_dir())
    try:
        assert svc.wait_ready(60), svc.error
        t0 = time.monotonic()
        for _ in range(3):
            svc.learn("My cat Zorblax likes tuna.")
        assert time.monotonic() - t0 < 0.1  # never blocks the caller
        if svc.predictor.learner is None:
            pytest.skip("learning package not available")
        assert svc.wait_idle(30)
        svc.request("My cat ", "z")
        s = svc.wait_for("My cat ", "z", timeout=30)
        assert s is not None and "zorblax" in [w.lower() for w in s.words]
    finally:
        svc.close()


@contextmanager
def _busy_learning_service(profile: Path) -> Iterator[Any]:
    """A service with a learner whose worker is busy with a request (as the board's is when the
    person says a message); closed on exit."""
    svc = create_service(profile, model_dir=_model_dir())
    try:
        assert svc.wait_ready(60), svc.error
        if svc.predictor.learner is None:
            pytest.skip("learning package not available")
        svc.request("I would like to tell you about ", "")
        yield svc
    finally:
        svc.close()


@pytest.mark.model
def test_closing_right_after_speaking_still_learns_the_last_sentences(tmp_path: Path) -> None:
    """The board closes right after the last message: what was queued for learning is kept."""
    from aac.predict.learn import Learner

    said = ["My cat Zorblax likes tuna.", "Call Anneliese tonight.", "The blue cup please."]
    with _busy_learning_service(tmp_path / "profile") as svc:
        for sentence in said:
            svc.learn(sentence)
    # the board closed right after
    assert not svc._thread.is_alive()
    learned = Learner.open(tmp_path / "profile")
    assert learned.summary()["sentences"] == 3
    assert [c.text for c in learned.user_word_candidates("Call ", "A", 5)] == ["Anneliese"]


@pytest.mark.model
def test_a_finished_message_is_learned_before_the_next_request_is_served(tmp_path: Path) -> None:
    """The board asks for the next message's suggestions right after queueing the message it
    said; they must come from a prompt that already holds that message (history_lines)."""
    said = "Please ask Zorblax to call me."
    with _busy_learning_service(tmp_path / "profile") as svc:
        svc.record_choice("", "", "Please")
        svc.learn(said)  # the person says a message
        svc.request("", "")  # and the board asks for the next one's start
        assert svc.wait_for("", "", timeout=30) is not None
        assert svc.wait_idle(30)
        served = svc.predictor._searches[("", "")]
        assert said in served.model_text.splitlines()


def test_missing_model_sets_error_and_never_raises(tmp_path: Path) -> None:
    svc = create_service(None, model_dir=tmp_path / "nothing-here")
    try:
        svc.request("I want ", "")  # no exception, even before/after the load failed
        deadline = time.monotonic() + 10
        while svc.error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not svc.ready
        assert svc.error and "aac model build" in svc.error
        assert svc.latest() is None
        svc.request("I want ", "g")
        svc.learn("hello")
    finally:
        svc.close()


@pytest.mark.model
def test_a_peek_gives_the_words_early_and_the_request_after_the_letter_comes_from_the_cache(service, monkeypatch) -> None:  # noqa: ANN001
    """The tile being dwelt on asks with a low-priority peek (aac.ui.next_words); once the
    letter is typed, the same (context, prefix) is answered at once, with the same words."""
    monkeypatch.setattr(service, "_speculate", False)  # only the peek may fill the cache here
    service.request("Can you call my ", "")
    assert service.wait_for("Can you call my ", "", timeout=30) is not None
    assert service.peeked("Can you call my ", "d") is None
    service.peek("Can you call my ", "d")
    deadline = time.monotonic() + 30
    while service.peeked("Can you call my ", "d") is None and time.monotonic() < deadline:
        time.sleep(0.005)
    peeked = service.peeked("Can you call my ", "d")
    assert peeked is not None and len(peeked.words) == 5
    assert all(w.lower().startswith("d") for w in peeked.words)
    assert service.wait_idle(30)
    assert service.latest() is not None and service.latest().matches("Can you call my ", ""), \
        "a peek is never published as the board's suggestions"
    calls = service.predictor.engine.calls
    service.request("Can you call my ", "d")
    real = service.wait_for("Can you call my ", "d", timeout=30, previews=True)
    assert real is not None and real.words == peeked.words
    assert set(real.previews) == set(real.words), "the peek computed the previews too"
    assert service.predictor.engine.calls == calls, "answered from the cache, no model run"


@pytest.mark.model
def test_a_real_request_cancels_a_peek_for_other_text(service) -> None:  # noqa: ANN001
    long_ctx = "We were talking about the garden and the new bench by the old apple tree " * 3
    cancelled, peeks = service.cancelled, service.peeks
    service.peek(long_ctx, "b")
    deadline = time.monotonic() + 20
    while service.current != (long_ctx, "b") and time.monotonic() < deadline:
        time.sleep(0.001)
    assert service.current == (long_ctx, "b"), "the worker never started the peek"
    service.request("Thank ", "")
    got = service.wait_for("Thank ", "", timeout=30)
    assert got is not None and got.matches("Thank ", "")
    assert service.wait_idle(30)
    assert service.cancelled > cancelled and service.peeks == peeks, "the peek gave way to the person's request"
