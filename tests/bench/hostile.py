"""The hostile-input harness in its long mode (issue 20): many more cases, a random seed, figures.

    python tests/bench/hostile.py --cases 20000            # spread over the families like CI
    python tests/bench/hostile.py --cases 5000 --family obz --seed 7
    python tests/bench/hostile.py --cases 3000 --json

Prints cases per family, outcomes (ok = used, refused = the app's own clear error), mean and
slowest case per family, the worker's peak RSS (its address space is capped at
runner.MEM_LIMIT_MB), worker restarts and every failure (a traceback, a case over its memory or
time limit). Exit status 1 when there was any failure. The CI run (tests/test_hostile_harness.py)
uses the same generators and runner with a fixed, derandomised budget.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hypothesis import given, seed  # noqa: E402

from hostile.budget import CI_CASES, hypothesis_settings  # noqa: E402
from hostile.generators import FAMILIES  # noqa: E402
from hostile.runner import Harness  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=sum(CI_CASES.values()), help="total cases (split like the CI budget)")
    ap.add_argument("--family", action="append", choices=sorted(FAMILIES), help="only these families (repeatable)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    families = args.family or sorted(FAMILIES)
    weight = {f: CI_CASES[f] for f in families}
    total_w = sum(weight.values())
    budget = {f: max(1, round(args.cases * w / total_w)) for f, w in weight.items()}
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    harness = Harness()
    wall: dict[str, float] = {}
    failures: list[str] = []
    try:
        for fam in families:
            t0 = time.perf_counter()

            @seed(run_seed)
            @hypothesis_settings(budget[fam], derandomize=False)
            @given(FAMILIES[fam]())
            def run(case: dict) -> None:
                res = harness.run(case)
                if res.status not in ("ok", "refused", "skipped"):
                    failures.append(f"{fam}: {res.status}: {res.detail[-600:]}\n  input: {json.dumps(case)[:400]}")

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run()
            wall[fam] = time.perf_counter() - t0
            if not args.json:
                print(f"{fam}: {harness.stats.cases[fam]} cases in {wall[fam]:.1f} s", file=sys.stderr, flush=True)
    finally:
        harness.close()
    st = harness.stats
    if args.json:
        print(json.dumps({"seed": run_seed, "cases": dict(st.cases), "outcomes": dict(st.outcomes),
                          "wall_s": {k: round(v, 1) for k, v in wall.items()},
                          "slowest_ms": {k: v[0] for k, v in st.slowest.items()},
                          "peak_rss_mb": st.peak_rss_mb, "restarts": st.restarts, "failures": failures}))
    else:
        print(f"hostile-input harness: seed {run_seed}, {sum(st.cases.values())} cases, "
              f"{sum(wall.values()):.1f} s wall, load {os.getloadavg()[0]:.1f}")
        print("\n".join(st.lines()))
        for f in failures:
            print("FAILURE " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
