"""Fuzz the `aac predict --jsonl` contract with the real process and the real model (issue 9).

One real subprocess gets a few hundred lines: binary junk, invalid UTF-8, a 2 MB line, wrong
types, random JSON, unicode and control characters, learn requests and a few real prediction
requests mixed in. The contract (docs/ARCHITECTURE.md): exactly one JSON line out per request line, in order,
flushed; a malformed line gets ``{"error": ...}`` and the process keeps running. Lines that are
blank after decoding are not requests (the CLI skips them) and get no answer.
The cases are generated from a fixed seed (the process is expensive to start, so it is fed once);
the count is printed and appended to ``$AAC_FUZZ_REPORT``.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, FuzzCounter, headless_env, model_available  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.model,
              pytest.mark.skipif(not model_available(), reason="the prediction model is not built (aac model build)")]

WORDS = ["i", "would", "like", "a", "cup", "of", "tea", "please", "thank", "you", "привет", "мир", "😀", "don't",
         "the", "wa", "\u202e", "\u0000", "x" * 60]
JUNK_JSON = ['[]', '{}', '"text"', '1', 'null', 'true', 'NaN', '-Infinity', '{"context": 5, "prefix": ""}',
             '{"context": "a", "prefix": 3}', '{"context": null}', '{"prefix": ["a"]}', '{"learn": 5}',
             '{"learn": null}', '{"learn": ["a"]}', '{"context": "a", "prefix": "two words"}',
             '{"context": {"a": 1}, "prefix": ""}', '{"learn": {"x": "y"}}', '[{"context": "a", "prefix": ""}]',
             '{"context": "a", "prefix": "', '{"context": "a" "prefix": ""}', '{context: "a"}', "{'context': 'a'}",
             '{"context": "a", "prefix": "\\ud800"}', '{"Context": "a", "Prefix": "b"}', '{"context": 1e999}']


def build_requests(rng: random.Random, n: int = 600, predictions: int = 8) -> list[tuple[bytes, str]]:
    """(line bytes without newline, expected answer kind: words | ok | error)."""
    out: list[tuple[bytes, str]] = []
    for _ in range(predictions):
        ctx = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 8)))
        ctx = ctx + (" " if rng.random() < 0.5 else "")
        prefix = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz'") for _ in range(rng.randint(0, 2)))
        out.append((json.dumps({"context": ctx, "prefix": prefix}, ensure_ascii=rng.random() < 0.5).encode(), "words"))
    out.append((json.dumps({"context": "word " * 20000, "prefix": "th"}).encode(), "words"))  # ~100 KB context
    for _ in range(6):
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 10)))
        out.append((json.dumps({"learn": sentence}).encode(), "ok"))
    out.append((b"x" * 2_000_000, "error"))  # a 2 MB line that is not JSON
    out.append((b'{"context": "' + b"a" * 500_000 + b'", "prefix": 5}', "error"))
    while len(out) < n:
        kind = rng.randrange(5)
        if kind == 0:  # binary junk (no line breaks)
            data = bytes(rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rng.randint(1, 200)))
        elif kind == 1:
            data = rng.choice(JUNK_JSON).encode()
        elif kind == 2:  # random JSON values
            data = json.dumps(_random_json(rng, 3)).encode()
        elif kind == 3:  # almost-valid requests with the wrong field types
            data = json.dumps({"context": _random_json(rng, 1), "prefix": _random_json(rng, 1)}).encode()
            if b"\n" in data or b"\r" in data:
                continue
        else:  # invalid UTF-8 inside otherwise valid JSON
            data = b'{"context": "caf\xc3\x28 \xff", "prefix": "\xe2\x82"}'
        text = data.decode("utf-8", "surrogateescape")
        if not text.strip():
            continue  # blank lines are not requests
        try:  # a random line can still be a valid request by chance; classify it like the contract
            obj = json.loads(text)
            if isinstance(obj, dict) and isinstance(obj.get("context", ""), str) and isinstance(obj.get("prefix", ""), str) \
                    and ("context" in obj or "prefix" in obj) and "learn" not in obj:
                continue  # keep the number of (slow) real predictions fixed
            if isinstance(obj, dict) and isinstance(obj.get("learn"), str):
                continue
        except (ValueError, RecursionError):
            pass
        out.append((data, "error"))
    rng.shuffle(out)
    return out


def _random_json(rng: random.Random, depth: int):
    choice = rng.randrange(7 if depth > 0 else 5)
    if choice == 0:
        return rng.randint(-10**12, 10**12)
    if choice == 1:
        return rng.random() * 1e6
    if choice == 2:
        return "".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0x400, 0x4ff), rng.randint(0x1f600, 0x1f64f)]))
                       for _ in range(rng.randint(0, 12)))
    if choice == 3:
        return None
    if choice == 4:
        return rng.random() < 0.5
    if choice == 5:
        return [_random_json(rng, depth - 1) for _ in range(rng.randint(0, 4))]
    keys = ["context", "prefix", "learn", "x", ""]
    return {rng.choice(keys): _random_json(rng, depth - 1) for _ in range(rng.randint(0, 3))}


def run_predict(lines: list[bytes], tmp: Path, timeout: float = 600) -> tuple[list[str], str, int]:
    env = headless_env(LC_ALL="C.UTF-8", LANG="C.UTF-8")
    proc = subprocess.Popen([PYTHON, "-m", "aac.cli", "predict", "--jsonl", "--no-previews", "--profile", str(tmp)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(REPO))
    got: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:
        got[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s), daemon=True)
               for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for r in readers:
        r.start()
    try:
        for line in lines:
            proc.stdin.write(line + b"\n")
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the process died: the answer count below says so
    rc = proc.wait(timeout=timeout)
    for r in readers:
        r.join(30)
    return got.get("out", b"").decode("utf-8", "replace").splitlines(), got.get("err", b"").decode("utf-8", "replace"), rc


def check_answer(answer: str, expected: str, i: int) -> None:
    obj = json.loads(answer)
    assert isinstance(obj, dict), (i, answer)
    if expected == "words":
        assert "error" not in obj, (i, answer[:300])
        assert isinstance(obj["words"], list) and len(obj["words"]) <= 5 and all(isinstance(w, str) for w in obj["words"])
        assert isinstance(obj["endings"], list) and len(obj["endings"]) <= 3
    elif expected == "ok":
        assert obj == {"ok": True}, (i, answer[:300])
    else:
        assert set(obj) == {"error"} and isinstance(obj["error"], str) and obj["error"], (i, answer[:300])


def test_jsonl_every_line_gets_one_answer_and_the_process_survives(tmp_path):
    counter = FuzzCounter("test_fuzz_predict_jsonl")
    reqs = build_requests(random.Random(20261125))
    lines, err, rc = run_predict([r[0] for r in reqs], tmp_path / "profile")
    for _, kind in reqs:
        counter.hit("predict_jsonl_lines", kind)
    counter.dump()
    assert rc == 0, f"aac predict --jsonl died (exit {rc}):\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert len(lines) == len(reqs), f"{len(reqs)} requests, {len(lines)} answers"
    for i, ((_, kind), answer) in enumerate(zip(reqs, lines)):
        check_answer(answer, kind, i)


def test_jsonl_deeply_nested_json_gets_an_error_and_the_process_survives(tmp_path):
    """A line of 100 000 '[' makes json.loads raise RecursionError (not JSONDecodeError)."""
    lines, err, rc = run_predict([b"[" * 100_000, b'{"context": "i would like", "prefix": ""}'], tmp_path / "p")
    assert rc == 0 and "Traceback" not in err, err[-2000:]
    assert len(lines) == 2, lines
    check_answer(lines[0], "error", 0)
    check_answer(lines[1], "words", 1)
