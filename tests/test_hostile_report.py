"""Issue 20, finding 7: the report on a damaged usage log is a report with a warning, never a traceback.

Before: invalid UTF-8 in a text column (a byte flip) raised UnicodeDecodeError in the report and
in ``aac profile show``; a text value in a time column raised TypeError; a log with another
schema raised KeyError; ``--since 0001-01-01`` / ``--until 9999-12-31`` raised ValueError /
OverflowError; a file failing ``PRAGMA integrity_check`` gave a report with no warning; the CSV
export wrote ``=HYPERLINK(...)`` as is (formula injection when opened in a spreadsheet).
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, headless_env  # noqa: E402

from aac.store.profile import Profile  # noqa: E402
from aac.store.report import write_report  # noqa: E402
from aac.store.state import profile_state  # noqa: E402
from aac.store.usage_log import UsageLog  # noqa: E402
import aac.store.usage_query as usage_query  # noqa: E402


_TEMPLATES: dict[bool, Path] = {}


def _profile(tmp_path: Path, text_logging: bool = False) -> Profile:
    """A copy of a small synthetic profile (made once per text_logging value: filling it is slow)."""
    import shutil
    import tempfile

    from aac.store.synthetic import make_profile

    if text_logging not in _TEMPLATES:
        base = Path(tempfile.mkdtemp(prefix="aac-hostile-report-")) / "p"
        make_profile(base, days=2, seed=3, text_logging=text_logging)
        _TEMPLATES[text_logging] = base
    shutil.copytree(_TEMPLATES[text_logging], tmp_path / "p")
    return Profile.open(tmp_path / "p")


def _sql(prof: Profile, *statements: str, args: tuple = ()) -> None:
    conn = sqlite3.connect(str(prof.usage_db), isolation_level=None)
    try:
        for s in statements:
            conn.execute(s, args if "?" in s else ())
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _report(prof: Profile, tmp_path: Path, **kw) -> tuple[str, str]:
    out = tmp_path / "out" / "r.html"
    summary = write_report(prof, out, csv_dir=tmp_path / "out" / "csv", **kw)
    return summary, out.read_text(encoding="utf-8")


def test_invalid_utf8_in_a_text_column(tmp_path):
    prof = _profile(tmp_path, text_logging=True)
    _sql(prof, "INSERT INTO selections(t, kind, page, text) VALUES (?, 'letter', CAST(x'ff61fe' AS TEXT), "
               "CAST(x'c3' AS TEXT))", args=(time.time() - 60,))
    summary, page = _report(prof, tmp_path)
    assert "selections" in summary
    state = profile_state(Profile.open(prof.dir))
    assert state["usage"]["selections"] > 0


def test_text_in_a_time_column_is_left_out_with_a_warning(tmp_path):
    prof = _profile(tmp_path)
    _sql(prof, "INSERT INTO selections(t, kind) VALUES ('yesterday', 'letter')",
         "INSERT INTO messages(t, words, chars, selections, spoken) VALUES ('soon', 'x', 2, 3, 1)",
         "INSERT INTO sessions(started) VALUES (1e300)")
    summary, page = _report(prof, tmp_path)
    assert "warning" in summary.lower() and "left out" in summary
    assert 'class="warning"' in page and "left out" in page


def test_another_schema(tmp_path):
    prof = Profile.open(tmp_path / "p")
    conn = sqlite3.connect(str(prof.usage_db))
    conn.executescript("CREATE TABLE selections(id INTEGER PRIMARY KEY, when_ts REAL, what TEXT);"
                       "INSERT INTO selections(when_ts, what) VALUES (1, 'x');"
                       "CREATE TABLE messages(id INTEGER PRIMARY KEY, t REAL);"
                       "INSERT INTO messages(t) VALUES (1700000000);")
    conn.close()
    summary, page = _report(prof, tmp_path)
    assert "warning" in summary.lower()
    rows, warnings = usage_query.read_log(prof.usage_db)
    assert any("selections" in w for w in warnings), warnings


def test_not_a_database_at_all(tmp_path):
    prof = Profile.open(tmp_path / "p")
    prof.usage_db.write_bytes(b"this is not sqlite" * 100)
    summary, page = _report(prof, tmp_path)
    assert "warning" in summary.lower() and 'class="warning"' in page


def test_extreme_dates_on_the_command_line(tmp_path):
    prof = _profile(tmp_path)
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    from aac.store.report import parse_day

    for since, until in [("0001-01-01", "0001-01-02"), ("1969-12-31", "2100-01-01"), ("9999-12-31", "9999-12-31")]:
        lo, hi = parse_day(since, "--since"), parse_day(until, "--until", end=True)
        assert lo < hi
    for since, until in [("0001-01-01", "9999-12-31"), ("9999-12-30", "9999-12-31")]:
        r = subprocess.run([PYTHON, "-m", "aac.cli", "report", "--profile", str(prof.dir), "--since", since,
                            "--until", until, "--out", str(tmp_path / "o.html")],
                           capture_output=True, text=True, env=env, cwd=str(REPO), timeout=300)
        assert r.returncode == 0, (since, until, r.stderr[-1500:])
        assert "Traceback" not in r.stderr
    rows, _ = usage_query.read_log(prof.usage_db, since=None)
    assert rows["selections"]


def _corrupt_index(prof: Profile) -> None:
    conn = sqlite3.connect(str(prof.usage_db), isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name='selections_t'").fetchone()[0]
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    data = bytearray(prof.usage_db.read_bytes())
    start = (root - 1) * page_size
    for i in range(start + page_size - 40, start + page_size - 8):  # key bytes of the last index cells
        data[i] ^= 0x55
    prof.usage_db.write_bytes(bytes(data))


def test_integrity_check_failure_gives_a_warning(tmp_path):
    prof = _profile(tmp_path)
    _corrupt_index(prof)
    from aac.store.usage_query import integrity_check

    assert integrity_check(prof.usage_db) != "ok"
    summary, page = _report(prof, tmp_path)
    assert "integrity" in summary and "integrity" in page


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_csv_cells_cannot_start_a_formula(tmp_path, evil):
    prof = Profile.open(tmp_path / "p")
    prof.set("text_logging", True)
    log = UsageLog(prof)
    log.start_session(source="mouse", dwell_ms=1000, calibration_deg=None, language="en", layout=evil)
    log.message(evil, words=1, chars=len(evil), selections=3, seconds=2.0, spoken=True)
    log.close(timeout=30)
    _report(Profile.open(prof.dir), tmp_path)
    for name in ("messages.csv", "sessions.csv"):
        with open(tmp_path / "out" / "csv" / name, newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in cells), (name, cells)
        assert any(c == "'" + evil for c in cells), (name, cells)


def test_byte_flip_in_the_schema_text(tmp_path):
    """Found by the hostile harness: SQLite's error message quotes the damaged schema text, and
    Python decodes error messages as strict UTF-8, so a flipped byte there raised
    UnicodeDecodeError from the integrity check instead of a sqlite3 error."""
    prof = _profile(tmp_path)
    _sql(prof, "PRAGMA journal_mode=DELETE")
    data = prof.usage_db.read_bytes()
    assert b"CREATE INDEX errors_t" in data
    prof.usage_db.write_bytes(data.replace(b"CREATE INDEX errors_t", b"CR\xc5ATE INDEX errors_t", 1))
    summary, page = _report(prof, tmp_path)
    assert "warning" in summary.lower() and 'class="warning"' in page
    state = profile_state(Profile.open(prof.dir))
    assert isinstance(state["usage"]["selections"], int)


def test_board_log_writer_sets_aside_a_log_with_a_damaged_schema_text(tmp_path):
    """The board's writer thread died on the same UnicodeDecodeError (logging stopped silently)."""
    prof = _profile(tmp_path)
    _sql(prof, "PRAGMA journal_mode=DELETE")
    data = prof.usage_db.read_bytes()
    prof.usage_db.write_bytes(data.replace(b"CREATE INDEX errors_t", b"CR\xc5ATE INDEX errors_t", 1))
    log = UsageLog(Profile.open(prof.dir))
    log.start_session(source="mouse", dwell_ms=1000, calibration_deg=None, language="en")
    log.selection("letter")
    log.close(timeout=30)
    assert "set aside" in log.status, log.status
    assert list(prof.dir.glob("usage.sqlite.corrupt-*"))
    rows, warnings = usage_query.read_log(prof.usage_db)
    assert len(rows["selections"]) == 1 and not warnings
