"""Measures of one period (a week, or a period the clinician chose) so periods can be compared.

Every measure here is defined once and used three ways: the weekly table, the two-period
comparison and the CSV. Definitions (printed in the report too):

- **Words per minute**: words of finished messages / minutes spent composing them.
- **Selections per minute**: selections used in finished messages / those composing minutes
  (how quickly the person gets from one dwell to the next).
- **Keystroke savings**: 1 - selections / (characters + 1 per message), pooled over the period.
- **Composition**: what the selections that make messages were: a predicted word, a sentence
  ending, a preview (an ending offered with a word), a predicted phrase (chunk), a quick phrase,
  a letter (spelling), or a recorded message said again (the history page).
- **Corrections per 100 selections**: undo, delete letter/word and clear.
- **False activations (estimated) per 100 selections**: an undo within a few seconds of a
  selection (the board logs it as ``false_activation_suspected``): the person did not mean it.
- **Pauses**: the board's pause key, and gaps of more than LONG_GAP_S between two selections
  while a message was being composed (searching, fatigue, or looking away).
- **MLU (words)**: mean length of utterance: words per spoken message.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from aac.kinds import CORRECTION_ERRORS, Action, ErrorKind, UsageKind
from aac.store.language_measures import Vocabulary, mlu_words

#: A gap between two selections of one message longer than this counts as a pause. 30 s: four
#: times the slowest synthetic letter search at a 1.2 s dwell, and longer than any search the
#: simulated person makes on the default board (aac simulate), so it marks a real interruption.
LONG_GAP_S = 30.0
CORRECTIONS = CORRECTION_ERRORS

#: Composition categories: (key, label, selection kinds that count).
COMPOSITION: list[tuple[str, str, tuple[UsageKind, ...]]] = [
    ("prediction", "Predicted word", (UsageKind.WORD,)),
    ("ending", "Sentence ending", (UsageKind.ENDING,)),
    ("preview", "Preview (ending offered with a word)", (UsageKind.PREVIEW,)),
    ("chunk", "Predicted phrase", (UsageKind.CHUNK,)),
    ("phrase", "Quick phrase", (UsageKind.PHRASE,)),
    ("spelling", "Spelling (letters, space, punctuation)", (UsageKind.LETTER, UsageKind.SPACE, UsageKind.PUNCT)),
    ("recorded", "Recorded message (played, or said again from history)",
     (UsageKind.RECORDED_MESSAGE, UsageKind.HISTORY, UsageKind.RECORDED)),
]


@dataclass
class PeriodMeasures:
    """The figures of one period; None where there was nothing to measure."""

    label: str
    days_used: int = 0
    sessions: int = 0
    minutes_on_board: float = 0.0
    messages: int = 0
    words: int = 0
    selections: int = 0
    wpm: float | None = None
    selections_per_min: float | None = None
    ks: float | None = None
    corrections_per_100: float | None = None
    false_activations_per_100: float | None = None
    pause_key: int = 0
    long_gaps: int = 0
    mlu: float | None = None
    composition: Counter = field(default_factory=Counter)
    distinct_words: int | None = None
    core_share: float | None = None
    median_dwell_ms: float | None = None

    def composition_share(self, key: str) -> float | None:
        total = sum(self.composition.values())
        return self.composition[key] / total if total else None


def _kind_of(sel: dict[str, Any]) -> str:
    """The composition kind of a selection row (logs that wrote a history tile as an action
    count it as "history", the kind the board logs it with now)."""
    if sel.get("kind") == UsageKind.ACTION and sel.get("action") in (UsageKind.HISTORY, UsageKind.RECORDED):
        return UsageKind.HISTORY
    return str(sel.get("kind"))


def measure(label: str, rows: dict[str, list[dict[str, Any]]], vocab: Vocabulary | None = None) -> PeriodMeasures:
    """Figures of ``rows`` (one period's rows, already limited to real use)."""
    p = PeriodMeasures(label)
    sels, msgs, errs = rows.get("selections", []), rows.get("messages", []), rows.get("errors", [])
    sessions = rows.get("sessions", [])
    p.sessions = len(sessions)
    p.messages = len(msgs)
    p.words = sum(int(m.get("words") or 0) for m in msgs)
    p.selections = len(sels)
    days = {datetime.fromtimestamp(r["t"]).date() for r in sels} | {datetime.fromtimestamp(r["t"]).date() for r in msgs}
    p.days_used = len(days)
    secs = sum(float(m.get("seconds") or 0.0) for m in msgs)
    sel_in_msgs = sum(int(m.get("selections") or 0) for m in msgs)
    chars = sum(int(m.get("chars") or 0) for m in msgs)
    if secs > 0:
        p.wpm = p.words / (secs / 60.0)
        p.selections_per_min = sel_in_msgs / (secs / 60.0)
    if chars > 0:
        p.ks = 1.0 - sel_in_msgs / (chars + len(msgs))
    kinds = Counter(r.get("kind") for r in errs)
    if sels:
        p.corrections_per_100 = 100.0 * sum(kinds[k] for k in CORRECTIONS) / len(sels)
        p.false_activations_per_100 = 100.0 * kinds[ErrorKind.FALSE_ACTIVATION_SUSPECTED] / len(sels)
    by_kind = Counter(_kind_of(r) for r in sels)
    for key, _, members in COMPOSITION:
        p.composition[key] = sum(by_kind[k] for k in members)
    p.pause_key = sum(1 for r in sels if r.get("kind") == UsageKind.ACTION and r.get("action") == Action.PAUSE)
    p.long_gaps = long_gaps(sels, msgs)
    p.mlu = mlu_words(msgs)
    minutes = 0.0
    for s in sessions:
        if s.get("ended") is not None:
            minutes += max(0.0, (s["ended"] - s["started"]) / 60.0)
    p.minutes_on_board = minutes
    dwells = sorted(float(s["dwell_ms"]) for s in sessions if s.get("dwell_ms") is not None)
    if dwells:
        p.median_dwell_ms = dwells[len(dwells) // 2]
    if vocab is not None and vocab.source:
        p.distinct_words = vocab.distinct
        p.core_share = vocab.core_share
    return p


def long_gaps(sels: list[dict[str, Any]], msgs: list[dict[str, Any]]) -> int:
    """Gaps > LONG_GAP_S between consecutive selections of the same message (composition pauses).

    A message's selections are those of its session between its start (t - seconds) and t.
    """
    by_session: dict[Any, list[float]] = defaultdict(list)
    for r in sels:
        by_session[r.get("session_id")].append(float(r["t"]))
    for ts in by_session.values():
        ts.sort()
    n = 0
    for m in msgs:
        secs = m.get("seconds")
        if not secs:
            continue
        ts = by_session.get(m.get("session_id"), [])
        lo = bisect.bisect_left(ts, float(m["t"]) - float(secs) - 0.001)
        hi = bisect.bisect_right(ts, float(m["t"]) + 0.001)
        inside = ts[lo:hi]
        n += sum(1 for a, b in pairwise(inside) if b - a > LONG_GAP_S)
    return n


def week_start(t: float) -> date:
    d = datetime.fromtimestamp(t).date()
    return d - timedelta(days=d.weekday())


def split_weeks(rows: dict[str, list[dict[str, Any]]]) -> dict[date, dict[str, list[dict[str, Any]]]]:
    """Rows per calendar week (Monday first), keyed by the week's Monday."""
    weeks: dict[date, dict[str, list[dict[str, Any]]]] = {}
    for table, col in (("sessions", "started"), ("selections", "t"), ("messages", "t"), ("errors", "t"),
                       ("events", "t")):
        for r in rows.get(table, []):
            wk = week_start(r[col])
            weeks.setdefault(wk, {"sessions": [], "selections": [], "messages": [], "errors": [], "events": []})
            weeks[wk][table].append(r)
    return dict(sorted(weeks.items()))


def fmt(v: float | None, spec: str = ".1f", scale: float = 1.0, suffix: str = "") -> str:
    return "–" if v is None else f"{v * scale:{spec}}{suffix}"


#: The rows of the comparison table: (label, attribute, format spec, scale, suffix, higher_is_better).
COMPARE_ROWS: list[tuple[str, str, str, float, str, bool | None]] = [
    ("Days with use", "days_used", "d", 1, "", None),
    ("Sessions", "sessions", "d", 1, "", None),
    ("Messages", "messages", "d", 1, "", None),
    ("Words", "words", "d", 1, "", None),
    ("Words per minute", "wpm", ".2f", 1, "", True),
    ("Selections per minute", "selections_per_min", ".1f", 1, "", True),
    ("Keystroke savings", "ks", ".0f", 100, " %", True),
    ("Corrections per 100 selections", "corrections_per_100", ".1f", 1, "", False),
    ("False activations (estimated) per 100 selections", "false_activations_per_100", ".1f", 1, "", False),
    ("Pause key used", "pause_key", "d", 1, "", None),
    ("Long pauses while composing (> 30 s)", "long_gaps", "d", 1, "", None),
    ("Mean length of utterance (words)", "mlu", ".1f", 1, "", True),
    ("Distinct words (with consent)", "distinct_words", "d", 1, "", True),
    ("Core vocabulary share (with consent)", "core_share", ".0f", 100, " %", None),
    ("Median dwell time", "median_dwell_ms", ".0f", 1, " ms", None),
]


def change(a: float | None, b: float | None, higher_is_better: bool | None) -> tuple[str, str]:
    """(text, css class) for the change from period A to period B."""
    if a is None or b is None:
        return "", ""
    diff = b - a
    if a:
        text = f"{diff / abs(a) * 100:+.0f} %"
    else:
        text = f"{diff:+g}"
    if higher_is_better is None or abs(diff) < 1e-9:
        return text, ""
    better = diff > 0 if higher_is_better else diff < 0
    return text, "better" if better else "worse"
