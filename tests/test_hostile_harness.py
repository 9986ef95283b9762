"""The hostile-input harness (issue 20): thousands of generated hostile cases per run, 0 tracebacks.

Families: OBF boards, OBZ packages, layouts, profile files, usage logs, JSON-lines service
input (tests/hostile/generators.py). Every case runs in a worker process under a memory limit
(RLIMIT_AS), a CPU limit and a wall-clock limit per case (tests/hostile/runner.py); the app's
own clear refusals (ObfError, LayoutError, ProfileError, warnings) are fine, anything else - a
traceback, a case over its limits, a dead worker - fails the test, and hypothesis shrinks it to
the smallest input that still fails. The figures (cases per family, slowest case, peak memory)
are printed (``pytest -s``) and appended to $AAC_FUZZ_REPORT.
Longer runs: ``python tests/bench/hostile.py --cases 20000``.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import given

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile.budget import ci_cases, hypothesis_settings  # noqa: E402
from hostile.generators import FAMILIES  # noqa: E402
from hostile.runner import Harness  # noqa: E402


@pytest.fixture(scope="module")
def harness():
    h = Harness()
    yield h
    h.close()
    lines = ["hostile harness figures:"] + h.stats.lines()
    print("\n" + "\n".join(lines))
    target = os.environ.get("AAC_FUZZ_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"module": "test_hostile_harness", "cases": dict(h.stats.cases),
                                 "outcomes": dict(h.stats.outcomes), "peak_rss_mb": h.stats.peak_rss_mb,
                                 "slowest_ms": {k: v[0] for k, v in h.stats.slowest.items()}}) + "\n")


def _check(harness: Harness, case: dict) -> None:
    res = harness.run(case)
    assert res.status in ("ok", "refused", "skipped"), f"{case['family']} case {res.status}:\n{res.detail}"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_hostile_family(harness, family):
    if family == "service":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from reliability_helpers import model_available

        if not model_available():
            pytest.skip("the prediction model is not built (aac model build): the service family needs it")

    @hypothesis_settings(ci_cases(family))
    @given(FAMILIES[family]())
    def run(case):
        _check(harness, case)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names the generator makes on purpose
        run()
    assert harness.stats.cases[family] >= ci_cases(family) * 0.9 or family == "service"
