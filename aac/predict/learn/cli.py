"""Caregiver controls for learning, added under ``aac profile``:

    aac profile reset-learning [--profile P] --yes     delete everything learned
    aac profile forget --since DATE [--until DATE] [--profile P]
                                                       remove what was said in that time range
    aac profile learning on|off|status [--profile P]   turn learning on or off for the person

``aac/store/cli.py`` calls ``register_profile_commands(profile_subparsers)``; commands it already
defines (it has its own ``reset-learning``) are left alone.

Dates: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` in local time. A date alone as ``--until``
means the end of that day, so ``--since 2026-11-20 --until 2026-11-20`` forgets that whole day.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from typing import Any

from .learner import Learner


def parse_when(text: str, end_of_day: bool = False) -> float:
    """Epoch seconds for a caregiver-typed date or date-time (local time)."""
    raw = text.strip()
    if raw.lower() == "now":
        return datetime.now().timestamp()
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"cannot read the date {text!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if end_of_day and len(raw) == 10:  # a plain date: include that whole day
        when += timedelta(days=1)
    return when.timestamp()


def _fail(msg: str) -> int:
    print(f"aac profile: {msg}", file=sys.stderr)
    return 1


def _profile(arg: str | None) -> Any:
    from aac.store.profile import resolve_profile

    return resolve_profile(arg, create=False)


def cmd_reset(args: argparse.Namespace) -> int:
    from aac.store.profile import ProfileError

    try:
        prof = _profile(args.profile)
    except ProfileError as exc:
        return _fail(str(exc))
    if not args.yes:
        return _fail(f"this deletes everything learned for {prof.name!r}; add --yes to confirm")
    learner = Learner.open(prof.dir)
    if learner.dir is None:  # another process holds the profile (issue 20): nothing could be deleted
        return _fail(learner.problems[-1] if learner.problems else "the profile's learning cannot be changed now")
    learner.reset()
    print(f"{prof.name}: learned words, sentences and reranker deleted")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from aac.store.profile import ProfileError

    try:
        since = parse_when(args.since)
        until = parse_when(args.until, end_of_day=True)
        if until <= since:
            return _fail(f"--until ({args.until}) must be after --since ({args.since})")
        prof = _profile(args.profile)
    except (ValueError, ProfileError) as exc:
        return _fail(str(exc))
    learner = Learner.open(prof.dir)
    if learner.dir is None:  # another process holds the profile (issue 20): nothing would be saved
        return _fail(learner.problems[-1] if learner.problems else "the profile's learning cannot be changed now")
    removed = learner.forget(since, until)
    for p in learner.problems:
        print(f"warning: {p}", file=sys.stderr)
    print(f"{prof.name}: forgot {removed['sentences']} sentences and "
          f"{removed['word_examples'] + removed['ending_examples']} suggestion choices "
          f"from {args.since} to {args.until}")
    return 0


def cmd_learning(args: argparse.Namespace) -> int:
    from aac.store.profile import ProfileError

    try:
        prof = _profile(args.profile)
    except ProfileError as exc:
        return _fail(str(exc))
    if args.state != "status":
        try:
            prof.set("learning_enabled", args.state == "on")
        except (OSError, ValueError) as exc:
            return _fail(f"cannot save the setting: {exc}")
    enabled = bool(getattr(prof.settings, "learning_enabled", True))
    s = Learner.open(prof.dir, enabled=enabled).summary()
    print(f"{prof.name}: learning is {'on' if enabled else 'off'} "
          f"({s['sentences']} sentences, {s['distinct_words']} distinct words learned)")
    if not enabled:
        print("  nothing new is recorded; what was learned before is still used (reset-learning deletes it)")
    return 0


def register_profile_commands(profile_subparsers: Any) -> None:
    """Add the learning controls to ``aac profile`` (skipping names already registered)."""
    have = set(getattr(profile_subparsers, "choices", {}) or {})
    if "reset-learning" not in have:
        s = profile_subparsers.add_parser("reset-learning", help="delete everything learned for this person")
        s.add_argument("--profile", help="profile folder or name (default: 'default')")
        s.add_argument("--yes", action="store_true", help="confirm")
        s.set_defaults(func=cmd_reset)
    if "forget" not in have:
        s = profile_subparsers.add_parser("forget", help="remove what was said in a time range from what was learned")
        s.add_argument("--since", required=True, help="YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time)")
        s.add_argument("--until", default="now", help="YYYY-MM-DD (whole day included) or YYYY-MM-DDTHH:MM; default now")
        s.add_argument("--profile", help="profile folder or name (default: 'default')")
        s.set_defaults(func=cmd_forget)
    if "learning" not in have:
        s = profile_subparsers.add_parser("learning", help="turn learning from the person on or off")
        s.add_argument("state", choices=["on", "off", "status"])
        s.add_argument("--profile", help="profile folder or name (default: 'default')")
        s.set_defaults(func=cmd_learning)
