"""tests/bench/new_message_calibration.py records every own-message offer at a new message.

The script backs the figures of ``learner.new_message_prob`` (models/README.md, session 14), so
its bookkeeping is checked on a short day: a message said again is offered before it is said
(and counted as come true), a message said once among strangers is offered but does not pass the
gate, and ``--share-only`` gives back the estimate before the repeat rate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import new_message_calibration as cal  # noqa: E402

DAY = ["Good morning.", "Please suction me.", "Where is Anna?", "Please suction me.", "Tell Mark about the match."]


def test_offers_before_each_message_and_whether_it_came_true():
    rows = cal.offers(DAY)
    # before line 4, "Please suction me." was said once in 3 messages, none of them a repeat
    # (rate (0 + 1) / (3 + 2)): its share is 1 / (3 + 1) at the empty message and 1 / (1 + 1)
    # after "p" and "pl", where it is the only message that fits
    true = [r for r in rows if r[1]]
    assert [r[0] for r in true] == pytest.approx([1 / 5 * 1 / 4, 1 / 5 * 1 / 2, 1 / 5 * 1 / 2])
    assert all(r[2] == 3 for r in true)
    shared = [r for r in cal.offers(DAY, share_only=True) if r[1]]
    assert [r[0] for r in shared] == pytest.approx([1 / 4, 1 / 2, 1 / 2])
    report = cal.report(rows)
    assert report.startswith(f"offers {len(rows)}, passing the gate ")
    assert "of them came true 2 |" in report  # the two offers after a letter pass (0.1 x 4.7 selections)
