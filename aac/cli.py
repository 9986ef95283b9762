"""The ``aac`` console script.

Each area registers its own subcommands (``register(subparsers)`` in ``aac/<area>/cli.py``) so
the modules stay small and independent; an area that fails to import does not take the whole
tool down, it only loses its commands (and says why when one of them is asked for).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

#: Modules that contribute subcommands, in help order.
COMMAND_MODULES = [
    "aac.ui.cli",  # run, simulate
    "aac.gaze.cli",  # calibrate
    "aac.predict.model_store",  # model build/info (needs nothing but the standard library)
    "aac.predict.cli",  # predict, bench
    "aac.speech.cli",  # speak, voices
    "aac.layouts.cli",  # layout check/import/list
    "aac.store.cli",  # profile, report
    "aac.edit.cli",  # edit (the board editor in the browser)
    "aac.ui.screenshots",  # screenshots
    "aac.desktop",  # install-desktop
]


def version_line() -> str:
    """``aac 0.1.0 (Python 3.11.7; shipped files from the package|checkout)`` for bug reports."""
    from aac import __version__
    from aac.resources import origin

    return f"aac {__version__} (Python {sys.version.split()[0]}; shipped files from the {origin()})"


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, str]]:
    parser = argparse.ArgumentParser(prog="aac", description="Eye-gaze AAC dwell board.")
    parser.add_argument("--version", action="version", version=version_line(),
                        help="print the version (and where the shipped files come from) and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    broken: dict[str, str] = {}
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # area not built yet
            broken[name] = f"{type(exc).__name__}: {exc}"
            continue
        except Exception as exc:  # noqa: BLE001 - report, keep the other commands usable
            broken[name] = f"{type(exc).__name__}: {exc}"
            continue
        try:
            module.register(sub)
        except Exception as exc:  # noqa: BLE001 - a broken area loses its commands, not the tool
            broken[name] = f"{type(exc).__name__}: {exc}"
    return parser, broken


def main(argv: list[str] | None = None) -> int:
    parser, broken = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        for name, why in broken.items():
            print(f"warning: commands from {name} are unavailable: {why}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `aac voices | head`: the reader went away; exit quietly instead of a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
