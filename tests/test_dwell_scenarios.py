"""A closed-loop simulated person on a board grid: filter + dwell engine with the defaults.

The person reads a few tiles (fixations of 250-450 ms, shorter than a selection), blinks now
and then, and fixates the tile it wants until it fires. Gaze noise is given in degrees (screen
52 cm wide at 60 cm). Run with ``-s`` to see the figures (selection time per noise level).
"""

from __future__ import annotations

import random
import statistics

import pytest
from test_dwell_streams import GazeStream

from aac.gaze.dwell import DwellEngine, DwellTarget
from aac.gaze.filter import OneEuroFilter, ScreenGeometry
from aac.gaze.sample import from_tobii_dict

GEO = ScreenGeometry()
ROWS, COLS = 4, 6  # a 6x4 board: tiles about 8.7 cm x 7.3 cm on the reference screen
TILES = [
    DwellTarget(
        f"r{r}c{c}",
        (c / COLS + 0.005, r / ROWS + 0.005, 1 / COLS - 0.01, 1 / ROWS - 0.01),
    )
    for r in range(ROWS)
    for c in range(COLS)
]


def centre(tile: DwellTarget) -> tuple[float, float]:
    x, y, w, h = tile.rect
    return x + w / 2, y + h / 2


def simulate(
    noise_deg: float, selections: int, seed: int, rate: float = 60.0
) -> dict[str, float]:
    rng = random.Random(seed)
    sx = GEO.normalized_x(noise_deg)
    sy = (
        sx * GEO.width_cm / GEO.height_cm
    )  # the same angle is a larger share of the height
    g = GazeStream(rate_hz=rate, noise=sx, noise_y=sy, seed=seed)
    engine, filt = DwellEngine(), OneEuroFilter.for_source("tobii")
    fed = 0
    fired: list[str] = []
    false_activations = 0
    times: list[float] = []

    def feed() -> list[str]:
        nonlocal fed
        out = []
        for d in g.dicts[fed:]:
            state = engine.update(filt.filter(from_tobii_dict(d)), TILES)
            if state.activated:
                out.append(state.activated)
        fed = len(g.dicts)
        return out

    for _ in range(selections):
        want = rng.choice(TILES)
        for _ in range(rng.randint(2, 4)):  # read some suggestions first
            other = rng.choice([t for t in TILES if t is not want])
            g.saccade(*centre(other), duration=0.04).fix(
                *centre(other), rng.uniform(0.25, 0.45)
            )
            if rng.random() < 0.2:
                g.blink(rng.uniform(0.08, 0.2))
        extra = feed()
        false_activations += len(extra)
        fired += extra
        start = g.t
        g.saccade(*centre(want), duration=0.04)
        got: list[str] = []
        while not got and g.t - start < 5.0:
            g.fix(*centre(want), 0.05)
            if rng.random() < 0.02:
                g.blink(rng.uniform(0.08, 0.2))
            got = feed()
        if got == [want.id]:
            times.append(g.t - start)
        else:
            false_activations += len([a for a in got if a != want.id])
        fired += got
    return {
        "selected": len(times),
        "false": false_activations,
        "median_s": statistics.median(times) if times else float("nan"),
        "max_s": max(times) if times else float("nan"),
    }


@pytest.mark.parametrize("noise_deg", [0.5, 1.0, 2.0])
def test_simulated_person_selects_every_tile_without_false_activations(
    noise_deg: float,
) -> None:
    r = simulate(noise_deg, selections=25, seed=int(noise_deg * 10))
    print(
        f"\nnoise {noise_deg} deg: {r['selected']}/25 selected, {r['false']} false, "
        f"median {r['median_s']:.2f} s, max {r['max_s']:.2f} s per selection"
    )
    assert r["false"] == 0
    assert r["selected"] == 25
    # Saccade (0.04) + lock-on (0.15) + dwell (1.0) + filter lag, plus any blink in the dwell.
    assert r["median_s"] == pytest.approx(1.2, abs=0.1)
