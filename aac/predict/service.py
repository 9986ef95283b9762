"""Background prediction service: the board never waits for the model.

One worker thread owns the engine (ONNX sessions and the KV cache are not shared across threads).
``request()`` only stores the newest (context, prefix) and wakes the worker: the newest request
wins, and an older one still running is cancelled between decode steps. Each result is tagged
with its context; the service publishes the words as soon as they are known, then words + endings,
then the same Suggestions again with previews filled. While the person dwells, it speculatively
computes the likely next requests (each shown word picked, the likeliest next letters) into the
predictor's cache, so the next request is usually answered without a model call. Speculation
stops as soon as a real request (or learning) arrives. ``learn()`` is queued and runs when no
request is waiting, except a finished message: it is learned (with the choices queued before it)
before the next request is served, because the next message's suggestions depend on it (the
person's last messages join the model's prompt, ``PredictorSettings.history_lines``).
``peek()`` asks for the words a letter key or word tile will bring while the person dwells on
it (shown on the tile; aac.ui.next_words): it runs when no real request is waiting, stops
speculation, is cancelled by a real request for other text or a newer peek, and leaves its
result (with previews) in the predictor's cache, so the request after the selection is
answered at once.

Model missing or broken: ``.error`` holds a clear message, ``.ready`` stays False, nothing raises;
the board keeps its keyboard.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from aac.predict.engine import Cancelled
from aac.predict.types import Suggestions

log = logging.getLogger(__name__)

#: Dev-only fallback used when neither AAC_MODEL_DIR nor the model store gives a model.


class ModelNotFound(RuntimeError):
    """No built model anywhere; the message says how to build one."""


def language_of(settings: Any = None, code: str | None = None) -> Any:
    """The LanguagePack: ``code`` if given, else ``settings.language``, else English."""
    from aac.language import load_language

    if not code and settings is not None:
        code = settings.get("language") if isinstance(settings, dict) else getattr(settings, "language", None)
    return load_language(code or "en")


def find_model_dir(explicit: Path | str | None = None, recipe: str | None = None) -> Path:
    """Where the built model is: explicit path > AAC_MODEL_DIR > model store (``recipe``, the
    language pack's model; default recipe if None)."""
    if explicit:
        p = Path(explicit)
        if not (p / "model.onnx").exists():
            raise ModelNotFound(f"{p} holds no model.onnx (run `aac model build`)")
        return p
    env = os.environ.get("AAC_MODEL_DIR")
    if env and (Path(env) / "model.onnx").exists():
        return Path(env)
    problem = "the prediction model is not built; run `aac model build`"
    try:
        from aac.predict import model_store

        return Path(model_store.model_dir(recipe_name=recipe) if recipe else model_store.model_dir())
    except Exception as exc:  # noqa: BLE001 - ModelMissing and friends: keep the message
        problem = str(exc)
    raise ModelNotFound(problem)


def open_learner(profile_dir: Path | None, enabled: bool = True) -> Any:
    """The per-user Learner, or None if the learning package is missing or fails to open."""
    if not enabled:
        return None
    try:
        from aac.predict.learn import Learner  # type: ignore[attr-defined]

        return Learner.open(profile_dir, enabled=enabled)
    except Exception as exc:  # noqa: BLE001 - suggestions work without learning
        log.warning("learning unavailable: %s", exc)
        return None


def predictor_settings_from(settings: Any) -> Any:
    """Map profile Settings (or a dict) onto PredictorSettings; unknown fields are ignored."""
    from aac.predict.suggest import PredictorSettings

    ps = PredictorSettings()
    if settings is None:
        return ps
    get = settings.get if isinstance(settings, dict) else (lambda k, d=None: getattr(settings, k, d))
    pf = get("profanity_filter", None)
    if pf is not None:
        ps.profanity_filter = bool(pf)
    gate = get("suggestion_gate", None)
    if gate is not None:
        ps.gate = bool(gate)
    gain = get("suggestion_gate_min_gain", None)
    if isinstance(gain, (int, float)) and not isinstance(gain, bool):
        ps.gate_min_gain = float(gain)
    return ps


class PredictionService:
    """Runs a Predictor on a worker thread (see module docstring)."""

    def __init__(self, predictor_factory: Any, previews: bool = True, early_words: bool = True, speculate: bool = True) -> None:
        self._factory = predictor_factory
        self._speculate = speculate
        self.speculated = 0
        self._previews = previews
        self._early_words = early_words
        self._cv = threading.Condition()
        self._pending: tuple[str, str, int] | None = None
        self._seq = 0
        self._peek: tuple[str, str, int] | None = None  # the dwelt-on tile's request waiting to run
        self._peeked: Suggestions | None = None  # its words, as soon as they are known
        self.peeks = 0  # peeks answered (tests, benchmarks)
        self._learn: deque[str] = deque()
        self._latest: Suggestions | None = None
        self._busy = False
        self._latest_complete = False
        self.current: tuple[str, str] | None = None  # the request being computed (tests/benchmarks)
        self._closed = False
        self.ready = False
        self.error: str | None = None
        self.predictor: Any = None
        self.started_at = time.monotonic()
        self.first_result_s: float | None = None
        self.cancelled = 0  # requests abandoned because a newer one arrived (for tests/benchmarks)
        #: (context, prefix, with previews, seconds since start) of each publication, newest last
        self.published: deque[tuple[str, str, bool, float]] = deque(maxlen=200)
        self.restarts = 0  # worker threads restarted after dying (tests, status)
        #: Niceness added to every worker thread (see set_worker_priority); 0 = unchanged.
        self._worker_nice = 0
        self._niced: set[int] = set()
        self._thread = threading.Thread(target=self._main, name="prediction", daemon=True)
        self._thread.start()

    def set_worker_priority(self, nice: int) -> bool:
        """Run the worker (now, and any worker restarted later) ``nice`` steps below normal, so
        the model's threads yield the CPU to the frame loop. Returns False where the system
        cannot (no per-thread priorities): nothing else changes."""
        self._worker_nice = int(nice)
        return self._lower_worker(self._thread.native_id)

    def _lower_worker(self, native_id: int | None) -> bool:
        with self._cv:  # once per thread, whichever of the caller and the worker gets here first
            if native_id is None or native_id in self._niced:
                return False
            self._niced.add(native_id)
        return _lower_priority(native_id, self._worker_nice)

    # --- caller side (any thread, never blocks on the model) -----------------------------
    def request(self, context: str, prefix: str) -> None:
        with self._cv:
            self._seq += 1
            self._pending = (context, prefix, self._seq)
            self._cv.notify_all()
            if not self._closed and not self._thread.is_alive() and self.error is None:
                # the worker died (e.g. SystemExit from a library): start a new one; the loaded
                # predictor is kept, so this costs no model load
                log.error("prediction worker had stopped; restarting it")
                self.restarts += 1
                self._thread = threading.Thread(target=self._main, name="prediction", daemon=True)
                self._thread.start()

    def latest(self) -> Suggestions | None:
        return self._latest

    def peek(self, context: str, prefix: str) -> None:
        """Ask, at low priority, for the suggestions after a letter or word not chosen yet.

        A real request runs first and cancels a running peek; the newest peek wins. Asking
        again for what is already answered or waiting does nothing.
        """
        prefix = prefix.strip()
        with self._cv:
            done = self._peeked
            if done is not None and done.matches(context, prefix):
                return
            if self._peek is not None and self._peek[:2] == (context, prefix):
                return
            self._seq += 1
            self._peek = (context, prefix, self._seq)
            self._cv.notify_all()

    def peeked(self, context: str, prefix: str) -> Suggestions | None:
        """The words of the peek for (context, prefix), once known (None before, or for another)."""
        done = self._peeked
        return done if done is not None and done.matches(context, prefix.strip()) else None

    def learn(self, sentence: str) -> None:
        with self._cv:
            self._learn.append(sentence)
            self._cv.notify_all()

    def _message_waiting(self) -> bool:
        """Whether a finished message is queued for learning (called with the lock held)."""
        return any(not _is_choice(item) for item in self._learn)

    def record_choice(self, context: str, prefix: str, picked: str | None) -> None:
        """Optional: tell the learner what was picked for the shown suggestions (async)."""
        with self._cv:
            self._learn.append(("__choice__", context, prefix, picked))  # type: ignore[arg-type]
            self._cv.notify_all()

    def wait_ready(self, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.ready and self.error is None:
            time.sleep(0.01)
        return self.ready

    def wait_for(self, context: str, prefix: str, timeout: float = 10.0, previews: bool = False) -> Suggestions | None:
        """Block until words + endings for (context, prefix) are published (for CLI/tests, not the UI).

        A words-only early publication does not count; ``previews=True`` waits for every
        word's previews (the top words' are published first).
        """
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self._latest
            if s is not None and self._latest_complete and s.matches(context, prefix.strip()) and (not previews or s.previews_complete):
                return s
            if self.error:
                return None
            time.sleep(0.003)
        return None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no request or learning is waiting (for CLI/tests, not the UI)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.error or (self.ready and self._pending is None and not self._learn and not self._busy):
                return True
            time.sleep(0.005)
        return False

    #: How long ``close`` waits for sentences still queued for learning (the first training
    #: replays the reranker's training lists, up to a second on a loaded machine).
    CLOSE_LEARN_TIMEOUT_S = 20.0

    def close(self) -> None:
        """Stop the worker; sentences still queued for learning are learned first.

        The board closes right after the person's last message is spoken; dropping its queued
        ``learn`` would lose what they said last (seen: 5 sentences simulated, 4 learned).
        """
        with self._cv:
            self._closed = True
            learning = bool(self._learn) and self.predictor is not None
            self._cv.notify_all()
        self._thread.join(timeout=self.CLOSE_LEARN_TIMEOUT_S if learning else 5)

    # --- worker -------------------------------------------------------------------------------
    def _stale(self, seq: int) -> bool:
        p = self._pending
        return self._closed or (p is not None and p[2] != seq)

    def _main(self) -> None:
        if self._worker_nice:
            self._lower_worker(threading.get_native_id())
        if self.predictor is None:
            try:
                self.predictor = self._factory()
                self.ready = True
            except Exception as exc:  # noqa: BLE001 - the board keeps the keyboard
                self.error = f"word prediction unavailable: {exc}"
                log.error(self.error)
                return
        while True:
            with self._cv:
                while not self._closed and self._pending is None and self._peek is None and not self._learn:
                    self._cv.wait()
                if self._closed:
                    break
                message_first = self._message_waiting()
                job = None if message_first else self._pending
                peek = self._peek if job is None and not message_first else None
                learn_item = self._learn.popleft() if job is None and peek is None and self._learn else None
                self._busy = True
            try:
                if job is not None:
                    self._serve(job)
                elif peek is not None:
                    self._serve_peek(peek)
                elif learn_item is not None:
                    self._do_learn(learn_item)
            finally:
                self._busy = False
        # closing: what was queued for learning is still learned (requests are not served), and
        # the learner writes the training lists it keeps back between sentences
        while True:
            with self._cv:
                if not self._learn:
                    break
                item = self._learn.popleft()
            self._do_learn(item)
        close = getattr(self.predictor, "close", None)
        if close is not None:
            close()

    def _serve(self, job: tuple[str, str, int]) -> None:
        context, prefix, seq = job
        self.current = (context, prefix)

        def cancel() -> bool:
            return self._stale(seq)

        try:
            def early(words_only: Suggestions) -> None:
                if not cancel():
                    self._publish(words_only, complete=False)

            sug = self.predictor.suggest(context, prefix, cancel=cancel, on_words=early if self._early_words else None)
            if cancel():
                raise Cancelled()
            self._publish(sug)
            if self._previews:
                def top_previews(partial: Suggestions) -> None:
                    if not cancel():
                        self._publish(partial)

                sug2 = self.predictor.with_previews(context, prefix, cancel=cancel, on_previews=top_previews)
                if not cancel():
                    self._publish(sug2)
            if self._speculate and not cancel():
                # while the person dwells, fill the cache with the likely next requests
                try:
                    self.speculated += self.predictor.speculate(
                        context, prefix, cancel=lambda: cancel() or bool(self._learn) or self._peek is not None)
                except Cancelled:
                    pass  # a real request arrived: speculation simply stops
        except Cancelled:
            self.cancelled += 1
        except Exception as exc:  # noqa: BLE001 - one bad request must not kill the worker
            _log_failure("prediction", exc, context, prefix)
        finally:
            self.current = None
            with self._cv:
                if self._pending is not None and self._pending[2] == seq:
                    self._pending = None

    def _serve_peek(self, peek: tuple[str, str, int]) -> None:
        context, prefix, seq = peek
        self.current = (context, prefix)

        def cancel() -> bool:
            p, real = self._peek, self._pending
            # the letter was typed: the real request for the same text lets the peek finish
            # (it then comes from the cache) instead of starting it again
            return self._closed or (real is not None and real[:2] != (context, prefix)) or p is None or p[2] != seq

        def words_known(words_only: Suggestions) -> None:
            if not cancel():
                self._peeked = words_only

        try:
            self.predictor.suggest(context, prefix, cancel=cancel, on_words=words_known)
            if self._previews and not cancel():
                self.predictor.with_previews(context, prefix, cancel=cancel)
            self.peeks += 1
        except Cancelled:
            self.cancelled += 1
        except Exception as exc:  # noqa: BLE001 - one bad request must not kill the worker
            _log_failure("letter-key prediction", exc, context, prefix)
        finally:
            self.current = None
            with self._cv:
                if self._peek is not None and self._peek[2] == seq:
                    self._peek = None

    def _publish(self, sug: Suggestions, complete: bool = True) -> None:
        # The result first, then the flag that vouches for it: a waiter that sees "complete"
        # must never pair it with the previous (words-only) result (issue 14).
        if not complete:
            self._latest_complete = False
        self._latest = sug
        self._latest_complete = complete
        self.published.append((sug.context, sug.prefix, bool(sug.previews), time.monotonic() - self.started_at))
        if self.first_result_s is None:
            self.first_result_s = time.monotonic() - self.started_at

    def _do_learn(self, item: Any) -> None:
        try:
            if _is_choice(item):
                self.predictor.record_choice(item[1], item[2], item[3])
            else:
                self.predictor.learn(item)
        except Exception as exc:  # noqa: BLE001
            log.warning("learning failed: %s", exc)


def _is_choice(item: Any) -> bool:
    """A queued ``record_choice`` (not a finished message)."""
    return isinstance(item, tuple) and bool(item) and item[0] == "__choice__"


def _lower_priority(native_id: int | None, nice: int) -> bool:
    """Raise one thread's nice value by ``nice`` (Linux priorities are per thread; raising
    needs no privileges; threads it creates later, e.g. ONNX Runtime's pool, inherit it)."""
    if not native_id or nice <= 0 or not hasattr(os, "setpriority"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, native_id, min(19, os.getpriority(os.PRIO_PROCESS, native_id) + nice))
        return True
    except OSError:
        return False


def create_service(profile_dir: Path | None, settings: Any = None, model_dir: Path | str | None = None, previews: bool = True) -> PredictionService:
    """Start a service; the model loads on the worker thread (``.ready`` / ``.error`` tell how it went)."""

    def factory() -> Any:
        from aac.predict.suggest import Predictor

        pack = language_of(settings)
        path = find_model_dir(model_dir, recipe=pack.model if pack.code != "en" else None)
        learning = True
        if settings is not None:
            le = settings.get("learning_enabled", True) if isinstance(settings, dict) else getattr(settings, "learning_enabled", True)
            learning = bool(le)
        learner = open_learner(Path(profile_dir) if profile_dir else None, enabled=learning)
        try:
            return Predictor.from_model_dir(path, predictor_settings_from(settings), learner=learner, language=pack)
        except FileNotFoundError as exc:
            raise ModelNotFound(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - corrupt model: say so and how to fix
            raise ModelNotFound(f"the model at {path} could not be loaded ({type(exc).__name__}: {exc}); rebuild it with `aac model build`") from exc

    return PredictionService(factory, previews=previews)


def _log_failure(what: str, exc: Exception, context: str, prefix: str) -> None:
    """Log a failed request. Never the text itself: logs end up in bug reports; lengths and the
    error (with the text scrubbed out of it) only."""
    log.error("%s failed (context %d chars, prefix %d chars): %s: %s",
              what, len(context), len(prefix), type(exc).__name__, _scrub(str(exc), context, prefix))


def _scrub(message: str, *texts: str) -> str:
    """An exception message with any of the person's text replaced (it may quote its input)."""
    for t in sorted((t for t in texts if t and t.strip()), key=len, reverse=True):
        message = message.replace(t, "<text>").replace(t.strip(), "<text>")
    return message[:300]
