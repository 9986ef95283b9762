"""Shared test fixtures: isolated data folders, one fake clock, the board driver, a scripted
predictor.

- Every test session writes profiles, drafts and usage logs under a temporary ``AAC_DATA_DIR``,
  never into the person's real data folder (``~/.local/share/aac``). The model cache
  (``AAC_CACHE_DIR``, the built ONNX models) is shared and left alone.
- :class:`FakeClock` is the one settable clock (``clock.now``; calling it returns the time).
- ``board`` is a real :class:`~aac.ui.app.BoardApp` on a headless surface with the mouse source
  as the gaze (hover = gaze), driven through the public :class:`~aac.ui.driver.BoardDriver`.
- :class:`ScriptedPredictor` answers the prediction service with suggestions the test chooses,
  so the board's and the service's logic run without the model (the service thread is real).
- :class:`FakeEngine` (fixture ``fake_engine``) speaks the interface the real
  :class:`~aac.predict.suggest.Predictor` uses of :class:`~aac.predict.engine.Engine`
  (``model_dir``/``tokenizer.json``, ``vocab_size``, ``eos_ids``, ``encode``, ``encode_prompt``,
  ``prefill``, ``step``) with a tiny byte-level vocabulary and a bigram table of scores, so the
  predictor's own logic (prefix constraint, dedupe, casing, filtering of words and endings) is
  tested without the ONNX model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Profiles and logs of this test session live in a temporary folder."""
    old = os.environ.get("AAC_DATA_DIR")
    path = str(tmp_path_factory.mktemp("aac-data"))
    os.environ["AAC_DATA_DIR"] = path
    yield path
    if old is None:
        os.environ.pop("AAC_DATA_DIR", None)
    else:
        os.environ["AAC_DATA_DIR"] = old


class FakeClock:
    """A clock the test moves: ``clock.now += 1 / 60``; ``clock()`` returns ``now``."""

    def __init__(self, now: float = 50.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def fake_clock() -> FakeClock:
    return FakeClock()


@dataclass
class ScriptedPredictor:
    """A predictor whose answers the test sets (``words``, ``endings``, ``previews``)."""

    words: list[str] = field(default_factory=lambda: ["I", "the", "please", "can", "what"])
    endings: list[str] = field(default_factory=lambda: ["I am hungry.", "I need help.", "Thank you."])
    previews: dict[str, list[str]] = field(default_factory=dict)
    learned: list[str] = field(default_factory=list)
    #: What the board reads of a real predictor's learner (``learner.problems``); None: no learning.
    learner: object = None

    def suggest(self, context, prefix, cancel=None, **kwargs):
        from aac.predict.types import Suggestions

        return Suggestions(context, prefix, list(self.words), list(self.endings))

    def with_previews(self, context, prefix, cancel=None, **kwargs):
        from dataclasses import replace

        return replace(self.suggest(context, prefix), previews=dict(self.previews))

    def learn(self, sentence):
        self.learned.append(sentence)

    def speculate(self, context, prefix, cancel=None):
        return 0


@pytest.fixture()
def scripted_predictor() -> ScriptedPredictor:
    return ScriptedPredictor()


#: The fake engine's tokens (index = token id; 0 is the end-of-text special token). A leading
#: space marks a word start, as in a byte-level BPE vocabulary.
FAKE_TOKENS: tuple[str, ...] = (
    "<|endoftext|>", "<unk>", ".", "!", "?", ",", "\n", " I", " i", " am", " want", " need",
    " help", " he", " hello", " here", " hungry", " water", " Water", " the", " The", " to", " go",
    " home", " some", " please", " damn", " x", "lp", "llo", "s",
)

#: Next-token scores (logits) after a token; every other token gets ``FAKE_DEFAULT_LOGIT``.
#: Chosen so that each rule of the predictor has something to reject: a profane word (" damn"),
#: a one-letter non-word (" x"), a case variant (" Water"/" water"), a non-canonical split
#: (" he" + "lp" is "help", which the tokenizer spells " help"), and a profane ending
#: ("some damn water.").
FAKE_BIGRAMS: dict[str, dict[str, float]] = {
    " want": {" water": 6.0, " Water": 5.5, " damn": 5.8, " x": 5.6, " to": 5.0, " help": 4.6,
              " some": 4.4, " he": 2.0, " hello": 1.5, " here": 1.0},
    " water": {".": 4.0, " please": 3.0},
    " Water": {".": 4.0},
    " to": {" go": 6.0},
    " go": {" home": 6.0},
    " home": {".": 6.0},
    " help": {".": 5.0, "s": 1.0, " please": 3.0},
    " some": {" damn": 6.0, " water": 5.0},
    " damn": {" water": 6.0},
    " he": {"lp": 6.0, "llo": 4.0, "s": 1.0},
    " please": {".": 6.0, "!": 3.0},
    " x": {".": 5.0},
    ".": {" I": 6.0, " the": 4.0, " The": 3.5, " please": 3.0},
    "s": {".": 5.0},
}
FAKE_DEFAULT_LOGIT = -12.0


class FakeEngine:
    """A deterministic stand-in for :class:`~aac.predict.engine.Engine` (no ONNX model).

    It keeps the real engine's contract: ``prefill`` returns a ContextState whose KV holds the
    context, ``step`` appends one token per row (growing ``rows.lengths``) and returns [B, V]
    log-probs. The "KV" is one layer of shape [B, 1, capacity, 1] holding the token ids, so
    forking, selecting and stacking rows (the predictor's own code) work on it unchanged. The
    next-token distribution depends only on the last token (``FAKE_BIGRAMS``).
    """

    #: the longest prompt ``prefill`` takes (the real engine: its KV buffer less DECODE_ROOM);
    #: the fake's "KV" grows without a bound
    prompt_budget = 1 << 30

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)
        self.tokens = FAKE_TOKENS
        self.vocab_size = len(self.tokens)
        self.eos_ids = {0}
        self.calls = 0
        self._by_text = {t: i for i, t in enumerate(self.tokens) if i > 1}
        self._longest = max(len(t) for t in self._by_text)
        self.model_dir.mkdir(parents=True, exist_ok=True)
        (self.model_dir / "tokenizer.json").write_text(json.dumps(self.tokenizer_json()), encoding="utf-8")

    def tokenizer_json(self) -> dict:
        """A byte-level BPE tokenizer file the predictor's Vocab reads (space = "Ġ", newline = "Ċ")."""
        vocab = {t.replace(" ", "\u0120").replace("\n", "\u010a"): i for i, t in enumerate(self.tokens)}
        added = [{"id": 0, "content": self.tokens[0], "special": True}, {"id": 1, "content": self.tokens[1], "special": True}]
        return {"model": {"type": "BPE", "vocab": vocab}, "added_tokens": added}

    def encode(self, text: str) -> list[int]:
        """Greedy longest match (the canonical spelling); an unknown character is ``<unk>``."""
        out: list[int] = []
        pos = 0
        while pos < len(text):
            for n in range(min(self._longest, len(text) - pos), 0, -1):
                tid = self._by_text.get(text[pos : pos + n])
                if tid is not None:
                    out.append(tid)
                    pos += n
                    break
            else:
                out.append(1)
                pos += 1
        return out

    def encode_prompt(self, text: str) -> list[int]:
        return self.encode(text)

    def logprobs_after(self, token: int):
        import numpy as np

        from aac.predict.engine import log_softmax

        logits = np.full((1, self.vocab_size), FAKE_DEFAULT_LOGIT, dtype=np.float32)
        for text, score in FAKE_BIGRAMS.get(self.tokens[token], {}).items():
            logits[0, self._by_text[text]] = score
        return log_softmax(logits)[0]

    def prefill(self, ids, cancel=None):
        import numpy as np

        from aac.predict.engine import ContextState, Engine

        if not ids:
            raise ValueError("prefill needs at least one token")
        self.calls += 1
        kv = np.zeros((1, 1, len(ids) + Engine.HEADROOM, 1), dtype=np.float32)
        kv[0, 0, : len(ids), 0] = ids
        return ContextState(tuple(ids), [kv], self.logprobs_after(int(ids[-1])), (False,))

    def step(self, rows, tokens):
        import numpy as np

        from aac.predict.engine import Engine

        self.calls += 1
        rows.ensure_room(1, Engine.HEADROOM)
        tokens = np.asarray(tokens, dtype=np.int64).reshape(-1)
        for b, tok in enumerate(tokens):
            rows.kv[0][b, 0, rows.lengths[b], 0] = tok
        rows.lengths = rows.lengths + 1
        return np.stack([self.logprobs_after(int(t)) for t in tokens])

    def first_step(self, state, rows, tokens):
        """The real engine's reuse of first tokens per context, on the fake's KV."""
        from aac.predict.engine import Engine

        return Engine.first_step(self, state, rows, tokens)  # type: ignore[arg-type]

    def _remember_first(self, *args) -> None:
        from aac.predict.engine import Engine

        Engine._remember_first(self, *args)  # type: ignore[arg-type]

    HEADROOM = 32
    FIRST_STEP_ROWS = 32

    def history(self, rows, row: int) -> list[int]:
        """The token ids a row holds (what a test may check the predictor fed it)."""
        return [int(x) for x in rows.kv[0][row, 0, : rows.lengths[row], 0]]


@pytest.fixture()
def fake_engine(tmp_path) -> FakeEngine:
    """A :class:`FakeEngine` with its tokenizer file in the test's own folder."""
    return FakeEngine(tmp_path / "fake-model")


@dataclass
class Board:
    """What the ``board`` fixture gives: the app, its driver, and the parts behind it."""

    app: object
    driver: object
    clock: FakeClock
    speaker: object
    service: object
    predictor: ScriptedPredictor


@pytest.fixture()
def board(tmp_path, fake_clock: FakeClock, scripted_predictor: ScriptedPredictor) -> Iterator[Board]:
    """A real board (default layout, 1280x720, headless) with scripted suggestions, driven by
    gaze through :class:`~aac.ui.driver.BoardDriver` (``board.driver.dwell_on(tile, 1.5)``)."""
    import pygame

    from aac.gaze.mouse import MouseSource
    from aac.predict.service import PredictionService
    from aac.speech.speaker import RecordingSpeaker
    from aac.store.profile import Profile
    from aac.ui.app import BoardApp
    from aac.ui.driver import BoardDriver

    pygame.display.init()
    pygame.font.init()
    size = (1280, 720)
    pointer = [(0.0, 0.0)]
    service = PredictionService(lambda: scripted_predictor, early_words=False, speculate=False)
    assert service.wait_ready(10)
    speaker = RecordingSpeaker()
    app = BoardApp(Profile.open(tmp_path / "profile"), pygame.Surface(size), layout_name="default",
                   clock=fake_clock, source=MouseSource(lambda: pointer[0], size, clock=fake_clock),
                   service=service, speaker=speaker, source_name="mouse", handle_events=False)
    driver = BoardDriver(app, pointer, fake_clock)
    driver.wait_for_suggestions()
    try:
        yield Board(app, driver, fake_clock, speaker, service, scripted_predictor)
    finally:
        app.close()
