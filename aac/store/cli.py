"""``aac profile ...`` and ``aac report``: profiles for caregivers, the report for clinicians.

    aac profile list
    aac profile create NAME
    aac profile show [NAME | --profile DIR|NAME] [--json]
    aac profile set KEY VALUE [--profile DIR|NAME]      (validated; e.g. dwell_ms 1200)
    aac profile settings                                  (every key, default and meaning)
    aac profile purge-text [--profile ...] --yes          (erase message text logged while opted in)
    aac profile reset-learning|forget|learning ...       (added by aac.predict.learn.cli)
    aac report --profile DIR|NAME [--since DATE] [--until DATE] --out FILE.html [--csv DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from aac.store import settings as settings_mod
from aac.store.profile import ProfileError, list_profiles, resolve_profile


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("profile", help="list, create, show or change per-person profiles")
    sub = p.add_subparsers(dest="profile_command", metavar="ACTION")

    s = sub.add_parser("list", help="list profiles in the user data folder")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("create", help="create a new profile")
    s.add_argument("name")
    s.set_defaults(func=cmd_create)

    s = sub.add_parser("show", help="show a profile (settings, draft, calibration, usage counts)")
    s.add_argument("name", nargs="?", help="profile name (same as --profile)")
    s.add_argument("--profile", help="profile folder or name (default: 'default')")
    s.add_argument("--json", action="store_true", help="print one JSON object (for tools and tests)")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("set", help="change one setting (validated), e.g. `aac profile set dwell_ms 1200`")
    s.add_argument("key")
    s.add_argument("value")
    s.add_argument("--profile", help="profile folder or name (default: 'default')")
    s.set_defaults(func=cmd_set)

    s = sub.add_parser("settings", help="list every setting with its default and meaning")
    s.set_defaults(func=cmd_settings)

    s = sub.add_parser("purge-text", help="erase all message text kept in the usage log (after opting out)")
    s.add_argument("--profile", help="profile folder or name (default: 'default')")
    s.add_argument("--yes", action="store_true", help="confirm (nothing happens without it)")
    s.set_defaults(func=cmd_purge_text)

    # The learning module adds its own caregiver controls (reset-learning, forget, learning on|off).
    try:
        from aac.predict.learn.cli import register_profile_commands
    except Exception as exc:  # noqa: BLE001 - a broken learning module must not take profiles down
        why = f"{type(exc).__name__}: {exc}"
        s = sub.add_parser("reset-learning", help="forget what the predictor learned (unavailable)")
        s.add_argument("--profile")
        s.add_argument("--yes", action="store_true")
        s.set_defaults(func=lambda args: _fail(f"the learning module is not available ({why})"))
    else:
        register_profile_commands(sub)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    r = subparsers.add_parser("report", help="clinician report (HTML with plots) from a profile's usage log")
    r.add_argument("--profile", help="profile folder or name (default: 'default')")
    r.add_argument("--since", help="first day to include, YYYY-MM-DD (inclusive)")
    r.add_argument("--until", help="last day to include, YYYY-MM-DD (inclusive)")
    r.add_argument("--out", required=True, help="HTML file to write")
    r.add_argument("--csv", metavar="DIR", help="also write the tables as CSV files into DIR")
    r.set_defaults(func=cmd_report)


def _fail(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 1


def _open(arg: str | None, create: bool = False):
    return resolve_profile(arg, create=create)


def cmd_list(args: argparse.Namespace) -> int:
    from aac import paths

    found = list_profiles()
    if not found:
        print(f"no profiles yet in {paths.profiles_dir()} (create one with: aac profile create NAME)")
        return 0
    for d in found:
        print(d.name)
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from aac.store.profile import Profile

    try:
        prof = Profile.create(args.name)
    except ProfileError as exc:
        return _fail(str(exc))
    print(f"created profile {prof.name!r} in {prof.dir}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from aac.store.state import profile_state

    arg = args.profile or args.name
    try:
        prof = _open(arg, create=False)
    except ProfileError as exc:
        return _fail(str(exc))
    state = profile_state(prof)
    if args.json:
        print(json.dumps(state, ensure_ascii=False, sort_keys=True))
        return 0
    print(f"profile: {state['name']}  ({state['dir']})")
    print(f"created: {state['created']}")
    print("settings:")
    for k, v in state["settings"].items():
        print(f"  {k} = {json.dumps(v, ensure_ascii=False)}")
    draft = state["draft"]
    print(f"draft: {len(draft)} characters" + (f": {draft!r}" if draft else ""))
    cal = state["calibration"]
    if cal:
        acc = cal.get("accuracy_deg", cal.get("accuracy"))
        print(f"calibration: {cal.get('date')}" + (f", accuracy {acc}" if acc is not None else "")
              + f" ({state['calibration_count']} kept)")
    else:
        print("calibration: none yet")
    u = state["usage"]
    print(f"usage log: {u['sessions']} sessions, {u['selections']} selections, {u['messages']} messages")
    if state["learning"]:
        print(f"learning: {json.dumps(state['learning'], ensure_ascii=False)[:300]}")
    for p in state["problems"]:
        print(f"warning: {p}", file=sys.stderr)
    return 0


def _first_problem(exc: Exception) -> str:
    """The first of a VoiceError's or LayoutError's problems as "message (suggestion)", no file name."""
    problems = getattr(exc, "problems", None)
    if not problems:
        return str(exc)
    first = problems[0]
    return first.message + (f" ({first.suggestion})" if first.suggestion else "")


def reference_problem(key: str, value: str) -> str | None:
    """Why a language, voice, layout or theme name names nothing that is installed (else None).

    The settings store only checks types; the board would quietly fall back to a default for
    a name that does not exist, so a caregiver's typo is caught here, where they typed it.
    """
    name = value.strip()
    if key == "language":
        from aac.language import LanguageError, load_language

        try:
            load_language(name)
        except LanguageError as exc:
            return str(exc)
    elif key == "voice":
        from aac.speech.voices import VoiceError, load_voice

        try:
            load_voice(name)
        except VoiceError as exc:
            return f"no usable voice {name!r}: {_first_problem(exc)}"
    elif key == "layout":
        from aac.layouts.loader import LayoutError, resolve_layout

        try:
            resolve_layout(name)
        except LayoutError as exc:
            return f"layout {name!r}: {_first_problem(exc)}"
    elif key == "theme":
        from aac.layouts.themes import theme_names

        if name not in theme_names():
            return f"no theme {name!r} (built-in themes: {', '.join(theme_names())})"
    return None


def cmd_set(args: argparse.Namespace) -> int:
    why = reference_problem(args.key, args.value)
    if why:
        return _fail(f"{args.key}: {why}; nothing was changed")
    try:
        prof = _open(args.profile, create=False)
        clean = prof.set(args.key, args.value)
    except (ProfileError, ValueError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot save settings in {prof.dir}: {exc.strerror or exc}")
    print(f"{prof.name}: {args.key} = {json.dumps(clean, ensure_ascii=False)}")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    defaults = settings_mod.Settings()
    for name in settings_mod.field_names():
        meaning = settings_mod.HELP.get(name, "")
        print(f"{name} = {json.dumps(getattr(defaults, name))}" + (f"    # {meaning}" if meaning else ""))
    return 0


def cmd_purge_text(args: argparse.Namespace) -> int:
    import sqlite3

    from aac.store.usage_log import purge_text

    try:
        prof = _open(args.profile, create=False)
    except ProfileError as exc:
        return _fail(str(exc))
    if not args.yes:
        return _fail(f"this erases every message text logged for {prof.name!r}; add --yes to confirm")
    try:
        n = purge_text(prof.usage_db)
    except (sqlite3.Error, OSError) as exc:
        return _fail(f"{prof.usage_db}: could not purge ({exc}); is the board still writing? try again after closing it")
    note = "" if not prof.settings.text_logging else " (text logging is still ON: new messages will be logged)"
    print(f"{prof.name}: message text erased from {n} rows{note}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from aac.store.report import ReportError, write_report

    try:
        prof = _open(args.profile, create=False)
        summary = write_report(prof, out=args.out, since=args.since, until=args.until, csv_dir=args.csv)
    except (ProfileError, ReportError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write the report: {exc.strerror or exc} ({getattr(exc, 'filename', '')})")
    first, *warnings = summary.split("\n")
    print(f"report written to {args.out} ({first})")
    for w in warnings:  # a damaged usage log: the report was written, with these left out
        print(w, file=sys.stderr)
    if args.csv:
        print(f"tables written to {args.csv}/")
    return 0
