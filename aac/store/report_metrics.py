"""Clinical measures computed from the usage log's metadata (never from message text).

Definitions (also printed in the report so a clinician can read them):

- **Words per minute** (per message and per day): words / (seconds to compose / 60); a day's value
  is total words over total composing time, so long messages weigh more than one-word ones.
- **Selections per word**: selections used for a message / its words.
- **Keystroke savings (KS)**: 1 - selections / (chars + 1). ``chars + 1`` is what spelling the
  message letter by letter costs (every character incl. spaces, plus one selection to finish), the
  same baseline as the prediction benchmark's sum(len(word) + 1). A day's KS pools its messages.
- **Prediction use**: share of word/ending/chunk selections among all content selections
  (word, ending, chunk, letter, phrase, punct, space).
- **Error rate**: corrections (undo, deletes, clear) and suspected false activations per 100
  selections.
- **Session length**: end - start; a session that was not ended (crash, kill) ends at its last event.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aac.kinds import USAGE_CONTENT_KINDS, USAGE_PREDICTION_KINDS

#: Logged selections counted as predictions, and those that write text (aac/kinds.py).
PREDICTION_KINDS = USAGE_PREDICTION_KINDS
CONTENT_KINDS = USAGE_CONTENT_KINDS


def local_dt(t: float) -> datetime:
    return datetime.fromtimestamp(t)


def ks_of(selections: int, chars: int) -> float | None:
    if chars <= 0:
        return None
    return 1.0 - selections / (chars + 1)


@dataclass
class DayStats:
    day: date
    messages: int = 0
    words: int = 0
    chars: int = 0
    selections_in_messages: int = 0
    seconds: float = 0.0
    selections: int = 0
    errors: int = 0
    sessions: int = 0

    @property
    def wpm(self) -> float | None:
        return self.words / (self.seconds / 60.0) if self.seconds > 0 else None

    @property
    def sel_per_word(self) -> float | None:
        return self.selections_in_messages / self.words if self.words else None

    @property
    def ks(self) -> float | None:
        base = self.chars + self.messages
        return 1.0 - self.selections_in_messages / base if self.chars > 0 else None

    @property
    def errors_per_100(self) -> float | None:
        return 100.0 * self.errors / self.selections if self.selections else None


@dataclass
class Metrics:
    """Everything the report shows, computed once from the rows."""

    days: list[DayStats] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)  # with "minutes" and "last"
    kind_counts: Counter = field(default_factory=Counter)
    weekly_kinds: dict[date, Counter] = field(default_factory=dict)
    ranks: dict[str, Counter] = field(default_factory=dict)
    error_counts: Counter = field(default_factory=Counter)
    activity: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])
    latencies: list[float] = field(default_factory=list)
    dwell_actual: list[float] = field(default_factory=list)
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (measure, all, last 7 days)
    messages: int = 0
    selections: int = 0


def compute(rows: dict[str, list[dict[str, Any]]]) -> Metrics:
    m = Metrics()
    sessions, sels, msgs, errs = rows["sessions"], rows["selections"], rows["messages"], rows["errors"]
    m.messages, m.selections = len(msgs), len(sels)
    by_day: dict[date, DayStats] = {}

    def day(t: float) -> DayStats:
        d = local_dt(t).date()
        if d not in by_day:
            by_day[d] = DayStats(d)
        return by_day[d]

    for r in msgs:
        ds = day(r["t"])
        ds.messages += 1
        ds.words += r["words"] or 0
        ds.chars += r["chars"] or 0
        ds.selections_in_messages += r["selections"] or 0
        ds.seconds += r["seconds"] or 0.0
    last_event: dict[int, float] = defaultdict(float)
    for r in sels:
        ds = day(r["t"])
        ds.selections += 1
        kind = r["kind"]
        m.kind_counts[kind] += 1
        dt = local_dt(r["t"])
        m.activity[dt.weekday()][dt.hour] += 1
        week = dt.date().fromordinal(dt.date().toordinal() - dt.weekday())
        m.weekly_kinds.setdefault(week, Counter())[kind] += 1
        if kind in PREDICTION_KINDS and r["rank"] is not None:
            m.ranks.setdefault(kind, Counter())[int(r["rank"])] += 1
        if r["latency_ms"] is not None:
            m.latencies.append(float(r["latency_ms"]))
        if r["dwell_ms"] is not None:
            m.dwell_actual.append(float(r["dwell_ms"]))
        if r["session_id"] is not None:
            last_event[r["session_id"]] = max(last_event[r["session_id"]], r["t"])
    for r in errs:
        day(r["t"]).errors += 1
        m.error_counts[r["kind"]] += 1
        if r["session_id"] is not None:
            last_event[r["session_id"]] = max(last_event[r["session_id"]], r["t"])
    for r in msgs:
        if r["session_id"] is not None:
            last_event[r["session_id"]] = max(last_event[r["session_id"]], r["t"])
    for r in sessions:
        end = r["ended"] if r["ended"] is not None else last_event.get(r["id"], r["started"])
        s = dict(r)
        s["minutes"] = max(0.0, (end - r["started"]) / 60.0)
        s["unended"] = r["ended"] is None
        m.sessions.append(s)
        day(r["started"]).sessions += 1
    m.days = [by_day[d] for d in sorted(by_day)]
    m.summary = _summary(m, msgs, sels, errs)
    return m


def _fmt(v: float | None, spec: str = ".1f", suffix: str = "") -> str:
    return "–" if v is None else f"{v:{spec}}{suffix}"


def _pool(days: list[DayStats], sessions: list[dict[str, Any]], kinds: Counter,
          lat: list[float]) -> dict[str, str]:
    msgs = sum(d.messages for d in days)
    words = sum(d.words for d in days)
    secs = sum(d.seconds for d in days)
    chars = sum(d.chars for d in days)
    sim = sum(d.selections_in_messages for d in days)
    sel = sum(d.selections for d in days)
    errs = sum(d.errors for d in days)
    content = sum(kinds[k] for k in CONTENT_KINDS)
    pred = sum(kinds[k] for k in PREDICTION_KINDS)
    minutes = [s["minutes"] for s in sessions]
    return {
        "Days with use": str(sum(1 for d in days if d.selections or d.messages)),
        "Sessions": str(len(sessions)),
        "Time on the board": _fmt(sum(minutes) / 60 if minutes else None, ".1f", " h"),
        "Median session length": _fmt(statistics.median(minutes) if minutes else None, ".0f", " min"),
        "Messages": str(msgs),
        "Words": str(words),
        "Selections": str(sel),
        "Words per minute": _fmt(words / (secs / 60) if secs > 0 else None, ".2f"),
        "Selections per word": _fmt(sim / words if words else None, ".2f"),
        "Keystroke savings": _fmt(100 * (1 - sim / (chars + msgs)) if chars else None, ".0f", " %"),
        "Prediction use (of content selections)": _fmt(100 * pred / content if content else None, ".0f", " %"),
        "Corrections and suspected false activations per 100 selections":
            _fmt(100 * errs / sel if sel else None, ".1f"),
        "Median prediction latency": _fmt(statistics.median(lat) if lat else None, ".0f", " ms"),
    }


def _summary(m: Metrics, msgs: list, sels: list, errs: list) -> list[tuple[str, str, str]]:
    overall = _pool(m.days, m.sessions, m.kind_counts, m.latencies)
    if m.days:
        cutoff = m.days[-1].day.toordinal() - 6
        last_days = [d for d in m.days if d.day.toordinal() >= cutoff]
        last_sessions = [s for s in m.sessions if local_dt(s["started"]).date().toordinal() >= cutoff]
        kinds: Counter = Counter()
        lat: list[float] = []
        for r in sels:
            if local_dt(r["t"]).date().toordinal() >= cutoff:
                kinds[r["kind"]] += 1
                if r["latency_ms"] is not None:
                    lat.append(float(r["latency_ms"]))
        recent = _pool(last_days, last_sessions, kinds, lat)
    else:
        recent = {k: "–" for k in overall}
    rows = [(k, overall[k], recent[k]) for k in overall]
    if m.sessions:
        latest = m.sessions[-1]
        rows.append(("Dwell time (latest session)", _fmt(latest["dwell_ms"], ".0f", " ms"), ""))
        cal = next((s["calibration_deg"] for s in reversed(m.sessions) if s["calibration_deg"] is not None), None)
        rows.append(("Calibration accuracy (latest session)", _fmt(cal, ".1f", "°"), ""))
    return rows
