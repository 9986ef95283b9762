"""The clinical record (issue 19): language measures with consent only, periods compared, LAM export.

Messages are made of made-up words so that finding one anywhere is a leak, not a coincidence."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from aac.store.lam import lam_lines
from aac.store.language_measures import mlu_words, vocabulary, words_of
from aac.store.report import write_report
from aac.store.report_periods import measure
from aac.store.synthetic import make_profile
from aac.store.usage_log import UsageLog, read_extra, read_tables

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_helpers import MADE_UP, improving_record  # noqa: F401 - a session fixture

LAM_EVENT = re.compile(r'^\d\d:\d\d:\d\d (SPE|WPR|NWL|WOR) "[^"\n]*"$')


def files_with(paths, words) -> dict[str, list[str]]:
    found = {}
    for p in paths:
        data = p.read_bytes().lower()
        hits = [w for w in words if w.encode() in data]
        if hits:
            found[str(p)] = hits
    return found


def _all_files(*folders):
    return [p for f in folders for p in f.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def closed_profile(tmp_path_factory):
    """Text logging and word statistics off (the defaults)."""
    return make_profile(tmp_path_factory.mktemp("closed") / "p", days=10, seed=5, vocabulary=MADE_UP)


@pytest.fixture(scope="module")
def improving(improving_record):  # noqa: F811 - the imported fixture
    return improving_record.profile, improving_record.dir


def test_no_word_of_any_message_anywhere_without_consent(closed_profile, tmp_path):
    s = closed_profile.settings
    assert not s.text_logging and not s.word_statistics
    write_report(closed_profile, tmp_path / "r.html", csv_dir=tmp_path / "csv", lam=tmp_path / "a.lam")
    assert read_tables(closed_profile.usage_db)["messages"]  # there were messages to leak
    files = _all_files(closed_profile.dir, tmp_path)
    assert {p.name for p in files} >= {"usage.sqlite", "r.html", "a.lam", "messages.csv", "weekly.csv"}
    assert files_with(files, MADE_UP) == {}
    page = (tmp_path / "r.html").read_text()
    assert "Word statistics for the clinician are <b>off</b>" in page and "Word measures are not shown" in page
    assert not (tmp_path / "csv" / "words.csv").exists()
    lam = (tmp_path / "a.lam").read_text().splitlines()
    events = [ln for ln in lam if ln[:1].isdigit()]
    assert events and all(LAM_EVENT.match(ln) for ln in events)
    assert {ln.split('"')[1] for ln in events} <= {"[letter]", "[word]", "[ending]", "[space]", "[phrase]", "[punct]"}


def test_word_statistics_store_words_never_messages(improving):
    prof, d = improving
    assert prof.settings.word_statistics and not prof.settings.text_logging
    counts = read_extra(prof.usage_db)["word_counts"]
    assert {r["item"] for r in counts if r["kind"] == "word"} <= set(MADE_UP) | {"i", "am", "in", "pain", "yes",
                                                                                  "would", "like", "some", "water",
                                                                                  "please", "goodbye", "see", "you",
                                                                                  "soon"}
    msgs = read_tables(prof.usage_db)["messages"]
    assert msgs and all(m["text"] is None for m in msgs)
    # no two words of a message side by side in any file: words are counted, messages are not kept
    pairs = {f"{a} {b}" for a in MADE_UP for b in MADE_UP}
    assert files_with(_all_files(prof.dir, d), pairs) == {}
    page = (d / "r.html").read_text()
    assert "word statistics (counts only, consented)" in page
    words_csv = (d / "csv" / "words.csv").read_text()
    assert words_csv.startswith("word,count,core") and "zorvak" in words_csv
    # LAM: words only with text logging, which is off
    assert files_with([d / "a.lam"], MADE_UP) == {}


def test_improvement_shows_in_the_comparison(improving):
    prof, d = improving
    page = (d / "r.html").read_text()
    table = page[page.index('<h2 id="compare">'):page.index('<h2 id="weekly">')]
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", table))

    def cells(name):
        return re.findall(r'<td class="num ?(\w*)">([^<]*)</td>', rows[name])

    for name, better in (("Words per minute", True), ("Selections per minute", True),
                         ("Corrections per 100 selections", False), ("Mean length of utterance (words)", True)):
        (_, earlier), (_, later), (cls, change) = cells(name)
        e, lat = float(earlier.split()[0]), float(later.split()[0])
        assert (lat > e) if better else (lat < e), (name, earlier, later)
        assert cls == "better", (name, change)
    (_, e_words), (_, l_words), _ = cells("Words")
    assert int(l_words) > int(e_words)
    assert "Earlier: " in table and "(B)" in table.split("Later:")[0]  # the compare period is the earlier one
    # and the same figures from the measures themselves
    rows_all = read_tables(prof.usage_db)
    weeks = sorted({r["t"] // (7 * 86400) for r in rows_all["messages"]})
    assert len(weeks) >= 4


def test_lam_with_text_logging_has_words_and_codes(tmp_path):
    log = UsageLog(tmp_path / "u.sqlite", text_logging=True)
    t0 = 1_780_000_000.0
    log.start_session("tobii", 900, 1.0, "en", t=t0)
    log.selection("letter", tile_id="keyboard/3,0:letter:z", page="keyboard", text="z", t=t0 + 1)
    log.selection("word", slot=0, rank=0, tile_id="home/2,0:word:0", page="home", text="zorvak", t=t0 + 3)
    log.selection("ending", slot=0, rank=0, tile_id="home/1,0:ending:0", text='quenlit "now"', t=t0 + 5)
    log.selection("action", tile_id="home/0,9:action:speak", page="home", t=t0 + 6)
    log.close()
    lines = lam_lines(read_tables(tmp_path / "u.sqlite"), text_logging=True, profile_name="Anna")
    assert lines[0] == "### CAUTION ###" and any(ln.startswith("*[") and "]*" in ln for ln in lines)
    events = [ln for ln in lines if ln[:1].isdigit()]
    assert [ln.split(" ", 1)[1] for ln in events] == ['SPE "z"', 'WPR "zorvak "', "NWL \"quenlit 'now' \""]
    assert all(LAM_EVENT.match(ln) for ln in events)


def test_language_measures():
    assert words_of("I'm OK, don’t go! 42 times") == ["i'm", "ok", "don't", "go", "times"]
    v = vocabulary("en", [{"text": "I want to go out"}, {"text": "I want zorvak"}], text_logging=True)
    assert v.source == "text" and v.total == 8 and v.distinct == 6
    assert v.core_share == pytest.approx(7 / 8)  # everything but the made-up word is core
    assert v.phrases["i want"] == 2
    assert vocabulary("ru", [{"text": "я хочу пить"}], text_logging=True).core_share is None  # no cited list
    assert vocabulary("en", [{"text": "secret words"}]).source == ""  # no consent: nothing read
    assert mlu_words([{"words": 3, "spoken": 1}, {"words": 5, "spoken": 1}, {"words": 9, "spoken": 0}]) == 4.0
    p = measure("x", {"selections": [{"t": 0.0, "kind": "action", "action": "pause", "session_id": 1}],
                      "messages": [], "errors": [], "sessions": []})
    assert p.pause_key == 1 and p.wpm is None
    # a recording played (UsageLog.recorded_message) counts as a recorded message, and is a LAM event
    rec = {"t": 1.0, "kind": "recorded message", "session_id": 1, "text": None}
    assert measure("x", {"selections": [rec], "messages": [], "errors": [], "sessions": []}).composition["recorded"] == 1
    assert lam_lines({"selections": [rec]}, text_logging=False)[-1].endswith('WOR "[recorded_message]"')
