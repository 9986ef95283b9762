"""The end-to-end simulated gaze user, headless, through the real board, model and dwell engine."""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import statistics
import subprocess
import sys

import pytest

from aac.gaze.sample import from_tobii_dict
from aac.ui.geometry import px_per_degree
from aac.ui.simulate import SimulatedTobii, norm, norm_words


def model_available() -> tuple[bool, str]:
    try:
        from aac.predict.service import find_model_dir

        find_model_dir()
        return True, ""
    except Exception as exc:  # noqa: BLE001
        return False, f"the prediction model is not built ({exc}); run `aac model build`"


class StillPerson:
    def __init__(self, point):
        self.point = point

    def gaze_point(self, t):
        return self.point


def test_normalisation_follows_the_design_rules():
    assert norm("Where's Dad?!") == "where's dad"
    assert norm_words("I am   hungry.") == ["i", "am", "hungry"]
    assert norm("Let’s go") == "let's go"


def test_simulated_tracker_speaks_tobii_and_has_the_asked_noise():
    t = [10.0]
    rng = random.Random(3)
    src = SimulatedTobii(StillPerson((960.0, 540.0)), (1920, 1080), lambda: t[0], rng, noise_deg=1.0)
    d = src.tobii_dict(10.0, (960.0, 540.0))
    for key in ("device_time_stamp", "system_time_stamp", "left_gaze_point_on_display_area",
                "right_gaze_point_validity", "left_pupil_diameter"):
        assert key in d
    assert from_tobii_dict(d).usable
    assert not from_tobii_dict(src.tobii_dict(10.0, None)).valid
    t[0] = 70.0  # one minute of samples at 60 Hz
    samples = src.poll()
    assert 3590 <= len(samples) <= 3610
    valid = [s for s in samples if s.valid]
    blinks = len(samples) - len(valid)
    assert 0 < blinks < len(samples) * 0.1, "a few blinks (invalid samples), not many"
    xs = [s.x * 1920 for s in valid]
    # Noise sigma is 1 degree (plus slow drift): about 38.7 px at 1920 px on a 52 cm screen at 60 cm.
    assert statistics.pstdev(xs) == pytest.approx(px_per_degree(1920), rel=0.25)
    assert abs(statistics.mean(xs) - 960) < 40
    assert all(b.t > a.t for a, b in itertools.pairwise(samples))


@pytest.mark.slow
@pytest.mark.model
def test_aac_simulate_writes_two_sentences_correctly(tmp_path):
    ok, why = model_available()
    if not ok:
        pytest.skip(why)
    text = tmp_path / "two.txt"
    text.write_text("I am hungry.\nsee you tomorrow\n")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", AAC_DATA_DIR=str(tmp_path / "data"))
    frames = tmp_path / "frames"
    proc = subprocess.run(
        [sys.executable, "-m", "aac.cli", "simulate", "--text-file", str(text), "--speed", "4",
         "--noise-deg", "1.0", "--dwell-ms", "1000", "--speech", "record", "--frames", str(frames), "--json"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert len(lines) == 1, proc.stdout + proc.stderr
    result = json.loads(lines[0])
    for key in ("sentences", "correct", "words", "selections", "false_activations", "seconds", "wpm", "ks"):
        assert key in result
    assert result["sentences"] == 2
    assert result["correct"] == 2, result
    assert result["false_activations"] == 0, result
    assert result["words"] == 6
    assert result["wpm"] > 0 and math.isfinite(result["wpm"])
    assert 0 < result["ks"] < 1
    pngs = sorted(frames.glob("*.png"))
    assert len(pngs) == result["selections"], "one frame per activation"
    assert proc.returncode == 0


def test_russian_sentences_are_typed_word_by_word(tmp_path):
    """A Russian profile: the simulated person types Cyrillic words (it once 'finished' every
    sentence at once because the English word pattern found no words in it)."""
    from aac.ui.simulate import set_language

    try:
        set_language("ru")
        assert norm_words("Позови маму, пожалуйста!") == ["позови", "маму", "пожалуйста"]
    finally:
        set_language("en")
    assert norm_words("Позови маму") == []  # English rules (docs/ARCHITECTURE.md) are back

    text = tmp_path / "ru.txt"
    text.write_text("Я хочу пить.\n", encoding="utf-8")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", AAC_DATA_DIR=str(tmp_path / "data"))
    run = [sys.executable, "-m", "aac.cli"]
    assert subprocess.run(run + ["profile", "create", "ru"], env=env, capture_output=True, timeout=120).returncode == 0
    assert subprocess.run(run + ["profile", "set", "language", "ru", "--profile", "ru"], env=env, capture_output=True,
                          timeout=120).returncode == 0
    proc = subprocess.run(run + ["simulate", "--profile", "ru", "--text-file", str(text), "--speed", "40", "--no-model",
                                 "--speech", "record", "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][0])
    assert result["correct"] == 1 and result["words"] == 3, result
    # "я хочу пить" with no predictions: 9 letters + 2 spaces + speak (+ the keyboard page)
    assert result["by_kind"]["letter"] == 9 and result["by_kind"]["speak"] == 1, result
