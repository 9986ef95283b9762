"""A shared clinical record for the report tests (issue 19): built once per test session.

Four synthetic weeks of a person who gets better (faster, fewer corrections, longer messages),
with word statistics on and text logging off; the report of the last week (A) compared with the
first week (B), with CSV tables and a LAM file. Made-up words make any leak findable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

MADE_UP = ["zorvak", "quenlit", "brastol", "mivvet", "truxen", "oplarn", "skelvy", "drumbit", "fennack",
           "glorpe", "yastrel", "wuzzom"]


@dataclass
class Record:
    profile: Any
    dir: Path
    html: Path


_BUILT: list[Record] = []


@pytest.fixture(scope="session")
def improving_record(tmp_path_factory) -> Record:
    """Imported by several test modules, so pytest sees one fixture per module: the record itself
    is built once and reused (the factory's folders live for the whole session)."""
    if _BUILT:
        return _BUILT[0]
    from aac.store.report import write_report
    from aac.store.synthetic import make_profile

    d = tmp_path_factory.mktemp("improving")
    prof = make_profile(d / "Anna", days=28, seed=11, word_statistics=True, improve=True, vocabulary=MADE_UP)
    today = date.today()
    write_report(prof, d / "r.html", since=(today - timedelta(days=6)).isoformat(), until=today.isoformat(),
                 compare_since=(today - timedelta(days=28)).isoformat(),
                 compare_until=(today - timedelta(days=22)).isoformat(), csv_dir=d / "csv", lam=d / "a.lam")
    _BUILT.append(Record(prof, d, d / "r.html"))
    return _BUILT[0]
