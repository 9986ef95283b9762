"""aac.progress: a line per step on a terminal, silent otherwise, always one summary line."""

from __future__ import annotations

import io

import pytest

from aac.progress import Progress, format_duration


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_steps_on_a_terminal_and_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AAC_PROGRESS", raising=False)
    now = [100.0]
    out = _Tty()
    with Progress("build", total=3, stream=out, clock=lambda: now[0]) as p:
        p.step("fetch")
        now[0] += 75
        p.step("convert")
        p.step("jump", at=3)
        p.done("built it")
    lines = out.getvalue().splitlines()
    assert lines == ["[build] 1/3 fetch (0.0 s)", "[build] 2/3 convert (1 min 15 s)",
                     "[build] 3/3 jump (1 min 15 s)", "[build] built it (took 1 min 15 s)"]


def test_quiet_when_not_a_terminal_but_the_summary_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AAC_PROGRESS", raising=False)
    out = io.StringIO()
    p = Progress("report", total=2, stream=out, clock=lambda: 0.0)
    p.step("plots")
    p.note("writing to x")
    p.done("report written")
    p.done("twice")  # once only
    assert out.getvalue() == "[report] report written (took 0.0 s)\n"
    monkeypatch.setenv("AAC_PROGRESS", "1")  # forced, e.g. make demo through a pipe
    forced = io.StringIO()
    Progress("demo", stream=forced, clock=lambda: 0.0).step("sentence")
    assert forced.getvalue() == "[demo] 1 sentence (0.0 s)\n"


def test_an_error_says_where_it_stopped() -> None:
    out = _Tty()
    with pytest.raises(RuntimeError):
        with Progress("bench", total=5, stream=out, enabled=True, clock=lambda: 0.0) as p:
            p.step("one")
            raise RuntimeError("boom")
    assert out.getvalue().splitlines()[-1] == "[bench] stopped by an error at step 1/5 after 0.0 s"


@pytest.mark.parametrize("seconds, text", [(4.24, "4.2 s"), (42, "42 s"), (65, "1 min 05 s"), (3720, "1 h 02 min")])
def test_durations_read_at_a_glance(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
