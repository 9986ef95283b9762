"""Shared helpers for the reliability, fuzz and privacy tests (issue 9).

Why a separate module: the kill test, the fault tests, the privacy tests and the benchmarks all
need the same few tools - count fuzz cases per parser, write random structures as TOML, make a
write really fail (as root ``chmod`` does not stop writes), audit every socket a process opens,
and check a profile folder's permissions and leftovers.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


# --------------------------------------------------------------------------- fuzz case counting
class FuzzCounter:
    """Counts the cases each parser was fed, so the report can say how much fuzzing was done.

    ``summary()`` is printed at module teardown (visible with ``pytest -s``) and, when the env
    variable ``AAC_FUZZ_REPORT`` names a file, appended to it as one JSON line per module.
    """

    def __init__(self, module: str) -> None:
        self.module = module
        self.counts: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hit(self, parser: str, outcome: str = "") -> None:
        with self._lock:
            self.counts[parser] += 1
            if outcome:
                self.outcomes[f"{parser}:{outcome}"] += 1

    def summary(self) -> str:
        parts = [f"{name}={n}" for name, n in sorted(self.counts.items())]
        return f"fuzz cases ({self.module}): " + ", ".join(parts)

    def dump(self) -> None:
        print("\n" + self.summary())
        if self.outcomes:
            print("  outcomes: " + ", ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items())))
        target = os.environ.get("AAC_FUZZ_REPORT")
        if target:
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"module": self.module, "cases": dict(self.counts),
                                     "outcomes": dict(self.outcomes)}) + "\n")


# --------------------------------------------------------------------------- tiny TOML writer
def _toml_key(key: str) -> str:
    if key and all(c.isalnum() or c in "_-" for c in key) and key.isascii():
        return key
    return json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_dumps(doc: dict[str, Any]) -> str:
    """Write a dict as TOML: scalars and inline values first, then [tables] and [[arrays]].

    Enough for random fuzz structures (not a general serialiser: nested tables inside arrays of
    tables are written inline).
    """
    lines: list[str] = []

    def emit(table: dict[str, Any], path: list[str]) -> None:
        subs: list[tuple[str, Any]] = []
        for k, v in table.items():
            if isinstance(v, dict) and v and all(not isinstance(x, list) or not x or not all(isinstance(y, dict) for y in x) for x in v.values()):
                subs.append((k, v))
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                subs.append((k, v))
            else:
                lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        for k, v in subs:
            full = path + [_toml_key(k)]
            if isinstance(v, dict):
                lines.append("")
                lines.append("[" + ".".join(full) + "]")
                emit(v, full)
            else:
                for item in v:
                    lines.append("")
                    lines.append("[[" + ".".join(full) + "]]")
                    for ik, iv in item.items():
                        lines.append(f"{_toml_key(ik)} = {_toml_value(iv)}")

    emit(doc, [])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- failing disks
@contextlib.contextmanager
def full_tmpfs(size_kb: int = 64) -> Iterator[Path | None]:
    """A real, tiny tmpfs mount (root only), or None where mounting is not allowed.

    Filling it gives genuine ENOSPC from the kernel; ``remount_readonly`` gives genuine EROFS.
    Root ignores ``chmod``, so this is how a test as root makes writes really fail.
    """
    mnt = Path(tempfile.mkdtemp(prefix="aac-rel-tmpfs-"))
    mounted = False
    try:
        if os.geteuid() == 0 and shutil.which("mount"):
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(mnt)],
                               capture_output=True, text=True)
            mounted = r.returncode == 0
        yield mnt if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        shutil.rmtree(mnt, ignore_errors=True)


def remount_readonly(mnt: Path, readonly: bool = True) -> bool:
    """Flip a tmpfs from :func:`full_tmpfs` to read-only (EROFS on every write) and back."""
    opt = "remount,ro" if readonly else "remount,rw"
    r = subprocess.run(["mount", "-o", opt, str(mnt)], capture_output=True, text=True)
    return r.returncode == 0


def fill_disk(mnt: Path) -> Path:
    """Fill a tmpfs to the last byte with one ballast file; returns it (delete it to free space)."""
    ballast = mnt / "ballast.bin"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            while True:
                try:
                    if os.write(fd, b"\0" * size) < size:
                        break
                except OSError:
                    break
    finally:
        os.close(fd)
    return ballast


def immutable(paths: list[Path], on: bool = True) -> bool:
    """``chattr +i`` (or ``-i``): even root cannot write, create or rename there. False if unsupported."""
    flag = "+i" if on else "-i"
    if not shutil.which("chattr"):
        return False
    r = subprocess.run(["chattr", flag] + [str(p) for p in paths], capture_output=True, text=True)
    return r.returncode == 0


def write_fails(directory: Path) -> bool:
    """True when creating and filling a file in ``directory`` really fails (proof the fault is real)."""
    probe = Path(directory) / ".probe-write"
    try:
        with open(probe, "wb") as fh:
            fh.write(b"x" * 65536)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        with contextlib.suppress(OSError):
            probe.unlink()
        return True
    probe.unlink()
    return False


# --------------------------------------------------------------------------- sockets
#: Installed into child Python processes through PYTHONPATH: records every network-ish audit event
#: (socket creation, connect, bind, sendto, name lookups) to the file named by AAC_SOCKET_AUDIT_LOG.
SITECUSTOMIZE = r'''
import os, sys
_log = os.environ.get("AAC_SOCKET_AUDIT_LOG")
if _log:
    _EVENTS = ("socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
               "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
               "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect")
    def _hook(event, args, _log=_log, _events=_EVENTS):
        if event in _events:
            try:
                with open(_log, "a", encoding="utf-8") as fh:
                    fh.write(f"{os.getpid()}\t{event}\t{args!r}\n")
            except Exception:
                pass
    sys.addaudithook(_hook)
    try:  # one "start" line per process, so the test can see the hook really ran everywhere
        with open(_log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\tstart\t{sys.argv!r}\n")
    except Exception:
        pass
'''


def socket_audit_env(workdir: Path, base: dict[str, str] | None = None) -> tuple[dict[str, str], Path]:
    """Env for a child process whose every Python (incl. grandchildren) logs socket audit events."""
    site = Path(workdir) / "sitecustomize_audit"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = Path(workdir) / "socket_audit.log"
    log.write_text("", encoding="utf-8")
    env = dict(base if base is not None else os.environ)
    env["PYTHONPATH"] = str(site) + os.pathsep + str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["AAC_SOCKET_AUDIT_LOG"] = str(log)
    return env, log


def network_events(lines: list[str]) -> list[str]:
    """The audit lines that are network access (AF_UNIX sockets between our own processes are not)."""
    import re
    import socket

    unix = int(socket.AF_UNIX)
    bad = []
    for line in lines:
        parts = line.split("\t", 2)
        if len(parts) < 3:
            continue
        _, event, args = parts
        if event == "start":
            continue
        if event == "socket.__new__":
            # args: (sock, family, type, proto); the family is the first number after the repr
            m = re.search(r">,\s*(?:<AddressFamily\.\w+:\s*)?(-?\d+)", args)
            if m and int(m.group(1)) == unix:
                continue
        elif event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
            m = re.search(r"family=(?:AddressFamily\.AF_\w+|(\d+))", args)
            if m and ((m.group(1) and int(m.group(1)) == unix) or "AF_UNIX" in m.group(0)):
                continue
        bad.append(line)
    return bad


class SocketRecorder:
    """In-process audit of network access: ``sys.addaudithook`` cannot be removed, so one hook is
    installed for the whole test process and records only while a recorder is active."""

    _installed = False
    _active: list["SocketRecorder"] = []
    EVENTS = ("socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
              "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo")

    def __init__(self) -> None:
        self.events: list[str] = []

    @classmethod
    def _hook(cls, event: str, args: tuple) -> None:
        if cls._active and event in cls.EVENTS:
            for rec in cls._active:
                rec.events.append(f"{os.getpid()}\t{event}\t{args!r}")

    def __enter__(self) -> "SocketRecorder":
        if not SocketRecorder._installed:
            sys.addaudithook(SocketRecorder._hook)
            SocketRecorder._installed = True
        SocketRecorder._active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        SocketRecorder._active.remove(self)

    def network(self) -> list[str]:
        return network_events(self.events)


# --------------------------------------------------------------------------- profile checks
def permission_problems(root: Path) -> list[str]:
    """Every file not 0600 and every folder not 0700 under ``root`` (the root included)."""
    problems = []
    for path in [Path(root)] + sorted(Path(root).rglob("*")):
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue  # a writer's temp file that vanished while we walked
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode) and mode != 0o700:
            problems.append(f"{path}: folder mode {mode:o}, expected 700")
        elif stat.S_ISREG(st.st_mode) and mode != 0o600:
            problems.append(f"{path}: file mode {mode:o}, expected 600")
    return problems


def leftover_temp_files(root: Path) -> list[Path]:
    """Temp files of atomic writes (``.NAME.xxxx.tmp``) or any ``*.tmp`` left in a profile."""
    return sorted(p for p in Path(root).rglob("*") if p.is_file() and (p.name.endswith(".tmp") or ".tmp." in p.name))


def files_containing(root: Path, needles: list[bytes]) -> dict[str, list[str]]:
    """{file: [needles found]} over every file's raw bytes (catches SQLite free pages and WAL too)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        low = data.lower()
        hits = [n.decode() for n in needles if n.lower() in low]
        if hits:
            found[str(path)] = hits
    return found


def headless_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1",
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def model_available() -> bool:
    """Whether a built prediction model can be found (tests that need the real model skip otherwise)."""
    try:
        from aac.predict.service import find_model_dir

        find_model_dir()
        return True
    except Exception:  # noqa: BLE001
        return False


# --------------------------------------------------------------------------- kill test harness
#: Runs `aac simulate` unchanged, with thin probes that print what the app has *acknowledged* as
#: durable, to a file (a pipe could fill up and stall the app): "SAVING"/"SAVED" around every draft
#: write, "COMMITTED n" after every usage-log transaction, "SETTINGS n" around caregiver setting
#: changes made meanwhile from another thread, "BOARD text" when the board has started with the
#: restored draft. The probes only observe; the app's own code paths do all the writing.
KILL_CHILD = r'''
import json, os, random, sys, threading, time
out = open(sys.argv[1], "a", encoding="utf-8", buffering=1)
lock = threading.Lock()
def say(tag, payload):
    with lock:
        out.write(tag + " " + json.dumps(payload) + "\n")
        out.flush()

import aac.store.profile as prof_mod
import aac.store.usage_log as ul
_save = prof_mod.Profile.save_draft
def save_draft(self, text):
    say("SAVING", text)
    _save(self, text)
    say("SAVED", text)
prof_mod.Profile.save_draft = save_draft

_write = ul.UsageLog._write
def _write_probe(self, conn, ops):
    ok = _write(self, conn, ops)
    if ok:
        say("COMMITTED", self.committed)
    return ok
ul.UsageLog._write = _write_probe

import aac.ui.app as app_mod
_init = app_mod.BoardApp.__init__
def init(self, *a, **k):
    _init(self, *a, **k)
    say("BOARD", self.session.text)
    threading.Thread(target=caregiver, daemon=True).start()
app_mod.BoardApp.__init__ = init

profile_dir = sys.argv[2]
def caregiver():
    """Meanwhile a caregiver changes a setting now and then (settings.json rewritten)."""
    rng = random.Random(int(sys.argv[3]))
    while True:
        n = rng.randrange(300, 10000)
        say("SETTING", n)
        prof_mod.Profile.open(profile_dir).set("scan_interval_ms", n)
        say("SET", n)
        time.sleep(rng.uniform(0.02, 0.3))

from aac.cli import main
sys.exit(main(["simulate", "--profile", profile_dir, "--seed", sys.argv[3], "--speed", sys.argv[4],
               "--text-file", sys.argv[5], "--no-model", "--speech", "record", "--json",
               "--log-as-use"]))  # the victim profile itself (draft, log), not a private copy
'''


def _parse_probe(path: Path) -> dict[str, Any]:
    rec: dict[str, Any] = {"saved": None, "inflight": None, "committed": 0, "board": None, "saves": 0,
                           "set": None, "setting_inflight": None}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        tag, _, payload = line.partition(" ")
        try:
            value = json.loads(payload)
        except json.JSONDecodeError:
            continue  # a line torn by the kill: it was never acknowledged
        if tag == "SAVING":
            rec["inflight"] = value
        elif tag == "SAVED":
            rec["saved"], rec["inflight"] = value, None
            rec["saves"] += 1
        elif tag == "COMMITTED":
            rec["committed"] = max(rec["committed"], int(value))
        elif tag == "BOARD":
            rec["board"] = value
        elif tag == "SETTING":
            rec["setting_inflight"] = value
        elif tag == "SET":
            rec["set"], rec["setting_inflight"] = value, None
    return rec


class KillHarness:
    """SIGKILL ``aac simulate`` at random moments, many times, on one profile; check after each kill.

    After every kill: ``aac profile show --json`` gives exactly the last draft the app acknowledged
    as saved (or the one it was writing at that instant, never a torn mix); settings.json is valid
    JSON holding the last acknowledged (or in-flight) value; the usage log passes
    ``PRAGMA integrity_check``, no table's row count ever decreases, and every row the app
    acknowledged as committed is there; the board's start-up path restores the draft exactly; no
    damaged file was set aside. Leftover temp files from the killed write are counted.
    """

    def __init__(self, workdir: Path, text_file: Path, speed: float = 40.0, seed: int = 1,
                 kill_after: tuple[float, float] = (0.0, 4.0), profile_show: str = "cli") -> None:
        import random

        self.workdir = Path(workdir)
        self.profile = self.workdir / "victim"
        self.text_file = Path(text_file)
        self.speed = speed
        self.rng = random.Random(seed)
        self.kill_after = kill_after
        self.profile_show = profile_show
        self.child = self.workdir / "kill_child.py"
        self.child.write_text(KILL_CHILD, encoding="utf-8")
        self.kills = 0
        self.acked_drafts = 0
        self.writing_runs = 0  # runs in which the app saved a draft or was killed while saving one
        self.nonempty_drafts = 0
        self.inflight_seen = 0
        self.restored_by_simulate = 0
        self.leftover_tmp: set[str] = set()
        self.rows = {"sessions": 0, "selections": 0, "messages": 0, "errors": 0}
        self.first_sentence = next(ln.strip() for ln in self.text_file.read_text(encoding="utf-8").splitlines()
                                   if ln.strip() and not ln.startswith("#"))
        self.expected_draft: str | None = None  # what the next run's board must restore
        self.last_setting = 1200  # scan_interval_ms on disk (the default until a caregiver change lands)

    def profile_state(self) -> dict[str, Any]:
        if self.profile_show == "cli":
            r = subprocess.run([PYTHON, "-m", "aac.cli", "profile", "show", "--profile", str(self.profile), "--json"],
                               capture_output=True, text=True, timeout=120, env=headless_env(), cwd=str(REPO))
            assert r.returncode == 0, r.stderr
            return json.loads(r.stdout)
        from aac.store.profile import Profile
        from aac.store.state import profile_state

        return profile_state(Profile.open(self.profile))

    def run_one(self) -> dict[str, Any]:
        import signal
        import time

        probe = self.workdir / f"probe-{self.kills + 1}.log"
        seed = str(self.rng.randrange(1, 10**6))
        proc = subprocess.Popen([PYTHON, str(self.child), str(probe), str(self.profile), seed, str(self.speed),
                                 str(self.text_file)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=headless_env(), cwd=str(REPO))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if probe.exists() and "BOARD " in probe.read_text(encoding="utf-8"):
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"simulate exited early: {proc.stderr.read().decode()[-2000:]}"
        time.sleep(self.rng.uniform(*self.kill_after))
        proc.send_signal(signal.SIGKILL)  # our own child, by pid
        proc.wait(timeout=30)
        proc.stderr.close()
        self.kills += 1
        rec = _parse_probe(probe)
        self.check(rec)
        return rec

    def check(self, rec: dict[str, Any]) -> None:
        from aac.store.usage_log import integrity_check
        from aac.ui.simulate import norm

        where = f"kill {self.kills}"
        if self.expected_draft is not None:
            assert rec["board"] == self.expected_draft, f"{where}: the board restored {rec['board']!r}, " \
                                                        f"the profile held {self.expected_draft!r}"
            self.restored_by_simulate += 1
        state = self.profile_state()
        draft = state["draft"]
        before = self.expected_draft if self.expected_draft is not None else ""
        allowed = [rec["saved"] if rec["saved"] is not None else before]
        if rec["inflight"] is not None:
            allowed.append(rec["inflight"])
            self.inflight_seen += 1
        assert draft in allowed, f"{where}: draft on disk {draft!r}, acknowledged {allowed!r}"
        assert not state["problems"], f"{where}: {state['problems']}"
        self.acked_drafts += rec["saved"] is not None
        self.writing_runs += rec["saved"] is not None or rec["inflight"] is not None
        self.nonempty_drafts += bool(draft)
        # settings.json: valid JSON with the acknowledged (or in-flight) value
        raw = json.loads((self.profile / "settings.json").read_text(encoding="utf-8"))
        ok_values = [rec["set"] if rec["set"] is not None else self.last_setting, rec["setting_inflight"]]
        assert raw["scan_interval_ms"] in ok_values, (where, raw["scan_interval_ms"], ok_values)
        self.last_setting = raw["scan_interval_ms"]
        # usage log: sound, monotonic, holds every acknowledged row
        assert integrity_check(self.profile / "usage.sqlite") == "ok", where
        usage = state["usage"]
        for table, n in self.rows.items():
            assert usage[table] >= n, f"{where}: {table} went from {n} to {usage[table]} rows"
        total_before = sum(self.rows.values())
        assert sum(usage.values()) >= total_before + rec["committed"], \
            f"{where}: {sum(usage.values())} rows, expected at least {total_before} + {rec['committed']} acknowledged"
        self.rows = dict(usage)
        assert not list(self.profile.glob("*.corrupt-*")), f"{where}: a damaged file was set aside"
        self.leftover_tmp.update(p.name for p in leftover_temp_files(self.profile))
        # the board's start-up path restores it exactly
        restored = restore_via_board(self.profile)
        assert restored == draft, f"{where}: board restored {restored!r}, draft {draft!r}"
        # Next run: the simulated person writes the first sentence again; a draft that is a start of
        # it is continued (the real restore path), anything else is cleared first (the simulated
        # person would otherwise be stuck on text it did not write).
        target = norm(self.first_sentence)
        if draft and not (target.startswith(norm(draft)) and norm(draft)):
            from aac.store.profile import Profile

            Profile.open(self.profile).save_draft("")
            draft = ""
        self.expected_draft = draft

    def final_check(self) -> int:
        """Temp files left by killed writes are removed by the next start once stale (older than
        ``STALE_TEMP_S``; a younger one may belong to another instance writing right now)."""
        import time

        from aac.store.profile import STALE_TEMP_S, Profile

        left = leftover_temp_files(self.profile)
        old = time.time() - STALE_TEMP_S - 5
        for p in left:
            os.utime(p, (old, old))
        Profile.open(self.profile)
        assert leftover_temp_files(self.profile) == [], leftover_temp_files(self.profile)
        return len(left)

    def summary(self) -> str:
        return (f"{self.kills} kills of `aac simulate`: 0 lost or torn drafts ({self.acked_drafts} runs had "
                f"acknowledged draft saves, {self.inflight_seen} killed with a draft write in flight, "
                f"{self.nonempty_drafts} left a non-empty draft, {self.restored_by_simulate} restarts restored "
                f"the draft through the real start-up), usage log rows {self.rows} all intact, "
                f"{len(self.leftover_tmp)} temp files left by killed writes (removed by Profile.open once stale)")


def restore_via_board(profile_dir: Path) -> str:
    """Start the real board (headless, no model, no speech) on the profile and return its message."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from aac.store.profile import Profile
    from aac.ui.app import BoardApp

    pygame.display.init()
    pygame.font.init()
    prof = Profile.open(profile_dir)
    app = BoardApp(prof, pygame.Surface((640, 400)), clock=lambda: 50.0, handle_events=False)
    try:
        app.step(50.0)
        return app.session.text
    finally:
        app.profile = _NoWrite(prof)  # closing must not rewrite the draft we are checking
        app.close()


class _NoWrite:
    """Stands in for the profile at close(): the check must observe, not write."""

    def __init__(self, prof: Any) -> None:
        self._prof = prof

    class _W:
        def submit(self, text: str) -> None:
            pass

    draft_writer = _W()

    def close(self) -> None:
        pass
