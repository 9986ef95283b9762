"""The built model for tests that need the real one (skipped with a clear reason when there is none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aac.predict.service import ModelNotFound, find_model_dir


def built_model_dir() -> Path:
    """The English model the tests run on; skips the test when it was never built."""
    try:
        return find_model_dir()
    except ModelNotFound as exc:
        pytest.skip(f"no built model ({exc}); run `aac model build`")


def suggestion_outputs(model_dir: Path, requests: list[tuple[str, str]]) -> list[tuple]:
    """Words, endings, chunks, gate probabilities and previews a fresh Predictor gives for each
    (context, prefix) in order: what a change inside the engine must leave exactly as it was."""
    from aac.predict.suggest import Predictor

    pred = Predictor.from_model_dir(model_dir, threads=2)
    out = []
    for ctx, pre in requests:
        s = pred.suggest(ctx, pre)
        p = pred.with_previews(ctx, pre)
        out.append((s.words, s.endings, s.chunks, s.ending_probs, sorted(p.previews.items())))
    return out
