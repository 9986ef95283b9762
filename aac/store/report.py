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
from datetime import datetime
from pathlib import Path
from typing import Any

from aac.fileio import atomic_write_text, make_dirs
from aac.store import report_plots as plots
from aac.store.report_metrics import Metrics, compute, local_dt
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
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:960px;margin:2em auto;
padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.8em 0} td,th{border:1px solid #bbb;padding:.3em .7em;text-align:left}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
.empty{color:#555;font-style:italic;padding:1em;background:#f6f6f6;border-radius:4px}
.note{color:#444;font-size:.92em} .privacy{background:#eef6ff;padding:.6em 1em;border-radius:4px}
@media print{h2{page-break-after:avoid} img{page-break-inside:avoid}}
"""

EXPLAIN = {
    "wpm": "Words in finished messages divided by the time spent composing them (first selection to "
           "speak). Daily points pool all messages of the day; the black line is a 7-day mean.",
    "sel_per_word": "Selections (dwells) used per word of finished messages. Spelling a 5-letter word "
                    "costs 6; picking it from the predictions costs 1.",
    "ks": "Keystroke savings = 1 - selections / (characters + 1): the share of selections saved "
          "compared with spelling every character. Higher is better.",
    "kinds": "How the person builds messages: predicted words, sentence endings and chunks versus "
             "letters, quick phrases and actions.",
    "ranks": "Where the picked suggestion was shown. Picks concentrated on position 1 mean the "
             "predictor ranks well; spread-out picks mean the person scans all suggestions.",
    "errors": "Undo, delete and clear actions and suspected false activations per 100 selections. "
              "A rising rate can mean fatigue, a dwell time that is too short or a drifting calibration.",
    "activity": "When the board is used (local time).",
    "sessions": "Length of each session; sessions that ended without closing the app normally "
                "(crash, power loss) end at their last event.",
    "dwell": "The dwell-time setting in each session and the measured calibration accuracy "
             "(visual angle; typical: 0.5-1° for a Tobii tracker, 3-5° for a webcam).",
    "tiles": "Selections per tile position, per page (counted per day, without order, so that "
             "letter positions cannot spell out messages).",
}


def build_html(profile_name: str, period: str, m: Metrics, rows: dict[str, list[dict[str, Any]]],
               calibration_history: list[dict[str, Any]], text_logging: bool) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>AAC usage report – {e(profile_name)}</title><style>{CSS}</style></head><body>",
        f"<h1>AAC usage report: {e(profile_name)}</h1>",
        (f'<p class="note">Period: {e(period)} · generated {datetime.now().strftime("%Y-%m-%d %H:%M")} · '
         "times are local</p>"),
    ]
    if text_logging:
        parts.append('<p class="privacy">Text logging is <b>on</b> for this person: the last messages '
                     "are listed at the end of this report.</p>")
    else:
        parts.append('<p class="privacy">Text logging is <b>off</b>: this report is built from counts '
                     "and timings only and contains no message text.</p>")
    parts.append('<h2 id="summary">Summary</h2>')
    if not m.selections and not m.messages and not m.sessions:
        parts.append('<p class="empty">No usage recorded in this period. The log fills as the person '
                     "uses the board (aac run); check the dates or the profile if you expected data.</p>")
    parts.append("<table><tr><th>Measure</th><th>Whole period</th><th>Last 7 days of the period</th></tr>")
    for name, whole, recent in m.summary:
        parts.append(f'<tr><td>{e(name)}</td><td class="num">{e(whole)}</td><td class="num">{e(recent)}</td></tr>')
    parts.append("</table>")

    sections: list[tuple[str, str, bytes | None]] = [
        (key, title, fn(m)) for key, title, fn in plots.PLOTS]
    sections.append(("dwell", "Dwell time and calibration accuracy",
                     plots.dwell_calibration_plot(m, calibration_history)))
    sections.append(("tiles", "Tile heat map", plots.tile_heatmap_plot(rows["tile_usage"])))
    for key, title, png in sections:
        parts.append(f'<h2 id="{key}">{e(title)}</h2>')
        parts.append(f'<p class="note">{e(EXPLAIN[key])}</p>')
        if png is None:
            parts.append('<p class="empty">No data for this in the selected period.</p>')
        else:
            parts.append(_img(png, title))
    if text_logging:
        texts = [r for r in rows["messages"] if r.get("text")]
        parts.append('<h2 id="messages">Messages (text logging on)</h2>')
        if not texts:
            parts.append('<p class="empty">No message text was logged in this period.</p>')
        else:
            parts.append("<table><tr><th>Time</th><th>Message</th><th>Selections</th><th>Seconds</th></tr>")
            for r in texts[-50:]:
                parts.append(f"<tr><td>{local_dt(r['t']).strftime('%Y-%m-%d %H:%M')}</td><td>{e(r['text'])}</td>"
                             f'<td class="num">{r["selections"]}</td><td class="num">{(r["seconds"] or 0):.0f}</td></tr>')
            parts.append("</table>")
    parts.append('<p class="note">Definitions: see each section. Keystroke savings uses the same baseline '
                 "as the prediction benchmark (every character plus one selection per message).</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


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
        "sessions": ["id", "started", "ended", "source", "calibration_deg", "dwell_ms", "language", "layout"],
        "selections": ["id", "t", "session_id", "kind", "slot", "rank", "dwell_ms", "latency_ms", "page"]
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


def write_report(profile: Any, out: str | Path, since: str | None = None, until: str | None = None,
                 csv_dir: str | Path | None = None) -> str:
    """Write the HTML report (and CSV tables) for ``profile``; returns a one-line summary."""
    lo = parse_day(since, "--since")
    hi = parse_day(until, "--until", end=True)
    if lo is not None and hi is not None and lo >= hi:
        raise ReportError(f"--since {since} is after --until {until}")
    out = Path(out)
    if out.is_dir():
        raise ReportError(f"--out {out} is a folder; give a file name such as {out / 'report.html'}")
    # never raises for a damaged log: what cannot be used is left out and named (issue 20)
    rows, log_warnings = read_log(profile.usage_db, since=lo, until=hi)
    text_logging = bool(profile.settings.text_logging)
    if not text_logging:  # text logged while it was on stays out of the report once it is off
        for table in ("selections", "messages"):
            for r in rows[table]:
                r["text"] = None
                if "tile_id" in r:
                    r["tile_id"] = None
    m = compute(rows)
    period = f"{since or 'start of log'} to {until or 'today'}"
    page = build_html(profile.name, period, m, rows, profile.calibration_history, text_logging)
    if log_warnings:
        page = page.replace("<body>", "<body>" + warnings_html(log_warnings), 1)
    atomic_write_text(out, page)
    if csv_dir is not None:
        write_csv(Path(csv_dir), rows, m, text_logging)
    summary = f"{len(rows['sessions'])} sessions, {m.selections} selections, {m.messages} messages"
    return summary + "".join(f"\nwarning: {w}" for w in log_warnings)
