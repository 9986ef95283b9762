"""``aac profile ...`` and ``aac report``: profiles for caregivers, the report for clinicians.

    aac profile list
    aac profile create NAME
    aac profile show [NAME | --profile DIR|NAME] [--json]
    aac profile set KEY VALUE [--profile DIR|NAME]      (validated; e.g. dwell_ms 1200)
    aac profile settings                                  (every key, default and meaning)
    aac profile purge-text [--profile ...] --yes          (erase message text logged while opted in)
    aac profile export NAME --out FILE [--with-usage-log] (one archive: settings, layouts, learning...)
    aac profile import FILE [--as NAME] [--force]         (checked; never replaces without --force)
    aac profile rename OLD NEW | delete NAME [--yes]      (delete keeps a backup archive)
    aac profile reset-learning|forget|learning ...       (added by aac.predict.learn.cli)
    aac report --profile DIR|NAME [--from DATE] [--to DATE] [--compare-from DATE --compare-to DATE]
               --out FILE.html [--csv DIR] [--lam FILE] [--include-simulated]
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

    register_archive_commands(sub)

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
    r.add_argument("--from", "--since", dest="since", metavar="DATE",
                   help="first day of the period (A), YYYY-MM-DD, inclusive (default: start of the log)")
    r.add_argument("--to", "--until", dest="until", metavar="DATE",
                   help="last day of the period (A), YYYY-MM-DD, inclusive (default: today)")
    r.add_argument("--compare-from", metavar="DATE", help="first day of a second period (B) shown side by side with A")
    r.add_argument("--compare-to", metavar="DATE", help="last day of period B (inclusive)")
    r.add_argument("--out", required=True, help="HTML file to write")
    r.add_argument("--lam", metavar="FILE",
                   help="also write the period's selections in the Language Activity Monitor (LAM) format "
                        "(words only with text logging on)")
    r.add_argument("--csv", metavar="DIR", help="also write the tables as CSV files into DIR")
    r.add_argument("--include-simulated", action="store_true",
                   help="also count sessions logged by aac simulate/screenshots with --log-as-use (left out by default)")
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
    from aac.predict.learn import summary as learning_summary  # the CLI wires store and predictor

    state = profile_state(prof, learning_summary)
    from aac.speech.bank import VoiceBank  # the person's recorded messages (issue 17)

    state["recordings"] = VoiceBank(prof.dir).summary()
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
    recs = state["recordings"]
    print(f"recorded messages: {len(recs)}" + (" (aac voices bank list)" if recs else ""))
    for r in recs:
        print(f"  {r['name']}: {r['duration']:.2f} s \"{r['phrase']}\"" + ("" if r["present"] else " (file missing)"))
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
        from aac.layouts.loader import LayoutError, load_layout

        try:
            load_layout(name)  # not only found: a layout failing the checker is refused too
        except LayoutError as exc:
            n = len(exc.problems)
            more = f" and {n - 1} more problem(s): run aac layout check {name}" if n > 1 else ""
            return f"layout {name!r}: {_first_problem(exc)}{more}"
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
        summary = write_report(prof, out=args.out, since=args.since, until=args.until, csv_dir=args.csv,
                               include_simulated=args.include_simulated, compare_since=args.compare_from,
                               compare_until=args.compare_to, lam=args.lam)
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
    if args.lam:
        print(f"LAM file written to {args.lam}")
    return 0


# ------------------------------------------------------------------ export / import / rename / delete


def register_archive_commands(sub: Any) -> None:
    """``profile export|import|rename|delete`` (aac.store.profile_archive does the work)."""
    s = sub.add_parser("export", help="write the profile to one archive file (to move it or keep a backup)")
    s.add_argument("name", help="profile name (or folder)")
    s.add_argument("--out", required=True, help="archive file to write, e.g. ann.aacprofile")
    s.add_argument("--with-usage-log", action="store_true",
                   help="also include the usage log (selections, and message text if logging was on)")
    s.add_argument("--force", action="store_true", help="replace --out if it exists")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import", help="install a profile from an archive made by `aac profile export`")
    s.add_argument("file", help="the archive")
    s.add_argument("--as", dest="as_name", metavar="NAME", help="install under this name (default: the archive's)")
    s.add_argument("--force", action="store_true",
                   help="replace an existing profile of that name (a backup archive of it is kept)")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("rename", help="rename a profile")
    s.add_argument("old")
    s.add_argument("new")
    s.set_defaults(func=cmd_rename)

    s = sub.add_parser("delete", help="delete a profile (asks first; a backup archive is kept)")
    s.add_argument("name")
    s.add_argument("--yes", action="store_true", help="do not ask")
    s.set_defaults(func=cmd_delete)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def cmd_export(args: argparse.Namespace) -> int:
    from aac.store.profile_archive import ArchiveError, export_profile

    try:
        res = export_profile(args.name, args.out, with_usage_log=args.with_usage_log, force=args.force)
    except (ArchiveError, ProfileError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}; nothing was written")
    extra = f", layouts: {', '.join(res.layouts)}" if res.layouts else ""
    log = "with the usage log" if args.with_usage_log else "without the usage log (add --with-usage-log)"
    print(f"exported profile {res.profile!r} to {res.path} ({res.files} files, {_size(res.bytes)}{extra}; {log})")
    for why in res.skipped:
        print(f"warning: not exported: {why}", file=sys.stderr)
    print("the archive holds private data: keep it somewhere only you and the person can read")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from aac.store.profile_archive import ArchiveError, import_profile

    try:
        res = import_profile(args.file, as_name=args.as_name, force=args.force)
    except (ArchiveError, ProfileError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot import {args.file}: {exc.strerror or exc}; nothing was changed")
    print(f"imported profile {res.name!r} into {res.dir} ({res.files} files, {_size(res.bytes)}"
          + (f"; layouts installed: {', '.join(res.layouts)}" if res.layouts else "") + ")")
    if res.backup:
        print(f"the profile it replaced was saved as {res.backup} (restore with: aac profile import FILE --force)")
    return 0


def _autostart_hint(old: str) -> str:
    """A note when the desktop launcher still opens ``old`` (written by aac install-desktop)."""
    try:
        from aac.desktop import DesktopPaths

        where = DesktopPaths.current()
        for f in (where.launcher, where.autostart):
            if f.is_file() and f"--profile {old}" in f.read_text(encoding="utf-8", errors="replace").replace('"', ""):
                return " The desktop launcher still opens the old name: run aac install-desktop --profile NEW again."
    except Exception:  # noqa: BLE001 - a hint only
        pass
    return ""


def cmd_rename(args: argparse.Namespace) -> int:
    from aac.store.profile_archive import rename_profile

    try:
        dst = rename_profile(args.old, args.new)
    except ProfileError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot rename: {exc.strerror or exc} (is the board running with this profile?)")
    print(f"renamed profile {args.old!r} to {dst.name!r} ({dst}).{_autostart_hint(args.old)}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from aac.store.profile_archive import ArchiveError, backups_dir, delete_profile

    try:
        from aac.store.profile_archive import _existing

        _existing(args.name)
    except ProfileError as exc:
        return _fail(str(exc))
    if not args.yes:
        if not sys.stdin.isatty():
            return _fail(f"this deletes profile {args.name!r}; add --yes to confirm (a backup is kept)")
        answer = input(f"Delete profile {args.name!r}? A backup archive is kept in {backups_dir()}. "
                       "Type the profile name to confirm: ")
        if answer.strip() != args.name:
            print("not deleted")
            return 1
    try:
        backup = delete_profile(args.name)
    except (ArchiveError, ProfileError) as exc:
        return _fail(f"{exc}; the profile was not deleted")
    except OSError as exc:
        return _fail(f"cannot delete: {exc.strerror or exc}")
    print(f"deleted profile {args.name!r}; backup: {backup} (restore with: aac profile import {backup})")
    return 0
