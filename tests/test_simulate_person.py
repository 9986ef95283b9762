"""The simulated person on the real board without the model (keyboard only): it types, speaks,
and repairs text it did not intend with undo."""

from __future__ import annotations

import os
import random

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from aac.speech.speaker import RecordingSpeaker
from aac.store.profile import Profile
from aac.ui.app import BoardApp
from aac.ui.simulate import (
    SimClock,
    SimulatedPerson,
    SimulatedTobii,
    SimulationConfig,
    run_simulation,
)


@pytest.mark.slow  # ~5 s on an idle machine, much more on a loaded one
def test_keyboard_only_run_writes_and_speaks(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    cfg = SimulationConfig(predictions=False, speech="record", speed=1000, noise_deg=0.5, seed=2,
                           size=(1280, 720), frames_dir=tmp_path / "frames")
    result = run_simulation(["Hi.", "ok"], cfg)
    assert result["sentences"] == 2 and result["correct"] == 2, result
    assert result["false_activations"] == 0
    # Keyboard page + h + i + speak, then o + k + speak: letters only, no predictions.
    assert result["selections"] == 7
    # 5 selections for 6 "keystrokes" (h i + space, o k + space): no space needed before speaking.
    assert abs(result["ks"] - (1 - 5 / 6)) < 1e-3
    assert result["predictions"] is False
    assert len(list((tmp_path / "frames").glob("*.png"))) == 7
    assert result["time_split_s"]["select"] > 0


def test_person_undoes_what_it_did_not_intend(tmp_path):
    pygame.display.init()
    pygame.font.init()
    clock = SimClock()
    speaker = RecordingSpeaker()
    app = BoardApp(Profile.open(tmp_path / "p"), pygame.Surface((1280, 720)), layout_name="default",
                   clock=clock, speaker=speaker, handle_events=False, source_name="sim")
    rng = random.Random(5)
    person = SimulatedPerson(app, rng)
    app.source = SimulatedTobii(person, (1280, 720), clock, rng, noise_deg=0.5)
    app.on_activation = person.on_activation
    try:
        person.begin("ok", clock.now)
        app.set_page("keyboard")
        app.session.type_letter("x")  # a stray letter, as if from a false activation
        app.session.drain_events()
        for _ in range(60 * 60):
            person.update(clock.now)
            app.step(clock.now)
            clock.now += 1 / 60
            if person.done:
                break
        assert person.done
        assert speaker.spoken == ["Ok"]
        assert any(a.kind == "action" and a.text == "undo" for a in app.activations)
        assert person.false_activations == 0
    finally:
        app.close()
