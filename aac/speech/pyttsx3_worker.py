"""The synthesis worker: a child process that turns text into WAV files (pyttsx3 and Piper).

Why a separate process: pyttsx3's run loop is fragile (driver state is global, espeak can only be
initialised once per process, a stuck driver never returns) and synthesis takes CPU. In a child it
can neither freeze nor crash the board, and it can be killed and restarted. The child speaks JSON
lines on stdin/stdout (no pickle); everything the library prints goes to stderr so it cannot
corrupt the protocol. The child lowers its own CPU priority so the board's frames come first.

Protocol (one JSON object per line):
  -> {"id": 1, "cmd": "synth", "text": "...", "path": "/x.wav", "voice": {...}, "strict": false}
  <- {"id": 1, "ok": true, "path": "/x.wav", "frames": N, "rate": 22050, "duration": 1.2,
      "voice_id": "gmw/en-us", "warning": ""}
  -> {"id": 2, "cmd": "voices", "driver": null}  <- {"id": 2, "ok": true, "voices": [...]}
  errors: {"id": n, "ok": false, "error": "...", "kind": "voice"|"engine"|"request"}
  -> {"id": 3, "cmd": "warm", "voice": {...}}   load a Piper voice before the first message
A request whose voice has ``"engine": "piper"`` is served by :mod:`aac.speech.piper_engine`
(loaded on first use, so a board with an espeak voice never imports onnxruntime here); errors of
the natural voice come back as ``"kind": "piper"`` so the speaker can fall back to espeak-ng.
The parent side is :class:`WorkerClient`.

Test hook: if the file named by ``AAC_SPEECH_FAULT_FILE`` exists when a synth request arrives, the
worker deletes it and then hangs ("hang") or dies ("crash"); "crash 2" fails two requests in a row.
It is the only way to make a real engine fail on demand so the restart path can be tested.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from aac.paths import REPO_ROOT
from aac.speech.voices import EngineVoice, VoiceNotFound, resolve_engine_voice

FAULT_ENV = "AAC_SPEECH_FAULT_FILE"
#: The worker runs at this niceness: when the CPU is oversubscribed the board's frames get about
#: three times the worker's share, while speech is never starved (at 10, a worker on a machine with
#: ten busy processes took >20 s just to start). A sentence needs only a few ms of CPU: espeak-ng
#: synthesises ~100x faster than real time.
WORKER_NICE = 5


class WorkerError(RuntimeError):
    """The worker died, hung or could not start; the message says which and why."""


class WorkerHung(WorkerError):
    pass


class WorkerCrashed(WorkerError):
    pass


# ------------------------------------------------------------------------------------------------
# child side


def _aiff_to_wav(src: Path, dst: Path) -> None:
    """macOS NSSpeechSynthesizer writes AIFF whatever the file name; convert to WAV."""
    import aifc  # deprecated but present on 3.10-3.12, the versions this app supports

    with aifc.open(str(src), "rb") as a:
        params = a.getparams()
        frames = a.readframes(params.nframes)
    # AIFF is big-endian; WAV little-endian.
    if params.sampwidth == 2:
        import array

        arr = array.array("h", frames)
        arr.byteswap()
        frames = arr.tobytes()
    import wave

    with wave.open(str(dst), "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(params.sampwidth)
        w.setframerate(params.framerate)
        w.writeframes(frames)


class _Synth:
    """Holds one pyttsx3 engine per driver and applies a voice before each utterance."""

    def __init__(self) -> None:
        self._engines: dict[str | None, Any] = {}
        self._voices: dict[str | None, list[EngineVoice]] = {}
        self._errors: list[BaseException] = []
        self._finished = threading.Event()
        self._completed = True
        self._voice_now: dict[str | None, str] = {}
        self._pitch_changed: set[str | None] = set()

    def _on_finished(self, completed: bool = True, **_: Any) -> None:
        self._completed = bool(completed)
        self._finished.set()

    @staticmethod
    def _wait_engine_idle(driver: str, limit: float = 5.0) -> None:
        """espeak-ng keeps "playing" for a moment after it reports the end of an utterance; a new
        utterance started then is cancelled by pyttsx3 (its loop calls Cancel when IsPlaying), which
        produced an empty WAV (measured). So wait for IsPlaying() to drop."""
        if driver != "espeak":
            return
        try:
            from pyttsx3.drivers import _espeak
        except ImportError:
            return
        end = time.monotonic() + limit
        while _espeak.IsPlaying() and time.monotonic() < end:
            time.sleep(0.002)

    @staticmethod
    def driver_name(driver: str | None) -> str:
        """The concrete driver for ``None`` (the OS default), so "pyttsx3" and "espeak" profiles
        share one engine: two espeak engines in one process would steal each other's callback."""
        if driver:
            return driver
        try:
            from pyttsx3.engine import default_engine_by_sys_platform

            return default_engine_by_sys_platform()
        except ImportError:
            return {"win32": "sapi5", "darwin": "nsss"}.get(sys.platform, "espeak")

    def engine(self, driver: str | None) -> Any:
        driver = self.driver_name(driver)
        if driver not in self._engines:
            try:
                import pyttsx3
            except ImportError as exc:
                raise RuntimeError(f"pyttsx3 is not installed ({exc}); run the set-up again") from exc
            try:
                eng = pyttsx3.init(driver)
            except Exception as exc:
                hint = ""
                if driver == "espeak" and sys.platform.startswith("linux"):
                    hint = " - install espeak-ng (sudo apt-get install espeak-ng)"
                raise RuntimeError(f"speech engine {driver} did not start: {exc}{hint}") from exc
            eng.connect("error", lambda name=None, exception=None, **_: self._errors.append(exception))
            eng.connect("finished-utterance", self._on_finished)
            self._engines[driver] = eng
        return self._engines[driver]

    def voices(self, driver: str | None) -> list[EngineVoice]:
        driver = self.driver_name(driver)
        if driver not in self._voices:
            out = []
            for v in self.engine(driver).getProperty("voices") or []:
                langs = tuple(
                    (x.decode("utf-8", "ignore") if isinstance(x, bytes) else str(x)) for x in (v.languages or [])
                )
                out.append(EngineVoice(id=str(v.id), name=str(v.name or ""), languages=langs, gender=v.gender))
            self._voices[driver] = out
        return self._voices[driver]

    def synth(self, req: dict[str, Any]) -> dict[str, Any]:
        import wave

        voice = req.get("voice") or {}
        driver = self.driver_name(voice.get("driver"))
        eng = self.engine(driver)
        vid, warning = resolve_engine_voice(
            str(voice.get("voice_id", "")), str(voice.get("language", "")), self.voices(driver),
            strict=bool(req.get("strict")),
        )
        self._errors.clear()
        rate = int(voice.get("rate", 175))
        # espeak-ng quirk (measured): selecting a voice, even the same one again, can undo a rate
        # set just before or after it. So: rate, voice only when it changes, rate again.
        _set_now(eng, "rate", rate)
        if self._voice_now.get(driver) != vid:
            _set_now(eng, "voice", vid)
            self._voice_now[driver] = vid
        _set_now(eng, "rate", rate)
        _set_now(eng, "volume", float(voice.get("volume", 1.0)))
        pitch = voice.get("pitch")
        if pitch is not None or driver in self._pitch_changed:
            try:  # a profile without pitch gets the normal pitch back (50), not the last one's
                _set_now(eng, "pitch", 50 if pitch is None else int(pitch))
                self._pitch_changed.add(driver)
            except (KeyError, ValueError, AttributeError, NotImplementedError):
                if pitch is not None:
                    warning = (warning + "; " if warning else "") + "this engine has no pitch setting"
        path = Path(req["path"])
        tmp = path.with_name(f".{path.name}.part")
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        text = str(req["text"])
        for attempt in (1, 2):
            self._wait_engine_idle(driver)
            self._finished.clear()
            self._completed = True
            eng.save_to_file(text, str(tmp))
            eng.runAndWait()
            # pyttsx3's espeak driver synthesises on espeak's own thread (AUDIO_OUTPUT_RETRIEVAL) and
            # its runAndWait returns after ~10 ms whether or not synthesis is done: a long text then
            # had no file yet and the next utterance got its leftovers (found by a test with a
            # 400-character piece). Wait for "finished-utterance" (sent after the file is written);
            # the parent's timeout still catches a driver that never finishes. The other drivers
            # write the file inside runAndWait.
            if driver == "espeak":
                if not self._finished.wait(timeout=30.0 + 0.2 * len(text)):
                    raise RuntimeError("speech engine did not finish the utterance")
                self._wait_engine_idle(driver)
            if self._completed and tmp.exists() and tmp.stat().st_size > 44:
                break  # 44 bytes is an empty WAV header
            if attempt == 2:
                raise RuntimeError("speech engine wrote no audio (utterance cancelled twice)")
        errors = [e for e in self._errors if e is not None]
        if errors:
            raise RuntimeError(f"speech engine error: {errors[0]}")
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise RuntimeError("speech engine wrote no audio")
        with open(tmp, "rb") as fh:
            magic = fh.read(4)
        if magic == b"FORM":
            conv = tmp.with_name(tmp.name + ".wav")
            _aiff_to_wav(tmp, conv)
            os.replace(conv, tmp)
        with wave.open(str(tmp), "rb") as w:
            frames, rate, channels = w.getnframes(), w.getframerate(), w.getnchannels()
        os.replace(tmp, path)
        return {
            "ok": True, "path": str(path), "frames": frames, "rate": rate, "channels": channels,
            "duration": frames / float(rate or 1), "voice_id": vid, "warning": warning,
        }


def _set_now(engine: Any, name: str, value: Any) -> None:
    """Apply a property to the driver at once.

    ``Engine.setProperty`` only queues the change; with the espeak driver a queued change made
    between two ``runAndWait`` calls is undone by the ``Cancel`` that ends the loop, so the second
    utterance kept the first one's rate (found by test_slow_profile_is_slower). Every pyttsx3
    driver has its own ``setProperty``; calling it directly is immediate.
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is not None and hasattr(driver, "setProperty"):
        driver.setProperty(name, value)
    else:
        engine.setProperty(name, value)


def _check_fault(text: str) -> None:
    """Test hook (see the module docstring). File content: ``KIND [COUNT] [@TEXT]``, e.g.
    ``hang``, ``crash 2`` or ``crash @Second`` (only a request whose text contains "Second")."""
    fault_file = os.environ.get(FAULT_ENV)
    if not fault_file:
        return
    try:
        spec, _, needle = Path(fault_file).read_text().strip().partition("@")
        if needle and needle not in text:
            return
        kind, _, count = spec.strip().partition(" ")
        left = int(count or 1) - 1
        if left > 0:  # "crash 2": fail this request and the next one
            Path(fault_file).write_text(f"{kind} {left}" + (f" @{needle}" if needle else ""))
        else:
            os.unlink(fault_file)
    except (OSError, ValueError):
        return
    if kind == "hang":
        while True:
            time.sleep(3600)
    if kind == "crash":
        os._exit(70)


def _orphan_watchdog(parent: int) -> None:
    """Exit if the board died: a worker stuck in the engine never sees its stdin close."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def worker_main() -> int:
    """Serve requests on stdin until it closes."""
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # library prints (pyttsx3 prints "Audio saved to ...") go to stderr
    sys.stdout = sys.stderr
    os.umask(0o077)
    try:
        if os.nice(0) < WORKER_NICE:  # not started through `nice` (e.g. Windows has no os.nice)
            os.nice(WORKER_NICE - os.nice(0))
    except (AttributeError, OSError):
        pass
    synth = _Synth()
    piper: Any = None
    threading.Thread(target=_orphan_watchdog, args=(os.getppid(),), daemon=True).start()

    def send(obj: dict[str, Any]) -> None:
        proto.write(json.dumps(obj, ensure_ascii=False) + "\n")
        proto.flush()

    send({"ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            cmd = req.get("cmd")
            voice = req.get("voice") or {}
            if cmd in ("synth", "warm") and voice.get("engine") == "piper":
                if cmd == "synth":
                    _check_fault(str(req.get("text", "")))
                try:
                    if piper is None:
                        from aac.speech.piper_engine import PiperEngine

                        piper = PiperEngine()
                    out = piper.synth(req) if cmd == "synth" else piper.warm(str(voice.get("voice_id", "")))
                except Exception as exc:  # noqa: BLE001 - the speaker falls back to espeak-ng
                    out = {"ok": False, "kind": "piper", "error": f"natural voice: {exc}"}
            elif cmd == "warm":
                out = {"ok": True}
            elif cmd == "synth":
                _check_fault(str(req.get("text", "")))
                out = synth.synth(req)
            elif cmd == "voices":
                out = {"ok": True, "voices": [v.__dict__ | {"languages": list(v.languages)}
                                              for v in synth.voices(req.get("driver"))]}
            elif cmd == "ping":
                out = {"ok": True}
            else:
                out = {"ok": False, "kind": "request", "error": f"unknown command {cmd!r}"}
        except VoiceNotFound as exc:
            out = {"ok": False, "kind": "voice", "error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the parent, the worker keeps serving
            out = {"ok": False, "kind": "engine", "error": f"{exc}"}
        out["id"] = rid
        send(out)
    return 0


# ------------------------------------------------------------------------------------------------
# parent side


class WorkerClient:
    """Starts the worker child and sends it requests with a timeout.

    Not thread-safe on its own: one owner thread (the speaker's supervisor) talks to it.
    A timeout raises :class:`WorkerHung`, a dead child :class:`WorkerCrashed`; the owner then calls
    :meth:`restart`. The child is always our own process, killed by its pid, never by name.
    """

    def __init__(self, start_timeout: float = 20.0):
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen | None = None
        self._lines: queue.Queue = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=20)
        self._next_id = 0
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stderr_tail(self) -> str:
        return " | ".join(list(self._stderr)[-3:])

    def start(self) -> None:
        if self.alive:
            return
        env = dict(os.environ)
        root = str(REPO_ROOT)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("PYTHONIOENCODING", "utf-8")
        self._lines = queue.Queue()
        argv = [sys.executable, "-m", "aac.speech.pyttsx3_worker"]
        nice = shutil.which("nice") if os.name == "posix" else None
        if nice:  # lower priority from the first instruction, start-up imports included
            argv = [nice, "-n", str(WORKER_NICE)] + argv
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", bufsize=1, env=env,
        )
        self._proc = proc
        lines = self._lines
        threading.Thread(target=self._read_out, args=(proc, lines), daemon=True, name="speech-worker-out").start()
        threading.Thread(target=self._read_err, args=(proc,), daemon=True, name="speech-worker-err").start()
        msg = self._get(lines, self.start_timeout)
        if msg is None or not msg.get("ready"):
            self.kill()
            raise WorkerCrashed(f"speech worker did not start: {self.stderr_tail() or 'no output'}")

    @staticmethod
    def _read_out(proc: subprocess.Popen, lines: queue.Queue) -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                try:
                    lines.put(json.loads(line))
                except json.JSONDecodeError:
                    continue
        except (OSError, ValueError):
            pass
        lines.put(None)  # end of stream: the child is gone

    def _read_err(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        try:
            for line in proc.stderr:
                line = line.rstrip()
                if line and not line.startswith("Audio saved to"):
                    self._stderr.append(line)
        except (OSError, ValueError):
            pass

    @staticmethod
    def _get(lines: queue.Queue, timeout: float) -> dict | None:
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerHung(f"speech worker gave no answer in {timeout:.1f} s") from None

    def request(self, obj: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait for its answer (raises WorkerHung / WorkerCrashed)."""
        return self.receive(self.send(obj), timeout)

    def send(self, obj: dict[str, Any]) -> int:
        """Queue a request in the worker without waiting; returns its id for :meth:`receive`.

        Lets the speaker synthesise the next sentence while the current one plays.
        """
        if not self.alive:
            self.start()
        assert self._proc is not None and self._proc.stdin is not None
        self._next_id += 1
        rid = self._next_id
        try:
            self._proc.stdin.write(json.dumps(dict(obj, id=rid), ensure_ascii=False) + "\n")
            self._proc.stdin.flush()
        except (OSError, ValueError) as exc:
            raise WorkerCrashed(f"speech worker is gone ({exc})") from exc
        return rid

    def receive(self, rid: int, timeout: float) -> dict[str, Any]:
        """Wait for the answer to request ``rid``; answers to older requests are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerHung(f"speech worker gave no answer in {timeout:.1f} s")
            msg = self._get(self._lines, left)
            if msg is None:
                self._lines.put(None)  # keep the end-of-stream mark for later receives
                proc = self._proc
                code = proc.wait(timeout=2.0) if proc is not None else None
                tail = self.stderr_tail()
                raise WorkerCrashed(f"speech worker died (exit {code})" + (f": {tail}" if tail else ""))
            if msg.get("id") == rid:
                return msg

    def kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            pass
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass

    def restart(self) -> None:
        self.kill()
        self.restarts += 1
        self.start()

    def close(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None and proc.stdin:
            try:
                proc.stdin.close()  # the child ends its loop on EOF
                proc.wait(timeout=2.0)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()


if __name__ == "__main__":
    sys.exit(worker_main())
