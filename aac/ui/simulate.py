"""``aac simulate``: a simulated person writes sentences with their eyes through the real board.

The honest end-to-end measure of the product. The board is the same :class:`~aac.ui.app.BoardApp`
that ``aac run`` shows, with the real layout, session, dwell engine, filter, prediction service
(real model, real time) and usage log, drawn headless (SDL dummy driver). Only the eyes are
simulated, at the hardware edge and in the tracker's own format: :class:`SimulatedTobii` produces
``tobii_research`` gaze dictionaries (as_dictionary=True) that go through ``from_tobii_dict``.

The person (:class:`SimulatedPerson`) behaves like a careful expert user:
- waits until the suggestions are fresh (not stale) after each selection;
- reads the offered suggestions (fixations of 200-400 ms each, shorter than lock-on + dwell, so
  reading never selects), endings first, then words; while it reads a word tile the board shows
  that word's previews on the ending tiles, and the person notices a preview that finishes the
  sentence; an empty tile is not read, and a tile read a moment ago whose text did not change is
  not read again (at most 4 remembered, see ``SimulatedPerson.MEMORY_TILES``; ``--reread-all``
  is the person before issue 15, who re-read every tile after every selection);
- while dwelling on a letter key or a word tile, reads the next words the board shows on it
  (aac.ui.next_words), line by line, and knows those word tiles afterwards; dwelling on a word
  tile it sees that word's previews as when reading it (``--ignore-tile-words`` is the person
  before session 11, who did neither);
- chooses an ending equal to the rest of its sentence, else a previewed ending (word tile, then
  the ending tile), else the next word, else the next letter (switching to the keyboard page
  when the letter is not on the current one); then speaks the sentence;
- any activation it did not intend is counted as a false activation and undone.
Gaze = fixation point + Gaussian noise (``noise_deg``, at 52 cm screen width and 60 cm distance)
+ slow drift, with saccades (duration grows with amplitude) and blinks (invalid samples).
The simulated clock advances 1/60 s per frame; ``speed`` paces frames against the wall clock, so
the model's real latency costs ``speed`` times as much simulated time (the person really waits).
While the person waits for suggestions, a frame that took longer than its 1/60/speed s budget
(the model competing for the CPU) is charged its whole wall time x ``speed``
(:func:`sim_frame_seconds`): a slow frame never makes the model's wait look shorter.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from aac.gaze.sample import GazeSample, from_tobii_dict
from aac.kinds import CONTENT_KINDS, Action, EventKind, TileKind
from aac.predict.filters import TextRules
from aac.ui.driver import BoardDriver
from aac.ui.effects import Activation
from aac.ui.geometry import TileBox, px_per_degree
from aac.ui.next_words import line_centres

FRAME_S = 1.0 / 60.0
SAMPLE_HZ = 60.0
#: The board language's text rules (set by run_simulation; English until then): their
#: ``words_of`` is the normalisation of docs/ARCHITECTURE.md ("Keystroke savings"), ``[a-z0-9']+`` for English.
_rules = TextRules.for_language(None)


def set_language(code: str | None) -> None:
    """Words are the language pack's letters, as the predictor and the KS benchmark count them.

    With the English pattern a Russian sentence had no words at all: the simulated person
    "finished" every sentence at once and spoke nothing.
    """
    global _rules
    _rules = TextRules.for_language(None)
    if code and code != "en":
        from aac.language import LanguageError, load_language

        try:
            _rules = TextRules.for_language(load_language(code))
        except LanguageError:
            pass


def norm_words(text: str) -> list[str]:
    """The normalisation of docs/ARCHITECTURE.md ("Keystroke savings"): lowercase, words are ``[a-z0-9']+`` (case/punctuation ignored)."""
    return _rules.words_of(text.replace("’", "'"))


def norm(text: str) -> str:
    return " ".join(norm_words(text))


# --------------------------------------------------------------------------- simulated eyes
def _is_speak_tile(act: Activation) -> bool:
    """The activation was the Speak tile (not a sentence said as it ended, which has no tile)."""
    return act.kind == TileKind.ACTION and act.text == Action.SPEAK


class SimulatedTobii:
    """A gaze source producing Tobii-format samples of where the simulated person looks.

    ``poll()`` returns every sample due since the last poll (at ``hz``), converted with
    :func:`aac.gaze.sample.from_tobii_dict` exactly as a real tracker's would be.
    """

    name = "simulated-tobii"

    def __init__(self, person: SimulatedPerson, size: tuple[int, int], clock: Any, rng: random.Random,
                 noise_deg: float, hz: float = SAMPLE_HZ) -> None:
        self.person = person
        self.size = size
        self.clock = clock
        self.rng = rng
        self.hz = hz
        self.ppd = px_per_degree(size[0])
        self.noise_px = noise_deg * self.ppd
        # Drift: a slow random walk pulled back to 0 (Ornstein-Uhlenbeck), ~0.3 of the noise.
        self.drift_sigma_px = 0.3 * noise_deg * self.ppd
        self.drift_tau_s = 3.0
        self.drift = [0.0, 0.0]
        self.blink_until = -1.0
        self.next_blink = clock() + rng.expovariate(1 / 4.0)
        self.t_next = clock()
        self.samples = 0
        self.invalid = 0

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    @property
    def status(self) -> str:
        return ""

    def tobii_dict(self, t: float, point: tuple[float, float] | None) -> dict[str, Any]:
        us = round(t * 1e6)
        if point is None:
            nan = (math.nan, math.nan)
            return {
                "device_time_stamp": us + 1234,
                "system_time_stamp": us,
                "left_gaze_point_on_display_area": nan,
                "left_gaze_point_validity": 0,
                "right_gaze_point_on_display_area": nan,
                "right_gaze_point_validity": 0,
                "left_pupil_diameter": math.nan,
                "left_pupil_validity": 0,
                "right_pupil_diameter": math.nan,
                "right_pupil_validity": 0,
            }
        w, h = self.size
        x, y = point[0] / w, point[1] / h
        # The two eyes differ a little (vergence noise); their mean is the gaze point.
        ex = self.rng.gauss(0, 0.1 * self.noise_px) / w
        return {
            "device_time_stamp": us + 1234,
            "system_time_stamp": us,
            "left_gaze_point_on_display_area": (x - ex, y),
            "left_gaze_point_validity": 1,
            "right_gaze_point_on_display_area": (x + ex, y),
            "right_gaze_point_validity": 1,
            "left_pupil_diameter": 3.1,
            "left_pupil_validity": 1,
            "right_pupil_diameter": 3.0,
            "right_pupil_validity": 1,
        }

    def poll(self) -> list[GazeSample]:
        now = self.clock()
        out = []
        dt = 1.0 / self.hz
        while self.t_next <= now + 1e-9:
            t = self.t_next
            self.t_next += dt
            # Drift (OU process).
            a = math.exp(-dt / self.drift_tau_s)
            s = self.drift_sigma_px * math.sqrt(1 - a * a)
            self.drift = [self.drift[0] * a + self.rng.gauss(0, s), self.drift[1] * a + self.rng.gauss(0, s)]
            if t >= self.next_blink:
                self.blink_until = t + self.rng.uniform(0.08, 0.2)
                self.next_blink = t + self.rng.expovariate(1 / 4.0) + 0.5
            point = None
            if t >= self.blink_until:
                px, py = self.person.gaze_point(t)
                point = (
                    px + self.drift[0] + self.rng.gauss(0, self.noise_px),
                    py + self.drift[1] + self.rng.gauss(0, self.noise_px),
                )
            else:
                self.invalid += 1
            self.samples += 1
            out.append(from_tobii_dict(self.tobii_dict(t, point)))
        return out


# --------------------------------------------------------------------------- simulated person
@dataclass
class Intent:
    """What the person is doing now."""

    kind: str  # "wait", "glance", "read", "select"
    box_id: str | None = None
    point: tuple[float, float] | None = None
    until: float = math.inf  # for timed fixations
    started: float = 0.0
    purpose: str = ""  # e.g. "ending", "word", "letter", "undo", "speak", "page", "preview"
    via_word: str | None = None


@dataclass
class SentenceResult:
    target: str
    spoken: str | None
    correct: bool
    seconds: float
    selections: int
    false_activations: int
    text_selections: int


class SimulatedPerson:
    """Decides where to look, frame by frame, from what the board shows (see module docstring)."""

    #: How many tiles a person keeps in mind from one reading to the next. Visual working memory
    #: holds about 4 items (Cowan 2001, "The magical number 4 in short-term memory", Behavioral
    #: and Brain Sciences 24(1):87-114; Luck & Vogel 1997, Nature 390:279-281); a tile whose text
    #: did not change is not read again (the suggestion-reading cost that Koester & Levine 1994,
    #: IEEE Trans. Rehab. Eng. 2(3):177-187, measured is a search of the list for the wanted
    #: word, and a remembered, unchanged tile need not be searched), and a change on a tile is
    #: seen without fixating it (an abrupt onset captures attention: Yantis & Jonides 1984, J.
    #: Exp. Psychol. HPP 10(5):601-621).
    MEMORY_TILES = 4

    #: With less dwell than this left on the tile (its bar nearly full), a person no longer looks
    #: away to take something else: the saccade starts 120-200 ms after the decision and takes
    #: 20-70 ms (``look_at``; Carpenter 1988, "Movements of the Eyes", 2nd ed., Pion), so the
    #: tile would fire first. Seen with the adaptive dwell at 600 ms: a word's preview seen late in
    #: the word's dwell was taken anyway and the word fired as a false activation (3 in 80 lines).
    TOO_LATE_S = 0.26

    #: Incidents kept per run (a run that goes wrong everywhere should not flood its report).
    MAX_INCIDENTS = 20

    def __init__(self, app: Any, rng: random.Random, wait_limit_s: float = 8.0, remember: bool = True,
                 reads_tile_words: bool = True) -> None:
        """``remember=False`` is the person before issue 15, who re-read every tile each time;
        ``reads_tile_words=False`` the person before session 11, who did not read what the tile
        it dwells on brings up: the next words on it (aac.ui.next_words), a word's previews."""
        self.app = app
        #: The public way to read the board (tiles, what they show): no private attributes.
        self.driver = BoardDriver(app)
        self.rng = rng
        self.wait_limit_s = wait_limit_s
        self.target = ""
        self.target_words: list[str] = []
        self.intent = Intent("wait", started=app.clock())
        self.gaze_from = (app.size[0] / 2, app.size[1] / 2)
        self.gaze_to = self.gaze_from
        self.saccade_start = 0.0
        self.saccade_end = 0.0
        self.ppd = px_per_degree(app.size[0])
        self.reading: list[str] = []  # box ids still to read for this context
        self.read_context: tuple[str, str] | None = None
        self.word_match: str | None = None  # box id of a word tile equal to the next word
        self.preview_match: tuple[str, str] | None = None  # (word box id, ending box id)
        self.seen_previews: dict[str, list[str]] = {}
        self.false_activations = 0
        self.wrong_said = 0  # sentences said as they ended that were not the one meant
        # Intended selections of a prediction tile that fired with other text than the person
        # read on it when deciding (the tile changed between the read and the activation).
        self.fired_other_text = 0
        #: What happened around each wrong sentence said and each tile that fired with other
        #: text (at most MAX_INCIDENTS): the record a run needs to find the cause (session 14
        #: saw a wrong sentence said twice and had none).
        self.incidents: list[dict[str, Any]] = []
        self._judged: tuple[str, str, str, float] | None = None  # (box id, purpose, text read, when)
        self.selections = 0
        self.text_selections = 0
        self.spoken: str | None = None
        self.done = False
        self.wait_since: float | None = None
        self.pending_undo = False
        self.log: list[str] = []
        self.time_by_kind: dict[str, float] = {}  # simulated seconds spent waiting/reading/selecting
        # Tiles read lately: box id -> (text, via word), newest last, at most MEMORY_TILES.
        self.memory: dict[str, tuple[str, str | None]] = {}
        self.remember = remember
        self.tiles_read = 0
        self.tiles_recalled = 0
        # Next words on the tile being dwelt on (aac.ui.next_words), read during the dwell:
        # the tile, its words when reading began, line -> word read so far, when the next is read.
        self.key_box: str | None = None
        self.key_words_seen: tuple[str, ...] = ()
        self.key_known: dict[int, str] = {}
        self.key_next_at: float | None = None
        self.key_lines_read = 0
        self.reads_tile_words = reads_tile_words
        self.preview_seen_at = math.inf  # when the word tile being dwelt on has been looked at

    # -------------------------------------------------------------- sentence control
    def begin(self, sentence: str, now: float) -> None:
        self.target = sentence
        self.target_words = norm_words(sentence)
        self.spoken = None
        self.done = False
        self.read_context = None
        self.reading = []
        self.pending_undo = False
        self.memory = {}
        self.set_intent(Intent("wait"), now)

    # -------------------------------------------------------------- gaze geometry
    def box(self, box_id: str | None) -> TileBox | None:
        return self.driver.box(box_id)

    def look_at(self, point: tuple[float, float], now: float) -> None:
        current = self.gaze_point(now)
        if math.dist(current, point) < 1.0:
            return
        amp_deg = math.dist(current, point) / self.ppd
        self.gaze_from = current
        self.gaze_to = point
        self.saccade_start = now + self.rng.uniform(0.12, 0.2)  # saccade latency after deciding
        self.saccade_end = self.saccade_start + 0.021 + 0.0022 * amp_deg

    def gaze_point(self, t: float) -> tuple[float, float]:
        if t <= self.saccade_start:
            return self.gaze_from
        if t >= self.saccade_end:
            return self.gaze_to
        f = (t - self.saccade_start) / max(1e-6, self.saccade_end - self.saccade_start)
        f = f * f * (3 - 2 * f)  # smooth velocity profile
        return (
            self.gaze_from[0] + (self.gaze_to[0] - self.gaze_from[0]) * f,
            self.gaze_from[1] + (self.gaze_to[1] - self.gaze_from[1]) * f,
        )

    def fixation_point(self, box: TileBox) -> tuple[float, float]:
        """Where a person looks on a tile: its centre, give or take (people aim for the label)."""
        cx, cy = box.center
        _x, _y, w, h = box.rect
        return (cx + self.rng.gauss(0, w * 0.04), cy + self.rng.gauss(0, h * 0.04))

    def message_point(self) -> tuple[float, float]:
        for b in self.app.boxes:
            if b.kind == "message":
                x, y, w, h = b.rect
                return (x + w * 0.3, y + h * 0.45)
        return (self.app.size[0] / 2, 10.0)

    def set_intent(self, intent: Intent, now: float) -> None:
        prev = self.intent
        self.time_by_kind[prev.kind] = self.time_by_kind.get(prev.kind, 0.0) + max(0.0, now - prev.started)
        intent.started = now
        self.intent = intent
        if intent.box_id:
            box = self.box(intent.box_id)
            if box is not None:
                intent.point = self.fixation_point(box)
        if intent.point is None:
            intent.point = self.message_point()
        self.look_at(intent.point, now)

    # -------------------------------------------------------------- what the board shows
    def state(self) -> tuple[list[str], str]:
        """(complete words written, partial word) normalised."""
        context, prefix = self.app.session.context_and_prefix()
        return norm_words(context), norm(prefix)

    def consistent(self) -> bool:
        done, prefix = self.state()
        k = len(done)
        if done != self.target_words[:k]:
            return False
        if prefix:
            return k < len(self.target_words) and self.target_words[k].startswith(prefix)
        return True

    def finished(self) -> bool:
        return norm(self.app.session.text) == " ".join(self.target_words)

    def rest(self) -> str:
        done, _ = self.state()
        return " ".join(self.target_words[len(done):])

    def next_word(self) -> str | None:
        done, _ = self.state()
        return self.target_words[len(done)] if len(done) < len(self.target_words) else None

    def find(self, kind: str, **attrs: Any) -> TileBox | None:
        for b in self.app.boxes:
            if b.kind != kind:
                continue
            if all(getattr(b.tile, k, None) == v for k, v in attrs.items()):
                return b
        return None

    def find_letter(self, ch: str) -> TileBox | None:
        for b in self.app.boxes:
            if b.kind == "letter" and str(b.tile.value).lower() == ch:
                return b
        return None

    def route_to_page_with(self, predicate: Any) -> TileBox | None:
        """The page tile on this page that leads (shortest way) to a page where ``predicate(tile)``."""
        layout = self.app.layout
        start = self.app.page_name
        frontier = [(start, None)]
        seen = {start}
        while frontier:
            nxt = []
            for name, first in frontier:
                page = layout.page(name)
                if name != start and any(predicate(t) for t in page.tiles):
                    return self.box_for_page_tile(first)
                for t in page.tiles:
                    if t.kind == "page" and t.target not in seen:
                        seen.add(t.target)
                        nxt.append((t.target, first or t))
            frontier = nxt
        return None

    def box_for_page_tile(self, tile: Any) -> TileBox | None:
        for b in self.app.boxes:
            if b.tile is tile:
                return b
        return None

    def action_box(self, action: str) -> TileBox | None:
        box = self.find("action", action=action)
        if box is None:
            box = self.route_to_page_with(lambda t: t.kind == "action" and t.action == action)
        return box

    # -------------------------------------------------------------- activations
    def on_activation(self, act: Any) -> None:
        """Called by the board for every tile that fires."""
        self.selections += 1
        intended = self.intent.kind == "select" and act.box_id == self.intent.box_id
        changed = any(ev.extra.get("changed", True) for ev in act.events if ev.kind not in ("page",))
        said = any(ev.kind == EventKind.SPEAK for ev in act.events)
        speak_tile = _is_speak_tile(act)
        judged, self._judged = self._judged, None
        if judged is not None and judged[0] != act.box_id:
            judged = None  # read on another tile than the one that fired
        if intended and judged is not None and norm(act.text) != norm(judged[2]):
            self.fired_other_text += 1
            self._incident("fired_other_text", act, judged)
        if said and not speak_tile and norm(self.driver.last_spoken or "") != " ".join(self.target_words):
            # A sentence it did not mean was said as it ended (setting speak_on_sentence_end): the
            # person heard it; it takes the selection back with undo and goes on (counted, since
            # the listener heard it too).
            self.wrong_said += 1
            self.log.append(f"WRONG SAID {self.driver.last_spoken!r}")
            self._incident("wrong_said", act, judged, intended=intended)
            self.pending_undo = True
        if not intended:
            self.false_activations += 1
            self.log.append(f"FALSE {act.box_id} while {self.intent.kind} {self.intent.box_id}")
            if changed and act.kind not in ("page",):
                self.pending_undo = True
        else:
            if act.kind in CONTENT_KINDS or (act.kind == TileKind.ACTION and act.text == Action.SPACE):
                self.text_selections += 1
            if self.intent.purpose in ("letter", "word"):
                self.remember_next_words()
            # Speak, or its sentence said as it ends (setting speak_on_sentence_end): no Speak dwell
            if said and (speak_tile or not self.pending_undo):
                self.spoken = self.driver.last_spoken
                self.done = True
        now = act.t
        # Look at the message to check the result (this also re-arms the tile).
        self.set_intent(Intent("glance", until=now + self.rng.uniform(0.2, 0.35)), now)

    def _incident(self, kind: str, act: Any, judged: tuple[str, str, str, float] | None, **extra: Any) -> None:
        if len(self.incidents) >= self.MAX_INCIDENTS:
            return
        rec: dict[str, Any] = {"kind": kind, "target": self.target, "tile": act.box_id, "fired": act.text,
                               "said": self.driver.last_spoken if kind == "wrong_said" else None, "at_s": round(act.t, 3)}
        if judged is not None:
            rec.update(purpose=judged[1], read=judged[2], read_before_s=round(act.t - judged[3], 3))
        rec.update(extra)
        self.incidents.append(rec)

    # -------------------------------------------------------------- decisions
    def update(self, now: float) -> None:
        it = self.intent
        if self.done:
            return
        if it.kind == "select":
            if it.purpose in ("letter", "word") and self.remember and self.reads_tile_words:
                if it.purpose == "word" and now >= self.preview_seen_at and self.take_preview(it, now):
                    return
                self.read_next_words(it, now)
            limit = self.app.dwell_config.dwell_s + self.app.dwell_config.lock_on_s + 3.0
            if self.app.session.paused:
                limit += self.app.dwell_config.resume_dwell_s
            box = self.box(it.box_id)
            if box is None or now - it.started > limit:
                self.log.append(f"gave up selecting {it.box_id}")
                self.set_intent(Intent("wait"), now)
            return
        if it.kind in ("glance",) and now < it.until:
            return
        if it.kind == "read":
            if now < it.until:
                return
            self.after_reading_tile(it, now)
            if self.intent is not it:
                return
            self.read_next(now)
            return
        self.decide(now)

    def read_next_words(self, it: Intent, now: float) -> None:
        """While dwelling on a letter or word tile, read the next words it shows, line by line
        (each a 200-400 ms fixation after a small saccade within the tile, as a tile read
        costs), and stop at the next word of the sentence. The words appear while the eye is
        already on the tile, and an onset there is seen without search (Yantis & Jonides 1984,
        see MEMORY_TILES). AugKey (Diaz-Tula & Morimoto, CHI 2016) measured that people read
        such words during the dwell; aac.ui.next_words says why the board shows them.
        """
        shown = self.driver.next_words
        if shown is None or shown.box_id != it.box_id or not shown.words:
            return
        if self.key_box != it.box_id or self.key_words_seen != shown.words:
            self.key_box, self.key_words_seen, self.key_known = it.box_id, shown.words, {}
            self.key_next_at = None
        line = len(self.key_known)
        done, _ = self.state()
        # the word this selection leads to: the word being typed, or the one after the word tile
        at = len(done) + (1 if it.purpose == "word" else 0)
        nxt = self.target_words[at] if at < len(self.target_words) else None
        if nxt is None or line >= len(shown.words) or any(norm(w) == nxt for w in self.key_known.values()):
            return  # the sentence ends here, every line is read, or the word was found
        if self.key_next_at is None:
            box = self.box(it.box_id)
            if box is None:
                return
            self.look_at(line_centres(box.rect, len(shown.words))[line], now)
            self.key_next_at = self.saccade_end + self.rng.uniform(0.2, 0.4) + 0.05
            return
        if now < self.key_next_at:
            return
        self.key_known[line] = shown.words[line]
        self.key_lines_read += 1
        self.key_next_at = None

    def take_preview(self, it: Intent, now: float) -> bool:
        """Dwelling on a word tile, the person sees its previews on the ending tiles as when
        reading it (the rule of :meth:`_judge`): one that finishes the sentence is taken instead
        ("word + ending" in one selection). Without this, a word known from the tile it came
        from (:meth:`remember_next_words`) was chosen without a look at where it leads."""
        box = self.box(it.box_id)
        if box is None or self._too_late_to_leave(it.box_id):
            return False
        word = self.driver.slot(box).text
        ending = self._finishing_preview(word)
        if ending is None:
            return False
        self.select(ending, "preview", now, via=word)
        return True

    def _finishing_preview(self, word: str) -> TileBox | None:
        """The ending tile showing ``word``'s preview that is exactly the rest of the sentence."""
        rest = self.rest()
        for eb in self.app.boxes:
            if eb.kind != "ending":
                continue
            es = self.driver.slot(eb)
            if es.enabled and es.via_word == word and norm(es.text) == rest:
                return eb
        return None

    def _too_late_to_leave(self, box_id: str | None) -> bool:
        """Is the dwell bar on this tile so full that it fires before the eye could leave?"""
        target, progress = self.driver.dwell
        if target != box_id or progress <= 0:
            return False
        return bool((1.0 - progress) * float(self.app.dwell_config.dwell_s) < self.TOO_LATE_S)

    def remember_next_words(self) -> None:
        """The tile fired: the lines read on it are what the word tiles will show (line i =
        word tile i), kept like tiles read a moment ago (MEMORY_TILES)."""
        known, self.key_known, self.key_box, self.key_words_seen = self.key_known, {}, None, ()
        self.key_next_at = None
        for line, word in sorted(known.items()):
            box = self.find("word", slot=line)
            if box is not None and word:
                self._memorise(box, (word, None))

    def select(self, box: TileBox | None, purpose: str, now: float, via: str | None = None) -> None:
        if box is None:
            self.log.append(f"no tile for {purpose}")
            self.set_intent(Intent("wait"), now)
            return
        self.set_intent(Intent("select", box.id, purpose=purpose, via_word=via), now)
        if box.kind in ("word", "ending"):  # the prediction tiles, whose text can change
            self._judged = (box.id, purpose, self.driver.slot(box).text, now)
        else:
            self._judged = None
        # a word tile's previews are seen as when reading it: one fixation after the eye lands
        self.preview_seen_at = self.saccade_end + self.rng.uniform(0.2, 0.4) if purpose == "word" else math.inf

    def decide(self, now: float) -> None:
        app = self.app
        if app.session.paused:
            box = self.driver.resume_tile()
            return self.select(box, "resume", now)
        if self.pending_undo or not self.consistent():
            self.pending_undo = False
            return self.select(self.action_box("undo") or self.action_box("delete_word"), "undo", now)
        if self.finished():
            return self.select(self.action_box("speak"), "speak", now)
        board = app.board
        predictions_on = app.service is not None and not board.unavailable
        context = app.session.context_and_prefix()
        if predictions_on and not board.complete:
            if self.wait_since is None:
                self.wait_since = now
            if now - self.wait_since < self.wait_limit_s:
                if self.intent.kind != "wait":
                    self.set_intent(Intent("wait"), now)
                return
        self.wait_since = None
        if predictions_on and board.complete and self.read_context != context:
            self.start_reading(context, now)
            return
        self.choose(now)

    def start_reading(self, context: tuple[str, str], now: float) -> None:
        self.read_context = context
        self.word_match = None
        self.preview_match = None
        self.seen_previews = {}
        endings = [b for b in self.app.boxes if b.kind == "ending"]
        words = [b for b in self.app.boxes if b.kind == "word"]
        endings.sort(key=lambda b: b.tile.slot or 0)
        words.sort(key=lambda b: b.tile.slot or 0)
        self.reading = [b.id for b in endings + words if self.driver.slot(b).text]
        if self.remember:
            # Unchanged tiles read a moment ago are known without a fixation (MEMORY_TILES).
            known = [bid for bid in self.reading if self._recalls(bid)]
            for bid in known:
                self.tiles_recalled += 1
                box = self.box(bid)
                if box is None:
                    continue
                if self._judge(box, now, gazed=False):
                    self.reading = []
                    return
            self.reading = [bid for bid in self.reading if bid not in known]
            if self.word_match is not None:
                # the next word is on a tile the person remembers: only new endings are worth a look
                self.reading = [bid for bid in self.reading if (self.box(bid) and self.box(bid).kind) == "ending"]
        self.read_next(now)

    def _recalls(self, box_id: str) -> bool:
        box = self.box(box_id)
        if box is None or box_id not in self.memory:
            return False
        slot = self.driver.slot(box)
        return self.memory[box_id] == (slot.text, slot.via_word)

    def _memorise(self, box: TileBox, known: tuple[str, str | None] | None = None) -> None:
        """Keep what ``box`` shows (or ``known``: what it will show) as the newest tile in mind,
        forgetting the oldest beyond MEMORY_TILES."""
        if known is None:
            slot = self.driver.slot(box)
            known = (slot.text, slot.via_word)
        self.memory.pop(box.id, None)
        self.memory[box.id] = known
        while len(self.memory) > self.MEMORY_TILES:
            self.memory.pop(next(iter(self.memory)))

    def read_next(self, now: float) -> None:
        while self.reading:
            box_id = self.reading.pop(0)
            box = self.box(box_id)
            if box is None:
                continue
            dur = self.rng.uniform(0.2, 0.4)
            self.set_intent(Intent("read", box_id, until=now + dur + 0.05), now)
            return
        self.choose(now)

    def after_reading_tile(self, it: Intent, now: float) -> None:
        box = self.box(it.box_id)
        if box is None:
            return
        self.tiles_read += 1
        self._memorise(box)
        self._judge(box, now, gazed=True)

    def _judge(self, box: TileBox, now: float, gazed: bool) -> bool:
        """Does this tile finish the sentence / give the next word? Selects it if so (True).

        ``gazed``: the person looked at it (a word tile then shows its previews); False for a
        tile known from memory.
        """
        rest = self.rest()
        slot = self.driver.slot(box)
        if box.kind == "ending" and slot.enabled and slot.via_word is None and norm(slot.text) == rest:
            self.reading = []
            self.select(box, "ending", now)
            return True
        if box.kind == "word" and slot.enabled:
            nxt = self.next_word()
            if nxt is not None and norm(slot.text) == nxt and self.word_match is None:
                self.word_match = box.id
            if not gazed:
                return False
            # The endings now show this word's previews (if the board has them), unless the word
            # fires before the eye could get there (then it is simply taken below).
            ending = None if self._too_late_to_leave(box.id) else self._finishing_preview(slot.text)
            if ending is not None:
                self.reading = []
                self.select(ending, "preview", now, via=slot.text)
                return True
            if self.word_match is not None:
                # Found the next word (and none of its previews finishes the sentence):
                # a person stops reading here and takes it.
                self.reading = []
                self.select(self.box(self.word_match), "word", now)
                return True
        return False

    def choose(self, now: float) -> None:
        """No ending fits: the next word if it was offered, else the next letter."""
        if self.word_match is not None and self.read_context == self.app.session.context_and_prefix():
            box = self.box(self.word_match)
            self.word_match = None
            if box is not None:
                return self.select(box, "word", now)
        done, prefix = self.state()
        if len(done) >= len(self.target_words):
            return self.select(self.action_box("speak"), "speak", now)
        word = self.target_words[len(done)]
        if prefix == word:
            return self.select(self.action_box("space"), "space", now)
        ch = word[len(prefix)]
        box = self.find_letter(ch)
        if box is None:
            route = self.route_to_page_with(lambda t: t.kind == "letter" and str(t.value).lower() == ch)
            if route is None:
                self.log.append(f"no key for {ch!r}")
                self.done = True
                return
            return self.select(route, "page", now)
        self.select(box, "letter", now)


# --------------------------------------------------------------------------- the run
@dataclass
class SimulationConfig:
    noise_deg: float = 1.0
    dwell_ms: int | None = None  # None: the profile's dwell time (a fresh profile's is 1000 ms)
    speed: float = 1.0
    frames_dir: Path | None = None
    profile: str | None = None
    log_as_use: bool = False  # write into the profile's usage log (marked "simulated") and learned data
    layout: str | None = None
    size: tuple[int, int] = (1920, 1080)
    seed: int = 1
    sentence_timeout_s: float = 240.0
    predictions: bool = True
    speech: str = "real"  # "real": the Speaker from the profile's voice; "record": RecordingSpeaker
    verbose: bool = False
    model_wait_s: float = 120.0
    #: Called after each sentence with its result (progress lines in ``aac simulate``; None: nothing).
    on_sentence: Callable[[SentenceResult], None] | None = None
    # issue 15: False = the person before it, who re-read every tile after every selection
    person_remembers: bool = True
    # session 11: False = the person who does not read the next words on the tile it dwells on
    person_reads_tile_words: bool = True
    # profile settings changed in memory for this run (e.g. {"suggestion_gate": False})
    settings: dict[str, Any] | None = None


def sim_frame_seconds(waiting_for_model: bool, wall_s: float, speed: float) -> float:
    """Simulated seconds one frame costs. Normally 1/60 s. While the board waits for the model,
    the frame's real wall time x ``speed``, if more: the model's latency is real time even at
    --speed N (the rule), so a frame slowed by it must not shrink the wait to 1/60 s."""
    if waiting_for_model:
        return max(FRAME_S, wall_s * max(speed, 1e-6))
    return FRAME_S


class SimClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def run_simulation(sentences: list[str], cfg: SimulationConfig) -> dict[str, Any]:
    """Write ``sentences`` through the board; return the figures (see ``aac simulate --json``)."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame

    from aac.store.profile import Profile, resolve_profile
    from aac.ui.app import BoardApp, make_parts, percentile

    tmp = tempfile.mkdtemp(prefix="aac-sim-")
    usage_log = None
    if cfg.profile and cfg.log_as_use:
        # Asked for (--log-as-use): the run is the person's board, logged as a marked
        # "simulated" session (left out of the report by default) and learned from on disk.
        from aac.store.usage_log import UsageLog

        profile = resolve_profile(cfg.profile)
        usage_log = UsageLog(profile, session_kind="simulated")
    elif cfg.profile:
        # The board the person gets (settings, learned words, calibration) on a private copy:
        # it learns in memory as it would in use, and nothing goes back into their profile.
        from aac.store.private_copy import copy_profile

        profile = Profile.open(copy_profile(resolve_profile(cfg.profile).dir, Path(tmp) / "profile"))
    else:
        profile = Profile.open(Path(tmp) / "profile")
    # Simulation settings live in memory only: a real person's saved settings are not changed.
    # Their dwell time is the one simulated unless --dwell-ms says otherwise.
    dwell_ms = int(cfg.dwell_ms) if cfg.dwell_ms is not None else int(profile.settings.dwell_ms)
    profile.settings = profile.settings.replace(dwell_ms=dwell_ms, show_gaze_cursor=True, **(cfg.settings or {}))
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(cfg.size)
    clock = SimClock()
    rng = random.Random(cfg.seed)
    parts = make_parts(profile, speech=cfg.speech == "real", predictions=cfg.predictions)
    speaker = parts["speaker"]
    if cfg.speech != "real":
        from aac.speech.speaker import RecordingSpeaker

        speaker = RecordingSpeaker()
    service = parts["service"]
    if service is not None:
        end = time.monotonic() + cfg.model_wait_s
        while time.monotonic() < end and not service.ready and not service.error:
            time.sleep(0.05)
    app = BoardApp(
        profile, screen, layout_name=cfg.layout, clock=clock, service=service, speaker=speaker,
        usage_log=usage_log, source_name="sim", handle_events=False,
    )
    if parts["usage_log"] is not None:
        parts["usage_log"].close()  # unused (the copy's log, or replaced by the marked one): writes nothing
    set_language(str(getattr(app.layout, "language", "en") or "en"))
    person = SimulatedPerson(app, rng, remember=cfg.person_remembers, reads_tile_words=cfg.person_reads_tile_words)
    source = SimulatedTobii(person, cfg.size, clock, rng, cfg.noise_deg)
    app.source = source
    app.on_activation = person.on_activation
    if cfg.frames_dir is not None:
        cfg.frames_dir.mkdir(parents=True, exist_ok=True)

    results: list[SentenceResult] = []
    predicting_ms: list[float] = []
    budget_s = FRAME_S / max(cfg.speed, 1e-6)  # wall time of one frame at --speed
    model_wait_sim_s = 0.0
    frame_no = 0
    saved = 0
    try:
        for idx, sentence in enumerate(sentences):
            start_t = clock.now
            sel0, fa0, ts0 = person.selections, person.false_activations, person.text_selections
            person.begin(sentence, clock.now)
            seen_acts = len(app.activations)
            while not person.done and clock.now - start_t < cfg.sentence_timeout_s:
                frame_wall0 = time.monotonic()
                person.update(clock.now)
                predicting = app.board.stale and service is not None and not app.board.unavailable
                app.step(clock.now)
                pygame.display.flip()
                if predicting:
                    predicting_ms.append(app.frame_ms[-1])
                if cfg.frames_dir is not None and len(app.activations) > seen_acts:
                    for act in app.activations[seen_acts:]:
                        saved += 1
                        name = f"s{idx + 1:03d}_{saved:05d}_{act.kind}_{_safe(act.text)}.png"
                        pygame.image.save(screen, str(cfg.frames_dir / name))
                seen_acts = len(app.activations)
                frame_no += 1
                # Pace the simulated clock against the wall clock (speed x), and charge a frame
                # that waited for the model its real time (see sim_frame_seconds).
                wall_s = time.monotonic() - frame_wall0
                if wall_s < budget_s:
                    time.sleep(budget_s - wall_s)
                    wall_s = time.monotonic() - frame_wall0
                advance = sim_frame_seconds(predicting, wall_s, cfg.speed)
                if predicting:
                    model_wait_sim_s += advance
                clock.now += advance
            # Let the person look away, finish the glance (and any last frames) before the next one.
            for _ in range(int(0.5 / FRAME_S)):
                person.update(clock.now)
                app.step(clock.now)
                clock.now += FRAME_S
            spoken = person.spoken
            correct = spoken is not None and norm(spoken) == norm(sentence)
            res = SentenceResult(
                sentence, spoken, correct, round(clock.now - start_t, 2), person.selections - sel0,
                person.false_activations - fa0, person.text_selections - ts0,
            )
            results.append(res)
            if cfg.on_sentence is not None:
                cfg.on_sentence(res)
            if cfg.verbose:
                mark = "ok " if correct else "BAD"
                print(f"{mark} {res.seconds:6.1f}s sel={res.selections:3d} fa={res.false_activations} "
                      f"| {sentence!r} -> {spoken!r}", flush=True)
            if not person.done:
                # Timed out: clear the board for the next sentence (as a carer would).
                BoardDriver(app).reset_message(clock.now)
    finally:
        app.close()
        pygame.display.quit()
        shutil.rmtree(tmp, ignore_errors=True)

    total_s = sum(r.seconds for r in results)
    words = sum(len(norm_words(r.target)) for r in results)
    chars = sum(len(w) + 1 for r in results for w in norm_words(r.target))
    # the Speak tile is not part of writing (and a sentence said as it ends took no Speak dwell)
    speak_tiles = sum(1 for act in app.activations if _is_speak_tile(act))
    sel_no_speak = sum(r.selections for r in results) - speak_tiles
    text_sel = sum(r.text_selections for r in results)
    stats = app.frame_stats()
    by_kind: dict[str, int] = {}
    previews_used = 0
    for act in app.activations:
        key = act.text if act.kind == "action" else act.kind
        by_kind[key] = by_kind.get(key, 0) + 1
        previews_used += sum(1 for ev in act.events if ev.kind == "ending" and ev.extra.get("via_word"))
    out: dict[str, Any] = {
        "sentences": len(results),
        "correct": sum(1 for r in results if r.correct),
        "words": words,
        "selections": sum(r.selections for r in results),
        "false_activations": sum(r.false_activations for r in results),
        "wrong_said": person.wrong_said,  # speak_on_sentence_end: a sentence said that was not meant
        # intended prediction tiles that fired with other text than the person had read on them
        "fired_other_text": person.fired_other_text,
        "incidents": person.incidents,
        "seconds": round(total_s, 1),
        "wpm": round(words / (total_s / 60.0), 2) if total_s > 0 else 0.0,
        "ks": round(1 - sel_no_speak / chars, 3) if chars else 0.0,
        "ks_text": round(1 - text_sel / chars, 3) if chars else 0.0,
        "noise_deg": cfg.noise_deg,
        "dwell_ms": dwell_ms,
        "speed": cfg.speed,
        "layout": app.layout.name,
        "predictions": bool(service is not None and service.ready),
        "frame_ms_p50": stats["frame_ms_p50"],
        "frame_ms_p95": stats["frame_ms_p95"],
        "frame_ms_max": stats["frame_ms_max"],
        "frames": stats["frames"],
        "predicting_frames": len(predicting_ms),
        "predicting_frame_ms_p95": round(percentile(predicting_ms, 95), 2),
        "predicting_frame_ms_max": round(max(predicting_ms), 2) if predicting_ms else 0.0,
        "gaze_samples": source.samples,
        "invalid_samples": source.invalid,
        "failed": [r.target for r in results if not r.correct],
        # Where the time went (simulated seconds): waiting for fresh suggestions, reading them,
        # selecting (saccade + lock-on + dwell), glancing at the message after each activation.
        "time_split_s": {k: round(v, 1) for k, v in sorted(person.time_by_kind.items())},
        # The same run minus the time spent waiting for the model (on a loaded 2-core machine,
        # and multiplied by --speed): what the board and the person cost by themselves.
        # Simulated seconds of frames in which the board waited for suggestions (real model
        # time x --speed); part of "seconds" like every other frame.
        "model_wait_s": round(model_wait_sim_s, 1),
        "wpm_excluding_model_wait": (
            round(words / ((total_s - person.time_by_kind.get("wait", 0.0)) / 60.0), 2)
            if total_s - person.time_by_kind.get("wait", 0.0) > 0 else 0.0
        ),
        "by_kind": by_kind,
        "preview_endings": previews_used,
        "tiles_read": person.tiles_read,
        "tiles_recalled": person.tiles_recalled,
        "next_words_read": person.key_lines_read,
        "person": ("re-reads every tile" if not cfg.person_remembers else
                   "remembers unchanged tiles" + (", reads the next words on the tile" if cfg.person_reads_tile_words else "")),
    }
    if cfg.frames_dir is not None:
        out["frames_saved"] = saved
    return out


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text)[:24].strip("-") or "x"
