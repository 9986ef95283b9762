"""A few weeks of plausible usage, for tests and for looking at the report without a real user.

The events go through the real ``UsageLog`` (so the writer, schema and privacy rules are the
ones under test), with times placed in the past. The shape follows what clinicians see in eye-gaze
users: 1-3 sessions a day, messages of 2-12 words, prediction use that grows as the person learns
the board, a dwell time that the caregiver shortens over the weeks, calibrations of 1-4 degrees,
some undos and deletes, quick phrases, pauses and dwell changes (caregiver and adaptive). Tile ids
are those of the shipped default board so the heat map is drawn on real tiles.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from aac.store.usage_log import UsageLog

WORDS = ["i", "want", "to", "go", "outside", "please", "help", "me", "with", "the", "water", "can", "you", "call", "my", "sister", "today", "tomorrow", "feel", "tired", "good", "thank", "you", "very", "much", "turn", "on", "tv", "music", "pain", "in", "leg", "back", "head", "need", "doctor", "nurse", "bed", "move", "pillow", "cold", "hot", "hungry", "eat", "drink", "yes", "no", "maybe", "later", "love", "you", "see", "how", "are", "what", "time", "is", "it"]

#: Tile ids of the shipped default board (layouts/default.toml, as aac/ui/geometry.py names them),
#: so the report's heat map lands on real tiles.
KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl'", "zxcvbnm"]
SPEAK = "home/0,9:action:speak"
PAUSE = "home/0,11:action:pause"
UNDO = "home/3,8:action:undo"
DELETE_LETTER = "keyboard/3,10:action:delete_letter"
SPACE = "keyboard/5,7:action:space"
TO_KEYBOARD = "home/3,0:page:keyboard"
TO_HOME = "keyboard/6,0:page:home"
PHRASES = [("phrases/1,0:phrase:Yes.", "Yes."), ("phrases/2,6:phrase:Goodbye, see you soon.", "Goodbye, see you soon."),
           ("phrases/3,0:phrase:I would like some water, please.", "I would like some water, please."),
           ("phrases/5,0:phrase:I am in pain.", "I am in pain.")]


def _letter_tile(ch: str) -> str:
    for r, row in enumerate(KEYBOARD_ROWS):
        if ch in row:
            return f"keyboard/{3 + r},{row.index(ch)}:letter:{ch}"
    return "keyboard/3,0:letter:q"


def fill(log: UsageLog, days: int = 21, seed: int = 0, end: float | None = None,
         sentinel: str | None = None, improve: bool = False, vocabulary: list[str] | None = None) -> dict[str, int]:
    """Write ``days`` days of events ending at ``end`` (default now) into ``log``.

    ``sentinel`` is put into every message's text (to check that it never leaks when text
    logging is off); ``vocabulary`` replaces the word list (e.g. made-up words a test can search
    for). ``improve`` makes the person clearly better over the period, as after a month of
    practice: shorter pauses between selections, fewer undos and deletes, longer messages.
    Returns counts of what was written. Call ``log.flush()`` afterwards.
    """
    rng = random.Random(seed)
    words = vocabulary or WORDS
    end = end if end is not None else time.time()
    first_day = datetime.fromtimestamp(end - days * 86400).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = {"sessions": 0, "selections": 0, "messages": 0, "errors": 0}
    dwell = 1200.0
    for d in range(days):
        day = first_day + timedelta(days=d)
        progress = d / max(1, days - 1)  # 0 -> 1 over the period: the person gets better
        if d % 7 == 6 and dwell > 700:
            dwell -= 100  # weekly review: the caregiver shortens the dwell
            log.event("dwell_change", dwell, "caregiver",
                      t=(day + timedelta(hours=8)).timestamp())
        if rng.random() < (0.12 * (1 - progress) if improve else 0.12):
            continue  # a day off (fewer as the board becomes part of the day)
        for s in range(rng.choice((1, 2, 2, 3))):
            hour = rng.choice((9, 10, 11, 14, 15, 16, 18, 19, 20))
            t = (day + timedelta(hours=hour, minutes=rng.randint(0, 50))).timestamp()
            if t >= end:
                break
            cal = round(rng.uniform(1.2, 4.0) - 1.0 * progress, 2)
            log.start_session(rng.choice(("tobii", "tobii", "tobii", "webcam")), dwell, max(0.6, cal),
                              "en", layout="default", t=t)
            counts["sessions"] += 1
            if improve and rng.random() < 0.5:
                # the adaptive dwell trims the dwell a little within the session
                t += 30
                log.event("dwell_change", dwell - rng.choice((50, 100)), "adaptive", t=t)
            more = round(5 * progress) if improve else 0  # says more as it gets easier
            for _ in range(rng.randint(3 + more, 12 + more)):
                if rng.random() < 0.1:
                    t, c = _phrase(log, rng, t, dwell)
                else:
                    t, c = _message(log, rng, t, dwell, progress, sentinel, words, improve)
                for k in counts:
                    counts[k] += c.get(k, 0)
                t += rng.uniform(10, 120)  # rest between messages
                if rng.random() < 0.05:
                    log.selection("action", dwell_ms=dwell, tile_id=PAUSE, page="home", t=t)
                    t += rng.uniform(60, 300)  # a rest with the board paused
            log.end_session(t=t + rng.uniform(5, 60))
    return counts


def _phrase(log: UsageLog, rng: random.Random, t: float, dwell: float) -> tuple[float, dict[str, int]]:
    """A quick phrase: page switch, the phrase tile, speak."""
    tile, text = rng.choice(PHRASES)
    t += dwell / 1000 + rng.uniform(1, 3)
    log.selection("page", dwell_ms=dwell, tile_id="home/3,4:page:phrases", page="home", t=t)
    start = t
    t += dwell / 1000 + rng.uniform(1, 4)
    log.selection("phrase", dwell_ms=dwell, tile_id=tile, page="phrases", text=text, t=t)
    t += dwell / 1000 + rng.uniform(0.5, 1.5)
    log.selection("action", dwell_ms=dwell, tile_id="phrases/0,9:action:speak", page="phrases", t=t)
    log.message(text, selections=2, seconds=t - start, spoken=True, t=t)
    return t, {"selections": 3, "messages": 1}


def _message(log: UsageLog, rng: random.Random, t: float, dwell: float, progress: float,
             sentinel: str | None, vocabulary: list[str], improve: bool) -> tuple[float, dict[str, int]]:
    if improve:
        n = rng.randint(2 + round(3 * progress), 5 + round(7 * progress))  # longer messages
        pace = 1.0 - 0.55 * progress  # shorter searches between selections
        p_err = 0.06 * (1.0 - 0.85 * progress)  # fewer corrections
    else:
        n, pace, p_err = rng.randint(2, 12), 1.0, 0.03
    words = [rng.choice(vocabulary) for _ in range(n)]
    if sentinel:
        words[rng.randrange(n)] = sentinel
    start = t
    sel = 0
    errors = 0
    p_word = 0.35 + 0.35 * progress  # prediction use grows with practice
    i = 0
    page = "home"
    while i < n:
        w = words[i]
        latency = rng.lognormvariate(4.1, 0.3)  # ~60 ms
        if i >= 2 and rng.random() < 0.08 + 0.1 * progress:
            rank = min(2, int(rng.expovariate(1.5)))
            t += dwell / 1000 + rng.uniform(2.0, 6.0) * pace
            log.selection("ending", slot=rank, rank=rank, dwell_ms=dwell + rng.uniform(0, 150),
                          latency_ms=latency, tile_id=f"{page}/1,{4 * rank}:ending:{rank}", page=page,
                          text=" ".join(words[i:]), t=t)
            sel += 1
            break
        typed = 0 if rng.random() < p_word else rng.randint(1, max(1, len(w) - 1))
        if typed and page == "home":
            t += dwell / 1000 + rng.uniform(0.5, 1.5) * pace
            log.selection("page", dwell_ms=dwell, tile_id=TO_KEYBOARD, page=page, t=t)
            page = "keyboard"
        for ch in w[:typed]:
            t += dwell / 1000 + rng.uniform(0.8, 3.5) * pace
            log.selection("letter", dwell_ms=dwell + rng.uniform(0, 150), tile_id=_letter_tile(ch),
                          page=page, text=ch, t=t)
            sel += 1
            if rng.random() < p_err:
                t += dwell / 1000 + 0.5
                log.selection("action", dwell_ms=dwell, tile_id=DELETE_LETTER, page=page, t=t)
                log.error("delete_letter", t=t)
                sel += 1
                errors += 1
        if typed >= len(w) - 1 and rng.random() < 0.5:
            for ch in w[typed:]:
                t += dwell / 1000 + rng.uniform(0.8, 3.0) * pace
                log.selection("letter", dwell_ms=dwell, tile_id=_letter_tile(ch), page=page, text=ch, t=t)
                sel += 1
            t += dwell / 1000
            log.selection("space", dwell_ms=dwell, tile_id=SPACE, page=page, t=t)
            sel += 1
        else:
            rank = min(4, int(rng.expovariate(1.0 + progress)))
            t += dwell / 1000 + rng.uniform(1.5, 5.0) * pace
            log.selection("word", slot=rank, rank=rank, dwell_ms=dwell + rng.uniform(0, 150),
                          latency_ms=latency, tile_id=f"{page}/2,{2 * rank}:word:{rank}", page=page, text=w, t=t)
            sel += 1
        if rng.random() < p_err:
            t += dwell / 1000 + 0.4
            log.selection("action", dwell_ms=dwell, tile_id=UNDO if page == "home" else "keyboard/4,10:action:undo",
                          page=page, t=t)
            kind = rng.choice(("undo", "delete_word", "false_activation_suspected"))
            log.error(kind, t=t)
            if kind == "undo" and rng.random() < 0.5:
                log.error("false_activation_suspected", t=t)
            sel += 1
            errors += 1
        i += 1
    if page == "keyboard":
        t += dwell / 1000 + rng.uniform(0.3, 1.0) * pace
        log.selection("page", dwell_ms=dwell, tile_id=TO_HOME, page=page, t=t)
    t += dwell / 1000 + rng.uniform(0.3, 1.0) * pace
    log.selection("action", dwell_ms=dwell, tile_id=SPEAK, page="home", t=t)
    sel += 1
    text = " ".join(words).capitalize() + "."
    log.message(text, selections=sel, seconds=t - start, spoken=rng.random() < 0.92, t=t)
    return t, {"selections": sel, "messages": 1, "errors": errors}


def make_profile(directory: Any, days: int = 21, seed: int = 0, text_logging: bool = False,
                 sentinel: str | None = None, word_statistics: bool = False, improve: bool = False,
                 vocabulary: list[str] | None = None):
    """A profile folder filled with ``days`` of synthetic usage and a calibration history
    (see ``fill`` for ``improve`` and ``vocabulary``)."""
    from aac.store.profile import Profile

    prof = Profile.open(directory)
    if text_logging != prof.settings.text_logging:
        prof.set("text_logging", text_logging)
    if word_statistics != prof.settings.word_statistics:
        prof.set("word_statistics", word_statistics)
    rng = random.Random(seed)
    now = time.time()
    for k in range(4):
        when = datetime.fromtimestamp(now - (days - k * days / 4) * 86400).astimezone()
        prof.save_calibration({"accuracy_deg": round(rng.uniform(1.0, 3.5), 2),
                               "accuracy_px": round(rng.uniform(30, 120), 1), "points": 9,
                               "date": when.isoformat(timespec="seconds")})
    log = UsageLog(prof)
    fill(log, days=days, seed=seed, end=now, sentinel=sentinel, improve=improve, vocabulary=vocabulary)
    log.close(timeout=60)
    return prof


def main(argv: list[str] | None = None) -> int:
    """``python -m aac.store.synthetic DIR [--days N]``: a demo profile for trying ``aac report``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m aac.store.synthetic", description=main.__doc__)
    ap.add_argument("dir", help="profile folder to create/fill (use a fresh folder)")
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--improve", action="store_true", help="a person who gets clearly better over the period")
    ap.add_argument("--word-statistics", action="store_true", help="with the word-statistics consent on")
    ap.add_argument("--text-logging", action="store_true", help="with text logging on")
    args = ap.parse_args(argv)
    prof = make_profile(args.dir, days=args.days, seed=args.seed, improve=args.improve,
                        word_statistics=args.word_statistics, text_logging=args.text_logging)
    print(f"filled {prof.dir} with {args.days} days of synthetic usage; now run: "
          f"aac report --profile {prof.dir} --out report.html")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
