"""The clinician report: one self-contained HTML file (plots embedded as base64 PNG) and CSV tables.

Self-contained because it is emailed, printed and archived in clinical records: no scripts, no
external files, no network. Built from event metadata only; message text appears (in a clearly
marked section) only if the person has text logging switched on *now* — switching it off hides
text that was logged earlier too. The HTML and CSV files are written 0600 like all private data.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aac.fileio import atomic_write_text, make_dirs
from aac.store import report_plots as plots
from aac.store.core_vocabulary import source_of as core_source
from aac.store.language_measures import Vocabulary, mlu_words, vocabulary
from aac.store.report_metrics import Metrics, compute, local_dt
from aac.store.report_periods import (
    COMPARE_ROWS,
    COMPOSITION,
    PeriodMeasures,
    change,
    fmt,
    measure,
    split_weeks,
)
from aac.store.usage_query import (
    marked_sessions,
    read_actions,
    read_extra,
    real_use_only,
)
from aac.store.csv_cells import spreadsheet_safe
from aac.store.usage_query import day_bound_timestamp, read_log, warnings_html


class ReportError(Exception):
    """Bad report arguments (dates, paths); the message says what was expected."""


def parse_day(text: str | None, option: str, end: bool = False) -> float | None:
    """``YYYY-MM-DD`` (or an ISO date-time) as local unix time; ``end`` makes a day inclusive."""
    if text is None or text == "":
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"{option}: expected a date like 2026-11-01, found {text!r}") from None
    return day_bound_timestamp(dt, end=end and len(text.strip()) <= 10)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
h3,h4{font-size:1.05em;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin:.8em 0} td,th{border:1px solid #bbb;padding:.3em .7em;text-align:left}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums}
td.better{color:#006400;font-weight:600} td.worse{color:#a00000;font-weight:600}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
.empty{color:#555;font-style:italic;padding:1em;background:#f6f6f6;border-radius:4px}
.note{color:#444;font-size:.92em} .privacy{background:#eef6ff;padding:.6em 1em;border-radius:4px}
.words{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:flex-start}
@page{size:A4;margin:14mm 12mm}
@media print{
  body{max-width:none;margin:0;padding:0;font-size:10.5pt}
  h2,h3,h2+p.note{break-after:avoid;page-break-after:avoid}
  img,table,.privacy,.empty,.keep{break-inside:avoid;page-break-inside:avoid}
  section{break-inside:auto}
  td.better,td.worse{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
}
"""

EXPLAIN = {
    "wpm": "Words in finished messages divided by the time spent composing them (first selection to "
           "speak). Daily points pool all messages of the day; the black line is a 7-day mean.",
    "sel_per_word": "Selections (dwells) used per word of finished messages. Spelling a 5-letter word "
                    "costs 6; picking it from the predictions costs 1.",
    "ks": "Keystroke savings = 1 - selections / (characters + 1): the share of selections saved "
          "compared with spelling every character. Higher is better.",
    "kinds": "How messages were composed: each selection that built a message was a predicted word, a "
             "sentence ending, a preview (an ending offered with a word), a predicted phrase, a quick "
             "phrase, a letter (spelling) or a recorded message (the person's own recording played, or a "
             "message said again from the history page).",
    "ranks": "Where the picked suggestion was shown. Picks concentrated on position 1 mean the "
             "predictor ranks well; spread-out picks mean the person scans all suggestions.",
    "errors": "Undo, delete and clear actions and estimated false activations (an undo within seconds "
              "of a selection) per 100 selections, and pauses: the pause key, and gaps of more than 30 s "
              "while composing a message. A rising rate can mean fatigue, a dwell time that is too short "
              "or a drifting calibration.",
    "activity": "When the board is used (local time).",
    "sessions": "Length of each session; sessions that ended without closing the app normally "
                "(crash, power loss) end at their last event.",
    "dwell": "The dwell-time setting in each session, changes made during use (by the adaptive dwell "
             "or the caregiver) and the measured calibration accuracy "
             "(visual angle; typical: 0.5-1° for a Tobii tracker, 3-5° for a webcam).",
    "tiles": "Selections of each tile, drawn on the person's board as the board draws it; the number "
             "in the corner of a tile is how often it was selected, pale tiles were never used. Counted "
             "per day without order, so letter counts cannot spell out messages. Prediction tiles "
             "show their position (their words change as the person writes).",
    "compare": "Two periods side by side (aac report --from/--to for period A, --compare-from/"
               "--compare-to for period B), the earlier one first. Green: better in the later period, "
               "red: worse.",
    "weekly": "Rate and keystroke savings per calendar week (Monday to Sunday). Selections per "
              "minute counts the selections used in finished messages over the time spent composing them.",
    "vocabulary": "Words the person used: distinct words, most used words and word combinations, "
                  "core vocabulary (words used across all topics) against fringe vocabulary (words of "
                  "one topic), and mean length of utterance (MLU) in words.",
}


@dataclass
class Extras:
    """What the issue-19 sections need beyond the daily metrics (all optional)."""

    weeks: list[PeriodMeasures] = field(default_factory=list)
    compare: tuple[PeriodMeasures, PeriodMeasures] | None = None
    vocab: Vocabulary | None = None
    word_statistics: bool = False
    language: str = "en"
    events: list[dict[str, Any]] = field(default_factory=list)
    layout: str | None = None
    mlu: float | None = None


def _section(parts: list[str], key: str, title: str) -> None:
    parts.append(f'<section id="s-{key}">')
    parts.append(f'<h2 id="{key}">{html.escape(title)}</h2>')
    if key in EXPLAIN:
        parts.append(f'<p class="note">{html.escape(EXPLAIN[key])}</p>')


def _empty(parts: list[str], why: str = "No data for this in the selected period.") -> None:
    parts.append(f'<p class="empty">{html.escape(why)}</p>')


def _privacy_lines(text_logging: bool, word_statistics: bool) -> list[str]:
    if text_logging:
        lines = [("Text logging is <b>on</b> for this person: the last messages are listed at the end of "
                  "this report and word measures come from the logged messages.")]
    else:
        lines = [("Text logging is <b>off</b>: this report is built from counts and timings and contains "
                  "no message text.")]
        if word_statistics:
            lines.append("Word statistics for the clinician are <b>on</b>: the person agreed to counting the "
                         "words they use (never whole messages), shown in the vocabulary section.")
        else:
            lines.append("Word statistics for the clinician are <b>off</b>: no words are counted, so the "
                         "vocabulary section shows only the mean length of utterance.")
    return lines


def build_html(profile_name: str, period: str, m: Metrics, rows: dict[str, list[dict[str, Any]]],
               calibration_history: list[dict[str, Any]], text_logging: bool, notes: list[str] | None = None,
               extras: Extras | None = None) -> str:
    e = html.escape
    x = extras or Extras()
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>AAC usage report – {e(profile_name)}</title><style>{CSS}</style></head><body>",
        f"<h1>AAC usage report: {e(profile_name)}</h1>",
        (f'<p class="note">Period: {e(period)} · generated {datetime.now().strftime("%Y-%m-%d %H:%M")} · '
         "times are local</p>"),
    ]
    parts.append('<div class="privacy">' + "".join(f"<p>{line}</p>" for line in
                                                   _privacy_lines(text_logging, x.word_statistics)) + "</div>")
    for note in notes or []:
        parts.append(f'<p class="note">{e(note)}</p>')
    parts.append('<section id="s-summary">')
    parts.append('<h2 id="summary">Summary</h2>')
    if not m.selections and not m.messages and not m.sessions:
        parts.append('<p class="empty">No usage recorded in this period. The log fills as the person '
                     "uses the board (aac run); check the dates or the profile if you expected data.</p>")
    parts.append("<table><tr><th>Measure</th><th>Whole period</th><th>Last 7 days of the period</th></tr>")
    for name, whole, recent in m.summary:
        parts.append(f'<tr><td>{e(name)}</td><td class="num">{e(whole)}</td><td class="num">{e(recent)}</td></tr>')
    parts.append("</table>")
    parts.append("</section>")

    _compare_section(parts, x)
    _weekly_section(parts, x)

    daily = {key: (title, fn) for key, title, fn in plots.PLOTS}
    for key in ("wpm", "sel_per_word", "ks"):
        title, fn = daily[key]
        _plot_section(parts, key, title, fn(m), close=True)
    _plot_section(parts, "kinds", "How messages were composed",
                  plots.composition_plot(x.weeks, COMPOSITION) if x.weeks else plots.kinds_plot(m))
    if x.weeks:
        _composition_table(parts, x.weeks)
    parts.append("</section>")
    title, fn = daily["ranks"]
    _plot_section(parts, "ranks", title, fn(m), close=True)
    _plot_section(parts, "errors", "Errors and pauses", daily["errors"][1](m))
    if x.weeks:
        weekly_err = plots.weekly_errors_plot(x.weeks)
        if weekly_err is not None:
            parts.append(_img(weekly_err, "Corrections, false activations and pauses by week"))
    parts.append("</section>")
    for key in ("activity", "sessions"):
        title, fn = daily[key]
        _plot_section(parts, key, title, fn(m), close=True)
    _plot_section(parts, "dwell", "Dwell time and calibration accuracy",
                  plots.dwell_calibration_plot(m, calibration_history))
    changes = plots.dwell_changes_plot(m, x.events)
    n_changes = sum(1 for ev in x.events if ev.get("kind") == "dwell_change")
    if changes is not None:
        parts.append(_img(changes, "Dwell time changes during use"))
    elif n_changes:
        parts.append(f'<p class="note">{n_changes} dwell changes were logged during use in this period, without '
                     "the new dwell time.</p>")
    else:
        parts.append('<p class="note">No dwell changes were logged during use in this period (the adaptive '
                     "dwell and the settings screen log them when they change the dwell time).</p>")
    parts.append("</section>")
    _vocabulary_section(parts, x, text_logging)
    _tiles_section(parts, rows, x)
    if text_logging:
        texts = [r for r in rows["messages"] if r.get("text")]
        parts.append('<section id="s-messages">')
        parts.append('<h2 id="messages">Messages (text logging on)</h2>')
        if not texts:
            parts.append('<p class="empty">No message text was logged in this period.</p>')
        else:
            parts.append("<table><tr><th>Time</th><th>Message</th><th>Selections</th><th>Seconds</th></tr>")
            for r in texts[-50:]:
                parts.append(f"<tr><td>{local_dt(r['t']).strftime('%Y-%m-%d %H:%M')}</td><td>{e(r['text'])}</td>"
                             f'<td class="num">{r["selections"]}</td><td class="num">{(r["seconds"] or 0):.0f}</td></tr>')
            parts.append("</table>")
        parts.append("</section>")
    parts.append('<p class="note">Definitions: see each section. Keystroke savings uses the same baseline '
                 "as the prediction benchmark (every character plus one selection per message).</p>")
    parts.append("</body></html>")
    return "\n".join(_keep_together(parts))


def _keep_together(parts: list[str]) -> list[str]:
    """Wrap each heading with its note and first block (and each h3 with its block) in a
    ``div.keep`` that print CSS will not split: Chromium's print layout does not honour
    ``break-after: avoid`` on a heading, so without this a heading can end a printed page."""
    out: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if part.startswith(("<h2", "<h3>")) and i + 1 < len(parts):
            group = [part]
            i += 1
            if part.startswith("<h2") and parts[i].startswith('<p class="note">') and i + 1 < len(parts):
                group.append(parts[i])
                i += 1
            if parts[i].startswith("<h3>") and i + 1 < len(parts):
                group.append(parts[i])
                i += 1
            if not parts[i].startswith("</section>"):
                group.append(parts[i])
                i += 1
                if group[-1].startswith("<table") and "</table>" not in group[-1]:
                    while i < len(parts) and "</table>" not in group[-1]:  # a table is one block
                        group.append(parts[i])
                        i += 1
            out.append('<div class="keep">' + "".join(group) + "</div>")
            continue
        out.append(part)
        i += 1
    return out


def _plot_section(parts: list[str], key: str, title: str, png: bytes | None, close: bool = False,
                  why: str = "No data for this in the selected period.") -> None:
    _section(parts, key, title)
    if png is None:
        _empty(parts, why)
    else:
        parts.append(_img(png, title))
    if close:
        parts.append("</section>")


def _compare_section(parts: list[str], x: Extras) -> None:
    _section(parts, "compare", "Two periods compared")
    if x.compare is None:
        _empty(parts, "No second period chosen. Add --compare-from DATE --compare-to DATE (period B) to "
                      "compare it with this report's period (A, --from/--to), e.g. the first and the last "
                      "week of a therapy block.")
        parts.append("</section>")
        return
    a, b = x.compare
    e = html.escape
    parts.append(f"<table><tr><th>Measure</th><th>Earlier: {e(a.label)}</th><th>Later: {e(b.label)}</th>"
                 "<th>Change, earlier → later</th></tr>")
    for label, attr, spec, scale, suffix, better in COMPARE_ROWS:
        va, vb = getattr(a, attr), getattr(b, attr)
        text, cls = change(None if va is None else va * scale, None if vb is None else vb * scale, better)
        parts.append(f'<tr><td>{e(label)}</td><td class="num">{e(fmt(va, spec, scale, suffix))}</td>'
                     f'<td class="num">{e(fmt(vb, spec, scale, suffix))}</td>'
                     f'<td class="num {cls}">{e(text)}</td></tr>')
    parts.append("</table>")
    png = plots.compare_plot(a, b)
    if png is not None:
        parts.append(_img(png, "Period A against period B"))
    parts.append("</section>")


def _weekly_section(parts: list[str], x: Extras) -> None:
    _section(parts, "weekly", "Week by week")
    if not x.weeks:
        _empty(parts)
        parts.append("</section>")
        return
    e = html.escape
    parts.append("<table><tr><th>Week starting</th><th>Days</th><th>Messages</th><th>Words</th>"
                 "<th>Words / min</th><th>Selections / min</th><th>Keystroke savings</th>"
                 "<th>Corrections / 100</th><th>MLU</th></tr>")
    for w in x.weeks:
        parts.append(f"<tr><td>{e(w.label)}</td><td class=\"num\">{w.days_used}</td><td class=\"num\">{w.messages}</td>"
                     f"<td class=\"num\">{w.words}</td><td class=\"num\">{fmt(w.wpm, '.2f')}</td>"
                     f"<td class=\"num\">{fmt(w.selections_per_min, '.1f')}</td>"
                     f"<td class=\"num\">{fmt(w.ks, '.0f', 100, ' %')}</td>"
                     f"<td class=\"num\">{fmt(w.corrections_per_100, '.1f')}</td>"
                     f"<td class=\"num\">{fmt(w.mlu, '.1f')}</td></tr>")
    parts.append("</table>")
    png = plots.weekly_plot(x.weeks)
    if png is not None:
        parts.append(_img(png, "Rate and keystroke savings by week"))
    parts.append("</section>")


def _composition_table(parts: list[str], weeks: list[PeriodMeasures]) -> None:
    total: Counter = Counter()
    for w in weeks:
        total.update(w.composition)
    whole = sum(total.values())
    if not whole:
        return
    parts.append("<table><tr><th>Built with</th><th>Selections</th><th>Share</th></tr>")
    for key, label, _ in COMPOSITION:
        parts.append(f'<tr><td>{html.escape(label)}</td><td class="num">{total[key]}</td>'
                     f'<td class="num">{100 * total[key] / whole:.0f} %</td></tr>')
    parts.append("</table>")
    if not total["preview"]:
        parts.append('<p class="note">Previews picked are counted as sentence endings until the board logs '
                     "them separately.</p>")


def _vocabulary_section(parts: list[str], x: Extras, text_logging: bool) -> None:
    e = html.escape
    _section(parts, "vocabulary", "Vocabulary")
    v = x.vocab
    parts.append("<table>")
    parts.append(f'<tr><td>Mean length of utterance (words per spoken message)</td><td class="num">'
                 f"{fmt(x.mlu, '.2f')}</td></tr>")
    if v is not None and v.source:
        src = "logged message text" if v.source == "text" else "word statistics (counts only, consented)"
        parts.append(f'<tr><td>Words counted (from {e(src)})</td><td class="num">{v.total}</td></tr>')
        parts.append(f'<tr><td>Distinct words</td><td class="num">{v.distinct}</td></tr>')
        parts.append(f'<tr><td>Core vocabulary share</td><td class="num">{fmt(v.core_share, ".0f", 100, " %")}'
                     "</td></tr>")
    parts.append("</table>")
    if v is None or not v.source:
        _empty(parts, "Word measures are not shown: the person has neither text logging nor word statistics "
                      "for the clinician switched on, so no words are stored. To see them, with the person's "
                      "consent: aac profile set word_statistics true (counts words, never whole messages).")
        parts.append("</section>")
        return
    if not v.total:
        _empty(parts, "No words were counted in this period (the consent may have been given recently).")
        parts.append("</section>")
        return
    source = core_source(x.language)
    if source:
        parts.append(f'<p class="note">Core words: {e(source)}.</p>')
    else:
        parts.append(f'<p class="note">No cited core-vocabulary list for language {e(x.language)!s}: core and '
                     "fringe are not separated.</p>")
    png = plots.vocabulary_plot(v.top(20), v.core_list)
    if png is not None:
        parts.append(_img(png, "Most used words"))
    if v.core_list:
        cols = []
        for title, items in (("Top core words", v.top(15, core=True)), ("Top fringe words", v.top(15, core=False))):
            cols.append(f'<div class="keep"><h4>{title}</h4><table><tr><th>Word</th><th>Times</th></tr>'
                        + "".join(f'<tr><td>{e(w)}</td><td class="num">{n}</td></tr>' for w, n in items)
                        + "</table></div>")
        parts.append('<div class="words">' + "".join(cols) + "</div>")
    phrases = v.phrases.most_common(15)
    title = "Most used word combinations" if v.source == "text" else "Most used quick phrases"
    parts.append(f"<h3>{title}</h3>")
    if phrases:
        parts.append("<table><tr><th>Phrase</th><th>Times</th></tr>")
        parts.extend(f'<tr><td>{e(p)}</td><td class="num">{n}</td></tr>' for p, n in phrases)
        parts.append("</table>")
    else:
        parts.append('<p class="empty">None used more than once in this period.</p>')
    parts.append("</section>")


def _tiles_section(parts: list[str], rows: dict[str, list[dict[str, Any]]], x: Extras) -> None:
    _section(parts, "tiles", "Tile heat map")
    if not rows["tile_usage"]:
        _empty(parts)
        parts.append("</section>")
        return
    from aac.store.report_board import board_heatmaps

    images, note = board_heatmaps(rows["tile_usage"], x.layout)
    for page, png in images:
        parts.append(f"<h3>Page “{html.escape(page)}”</h3>")
        parts.append(_img(png, f"Tile use on page {page}"))
    if note:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    if not images:
        png = plots.tile_heatmap_plot(rows["tile_usage"])  # no board to draw on: the grid positions
        if png is not None:
            parts.append(_img(png, "Tile heat map"))
    parts.append("</section>")


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else spreadsheet_safe(r.get(k))) for k in columns})
    return buf.getvalue()


def write_csv(directory: Path, rows: dict[str, list[dict[str, Any]]], m: Metrics, text_logging: bool) -> list[Path]:
    """One CSV per table plus daily.csv; text columns are left out unless text logging is on."""
    directory = Path(directory)
    make_dirs(directory)  # new folders private; an existing one is the clinician's, left as it is
    columns = {
        "sessions": ["id", "started", "ended", "source", "calibration_deg", "dwell_ms", "language", "layout", "kind"],
        "selections": ["id", "t", "session_id", "kind", "slot", "rank", "dwell_ms", "latency_ms", "page", "action"]
        + (["tile_id", "text"] if text_logging else []),
        "messages": ["id", "t", "session_id", "words", "chars", "selections", "seconds", "spoken"]
        + (["text"] if text_logging else []),
        "errors": ["id", "t", "session_id", "kind"],
        "tile_usage": ["day", "page", "tile_id", "count"],
    }
    written = []
    for table, cols in columns.items():
        data = rows[table]
        if table in ("sessions", "selections", "messages", "errors"):
            time_col = "started" if table == "sessions" else "t"
            data = [dict(r, local_time=local_dt(r[time_col]).isoformat(timespec="seconds")) for r in data]
            cols = cols[:2] + ["local_time"] + cols[2:]
        path = directory / f"{table}.csv"
        atomic_write_text(path, _csv_text(data, cols))
        written.append(path)
    daily = [{"day": d.day.isoformat(), "messages": d.messages, "words": d.words, "chars": d.chars,
              "selections": d.selections, "selections_in_messages": d.selections_in_messages,
              "compose_seconds": round(d.seconds, 1), "sessions": d.sessions, "errors": d.errors,
              "wpm": _r(d.wpm), "selections_per_word": _r(d.sel_per_word), "keystroke_savings": _r(d.ks),
              "errors_per_100_selections": _r(d.errors_per_100)} for d in m.days]
    path = directory / "daily.csv"
    atomic_write_text(path, _csv_text(daily, list(daily[0]) if daily else ["day"]))
    written.append(path)
    return written


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _load(profile: Any, lo: float | None, hi: float | None, include_simulated: bool,
          text_logging: bool, word_statistics: bool) -> tuple[dict[str, list[dict[str, Any]]], int, list[str]]:
    """The rows of one period as the report may show them; returns (rows, marked sessions left out,
    warnings about a damaged log). Never raises for a damaged log: what cannot be used is left out
    and named (issue 20)."""
    rows, warnings = read_log(profile.usage_db, since=lo, until=hi)
    left_out = 0
    try:
        rows.update(read_extra(profile.usage_db, since=lo, until=hi))
        if rows["selections"] and "action" not in rows["selections"][0]:  # a reader of fixed columns
            actions = read_actions(profile.usage_db)
            for r in rows["selections"]:
                r["action"] = actions.get(r.get("id"))
        if not include_simulated:  # simulated/screenshot runs logged with --log-as-use
            n_all = len(rows["sessions"])
            rows = real_use_only(rows, marked_sessions(profile.usage_db))
            left_out = n_all - len(rows["sessions"])
    except (sqlite3.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        warnings.append(f"part of the usage log could not be read ({exc}); the report shows the rest")
    rows.setdefault("events", [])
    rows.setdefault("word_counts", [])
    if not text_logging:  # text logged while it was on stays out of the report once it is off
        for table in ("selections", "messages"):
            for r in rows[table]:
                r["text"] = None
                if "tile_id" in r:
                    r["tile_id"] = None
    if not word_statistics:  # likewise for word counts once the consent is withdrawn
        rows["word_counts"] = []
    # A dwell change logged through UsageLog.error() is a setting change, not a mistake: it must
    # not raise the error rate. It joins the events (without a value).
    moved = [r for r in rows["errors"] if str(r.get("kind", "")).startswith("dwell")]
    if moved:
        rows["errors"] = [r for r in rows["errors"] if not str(r.get("kind", "")).startswith("dwell")]
        rows["events"] = sorted(rows.get("events", []) + [dict(r, kind="dwell_change", value=None) for r in moved],
                                key=lambda r: r["t"])
    return rows, left_out, warnings


def _language(profile: Any, rows: dict[str, list[dict[str, Any]]]) -> str:
    langs = [s.get("language") for s in rows["sessions"] if s.get("language")]
    return str(langs[-1] if langs else getattr(profile.settings, "language", "en") or "en")


def _layout(profile: Any, rows: dict[str, list[dict[str, Any]]]) -> str | None:
    """The board the heat map is drawn on: the one the board shows for the profile's settings
    (a Russian profile with the stock layout gets ru-default); the sessions record only the
    layout's display name, which is not a file name."""
    try:
        from aac.ui.language_choice import effective_layout

        return effective_layout(profile.settings)
    except Exception:  # noqa: BLE001 - the report must still be written
        return getattr(profile.settings, "layout", None) or "default"


def _period_label(lo: float | None, hi: float | None, rows: dict[str, list[dict[str, Any]]]) -> str:
    ts = [r["t"] for r in rows["selections"]] + [r["t"] for r in rows["messages"]]
    first = datetime.fromtimestamp(lo).date() if lo is not None else (
        datetime.fromtimestamp(min(ts)).date() if ts else None)
    last = datetime.fromtimestamp(hi - 1).date() if hi is not None else (
        datetime.fromtimestamp(max(ts)).date() if ts else None)
    if first is None or last is None:
        return "no use"
    return f"{first.isoformat()} to {last.isoformat()}"


def write_report(profile: Any, out: str | Path, since: str | None = None, until: str | None = None,
                 csv_dir: str | Path | None = None, include_simulated: bool = False,
                 compare_since: str | None = None, compare_until: str | None = None,
                 lam: str | Path | None = None) -> str:
    """Write the HTML report (and CSV tables, and a LAM file) for ``profile``; returns a one-line summary.

    ``since``/``until`` (``--from``/``--to``) choose the period (A); ``compare_since``/
    ``compare_until`` a second period (B) shown side by side with it.
    """
    lo = parse_day(since, "--from")
    hi = parse_day(until, "--to", end=True)
    if lo is not None and hi is not None and lo >= hi:
        raise ReportError(f"--from {since} is after --to {until}")
    clo = parse_day(compare_since, "--compare-from")
    chi = parse_day(compare_until, "--compare-to", end=True)
    if clo is not None and chi is not None and clo >= chi:
        raise ReportError(f"--compare-from {compare_since} is after --compare-to {compare_until}")
    out = Path(out)
    if out.is_dir():
        raise ReportError(f"--out {out} is a folder; give a file name such as {out / 'report.html'}")
    text_logging = bool(profile.settings.text_logging)
    word_statistics = bool(getattr(profile.settings, "word_statistics", False))
    rows, left_out, log_warnings = _load(profile, lo, hi, include_simulated, text_logging, word_statistics)
    notes = []
    if left_out:
        notes.append(f"{left_out} simulated or test sessions (aac simulate / screenshots run with "
                     "--log-as-use) are left out; add --include-simulated to count them.")
    m = compute(rows)
    language = _language(profile, rows)

    def vocab_of(r: dict[str, list[dict[str, Any]]]) -> Vocabulary:
        return vocabulary(language, r["messages"], r.get("word_counts", []), text_logging, word_statistics)

    vocab = vocab_of(rows)
    weeks = []
    for wk, wrows in split_weeks(rows).items():
        wrows["word_counts"] = [c for c in rows.get("word_counts", [])
                                if wk.isoformat() <= c["day"] <= (wk + timedelta(days=6)).isoformat()]
        weeks.append(measure(wk.strftime("%d %b"), wrows, vocab_of(wrows)))
    compare = None
    if compare_since or compare_until:
        crows, _, compare_warnings = _load(profile, clo, chi, include_simulated, text_logging, word_statistics)
        log_warnings += [w for w in compare_warnings if w not in log_warnings]
        pa = measure(_period_label(lo, hi, rows) + " (A)", rows, vocab)
        pb = measure(_period_label(clo, chi, crows) + " (B)", crows, vocab_of(crows))
        # earlier period first, so "change" always reads as progress over time
        compare = (pb, pa) if _period_label(clo, chi, crows) < _period_label(lo, hi, rows) else (pa, pb)
    extras = Extras(weeks=weeks, compare=compare, vocab=vocab, word_statistics=word_statistics,
                    language=language, events=rows.get("events", []), layout=_layout(profile, rows),
                    mlu=mlu_words(rows["messages"]))
    period = f"{since or 'start of log'} to {until or 'today'}"
    page = build_html(profile.name, period, m, rows, profile.calibration_history, text_logging, notes, extras)
    if log_warnings:
        page = page.replace("<body>", "<body>" + warnings_html(log_warnings), 1)
    atomic_write_text(out, page)
    if csv_dir is not None:
        write_csv(Path(csv_dir), rows, m, text_logging)
        write_weekly_csv(Path(csv_dir), weeks, vocab)
    if lam is not None:
        from aac.store.lam import write_lam

        write_lam(Path(lam), rows, text_logging=text_logging, profile_name=profile.name)
    summary = f"{len(rows['sessions'])} sessions, {m.selections} selections, {m.messages} messages"
    return summary + "".join(f"\nwarning: {w}" for w in log_warnings)


def write_weekly_csv(directory: Path, weeks: list[PeriodMeasures], vocab: Vocabulary) -> Path:
    """weekly.csv (the week-by-week table) and, with consent, words.csv (word, count, core)."""
    rows = [{"week_starting": w.label, "days_used": w.days_used, "sessions": w.sessions, "messages": w.messages,
             "words": w.words, "selections": w.selections, "wpm": _r(w.wpm),
             "selections_per_minute": _r(w.selections_per_min), "keystroke_savings": _r(w.ks),
             "corrections_per_100_selections": _r(w.corrections_per_100),
             "false_activations_per_100_selections": _r(w.false_activations_per_100),
             "pause_key": w.pause_key, "long_pauses": w.long_gaps, "mlu_words": _r(w.mlu),
             "distinct_words": w.distinct_words, "core_share": _r(w.core_share),
             **{f"composed_{k}": w.composition[k] for k, _, _ in COMPOSITION}} for w in weeks]
    path = Path(directory) / "weekly.csv"
    atomic_write_text(path, _csv_text(rows, list(rows[0]) if rows else ["week_starting"]))
    if vocab.source:
        words = [{"word": w, "count": n, "core": int(w in vocab.core_list)} for w, n in vocab.words.most_common()]
        atomic_write_text(Path(directory) / "words.csv", _csv_text(words, ["word", "count", "core"]))
    return path
