"""Profiles and settings: round trips, validation messages, damaged files set aside, permissions."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aac.store.profile import (
    Profile,
    ProfileError,
    check_name,
    list_profiles,
    resolve_profile,
)
from aac.store.settings import (
    Settings,
    from_dict,
    load_settings,
    parse_cli_value,
    save_settings,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_settings_round_trip(tmp_path):
    s = Settings(dwell_ms=1400, voice="ru-default", text_logging=True, fallback_sources=["webcam", "mouse"],
                 failover_s=2.5)
    save_settings(tmp_path / "s.json", s)
    back, problems = load_settings(tmp_path / "s.json")
    assert problems == []
    assert back == s
    assert json.loads((tmp_path / "s.json").read_text())["version"] == 1


def test_defaults_match_interfaces():
    s = Settings()
    assert (s.dwell_ms, s.lock_on_ms, s.cooldown_ms, s.resume_dwell_ms) == (1000, 150, 300, 2000)
    assert s.text_logging is False and s.profanity_filter is True
    assert s.fallback_sources == ["mouse"] and s.failover_s == 5.0 and s.scan_interval_ms == 1200


def test_wrong_types_name_file_and_key_and_fall_back(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"dwell_ms": "fast", "text_logging": "yes", "voice": 3, "theme": "dark",
                                "lock_on_ms": 1e9, "fallback_sources": "mouse", "failover_s": float("nan")
                                if False else 2}))
    s, problems = load_settings(path)
    assert s.dwell_ms == 1000 and s.text_logging is False and s.voice == "en-default"
    assert s.lock_on_ms == 150 and s.fallback_sources == ["mouse"]
    assert s.theme == "dark" and s.failover_s == 2.0  # good keys survive the bad ones
    text = "\n".join(problems)
    for key in ("dwell_ms", "text_logging", "voice", "lock_on_ms", "fallback_sources"):
        assert f"{path}: {key}: expected" in text, text
    assert "between 200 and 10000" in text and "'fast'" not in text and '"fast"' in text


def test_bool_is_not_a_number():
    s, problems = from_dict({"dwell_ms": True, "click_sound": 1})
    assert s.dwell_ms == 1000 and s.click_sound is True and len(problems) == 2


def test_unknown_keys_kept_and_warned(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"dwell_ms": 900, "future_feature": {"a": 1}}))
    s, problems = load_settings(path)
    assert s.dwell_ms == 900
    assert any("future_feature: unknown setting" in p for p in problems)
    save_settings(path, s)
    assert json.loads(path.read_text())["future_feature"] == {"a": 1}


def test_corrupt_settings_set_aside_not_lost(tmp_path):
    prof = Profile.open(tmp_path / "p")
    bad = b'{"dwell_ms": 1200,, oops'
    (prof.dir / "settings.json").write_bytes(bad)
    again = Profile.open(tmp_path / "p")
    assert again.settings == Settings()
    aside = list(prof.dir.glob("settings.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == bad
    assert any("not valid JSON" in p and aside[0].name in p for p in again.problems)
    # a new save does not touch the damaged copy
    again.set("dwell_ms", "1300")
    assert aside[0].read_bytes() == bad
    assert Profile.open(tmp_path / "p").settings.dwell_ms == 1300


def test_non_object_json_set_aside(tmp_path):
    p = tmp_path / "settings.json"
    p.write_text("[1, 2]")
    s, problems = load_settings(p)
    assert s == Settings() and "expected a JSON dict, found list" in problems[0]
    assert not p.exists()


def test_permissions_private(tmp_path, data_dir):
    prof = Profile.create("Anna")
    prof.save_draft("hello")
    prof.save_calibration({"accuracy_deg": 1.2})
    assert mode(prof.dir) == 0o700 and mode(prof.learning_dir) == 0o700
    assert mode(data_dir / "profiles") == 0o700
    for f in prof.dir.iterdir():
        if f.is_file():
            assert mode(f) == 0o600, f


def test_create_list_resolve(data_dir):
    Profile.create("Anna")
    Profile.create("Иван")
    with pytest.raises(ProfileError, match="already exists"):
        Profile.create("Anna")
    assert [p.name for p in list_profiles()] == ["Anna", "Иван"]
    assert resolve_profile("Иван", create=False).name == "Иван"
    with pytest.raises(ProfileError, match="aac profile create Bob"):
        resolve_profile("Bob", create=False)
    assert resolve_profile(None).name == "default"
    for bad in ("../x", "", ".hidden", "a/b", "x" * 80):
        with pytest.raises(ProfileError):
            check_name(bad)


def test_explicit_dir_is_initialised(tmp_path):
    prof = resolve_profile(str(tmp_path / "fresh"))
    assert (prof.dir / "profile.json").exists() and (prof.dir / "learning").is_dir()
    assert json.loads((prof.dir / "profile.json").read_text())["version"] == 1


def test_set_validates(tmp_path):
    prof = Profile.open(tmp_path / "p")
    assert prof.set("dwell_ms", "1500") == 1500
    assert prof.set("text_logging", "on") is True
    assert prof.set("fallback_sources", "webcam, mouse") == ["webcam", "mouse"]
    assert prof.set("dwell_ms", 800) == 800
    with pytest.raises(ValueError, match="between 200 and 10000"):
        prof.set("dwell_ms", "20")
    with pytest.raises(ValueError, match="true or false"):
        prof.set("click_sound", "maybe")
    with pytest.raises(ValueError, match="unknown setting"):
        prof.set("nope", "1")
    back = Profile.open(tmp_path / "p").settings
    assert (back.dwell_ms, back.text_logging, back.fallback_sources) == (800, True, ["webcam", "mouse"])


def test_parse_cli_value_list_json():
    assert parse_cli_value("fallback_sources", '["tobii", "mouse"]') == ["tobii", "mouse"]


def test_calibration_history(tmp_path):
    prof = Profile.open(tmp_path / "p")
    assert prof.calibration is None
    prof.save_calibration({"accuracy_deg": 3.1, "points": 9})
    prof.save_calibration({"accuracy_deg": 2.0, "date": "2026-11-01T10:00:00+00:00"})
    again = Profile.open(tmp_path / "p")
    assert again.calibration == {"accuracy_deg": 2.0, "date": "2026-11-01T10:00:00+00:00"}
    hist = again.calibration_history
    assert [h["accuracy_deg"] for h in hist] == [3.1, 2.0] and "date" in hist[0]


def test_corrupt_calibration_reported(tmp_path):
    prof = Profile.open(tmp_path / "p")
    (prof.dir / "calibration.json").write_text("{nope")
    assert prof.calibration is None
    assert list(prof.dir.glob("calibration.json.corrupt-*"))
    prof.save_calibration({"accuracy_deg": 1.0})
    assert prof.calibration["accuracy_deg"] == 1.0


def run_cli(*args: str, capsys) -> tuple[int, str, str]:
    """The `aac` command in-process (same parser and handlers as the console script)."""
    from aac.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_profile_commands(data_dir, capsys):
    code, out, err = run_cli("profile", "create", "Anna", capsys=capsys)
    assert code == 0, err
    code, out, err = run_cli("profile", "set", "dwell_ms", "1250", "--profile", "Anna", capsys=capsys)
    assert code == 0, err
    code, out, err = run_cli("profile", "set", "dwell_ms", "abc", "--profile", "Anna", capsys=capsys)
    assert code == 1 and "dwell_ms: expected a whole number" in err
    Profile.open(data_dir / "profiles" / "Anna").save_draft("half a mess")
    code, out, err = run_cli("profile", "list", capsys=capsys)
    assert out.split() == ["Anna"]
    code, out, err = run_cli("profile", "show", "Nobody", capsys=capsys)
    assert code == 1 and "no profile named 'Nobody'" in err
    code, out, err = run_cli("profile", "settings", capsys=capsys)
    assert "dwell_ms = 1000" in out and "text_logging = false" in out


def test_cli_set_refuses_names_that_are_not_installed(data_dir, capsys):
    """A typo in a language, voice, layout or theme is caught where the caregiver typed it."""
    assert run_cli("profile", "create", "Anna", capsys=capsys)[0] == 0
    refused = {
        ("language", "de"): "no language pack 'de' (available: en, ru)",
        ("voice", "en_gb"): "did you mean en-gb?",
        ("layout", "larg"): "no layout with this name",
        ("layout", str(data_dir / "missing.toml")): "file not found",
        ("theme", "neon"): "built-in themes: high-contrast, dark, light",
    }
    for (key, value), why in refused.items():
        code, out, err = run_cli("profile", "set", key, value, "--profile", "Anna", capsys=capsys)
        assert code == 1 and f"{key}: " in err and why in err and "nothing was changed" in err, (key, err)
    assert Profile.open(data_dir / "profiles" / "Anna").settings == Profile.open(data_dir / "profiles" / "new").settings
    for key, value in (("language", "ru"), ("voice", "ru-default"), ("layout", "ru-large"), ("theme", "dark")):
        code, out, err = run_cli("profile", "set", key, value, "--profile", "Anna", capsys=capsys)
        assert code == 0, err
        assert getattr(Profile.open(data_dir / "profiles" / "Anna").settings, key) == value


def test_cli_show_json_subprocess(data_dir):
    """The real console entry point, as other tools call it."""
    prof = Profile.create("Anna")
    prof.set("dwell_ms", 1250)
    prof.save_draft("half a mess")
    env = dict(os.environ, AAC_DATA_DIR=str(data_dir))
    r = subprocess.run([sys.executable, "-m", "aac.cli", "profile", "show", "--json", "--profile", "Anna"],
                       check=False, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    state = json.loads(r.stdout)
    assert state["name"] == "Anna" and state["draft"] == "half a mess"
    assert state["settings"]["dwell_ms"] == 1250 and state["calibration"] is None
    assert state["usage"] == {"sessions": 0, "selections": 0, "messages": 0, "errors": 0}
    assert not (data_dir / "profiles" / "Anna" / "usage.sqlite").exists()  # show creates nothing


def test_stale_temp_files_removed_fresh_kept(tmp_path):
    prof = Profile.open(tmp_path / "p")
    stale = prof.dir / ".draft.json.abc123.tmp"
    fresh = prof.dir / ".settings.json.def456.tmp"
    stale.write_text("half")
    fresh.write_text("half")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    Profile.open(tmp_path / "p")
    assert not stale.exists() and fresh.exists()


def test_gaze_source_specs():
    s, problems = from_dict({"gaze_source": "Tobii:ABC123", "fallback_sources": ["webcam:1", "replay:/x.jsonl", "mouse"]})
    assert problems == [] and s.gaze_source == "Tobii:ABC123"
    s, problems = from_dict({"gaze_source": "tobi", "fallback_sources": ["replay:"]}, source="settings.json")
    assert (s.gaze_source, s.fallback_sources) == ("mouse", ["mouse"])
    assert "settings.json: gaze_source: expected one of mouse, tobii" in problems[0]
    assert "settings.json: fallback_sources:" in problems[1]
