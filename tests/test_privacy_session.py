"""Privacy and security of a real session (issue 9): no network, private files, no leaks.

One simulated session runs in a child process: the simulated person writes a sentence made of
unusual sentinel words through the real board (real model when it is built, real speech worker,
usage log), the sentence is also synthesised to a WAV file, and the clinician report is written.
Every Python process of that session (the board, the speech worker, the audio player) carries an
audit hook (``sitecustomize`` on PYTHONPATH) that records socket creation, connect, bind, sendto
and name lookups. Then:

- no network socket was created or used by any of them (AF_UNIX pairs between our own processes
  are local and allowed); a control run proves the hook sees a real connection attempt;
- every file in the profile is 0600 and every folder 0700; no ``*.tmp`` is left behind;
- the sentinel words are absent from the usage log (database, WAL and free pages), the report, the
  session's stderr/log output and the draft, because text logging is off by default. With text
  logging turned on the same words *are* found in the log (so the search can fail).
The learned vocabulary (``learning/``) legitimately holds the person's words: that is what
prediction learns from, it never leaves the machine, and ``aac profile reset-learning`` erases it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import (  # noqa: E402
    PYTHON,
    REPO,
    files_containing,
    headless_env,
    leftover_temp_files,
    model_available,
    network_events,
    permission_problems,
    socket_audit_env,
)

SENTINELS = [b"zebra", b"quilt"]
SENTENCE = "Zebra quilt."

SESSION = r'''
import json, sys
from pathlib import Path
from aac.store.profile import Profile
from aac.ui.simulate import SimulationConfig, run_simulation

profile_dir, out, predictions = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1"
cfg = SimulationConfig(speed=30.0, profile=profile_dir, predictions=predictions, speech="real",
                       sentence_timeout_s=400.0, log_as_use=True)
res = run_simulation([sys.argv[4]], cfg)
from aac.speech import synthesize_to_wav
info = synthesize_to_wav(sys.argv[4], "en-default", out / "spoken.wav", strict=False)
from aac.store.report import write_report
summary = write_report(Profile.open(profile_dir), out / "report.html", csv_dir=out / "csv", include_simulated=True)
print(json.dumps({"sim": res, "wav_seconds": info.duration, "report": summary}))
'''


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    work = tmp_path_factory.mktemp("privacy")
    profile = work / "profile"
    out = work / "out"
    out.mkdir()
    env, audit_log = socket_audit_env(work, headless_env(AAC_DATA_DIR=str(work / "data")))
    script = work / "session.py"
    script.write_text(SESSION, encoding="utf-8")
    use_model = model_available()
    r = subprocess.run([PYTHON, str(script), str(profile), str(out), "1" if use_model else "0", SENTENCE],
                       capture_output=True, text=True, env=env, cwd=str(REPO), timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    return {"work": work, "profile": profile, "out": out, "audit": audit_log, "stderr": r.stderr,
            "result": result, "model": use_model, "env": env}


@pytest.mark.slow
def test_session_really_ran(session):
    sim = session["result"]["sim"]
    assert sim["sentences"] == 1 and sim["correct"] == 1, sim
    assert session["result"]["wav_seconds"] > 0.3
    assert (session["out"] / "report.html").stat().st_size > 1000
    print(f"\nsession: model={session['model']}, {sim['selections']} selections, "
          f"{sim['seconds']} simulated s, report: {session['result']['report']}")


@pytest.mark.slow
def test_no_network_socket_in_any_process(session):
    lines = session["audit"].read_text(encoding="utf-8").splitlines()
    starts = [ln for ln in lines if "\tstart\t" in ln]
    # the hook ran in the session itself and in the speech worker (a separate Python process)
    assert len(starts) >= 2, starts
    bad = network_events(lines)
    assert bad == [], "network access during a session:\n" + "\n".join(bad[:20])
    print(f"\naudit: {len(starts)} Python processes audited, {len(lines) - len(starts)} socket events, "
          "none network")


def test_socket_audit_hook_catches_a_connection_attempt(tmp_path):
    """Control: the same hook in a child that tries to connect (refused port) records it."""
    env, log = socket_audit_env(tmp_path, headless_env())
    code = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=0.5)\n"
            "except OSError:\n    pass\n")
    subprocess.run([PYTHON, "-c", code], env=env, timeout=60, check=True)
    bad = network_events(log.read_text(encoding="utf-8").splitlines())
    assert any("socket.connect" in b for b in bad), bad
    assert any("socket.getaddrinfo" in b for b in bad), bad
    # and a local AF_UNIX pair (how our processes may talk to each other) is not counted as network
    code = "import socket\na, b = socket.socketpair()\na.sendall(b'x')\nb.recv(1)\n"
    log.write_text("", encoding="utf-8")
    subprocess.run([PYTHON, "-c", code], env=env, timeout=60, check=True)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert network_events(lines) == [], lines


@pytest.mark.slow
def test_profile_files_private_and_no_temp_files(session):
    profile = session["profile"]
    assert (profile / "usage.sqlite").exists()
    assert permission_problems(profile) == []
    assert leftover_temp_files(profile) == []
    data = session["work"] / "data"
    if data.exists():
        assert permission_problems(data) == []


@pytest.mark.slow
def test_message_text_absent_without_opt_in(session):
    profile = session["profile"]
    settings = json.loads((profile / "settings.json").read_text(encoding="utf-8"))
    assert settings["text_logging"] is False
    leaks = {f: w for f, w in files_containing(profile, SENTINELS).items() if "/learning/" not in f}
    assert leaks == {}, f"message words found in the profile: {leaks}"
    assert files_containing(session["out"] / "csv", SENTINELS) == {}
    report = (session["out"] / "report.html").read_bytes().lower()
    assert not any(w in report for w in SENTINELS)
    assert not any(w.decode() in session["stderr"].lower() for w in SENTINELS), session["stderr"][-2000:]


def test_message_text_present_with_opt_in(tmp_path):
    """Control: with text logging on, the sentinel words are in the log (the search can find them)."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from aac.store.profile import Profile
    from aac.ui.simulate import SimulationConfig, run_simulation

    prof = Profile.open(tmp_path / "p")
    prof.set("text_logging", True)
    res = run_simulation([SENTENCE], SimulationConfig(speed=60.0, profile=str(tmp_path / "p"), predictions=False,
                                                      speech="record", log_as_use=True))
    assert res["correct"] == 1, res
    found = files_containing(tmp_path / "p", SENTINELS)
    assert any(f.endswith(("usage.sqlite", "usage.sqlite-wal")) for f in found), found


def test_prediction_failure_log_does_not_contain_the_message(caplog):
    """A failing prediction is logged for the developer, but the person's text must not be in it
    (logs end up in bug reports and terminal scroll-back)."""
    import logging

    from aac.predict.service import PredictionService

    class Broken:
        def suggest(self, context, prefix, cancel=None, on_words=None):
            raise RuntimeError("model exploded")

    svc = PredictionService(lambda: Broken(), previews=False)
    try:
        with caplog.at_level(logging.DEBUG):
            assert svc.wait_ready(10)
            svc.request("my secret zebra message ", "zqx")
            assert svc.wait_idle(10)
    finally:
        svc.close()
    text = caplog.text.lower()
    assert "model exploded" in text  # the failure itself is logged
    assert "zebra" not in text and "secret" not in text and "zqx" not in text, caplog.text


# --------------------------------------------------------------------------- no pickle
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def pickle_uses(source: str, name: str = "<src>") -> list[str]:
    """Loads that can execute code from a file: pickle-family imports, ``torch.load``,
    ``allow_pickle=True``, ``yaml.load`` without a safe loader. Comments/docstrings are ignored."""
    found = []
    tree = ast.parse(source, name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"{name}:{node.lineno}: import {a.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{name}:{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func in ("torch.load", "pd.read_pickle", "pandas.read_pickle"):
                found.append(f"{name}:{node.lineno}: {func}()")
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(f"{name}:{node.lineno}: {func}(allow_pickle=...)")
            if func in ("yaml.load", "yaml.unsafe_load", "yaml.full_load") and not any(
                    kw.arg == "Loader" and "Safe" in ast.unparse(kw.value) for kw in node.keywords):
                found.append(f"{name}:{node.lineno}: {func}() without SafeLoader")
    return found


def test_nothing_in_the_package_loads_with_pickle():
    found = []
    files = sorted((REPO / "aac").rglob("*.py"))
    assert len(files) > 30
    for path in files:
        found += pickle_uses(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert found == [], found


def test_pickle_checker_can_fail():
    bad = "import pickle\nfrom joblib import load\nimport numpy as np\nnp.load('x', allow_pickle=True)\ntorch.load('m')\n"
    assert len(pickle_uses(bad)) == 4
    assert pickle_uses('"""never pickle"""\n# import pickle\nnp.load("x.npy")\n') == []


def test_no_socket_in_process_session_with_audit_hook(tmp_path):
    """The same check in this process (``sys.addaudithook``), around the board, the usage log and
    the report; and a control connection attempt inside the recorder is seen."""
    import os
    import socket

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from reliability_helpers import SocketRecorder

    from aac.store.profile import Profile
    from aac.store.report import write_report
    from aac.ui.simulate import SimulationConfig, run_simulation

    with SocketRecorder() as rec:
        res = run_simulation(["My back hurts."], SimulationConfig(speed=60.0, profile=str(tmp_path / "p"),
                                                                  predictions=False, speech="record", log_as_use=True))
        write_report(Profile.open(tmp_path / "p"), tmp_path / "r.html", include_simulated=True)
    assert res["correct"] == 1
    assert rec.network() == [], rec.network()
    with SocketRecorder() as control:
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=0.5).close()
        except OSError:
            pass
    assert any("socket.connect" in e for e in control.network()), control.events
