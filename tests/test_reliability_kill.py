"""Kill test (issue 9): SIGKILL the real `aac simulate` at random moments and lose nothing.

The simulated person writes through the real board (session, dwell, usage log writer, draft
writer) while a caregiver thread changes a setting now and then; the process is killed with
SIGKILL at a random moment, many times, on the same profile. After each kill
(see ``reliability_helpers.KillHarness``): ``aac profile show --json`` gives exactly the last
draft the app acknowledged as saved (or the one being written at that instant, never a torn mix),
settings.json is valid JSON with an acknowledged value, the usage log passes its integrity check,
never loses a row, and holds every row acknowledged as committed, and the board's own start-up
code restores the draft exactly (both in the next killed run and in a headless BoardApp here).

The CI version is bounded (12 kills, ~1-2 minutes on a loaded 2-core machine);
``tests/bench/kill_test.py`` runs the long version and prints the figure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import KillHarness, REPO  # noqa: E402

KILLS = int(os.environ.get("AAC_KILLS", "12"))


@pytest.mark.slow
def test_sigkill_during_simulated_session_loses_nothing(tmp_path):
    harness = KillHarness(tmp_path, REPO / "tests" / "data" / "demo_sentences.txt", speed=40.0, seed=7,
                          kill_after=(0.0, 4.0))
    for _ in range(KILLS):
        harness.run_one()
    cleaned = harness.final_check()
    print("\n" + harness.summary() + f"; {cleaned} stale temp files cleaned at the next start")
    assert harness.kills == KILLS
    # The kills must have landed while the app was really writing drafts, or the test proves nothing.
    # A run counts when it acknowledged a save or was killed in the middle of one: on a slow disk most
    # kills land inside a write (CI once saw 2 acknowledged and 7 in flight), which is the harder case.
    assert harness.writing_runs >= max(2, KILLS // 4), harness.summary()
    assert harness.rows["selections"] > 0 and harness.rows["sessions"] >= KILLS, harness.summary()
