"""The `aac predict --jsonl` contract, on the real `aac` process (other tools depend on it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model_helpers import built_model_dir

AAC = [sys.executable, "-m", "aac.cli"]


_model_dir = built_model_dir


@pytest.mark.model
def test_jsonl_contract_with_malformed_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"context": "I want to ", "prefix": ""}),
        "this is not json",
        json.dumps(["a", "list"]),
        json.dumps({"context": "Can you ", "prefix": "he"}),
        json.dumps({"learn": "My cat Zorblax likes tuna."}),
        json.dumps({"context": 5, "prefix": ""}),
        json.dumps({"hello": "world"}),
        json.dumps({"context": "", "prefix": ""}),
    ]
    env = dict(os.environ, AAC_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run(
        AAC + ["predict", "--jsonl", "--model-dir", str(_model_dir()), "--profile", str(tmp_path / "profile")],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == len(lines)  # exactly one line per request, malformed ones included
    ok = [out[0], out[3], out[7]]
    for r in ok:
        assert len(r["words"]) == 5 and len(r["endings"]) == 3, r
        assert isinstance(r["previews"], dict) and set(r["previews"]) == set(r["words"])
    assert all(w.lower().startswith("he") for w in out[3]["words"])
    assert all(e.lower().startswith("he") for e in out[3]["endings"])
    assert all(w[0].isupper() for w in out[7]["words"])  # sentence start
    for i in (1, 2, 5, 6):
        assert set(out[i]) == {"error"} and out[i]["error"], out[i]
    assert out[4] == {"ok": True}


@pytest.mark.model
def test_what_a_jsonl_session_taught_is_all_on_disk_at_the_end(tmp_path: Path) -> None:
    """The learner writes its training lists every few sentences; the end of input writes the rest."""
    from aac.predict.learn import Learner

    profile = tmp_path / "profile"
    env = dict(os.environ, AAC_DATA_DIR=str(tmp_path / "data"))

    def session(context: str, sentence: str) -> list[dict]:
        lines = [json.dumps({"context": context, "prefix": p}) for p in ("", sentence[len(context)])]
        lines += [json.dumps({"learn": sentence}), json.dumps({"context": "My cat ", "prefix": "W"})]
        proc = subprocess.run(AAC + ["predict", "--jsonl", "--model-dir", str(_model_dir()), "--profile", str(profile)],
                              input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr
        return [json.loads(x) for x in proc.stdout.splitlines()]

    session("My cat ", "My cat Whiskers is hungry.")
    def stored_summary() -> dict:
        learner = Learner.open(profile)  # holds the profile's lock (issue 20) until closed
        try:
            return learner.summary()
        finally:
            learner.close()

    first = stored_summary()["reranker"]["word"]["stored"]
    out = session("I would like some ", "I would like some water.")  # one sentence: no periodic save
    assert "Whiskers" in out[-1]["words"]  # said the day before, offered once a letter is typed
    summary = stored_summary()
    assert summary["sentences"] == 2
    assert summary["reranker"]["word"]["stored"] > first, summary  # the second session's lists too


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        AAC + ["predict", "--jsonl", "--model-dir", str(tmp_path)],
        input='{"context": "", "prefix": ""}\n', capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode != 0
    assert "aac model build" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("value", ["-1", "21", "four", "2.5"])
def test_history_lines_outside_what_a_language_pack_may_set_is_refused_with_the_bounds(value: str) -> None:
    proc = subprocess.run(AAC + ["predict", "--jsonl", "--no-previews", "--history-lines", value],
                          input='{"context": "", "prefix": ""}\n', capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"--history-lines: must be a whole number from 0 to 20 (got '{value}')" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_profile_that_is_a_file_is_refused_before_anything_is_answered(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("my notes", encoding="utf-8")
    proc = subprocess.run(AAC + ["predict", "--jsonl", "--profile", str(not_a_folder)],
                          input='{"context": "", "prefix": ""}\n', capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "is a file; give a profile folder" in proc.stderr
    assert not_a_folder.read_text(encoding="utf-8") == "my notes"


@pytest.mark.model
def test_bench_ks_reports_the_learning_curve_per_block(tmp_path: Path) -> None:
    corpus = tmp_path / "lines.txt"
    corpus.write_text("I am thirsty.\nPlease call my son.\nI am thirsty.\nThank you.\nGood night.\n", encoding="utf-8")
    env = dict(os.environ, AAC_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run(
        AAC + ["bench", "ks", "--corpus", str(corpus), "--block", "2", "--json", "--model-dir", str(_model_dir())],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["sentences"] == 5 and stats["block"] == 2
    assert len(stats["ks_per_block"]) == 3  # 2 + 2 + the last 1
    assert all(0 <= v <= 100 for v in stats["ks_per_block"])
    assert 0 < stats["ks"] < 100
