"""The Speaker interface the board talks to, and its pyttsx3 implementation.

The board's frame loop calls ``speak()``; it must return at once. :class:`WorkerSpeaker` only puts
the text on a queue; a supervisor thread cuts the message into sentence-sized pieces, has the
synthesis worker process (:mod:`aac.speech.pyttsx3_worker`) turn each into a WAV (the next piece is
synthesised while the current one plays), and plays them through :mod:`aac.speech.playback`.
Each piece must come back within a timeout that grows with its length; a worker that hangs or dies
is killed and restarted and the piece it was on is tried again (the queue lives here, not in the
worker, so nothing is lost and nothing is said twice). A piece that breaks the engine twice in a
row is skipped with a status message rather than blocking everything after it.

Where there is no sound device the WAV is kept (private, in the user cache) and ``status`` says
"no audio device: speech written to ...": visible on the board, never a crash or a hang.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
import wave
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aac.fileio import atomic_write_bytes, ensure_private_dir
from aac.paths import cache_dir
from aac.speech.history_audio import HistoryAudio
from aac.speech.playback import Playback, Player, probe_player, wav_duration
from aac.speech.pyttsx3_worker import (
    WorkerClient,
    WorkerCrashed,
    WorkerError,
    WorkerHung,
)
from aac.speech.voices import BUILTIN_DEFAULT, VoiceProfile, load_voice_or_default


class Speaker(ABC):
    """What the board needs from speech. No method may block the caller for long."""

    @abstractmethod
    def speak(self, text: str, recording: Path | str | None = None) -> None:
        """Say ``text`` (queued, or interrupting what is being said, per the speaker's setting).

        ``recording``: the person's own recorded message played instead of synthesis: a WAV path,
        or the name of a recording in the speaker's ``bank`` (aac/speech/bank.py; a phrase tile's
        ``recording``), resolved off the UI thread. If it cannot be played the text is synthesised
        and ``status`` says why.
        """

    def replay(self, text: str, recording: Path | str | None = None) -> None:
        """Say a history entry again: its recording, else the audio kept of it when the person's
        settings keep history audio (aac/speech/history_audio.py), else a new synthesis."""
        self.speak(text, recording=recording)

    @abstractmethod
    def stop(self) -> None:
        """Stop talking now and forget what was queued."""

    @property
    @abstractmethod
    def speaking(self) -> bool:
        """True while something is being synthesised, played or waits in the queue."""

    @property
    def status(self) -> str:
        """A human message for the board ("" when all is fine)."""
        return ""

    def click(self) -> None:
        """A short activation sound (optional, separate from speech)."""

    def close(self, wait: bool = False) -> None:
        """Stop and release the worker without blocking the caller (``wait=True`` blocks until done)."""


class NullSpeaker(Speaker):
    """Says nothing; ``status`` explains why (speech turned off, or no engine)."""

    def __init__(self, status: str = "speech is off"):
        self._status = status

    def speak(self, text: str, recording: Path | str | None = None) -> None:
        pass

    def stop(self) -> None:
        pass

    @property
    def speaking(self) -> bool:
        return False

    @property
    def status(self) -> str:
        return self._status


class RecordingSpeaker(Speaker):
    """Records calls instead of making sound: for tests of the board and the session."""

    def __init__(self, interrupt: bool = False) -> None:
        self.interrupt = interrupt
        self.spoken: list[str] = []
        self.calls: list[tuple[str, str]] = []
        self.recordings: list[str] = []
        self.clicks = 0
        self.closed = False

    def speak(self, text: str, recording: Path | str | None = None) -> None:
        if text.strip() or recording:
            self.spoken.append(text)
            self.calls.append(("speak", text))
            if recording:
                self.recordings.append(str(recording))

    def stop(self) -> None:
        self.calls.append(("stop", ""))

    @property
    def speaking(self) -> bool:
        return False

    def click(self) -> None:
        self.clicks += 1
        self.calls.append(("click", ""))

    def close(self, wait: bool = False) -> None:
        self.closed = True


#: Sentence ends where a long message is cut into pieces that are synthesised one by one.
_SENTENCE_SPLIT = re.compile(r"(?:(?<=[.!?…;:])|(?<=[.!?…;:][\"'”’»)\]]))\s+")
MAX_CHUNK = 400
FIRST_CHUNK = 240


#: A first sentence at least this long is cut at its first comma when ``first_clause`` is set.
FIRST_CLAUSE_MIN = 30
#: A first piece of at least this many words (still without a comma) is cut before its first
#: clause-opening word when ``first_clause`` is set; 8 words are ~2.2 s of Piper speech (217 wpm),
#: about 0.22 s of CPU (tests/bench/speech_engines.py: CPU-time RTF 0.105), the length above which
#: the first sound cannot start within 300 ms even on an idle 2-core machine.
FIRST_PHRASE_MIN_WORDS = 8
#: Words that open a clause of their own (subordinators, "but", relatives): a listener hears a
#: phrase break before them, so a join there cuts no phrase. Not "and"/"or"/"that"/"so", which just
#: as often join two nouns ("tea and biscuits") or sit inside a phrase ("that book", "so tired").
CLAUSE_OPENERS = frozenset({
    "because", "when", "while", "if", "unless", "until", "before", "after", "although", "though",
    "since", "but", "which", "who", "whose", "where", "whenever", "whereas",
})
#: The cut leaves at least this many words on each side (a one-word piece sounds clipped).
FIRST_PHRASE_MIN_SIDE = 3


def first_phrase_cut(sentence: str) -> tuple[str, str] | None:
    """``sentence`` cut before its first clause opener, or None: "I would like to go out when
    the sun comes out" -> ("I would like to go out,", "when the sun comes out")."""
    words = sentence.split(" ")
    if len(words) < FIRST_PHRASE_MIN_WORDS or any(w.endswith(",") for w in words[:-1]):
        return None
    for i in range(FIRST_PHRASE_MIN_SIDE, len(words) - FIRST_PHRASE_MIN_SIDE + 1):
        if words[i].lower().strip("\"'“”‘’(") in CLAUSE_OPENERS and words[i - 1][-1:].isalnum():
            return " ".join(words[:i]) + ",", " ".join(words[i:])
    return None


def split_for_speech(text: str, max_len: int = MAX_CHUNK, first_max: int = FIRST_CHUNK,
                     first_clause: bool = False, first_phrase: bool | None = None) -> list[str]:
    """Cut a message into pieces at sentence ends: the first sentence alone, then sentences grouped
    up to ``max_len`` characters (a sentence longer than that is cut at a comma or space).

    ``first_clause`` (the natural voice): the first sentence's first clause, up to its first comma,
    is a piece of its own. Piper needs about 0.1 s of CPU per second of speech (measured by
    tests/bench/speech_engines.py; 0.4 s of wall time on the loaded 2-core machine), so the first
    sound waits for the whole first piece; a comma is a pause in speech anyway, so the join between
    the pieces falls where a listener expects a break. ``first_phrase`` (default: as
    ``first_clause``): a long first piece without a comma is cut before its first clause opener
    (:func:`first_phrase_cut`; the head ends in a comma so the voice pauses there as a speaker
    would, never mid-phrase).

    Why: the first sentence is heard after a few milliseconds of synthesis instead of after the
    whole message, the worker's CPU bursts stay short, and a worker restart resumes at the piece it
    was on instead of repeating the message. Grouping the rest keeps the number of player starts
    (and the small gaps between pieces) low.
    """
    sentences: list[str] = []
    for sentence in _SENTENCE_SPLIT.split(text.strip()):
        sentence = sentence.strip()
        limit = first_max if not sentences else max_len
        while len(sentence) > limit:
            cut = max(sentence.rfind(", ", 0, limit), sentence.rfind(" ", 0, limit))
            cut = cut + 1 if cut > limit // 3 else limit
            sentences.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
            limit = max_len
        if sentence:
            sentences.append(sentence)
    if not sentences:
        return []
    if first_clause:
        head, comma, tail = sentences[0].partition(", ")
        if comma and tail and len(sentences[0]) >= FIRST_CLAUSE_MIN and len(head.split()) >= 2:
            sentences[0:1] = [head + ",", tail]
    if first_clause if first_phrase is None else first_phrase:
        cut = first_phrase_cut(sentences[0])
        if cut is not None:
            sentences[0:1] = list(cut)
    pieces = [sentences[0]]
    for sentence in sentences[1:]:
        if len(pieces) > 1 and len(pieces[-1]) + 1 + len(sentence) <= max_len:
            pieces[-1] += " " + sentence
        else:
            pieces.append(sentence)
    return pieces


@dataclass
class _Job:
    text: str
    seq: int
    queued_at: float
    recording: Path | str | None = None  # the person's own recorded message (path or bank name)
    voice: VoiceProfile | None = None  # set when processing starts; a fallback replaces it
    note: str = ""  # shown when the message ends (e.g. its recording could not be played)
    chunks: list[str] = field(default_factory=list)
    index: int = 0  # the next piece to speak; survives worker restarts
    attempts: int = 0  # failures on the current piece
    cancelled: bool = False
    playback: Playback | None = field(default=None, repr=False)
    replay: bool = False  # a history entry said again: its kept audio is played if there is one
    heard: list[Path] = field(default_factory=list)  # played pieces, kept for the history audio


@dataclass
class SpokenRecord:
    """What happened to one message (kept for the CLI, tests and diagnostics)."""

    text: str
    wav: Path | None
    duration: float
    outcome: str  # played | no-audio | cancelled | failed
    detail: str = ""
    first_audio_s: float | None = None  # from speak() to the first sound (or WAV written)
    pieces: int = 0
    recording: Path | None = None  # set when the person's recording was played (usage log: "recorded message")
    engines: tuple[str, ...] = ()  # engines that spoke it, e.g. ("piper",) or ("piper", "espeak")
    history_audio: Path | None = None  # where its audio was kept (keep_history_audio on), or replayed from


class WorkerSpeaker(Speaker):
    """pyttsx3 in a worker process, a queue and a supervisor thread; see the module docstring.

    ``player``: a :class:`~aac.speech.playback.Player` to use, or None to probe the system's
    players (or ``probe_candidates``) in the background and re-probe now and then, so plugging
    in speakers works.
    ``timeout_base``/``timeout_per_char``: a synthesis that takes longer is treated as a hang.
    The defaults allow more than real time (~0.07 s per character at 175 wpm), so even an engine
    that synthesises no faster than it speaks is never mistaken for a hung one.
    """

    REPROBE_S = 30.0
    MAX_ATTEMPTS = 2
    KEEP_RECORDS = 50

    def __init__(
        self,
        voice: VoiceProfile = BUILTIN_DEFAULT,
        interrupt: bool = False,
        player: Player | None = None,
        out_dir: Path | None = None,
        timeout_base: float = 5.0,
        timeout_per_char: float = 0.08,
        on_done: Callable[[SpokenRecord], None] | None = None,
        status: str = "",
        probe_candidates: Sequence[Player] | None = None,
        keep_audio: bool = False,
        warm_timeout: float = 60.0,
        bank: object | None = None,
        history_audio: HistoryAudio | None = None,
    ):
        self._voice = voice
        #: Keep last-spoken.wav after close()? Only when the user asked for it (``aac speak``
        #: prints its path); the board deletes it: it is the person's message as audio.
        self.keep_audio = keep_audio
        self.interrupt = interrupt
        self.timeout_base = timeout_base
        self.timeout_per_char = timeout_per_char
        self.on_done = on_done
        self.out_dir = Path(out_dir) if out_dir else cache_dir() / "speech"
        self._fixed_player = player
        self._probe_candidates = probe_candidates
        self._player: Player | None = player
        self._player_why = ""
        self._probed_at = -1e9 if player is None else time.monotonic()
        self._lock = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._current: _Job | None = None
        self._seq = itertools.count(1)
        self._closed = False
        self._status = status
        self._config_status = status
        self._clicks: deque[Playback] = deque()
        self._play_error = ""
        self._click_wav: Path | None = None
        self.records: deque[SpokenRecord] = deque(maxlen=self.KEEP_RECORDS)
        #: The voice new messages start with: ``voice``, or its fallback once the natural voice
        #: turned out to be unavailable in this session (not installed, failed to load).
        self._active_voice = voice
        self._warmed = False  # the natural voice is loaded in the current worker
        self.warm_timeout = warm_timeout
        #: The profile's VoiceBank (aac/speech/bank.py): resolves recording names given to speak().
        self.bank = bank
        #: The profile's kept history audio (aac/speech/history_audio.py; ``keep=0`` when the
        #: setting is off: the speaker then empties it when it starts). None: the speaker does not
        #: know the profile and keeps nothing.
        self.history_audio = history_audio
        #: Cut a long first sentence before its first clause opener (natural voice; see
        #: split_for_speech); off only to measure what it gains (tests/bench/speech_engines.py).
        self.first_phrase = True
        self.worker = WorkerClient()
        self._thread = threading.Thread(target=self._run, daemon=True, name="speech-supervisor")
        self._thread.start()

    # --- API called from the UI thread: only touch the queue under the lock ---------------------

    def speak(self, text: str, recording: Path | str | None = None) -> None:
        text = " ".join(text.split())
        rec: Path | str | None = recording if isinstance(recording, Path) else (str(recording) if recording else None)
        if not text and rec is None:
            return
        with self._lock:
            if self._closed:
                return
            if self.interrupt:
                self._cancel_all_locked()
            # split (and the recording checked) later, off the UI thread
            self._queue.append(_Job(text, next(self._seq), time.monotonic(), recording=rec))
            self._lock.notify_all()

    def replay(self, text: str, recording: Path | str | None = None) -> None:
        """A history entry said again; the kept audio is looked up off the UI thread."""
        text = " ".join(text.split())
        if not text and not recording:
            return
        with self._lock:
            if self._closed:
                return
            if self.interrupt:
                self._cancel_all_locked()
            rec = recording if isinstance(recording, Path) else (str(recording) if recording else None)
            self._queue.append(_Job(text, next(self._seq), time.monotonic(), recording=rec, replay=True))
            self._lock.notify_all()

    def play_recording(self, recording: Path | str, text: str = "") -> None:
        """Play the person's own recorded message (``text`` is said instead if it cannot be played)."""
        self.speak(text, recording=recording)

    @property
    def voice(self) -> VoiceProfile:
        """The person's chosen voice profile (setting it switches voice from the next message)."""
        return self._voice

    @voice.setter
    def voice(self, voice: VoiceProfile) -> None:
        self._voice = voice
        self._active_voice = voice
        self._warmed = False

    @property
    def active_voice(self) -> VoiceProfile:
        """The voice new messages start with (the profile's, or its fallback in this session)."""
        return self._active_voice

    def stop(self) -> None:
        with self._lock:
            self._cancel_all_locked()
            self._lock.notify_all()

    def _cancel_all_locked(self) -> None:
        for job in self._queue:
            job.cancelled = True
        self._queue.clear()
        cur = self._current
        if cur is not None:
            cur.cancelled = True
            if cur.playback is not None:
                cur.playback.stop()
            self._current = None  # not "speaking" any more, even while a cancelled synthesis ends

    @property
    def speaking(self) -> bool:
        with self._lock:
            return self._current is not None or bool(self._queue)

    @property
    def status(self) -> str:
        return self._status

    @property
    def audio_problem(self) -> str:
        """Why no sound device is used (each player's error), "" when one works or none was tried."""
        return "" if self._player is not None else self._player_why

    @property
    def queued(self) -> list[str]:
        """Texts waiting (including the one being worked on)."""
        with self._lock:
            cur = [self._current.text] if self._current and not self._current.cancelled else []
            return cur + [j.text for j in self._queue]

    def click(self) -> None:
        """Play the activation click without waiting and without touching the speech queue.

        Starting a player is a fork/exec; it happens on a short-lived thread so the frame that
        registered the activation is not delayed by it.
        """
        player = self._player
        if player is None or self._closed:
            return
        while self._clicks and self._clicks[0].done():
            self._clicks.popleft()
        if len(self._clicks) >= 3:  # a burst of activations must not pile up processes
            return

        def start() -> None:
            if self._click_wav is None:  # clicked before the supervisor wrote it
                from aac.speech.click import click_wav

                self._click_wav = click_wav(self.out_dir)
            self._clicks.append(player.start(self._click_wav))

        threading.Thread(target=start, daemon=True, name="speech-click").start()

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or playing (for the CLI and tests, never the board)."""
        end = time.monotonic() + timeout
        with self._lock:
            while self._current is not None or self._queue:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.1))
        return True

    def close(self, wait: bool = False) -> None:
        """Stop talking and release the worker.

        Returns at once (the board calls this on the UI thread when the voice changes); the
        worker is shut down by a background thread. ``wait=True`` blocks until it is gone.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._cancel_all_locked()
            self._lock.notify_all()
        self._closer = threading.Thread(target=self._shutdown, daemon=True, name="speech-close")
        self._closer.start()
        if wait:
            self._closer.join(timeout=10.0)

    def _shutdown(self) -> None:
        self._thread.join(timeout=1.0)
        if self._thread.is_alive():  # stuck on a hung worker: killing it frees the supervisor
            self.worker.kill()
            self._thread.join(timeout=3.0)
        self.worker.close()
        for pb in list(self._clicks):
            pb.stop(wait=1.0)
        self._sweep(10**18)  # what was said is private: keep nothing that was not asked for
        if not self.keep_audio:
            _unlink(self._kept_path())

    # --- supervisor thread ------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        self._status = text

    def _kept_path(self) -> Path:
        """Where unplayed speech is kept for the status line (per process, so a start-up sweep can
        tell a dead process's file from a live one's)."""
        return self.out_dir / f"last-spoken-{os.getpid()}.wav"

    def _run(self) -> None:
        try:
            ensure_private_dir(self.out_dir)
            remove_stale_audio(self.out_dir)
        except OSError as exc:
            self._set_status(f"speech: cannot create {self.out_dir}: {exc}")
        if self.history_audio is not None:
            try:
                self.history_audio.prune()  # setting off: what earlier sessions kept goes now
            except OSError as exc:
                self._set_status(f"speech: cannot tidy the kept history audio: {exc}")
        try:
            self.worker.start()
        except (WorkerError, OSError) as exc:
            self._set_status(f"speech engine unavailable: {exc}")
        if self._active_voice.natural:
            self._warm(self._active_voice)
        try:
            from aac.speech.click import click_wav

            self._click_wav = click_wav(self.out_dir)  # written here, never on the UI thread
        except OSError:
            pass
        self._ensure_player()
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                job = self._queue.popleft()
                self._current = job
            try:
                self._process(job)
            except Exception as exc:  # noqa: BLE001 - the supervisor must survive anything
                self._set_status(f"speech error: {exc}")
                self._finish(job, SpokenRecord(job.text, None, 0.0, "failed", str(exc)))

    def _finish(self, job: _Job, record: SpokenRecord | None) -> None:
        with self._lock:
            if self._current is job:
                self._current = None
            self._lock.notify_all()
        if record is not None:
            self.records.append(record)
            if self.on_done is not None:
                try:
                    self.on_done(record)
                except Exception as exc:  # noqa: BLE001 - a callback bug must not stop speech
                    self._set_status(f"speech: on_done callback failed: {exc}")

    def _ensure_player(self) -> None:
        if self._fixed_player is not None:
            return
        now = time.monotonic()
        if self._player is None and now - self._probed_at >= self.REPROBE_S:
            self._probed_at = now
            self._player, self._player_why = probe_player(self._probe_candidates)

    def _wav_for(self, job: _Job, index: int) -> Path:
        return self.out_dir / f"utterance-{os.getpid()}-{job.seq}-{index}.wav"

    def _send(self, job: _Job, index: int) -> int:
        voice = job.voice or self._active_voice
        return self.worker.send({"cmd": "synth", "text": job.chunks[index], "path": str(self._wav_for(job, index)),
                                 "voice": voice.to_worker()})

    def _warm(self, voice: VoiceProfile) -> bool:
        """Load the natural voice in the worker now (supervisor thread), so the first message does
        not wait for the model; if it cannot load, this session speaks with the fallback voice."""
        try:
            reply = self.worker.request({"cmd": "warm", "voice": voice.to_worker()}, self.warm_timeout)
        except (WorkerError, OSError) as exc:
            reply = {"ok": False, "error": f"natural voice did not load: {exc}"}
            try:
                self.worker.restart()
            except (WorkerError, OSError):
                pass
        if reply.get("ok"):
            self._warmed = True
            return True
        fallback = voice.fallback_profile()
        if fallback is not None:
            self._active_voice = fallback
            self._config_status = _fallback_note(str(reply.get("error")), fallback)
            self._set_status(self._config_status)
        return False

    def _sweep(self, keep_seq: int) -> None:
        """Delete pieces of earlier (finished or cancelled) messages, e.g. a prefetched piece."""
        for old in self.out_dir.glob(f"utterance-{os.getpid()}-*.wav"):
            try:
                if int(old.stem.split("-")[2]) < keep_seq:
                    _unlink(old)
            except (IndexError, ValueError):
                pass

    def _process(self, job: _Job) -> None:
        """Speak one message piece by piece: synthesise piece i+1 while piece i plays."""
        self._sweep(job.seq)
        self._play_error = ""
        if job.replay and job.recording is None and self.history_audio is not None:
            kept = self.history_audio.find(job.text)
            if kept is not None:
                job.recording = kept
        if job.recording is not None and self._play_recording(job):
            return
        if job.voice is None:
            if self._active_voice.natural and not self._warmed:
                self._warm(self._active_voice)  # after a worker restart
            job.voice = self._active_voice
        if not job.chunks:
            job.chunks = split_for_speech(job.text, first_clause=job.voice.natural,
                                          first_phrase=job.voice.natural and self.first_phrase)
        pending: tuple[int, int] | None = None  # (piece index, request id) already sent
        duration, warning, failures, first_audio = 0.0, "", [], None
        engines: list[str] = []
        unplayed: list[Path] = []  # pieces no device could play: kept as one WAV
        while job.index < len(job.chunks) and not job.cancelled and not self._closed:
            i = job.index
            text = job.chunks[i]
            timeout = self.timeout_base + self.timeout_per_char * len(text)
            try:
                rid = pending[1] if pending and pending[0] == i else self._send(job, i)
                pending = None
                reply = self.worker.receive(rid, timeout)
            except (WorkerHung, WorkerCrashed, OSError) as exc:
                pending = None
                if self._closed or job.cancelled:
                    break
                job.attempts += 1
                what = "stopped answering" if isinstance(exc, WorkerHung) else "crashed"
                self._warmed = False
                try:
                    self.worker.restart()
                    restarted = "restarted"
                except (WorkerError, OSError) as exc2:
                    restarted = f"could not restart: {exc2}"
                fallback = job.voice.fallback_profile() if job.voice is not None and job.voice.natural else None
                if fallback is not None:
                    # The natural voice broke on this piece: the rest of this message is said by
                    # espeak-ng at once (no second model load, no second crash); the next message
                    # tries the natural voice again.
                    job.voice, job.attempts = fallback, 0
                    self._set_status(f"natural voice {what} ({restarted}); this message continues with espeak-ng")
                    continue
                if job.attempts >= self.MAX_ATTEMPTS:
                    self._set_status(f"speech engine {what} on a message ({restarted}); that part was skipped")
                    failures.append(str(exc))
                    job.index, job.attempts = i + 1, 0
                else:
                    self._set_status(f"speech engine {what} ({restarted}); trying again")
                continue  # same piece again (the queue behind it is untouched)
            if not reply.get("ok"):
                kind, error = reply.get("kind"), str(reply.get("error"))
                fallback = job.voice.fallback_profile() if job.voice and kind in ("piper", "engine") else None
                if fallback is not None:  # same piece again with the next engine: nothing is lost
                    self._set_status(_fallback_note(error, fallback))
                    job.voice, job.attempts = fallback, 0
                    continue
                self._set_status(f"no speech: {error}" if kind == "engine" else f"speech: {error}")
                failures.append(error)
                job.index, job.attempts = i + 1, 0
                continue
            job.attempts = 0
            if job.voice is not None and job.voice.engine not in engines:
                engines.append(job.voice.engine)
            warning = str(reply.get("warning") or "") or warning
            wav = Path(reply["path"])
            piece_s = float(reply.get("duration", 0.0))
            duration += piece_s
            if i + 1 < len(job.chunks) and not job.cancelled:
                try:
                    pending = (i + 1, self._send(job, i + 1))
                except (WorkerError, OSError):
                    pending = None  # noticed (and restarted) when that piece is received
            if first_audio is None:
                first_audio = time.monotonic() - job.queued_at
            result = self._play_piece(job, wav, piece_s)
            if result == "played" and self._keeping_history():
                job.heard.append(wav)  # joined into the history audio when the message ends
            elif result == "played":
                _unlink(wav)
            elif result in ("no-audio", "failed"):
                unplayed.append(wav)
                if result == "failed":
                    failures.append(self._play_error)
            else:  # cancelled
                _unlink(wav)
            job.index = i + 1
        self._wrap_up(job, duration, warning, failures, unplayed, first_audio, tuple(engines))

    def _recording_path(self, recording: Path | str | None) -> Path | None:
        """A path as given; a bare name looked up in the bank (None if there is none of that name)."""
        if recording is None:
            return None
        if isinstance(recording, Path) or "/" in recording or "\\" in recording or "." in recording:
            return Path(recording)
        find = getattr(self.bank, "path", None)
        try:
            return find(recording) if find is not None else None
        except Exception:  # noqa: BLE001 - a damaged bank index: the words are spoken instead
            return None

    def _play_recording(self, job: _Job) -> bool:
        """Play the job's recording; False if it cannot be read (then its text is synthesised)."""
        rec = self._recording_path(job.recording)
        duration = wav_duration(rec) if rec is not None else 0.0
        if rec is None or duration <= 0.0:
            what = rec.name if rec is not None else str(job.recording)
            if job.text:
                job.note = f"recorded message {what} cannot be played; the words were spoken instead"
                self._set_status(job.note)
                return False
            self._set_status(f"recorded message {what} cannot be played")
            self._finish(job, SpokenRecord(job.text, None, 0.0, "failed", "unreadable recording", recording=rec))
            return True
        first_audio = time.monotonic() - job.queued_at
        result = self._play_piece(job, rec, duration)
        detail = ""
        if result == "no-audio":
            detail = self._player_why
            self._set_status(f"no audio device: recorded message not played ({rec.name})")
        elif result == "failed":
            detail = self._play_error
            self._set_status(f"audio playback failed: {self._play_error}")
        elif result == "played":
            self._set_status(self._config_status)
        from_history = self.history_audio is not None and rec.parent == self.history_audio.dir
        if from_history and result == "played":
            try:
                self.history_audio.touch(job.text)
            except OSError:
                pass
        self._finish(job, SpokenRecord(job.text, None, duration, result, detail, first_audio, 1,
                                       recording=None if from_history else rec,
                                       engines=("history-audio" if from_history else "recording",),
                                       history_audio=rec if from_history else None))
        return True

    def _keeping_history(self) -> bool:
        return self.history_audio is not None and self.history_audio.enabled

    def _keep_history(self, job: _Job, complete: bool) -> Path | None:
        """Store the played pieces of a fully spoken message as its history audio (supervisor
        thread), then delete the pieces; a cut-off message keeps nothing."""
        kept = None
        if complete and job.heard and self.history_audio is not None:
            try:
                kept = self.history_audio.store(job.text, job.heard, join_wavs)
            except (OSError, EOFError, wave.Error) as exc:
                self._set_status(f"speech: the message's audio could not be kept: {exc}")
        for w in job.heard:
            _unlink(w)
        job.heard.clear()
        return kept

    def _wrap_up(self, job: _Job, duration: float, warning: str, failures: list[str], unplayed: list[Path],
                 first_audio: float | None, engines: tuple[str, ...] = ()) -> None:
        kept: Path | None = None
        if unplayed:
            kept = self._kept_path()
            try:
                join_wavs(unplayed, kept)
            except (OSError, EOFError, wave.Error) as exc:
                failures.append(f"cannot keep the audio: {exc}")
                kept = None
            for w in unplayed:
                _unlink(w)
        cut = job.cancelled or (self._closed and job.index < len(job.chunks))
        history = self._keep_history(job, complete=not cut and not failures and not unplayed)
        if cut:
            outcome, detail = "cancelled", ""
        elif failures:
            outcome, detail = "failed", failures[-1]
            if kept is not None and self._play_error:
                self._set_status(f"audio playback failed: {self._play_error}; speech written to {kept}")
        elif kept is not None:
            outcome, detail = "no-audio", self._player_why
            # Short enough for the board's status line; the players' own errors are in
            # ``audio_problem`` (and `aac voices` prints them).
            extra = f"; {warning}" if warning else ""
            self._set_status(f"no audio device: speech written to {kept}{extra}")
        else:
            outcome, detail = "played", ""
            fell_back = job.voice is not None and job.voice != self._active_voice
            if job.note:
                self._set_status(job.note)
            elif not fell_back:  # a fallback note stays up for the message it concerned
                self._set_status(warning or self._config_status)
        self._finish(job, SpokenRecord(job.text, kept, duration, outcome, detail, first_audio, len(job.chunks),
                                       engines=engines, history_audio=history))

    def _play_piece(self, job: _Job, wav: Path, duration: float) -> str:
        """Play one piece; returns played | no-audio | failed | cancelled."""
        self._ensure_player()
        player = self._player
        if player is None:
            return "no-audio"
        if job.cancelled:
            return "cancelled"
        pb = player.start(wav)  # fork/exec: outside the lock, so speak()/stop() never wait for it
        with self._lock:
            job.playback = pb
            cancelled = job.cancelled
        if cancelled:  # stop() came while the player was starting
            pb.stop()
        finished = pb.wait(duration + 5.0)
        if not finished:
            pb.stop(wait=2.0)
        if job.cancelled:
            pb.wait(2.0)  # reap the child killed by stop()/interrupt
            return "cancelled"
        if finished and pb.ok:
            return "played"
        self._play_error = pb.error or "audio playback timed out"
        # The device may have gone away: forget the player so the next piece re-probes.
        if self._fixed_player is None:
            self._player, self._player_why, self._probed_at = None, self._play_error, -1e9
        return "failed"


def _fallback_note(error: str, fallback: VoiceProfile) -> str:
    """The board's status line when a voice could not speak and the next one in the chain did."""
    return f"{error}; speaking with {fallback.engine_name} instead"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


_STALE = re.compile(r"^\.?(?:utterance|last-spoken)-(\d+)-?")


def remove_stale_audio(out_dir: Path) -> list[Path]:
    """Delete spoken audio left in the speech cache by processes that are gone; returns what went.

    Why: a speaker deletes its own pieces after playing them and its kept WAV when it closes, but a
    process that was killed (SIGKILL, power cut) leaves ``utterance-<pid>-*.wav``, half-written
    ``.part`` files and ``last-spoken-<pid>.wav`` behind: the person's words as audio. Every speaker
    runs this when it starts. Files of live processes (another board, ``aac speak``) are left alone;
    ``last-spoken.wav`` (the name before per-process names) always goes.
    """
    removed: list[Path] = []
    try:
        entries = list(Path(out_dir).iterdir())
    except OSError:
        return removed
    me = os.getpid()
    for path in entries:
        m = _STALE.match(path.name)
        stale = path.name == "last-spoken.wav"
        if m is not None:
            pid = int(m.group(1))
            stale = pid != me and not _pid_alive(pid)
        if stale:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def join_wavs(parts: Sequence[Path], dest: Path) -> None:
    """Concatenate 16-bit WAV files into ``dest`` (atomically, mode 0600).

    Pieces of one message may come from two engines (the natural voice fell back to espeak-ng
    mid-message); a piece with another sample rate or channel count is converted to the first's.
    """
    import io

    import numpy as np

    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        first = None
        for part in parts:
            with wave.open(str(part), "rb") as w:
                params = w.getparams()
                data = w.readframes(w.getnframes())
            if first is None:
                first = params
                out.setparams(params)
            elif (params.framerate, params.nchannels) != (first.framerate, first.nchannels) and params.sampwidth == 2:
                x = np.frombuffer(data, dtype="<i2").astype(np.float32).reshape(-1, params.nchannels).mean(axis=1)
                n = int(len(x) * first.framerate / params.framerate)
                y = np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x) if len(x) else x
                data = np.repeat(y.reshape(-1, 1), first.nchannels, axis=1).astype("<i2").tobytes()
            out.writeframes(data)
    atomic_write_bytes(dest, buf.getvalue())


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def make_speaker(voice_name: str, interrupt: bool = False, profile_dir: Path | str | None = None,
                 keep_history_audio: bool = False, **kwargs) -> Speaker:
    """The board's speaker for a voice profile; never raises.

    A broken or missing profile falls back to ``en-default`` (then a built-in voice) and the
    problem is shown in ``status``; an engine that cannot start shows in ``status`` too.
    ``profile_dir``: the person's profile, for their recorded messages (``bank``) and, when
    ``keep_history_audio`` (the setting) is on, the kept audio of the last messages; when it is
    off the speaker empties ``<profile>/history-audio/`` as it starts.
    """
    if profile_dir is not None:
        from aac.speech.bank import VoiceBank
        from aac.speech.history_audio import KEEP

        kwargs.setdefault("bank", VoiceBank(profile_dir))
        kwargs.setdefault("history_audio", HistoryAudio(profile_dir, keep=KEEP if keep_history_audio else 0))
    try:
        voice, problems = load_voice_or_default(voice_name)
        status = ""
        if problems:
            status = f"voice {voice_name!r} not usable, using {voice.name!r}: {problems[0]}"
        return WorkerSpeaker(voice, interrupt=interrupt, status=status, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the board must start even without speech
        return NullSpeaker(f"speech unavailable: {exc}")
