"""The clinician report: sections, embedded PNG plots, empty state, CSV, and no text leaks."""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from aac.store.profile import Profile
from aac.store.report import ReportError, parse_day, write_report
from aac.store.report_metrics import compute, ks_of
from aac.store.report_plots import parse_cell
from aac.store.synthetic import make_profile
from aac.store.usage_log import UsageLog, read_tables

SENTINEL = "zebrafinchwobble"
SECTIONS = ["summary", "compare", "weekly", "wpm", "sel_per_word", "ks", "kinds", "ranks", "errors", "activity",
            "sessions", "dwell", "vocabulary", "tiles"]


@pytest.fixture(scope="module")
def private_profile(tmp_path_factory):
    return make_profile(tmp_path_factory.mktemp("rep") / "p", days=14, seed=1, sentinel=SENTINEL)


@pytest.fixture(scope="module")
def open_profile(tmp_path_factory):
    return make_profile(tmp_path_factory.mktemp("rep") / "p", days=5, seed=2, text_logging=True,
                        sentinel=SENTINEL)


@pytest.fixture(scope="module")
def private_report(private_profile, tmp_path_factory):
    """One report (HTML + CSV) of the private profile, shared by the tests that only read it."""
    d = tmp_path_factory.mktemp("out")
    summary = write_report(private_profile, d / "r.html", csv_dir=d / "csv")
    return d / "r.html", d / "csv", summary


def pngs(page: str) -> list[bytes]:
    return [base64.b64decode(b) for b in re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def test_report_sections_and_plots(private_report):
    out, _, summary = private_report
    page = out.read_text()
    for key in SECTIONS:
        assert f'<h2 id="{key}">' in page, key
    images = pngs(page)
    # weekly 1, daily rate/selections/KS 3, composition 1, ranks 1, errors 2, activity 1, sessions 1,
    # dwell 2 (settings + logged changes), heat map 3 (pages home, keyboard, phrases); no vocabulary
    # plot without consent, no comparison without a second period
    assert len(images) == 15
    assert all(img.startswith(b"\x89PNG\r\n\x1a\n") and len(img) > 5000 for img in images)
    assert "Keystroke savings" in page and "Words per minute" in page
    assert "No data for this" not in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")  # self-contained
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "sessions" in summary


def test_no_text_when_logging_off(private_profile, private_report):
    assert private_profile.settings.text_logging is False
    out, csv_dir, _ = private_report
    assert SENTINEL not in out.read_text()
    assert "contains no message text" in out.read_text()
    for f in csv_dir.iterdir():
        assert SENTINEL not in f.read_text(), f
    for f in private_profile.dir.glob("usage.sqlite*"):
        assert SENTINEL.encode() not in f.read_bytes()


def test_text_present_when_opted_in(open_profile, tmp_path):
    out = tmp_path / "r.html"
    write_report(open_profile, out, csv_dir=tmp_path / "csv")
    page = out.read_text()
    assert SENTINEL in page and '<h2 id="messages">' in page
    assert SENTINEL in (tmp_path / "csv" / "messages.csv").read_text()


def test_text_hidden_again_after_opt_out(open_profile, tmp_path):
    prof = Profile.open(open_profile.dir)
    prof.settings = prof.settings.replace(text_logging=False)  # not saved: only this report's view
    out = tmp_path / "r.html"
    write_report(prof, out, csv_dir=tmp_path / "csv")
    assert SENTINEL not in out.read_text()
    assert all(SENTINEL not in f.read_text() for f in (tmp_path / "csv").iterdir())


def test_csv_tables(private_profile, private_report):
    _, csv_dir, _ = private_report
    names = sorted(p.name for p in csv_dir.iterdir())
    assert names == ["daily.csv", "errors.csv", "messages.csv", "selections.csv", "sessions.csv", "tile_usage.csv",
                     "weekly.csv"]  # no words.csv without consent
    rows = read_tables(private_profile.usage_db)
    with open(csv_dir / "messages.csv") as fh:
        msgs = list(csv.DictReader(fh))
    assert len(msgs) == len(rows["messages"]) and "text" not in msgs[0]
    with open(csv_dir / "daily.csv") as fh:
        daily = list(csv.DictReader(fh))
    assert sum(int(d["messages"]) for d in daily) == len(rows["messages"])
    ks = [float(d["keystroke_savings"]) for d in daily if d["keystroke_savings"]]
    assert ks and all(-1 < k < 1 for k in ks)


def test_empty_state(tmp_path):
    prof = Profile.open(tmp_path / "empty")
    out = tmp_path / "r.html"
    write_report(prof, out, csv_dir=tmp_path / "csv")
    page = out.read_text()
    assert "No usage recorded in this period" in page
    assert page.count("No data for this in the selected period") == 11
    assert "No second period chosen" in page and "Word measures are not shown" in page
    assert "data:image/png" not in page
    assert (tmp_path / "csv" / "daily.csv").read_text().strip() == "day"


@pytest.mark.slow
def test_date_window(private_profile, tmp_path):
    today = datetime.now().date()
    since = (today - timedelta(days=3)).isoformat()
    out = tmp_path / "r.html"
    write_report(private_profile, out, since=since, until=today.isoformat(), csv_dir=tmp_path / "csv")
    with open(tmp_path / "csv" / "daily.csv") as fh:
        days = [d["day"] for d in csv.DictReader(fh)]
    assert days and min(days) >= since and max(days) <= today.isoformat()
    assert f"Period: {since} to {today.isoformat()}" in out.read_text()


def test_bad_dates_clear_errors(private_profile, tmp_path):
    with pytest.raises(ReportError, match="--from: expected a date like 2026-11-01, found '11/03/2026'"):
        write_report(private_profile, tmp_path / "r.html", since="11/03/2026")
    with pytest.raises(ReportError, match="is after"):
        write_report(private_profile, tmp_path / "r.html", since="2026-02-01", until="2026-01-01")
    with pytest.raises(ReportError, match="is a folder"):
        write_report(private_profile, tmp_path)
    assert parse_day("2026-01-01", "--until", end=True) - parse_day("2026-01-01", "--since") == 86400


def test_metrics_definitions(tmp_path):
    log = UsageLog(tmp_path / "u.sqlite", text_logging=False)
    t0 = datetime(2026, 3, 2, 10, 0).timestamp()
    log.start_session("tobii", 900, 1.1, "en", t=t0)
    for i in range(4):
        log.selection("word", slot=0, rank=0, t=t0 + 10 + i)
    log.selection("letter", t=t0 + 20)
    log.error("undo", t=t0 + 21)
    # "hello there you" = 15 chars: spelled it costs 16; 5 selections -> KS = 1 - 5/16
    log.message("hello there you", selections=5, seconds=60, t=t0 + 30)
    log.end_session(t=t0 + 600)
    log.close()
    m = compute(read_tables(tmp_path / "u.sqlite"))
    d = m.days[0]
    assert d.wpm == pytest.approx(3.0) and d.sel_per_word == pytest.approx(5 / 3)
    assert d.ks == pytest.approx(1 - 5 / 16) == pytest.approx(ks_of(5, 15))
    assert d.errors_per_100 == pytest.approx(20.0)
    assert m.sessions[0]["minutes"] == pytest.approx(10.0)
    assert m.ranks["word"][0] == 4
    assert m.activity[0][10] == 5  # Monday, 10 h
    summary = {k: v for k, v, _ in m.summary}
    assert summary["Keystroke savings"] == "69 %" and summary["Prediction use (of content selections)"] == "80 %"


def test_unended_session_uses_last_event(tmp_path):
    log = UsageLog(tmp_path / "u.sqlite", text_logging=False)
    t0 = datetime(2026, 3, 2, 10, 0).timestamp()
    log.start_session("mouse", 1000, None, "en", t=t0)
    log.selection("letter", t=t0 + 300)
    log.flush()
    log._closed = True  # simulate a crash: no end_session is ever written
    m = compute(read_tables(tmp_path / "u.sqlite"))
    assert m.sessions[0]["unended"] and m.sessions[0]["minutes"] == pytest.approx(5.0)


def test_parse_cell():
    assert parse_cell("2,3") == (2, 3)
    assert parse_cell("main:10,0") == (10, 0)
    assert parse_cell("r4c7") == (4, 7)
    assert parse_cell("speak") is None


@pytest.mark.slow
def test_cli_report_full(open_profile, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    out = tmp_path / "cli.html"
    r = subprocess.run([sys.executable, "-m", "aac.cli", "report", "--profile", str(open_profile.dir), "--out",
                        str(out), "--csv", str(tmp_path / "c")], check=False, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    # + the vocabulary plot (text logging on), - the dwell changes (none in 5 days)
    assert "report written to" in r.stdout and len(pngs(out.read_text())) == 15
    assert (tmp_path / "c" / "daily.csv").exists()


def test_cli_report_errors_and_show(private_profile, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    out = tmp_path / "cli.html"
    r = subprocess.run([sys.executable, "-m", "aac.cli", "report", "--profile", str(private_profile.dir), "--out",
                        str(out), "--since", "yesterday"], check=False, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "--from: expected a date" in r.stderr
    r = subprocess.run([sys.executable, "-m", "aac.cli", "profile", "show", "--json", "--profile",
                        str(private_profile.dir)], check=False, capture_output=True, text=True, env=env, timeout=60)
    state = json.loads(r.stdout)
    assert state["usage"]["messages"] > 50 and state["calibration"]["accuracy_deg"] > 0


def test_damaged_log_clear_error(tmp_path):
    prof = Profile.open(tmp_path / "p")
    prof.usage_db.write_bytes(b"not a database at all" * 50)
    # issue 20: a report that says so, not an error (and never a traceback)
    summary = write_report(prof, tmp_path / "r.html")
    assert "warning: the usage log usage.sqlite cannot be read" in summary
    assert 'class="warning"' in (tmp_path / "r.html").read_text(encoding="utf-8")

