"""`aac profile forget / learning on|off / reset-learning` on a real profile folder."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from aac.predict.learn import Learner
from aac.predict.learn.cli import parse_when, register_profile_commands
from aac.store.profile import Profile


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aac profile")
    register_profile_commands(p.add_subparsers(dest="cmd"))
    return p


def run(*argv: str) -> int:
    args = parser().parse_args(list(argv))
    return args.func(args)


def test_register_skips_commands_already_defined():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers()
    sub.add_parser("reset-learning")
    register_profile_commands(sub)  # must not raise "conflicting subparser"
    assert {"forget", "learning", "reset-learning"} <= set(sub.choices)


def test_parse_when_dates():
    day = parse_when("2026-11-20")
    assert parse_when("2026-11-20", end_of_day=True) - day == 86_400
    assert parse_when("2026-11-20T10:30") - day == 10.5 * 3600
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_when("last tuesday")


def test_forget_and_reset_from_the_command_line(tmp_path: Path, capsys):
    prof = Profile.open(tmp_path / "p")
    now = time.time()
    clock = lambda: now - 3 * 86_400  # noqa: E731 - three days ago
    Learner.open(prof.dir, clock=clock).learn_sentence("an old secret")
    Learner.open(prof.dir).learn_sentence("said today")
    three_days_ago = (datetime.now() - timedelta(days=3)).date().isoformat()
    assert run("forget", "--since", three_days_ago, "--until", three_days_ago, "--profile", str(prof.dir)) == 0
    assert "forgot 1 sentences" in capsys.readouterr().out
    assert [s.text for s in Learner.open(prof.dir).vocab.sentences] == ["said today"]
    assert run("forget", "--since", "tomorrow", "--profile", str(prof.dir)) == 1
    assert "cannot read the date" in capsys.readouterr().err
    assert run("reset-learning", "--profile", str(prof.dir)) == 1  # needs --yes
    assert run("reset-learning", "--yes", "--profile", str(prof.dir)) == 0
    assert Learner.open(prof.dir).summary()["sentences"] == 0


def test_learning_off_and_on(tmp_path: Path, capsys):
    prof = Profile.open(tmp_path / "p")
    assert run("learning", "off", "--profile", str(prof.dir)) == 0
    assert Profile.open(prof.dir).settings.learning_enabled is False
    assert "learning is off" in capsys.readouterr().out
    assert run("learning", "on", "--profile", str(prof.dir)) == 0
    assert Profile.open(prof.dir).settings.learning_enabled is True
    assert run("learning", "status", "--profile", str(prof.dir)) == 0
    assert "learning is on" in capsys.readouterr().out
