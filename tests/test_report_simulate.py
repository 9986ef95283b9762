"""End to end (issue 8, done-when): `aac simulate --log-as-use` writes into a profile (as marked
simulated sessions, issue 19), `aac report --include-simulated` reads them, and with text logging
off none of the simulated sentences' words are in the database, report or CSV."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from aac.paths import REPO_ROOT


@pytest.mark.slow
def test_simulate_then_report_has_no_sentence_words(tmp_path):
    sentences = tmp_path / "s.txt"
    sentences.write_text("my back hurts\nplease open window\n")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", AAC_DATA_DIR=str(tmp_path / "data"))
    prof = tmp_path / "prof"
    r = subprocess.run([sys.executable, "-m", "aac.cli", "simulate", "--text-file", str(sentences), "--profile",
                        str(prof), "--speed", "20", "--no-model", "--speech", "record", "--json", "--log-as-use"],
                       check=False, capture_output=True, text=True, env=env, timeout=600, cwd=REPO_ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    out = tmp_path / "r.html"
    r = subprocess.run([sys.executable, "-m", "aac.cli", "report", "--profile", str(prof), "--out", str(out),
                        "--csv", str(tmp_path / "csv"), "--include-simulated"], check=False, capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    assert "No usage recorded" not in page and page.count("data:image/png;base64,") >= 8
    files = list(prof.glob("usage.sqlite*")) + [out] + list((tmp_path / "csv").iterdir())
    for word in ("back", "hurts", "please", "open", "window"):
        for f in files:
            assert not re.search(rb"(?i)\b" + word.encode() + rb"\b", f.read_bytes()), (word, f)
