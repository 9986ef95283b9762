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
