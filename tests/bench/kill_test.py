"""Long kill test: SIGKILL `aac simulate` at random moments N times and check nothing is lost.

Usage:  python tests/bench/kill_test.py --kills 100 [--speed 40] [--seed 1] [--max-wait 4]
Prints one line per kill and the final figure. Same checks as tests/test_reliability_kill.py
(see tests/reliability_helpers.KillHarness): exact draft after every kill, valid settings,
usage log integrity and no lost rows, restore through the board's start-up code.
The profile state is read in-process (``--show inprocess``, faster) unless ``--show cli``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from reliability_helpers import REPO, KillHarness  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--speed", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-wait", type=float, default=4.0, help="kill within this many seconds after start-up")
    ap.add_argument("--show", choices=("cli", "inprocess"), default="inprocess")
    ap.add_argument("--text-file", default=str(REPO / "tests" / "data" / "demo_sentences.txt"))
    args = ap.parse_args()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="aac-kill-") as tmp:
        h = KillHarness(Path(tmp), Path(args.text_file), speed=args.speed, seed=args.seed,
                        kill_after=(0.0, args.max_wait), profile_show=args.show)
        for i in range(args.kills):
            rec = h.run_one()
            print(f"kill {i + 1:4d}: draft {len(rec['saved'] or '') :3d} chars acknowledged, "
                  f"in flight: {rec['inflight'] is not None}, rows committed this run {rec['committed']}", flush=True)
        cleaned = h.final_check()
        print(h.summary() + f"; {cleaned} stale temp files cleaned at the next start")
    print(f"wall {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
