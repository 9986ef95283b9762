"""Issue 20, finding 3: nothing leaves the machine, checked at the syscall level.

The Python audit hook of the privacy tests (test_privacy_session.py) only sees sockets made by
Python code. ONNX Runtime's telemetry looked up ``mobile.events.data.microsoft.com`` from C++
(inside onnxruntime_pybind11_state.so), invisible to that hook. Here the three commands a person
and a clinician run - ``aac simulate`` (2 sentences), ``aac predict --jsonl`` and ``aac report`` -
run under ``strace -f -e trace=socket,connect`` and every socket any thread or child opens is
checked: AF_UNIX (pipes between our own processes) and AF_NETLINK (the kernel's device-event
channel SDL listens on: it never leaves the machine) are the only families allowed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, headless_env, model_available  # noqa: E402

#: Socket families that stay inside this machine.
LOCAL_FAMILIES = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK"}
_SOCKET = re.compile(r"\bsocket\((AF_\w+|\d+)")
_CONNECT = re.compile(r"\bconnect\(\d+, \{sa_family=(AF_\w+)")


def network_calls(trace: str) -> list[str]:
    """The socket()/connect() lines of an strace log that could reach another machine."""
    bad = []
    for line in trace.splitlines():
        m = _SOCKET.search(line) or _CONNECT.search(line)
        if m and m.group(1) not in LOCAL_FAMILIES:
            bad.append(line.strip())
    return bad


def _strace_works(tmp: Path) -> str | None:
    """None when strace can trace a child here, else the reason it cannot."""
    if shutil.which("strace") is None:
        return "strace is not installed (scripts/setup.sh installs it: apt-get install strace)"
    log = tmp / "probe.strace"
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket", "-o", str(log), PYTHON, "-c",
                        "import socket; socket.socket(socket.AF_UNIX).close()"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or "AF_UNIX" not in log.read_text(errors="replace"):
        return f"strace cannot trace processes here (ptrace refused?): {r.stderr.strip()[:200]}"
    return None


def _traced(cmd: list[str], log: Path, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(log), *cmd],
                          input=stdin, capture_output=True, text=True, env=env, cwd=str(REPO), timeout=600)


def test_network_calls_recognises_an_inet_socket():
    trace = ('12 socket(AF_UNIX, SOCK_STREAM, 0) = 3\n'
             '13 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 4\n'
             '13 connect(4, {sa_family=AF_INET, sin_port=htons(53)}, 16) = 0\n'
             '14 socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT) = 5\n')
    assert len(network_calls(trace)) == 2


@pytest.mark.slow
@pytest.mark.model
def test_simulate_predict_report_open_no_network_socket(tmp_path):
    """Regression: ORT telemetry did 4 DNS look-ups per run (strace: AF_INET connect to port 53)."""
    why = _strace_works(tmp_path)
    if why:
        pytest.skip(why)
    if not model_available():
        pytest.skip("no built model: the telemetry lives in ONNX Runtime, which only loads with a model")
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the app must set it itself
    profile = tmp_path / "profile"
    text = tmp_path / "two.txt"
    text.write_text("hello there\nthank you\n", encoding="utf-8")
    runs = {
        "simulate": _traced([PYTHON, "-m", "aac.cli", "simulate", "--text-file", str(text), "--json",
                             "--profile", str(profile), "--speed", "30"], tmp_path / "simulate.strace", env),
        "predict": _traced([PYTHON, "-m", "aac.cli", "predict", "--jsonl", "--no-previews", "--profile", str(profile)],
                           tmp_path / "predict.strace", env,
                           stdin='{"context": "I would like", "prefix": "a"}\n{"learn": "thank you"}\n'),
        "report": _traced([PYTHON, "-m", "aac.cli", "report", "--profile", str(profile),
                           "--out", str(tmp_path / "out" / "report.html"), "--csv", str(tmp_path / "out" / "csv")],
                          tmp_path / "report.strace", env),
    }
    for name, r in runs.items():
        assert r.returncode == 0, (name, r.stderr[-2000:])
    assert runs["predict"].stdout.count("\n") == 2
    bad = {name: network_calls((tmp_path / f"{name}.strace").read_text(errors="replace")) for name in runs}
    sockets = {name: (tmp_path / f"{name}.strace").read_text(errors="replace").count("socket(") for name in runs}
    print(f"\nsockets traced per command: {sockets}")
    assert not any(bad.values()), bad
