"""`aac bench latency` measures what the board runs: the model *with* the person's learner.

Figures are printed by the benchmark, never asserted here; this checks that the benchmark
really drives a trained learner (and can leave it out), with the real model.
"""

from __future__ import annotations


import pytest

from aac.predict.bench import HISTORY_SENTENCES, latency_bench
from model_helpers import built_model_dir
from aac.predict.suggest import PredictorSettings


_model_dir = built_model_dir


@pytest.mark.model
@pytest.mark.slow
def test_latency_bench_runs_with_a_taught_learner_and_without(monkeypatch) -> None:
    from aac.predict.learn import Learner

    opened: list[Learner] = []
    real_open = Learner.open

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003
        learner = real_open(*args, **kwargs)
        opened.append(learner)
        return learner

    monkeypatch.setattr(Learner, "open", spy)
    res = latency_bench(_model_dir(), PredictorSettings(), n=4, dwell_s=0.0)
    assert res["learning"] is True
    assert len(opened) == 1
    summary = opened[0].summary()
    assert summary["sentences"] == len(HISTORY_SENTENCES)
    assert summary["reranker"]["word"]["lists"] > 0  # it trained, so scikit-learn is loaded as on the board
    for key in ("warm_p95_ms", "next_word_p95_ms", "previews_ready_p95_ms", "peak_rss_mb", "first_suggestions_s"):
        assert res[key] > 0, key

    alone = latency_bench(_model_dir(), PredictorSettings(), n=4, dwell_s=0.0, learn=False)
    assert alone["learning"] is False and len(opened) == 1
