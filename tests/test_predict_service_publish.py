"""The prediction service's publication order and its worker priority (issue 14)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from aac.predict.service import PredictionService
from aac.predict.types import Suggestions


class Recorder(PredictionService):
    """Records the order in which the result and its "complete" flag are published."""

    def __setattr__(self, name, value):
        if name in ("_latest", "_latest_complete") and "order" in self.__dict__:
            self.__dict__["order"].append((name, value if name == "_latest_complete" else value.words[0]))
        super().__setattr__(name, value)


class Slow:
    def __init__(self) -> None:
        self.release = threading.Event()

    def suggest(self, context, prefix, cancel=None, **kwargs):
        return Suggestions(context, prefix, ["w"], [])

    def learn(self, sentence):
        pass


def test_the_result_is_published_before_the_flag_that_says_it_is_complete():
    service = Recorder(lambda: Slow(), previews=False, early_words=False, speculate=False)
    try:
        assert service.wait_ready(10)
        service.__dict__["order"] = []
        service._publish(Suggestions("a ", "", ["words-only"], []), complete=False)  # noqa: SLF001
        service._publish(Suggestions("a ", "", ["full"], ["an ending"]), complete=True)  # noqa: SLF001
        order = service.__dict__["order"]
        # words-only: the flag drops first; full: the result, then the flag.
        assert order == [("_latest_complete", False), ("_latest", "words-only"),
                         ("_latest_complete", False), ("_latest", "full"), ("_latest_complete", True)]
    finally:
        service.close()


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="per-thread priorities are a Linux feature")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_worker_priority_is_public_and_survives_a_worker_restart():
    class Dies(Slow):
        die = True

        def suggest(self, context, prefix, cancel=None, **kwargs):
            if self.die:
                self.die = False
                raise SystemExit("a library ended the thread")
            return super().suggest(context, prefix)

    seen: list[int] = []
    predictor = Dies()
    original = predictor.suggest

    def spy(context, prefix, cancel=None, **kwargs):
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return original(context, prefix, cancel=cancel, **kwargs)

    predictor.suggest = spy
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    service = PredictionService(lambda: predictor, previews=False, early_words=False, speculate=False)
    try:
        assert service.wait_ready(10)
        assert service.set_worker_priority(5)
        service.request("a", "")  # the worker dies here
        end = time.monotonic() + 10
        while not service.restarts and time.monotonic() < end:
            time.sleep(0.01)
            service.request("b", "")
        assert service.restarts == 1
        assert service.wait_for("b", "", timeout=10) is not None
        assert len(seen) >= 2
        assert seen[-1] == min(19, base + 5), "the restarted worker runs at the lowered priority too"
    finally:
        service.close()


def test_the_top_words_previews_are_published_before_the_rest(fake_engine):
    from aac.predict.suggest import Predictor

    seen: list[Suggestions] = []

    class Spy(PredictionService):
        def _publish(self, sug, complete=True):  # noqa: ANN001
            seen.append(sug)
            super()._publish(sug, complete)

    service = Spy(lambda: Predictor(fake_engine), speculate=False)
    try:
        assert service.wait_ready(10)
        service.request("I want ", "")
        full = service.wait_for("I want ", "", timeout=10, previews=True)
        assert full is not None and full.previews_complete
        with_previews = [s for s in seen if s.previews]
        assert len(with_previews) == 2, "the top words' previews, then all"
        assert list(with_previews[0].previews) == full.words[:3] and with_previews[1] == full
    finally:
        service.close()
