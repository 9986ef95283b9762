"""``aac edit [--profile NAME]``: start the board editor and print its one-time link."""

from __future__ import annotations

import argparse
import os
import sys
import time


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("edit", help="edit boards, phrases and settings in a web browser (this machine only)",
                              description="Start the board editor on 127.0.0.1 and print its link (with a one-time token).")
    p.add_argument("--profile", help="profile folder or name whose settings to edit (default: 'default')")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a random free port)")
    p.add_argument("--no-browser", action="store_true", help="only print the link; do not open a browser")
    p.set_defaults(func=cmd_edit)


def cmd_edit(args: argparse.Namespace) -> int:
    from aac.store.profile import ProfileError, resolve_profile

    from .server import RunningEditor

    try:
        profile = resolve_profile(args.profile, create=args.profile is None)
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        running = RunningEditor(profile, port=args.port).start()
    except OSError as exc:
        print(f"error: cannot start the editor on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Board editor for profile {profile.name!r}: open this link in a browser on this computer:")
    print(f"  {running.url}")
    print("The link works only on this computer and only while this command runs. Press Ctrl+C to stop.", flush=True)
    if not args.no_browser and (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform in ("darwin", "win32")):
        import webbrowser

        webbrowser.open(running.url)
    try:
        while running.thread.is_alive():
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping the editor")
    finally:
        running.stop()
    return 0
