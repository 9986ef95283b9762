"""``aac layout check|list|copy|show|import|export``: caregiver tools for layout files.

``check`` prints problems like a compiler (``file:line: key: message (suggestion)``) so an editor
or a person can go straight to the line; it exits 1 if any file has a problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .loader import list_layouts, load_layout, paths, user_layouts_dir, working_version_of_file
from .model import Layout, LayoutError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("layout", help="check, list, show and import board layouts",
                                   description="Caregiver tools for board layouts (layouts/*.toml).")
    sub = parser.add_subparsers(dest="layout_command", metavar="ACTION")

    check = sub.add_parser("check", help="check layout files and report every problem")
    check.add_argument("files", nargs="+", metavar="FILE", help="layout file(s) or layout name(s)")
    check.add_argument("--advice", action="store_true",
                       help="also print design advice for eye gaze (tile size, prediction placement; never fails)")
    check.set_defaults(func=cmd_check)

    lst = sub.add_parser("list", help="list the layouts the board can use")
    lst.set_defaults(func=cmd_list)

    copy = sub.add_parser("copy", help="copy a layout into your own layouts folder to edit it")
    copy.add_argument("source", help="layout name or file to start from, e.g. default")
    copy.add_argument("name", help="name of the new layout (letters, digits, - and _)")
    copy.add_argument("--force", action="store_true", help="overwrite an existing layout with that name")
    copy.set_defaults(func=cmd_copy)

    show = sub.add_parser("show", help="draw a layout's pages as text grids (or one page as a PNG picture)")
    show.add_argument("layout", help="layout file or name")
    show.add_argument("--page", help="only this page")
    show.add_argument("--png", type=Path, metavar="FILE",
                      help="draw the page (default: home) with the board's own renderer into a PNG file")
    show.add_argument("--size", default="1280x720", help="picture size for --png, WIDTHxHEIGHT (default 1280x720)")
    show.add_argument("--profile", help="use this profile's theme setting (shows which theme wins)")
    show.set_defaults(func=cmd_show)

    exp = sub.add_parser("export", help="write a layout as Open Board Format (.obz with pictures, or .obf)")
    exp.add_argument("layout", help="layout name or file")
    exp.add_argument("--out", type=Path, required=True, metavar="FILE.obz|FILE.obf")
    exp.add_argument("--force", action="store_true", help="overwrite an existing output file")
    exp.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="convert an Open Board Format board (.obf/.obz) to a layout")
    imp.add_argument("file", metavar="FILE.obf|FILE.obz")
    imp.add_argument("--out", type=Path, help=f"output .toml (default: {user_layouts_dir()}/<name>.toml)")
    imp.add_argument("--name", help="layout name shown in the app (default: from the board)")
    imp.add_argument("--language", help='layout language code, e.g. "en" (default: from the board, else "en")')
    imp.add_argument("--predictions", action="store_true",
                     help="add rows with 3 sentence endings and 5 next-word predictions to every page")
    imp.add_argument("--force", action="store_true",
                     help="replace an existing layout with that name (or an existing --out file)")
    imp.set_defaults(func=cmd_import)

    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def is_board_file(item: str) -> bool:
    """An Open Board Format file (by suffix, or by content: a zip or a JSON object), not a layout.

    Caregivers download boards and check them before importing; treating one as TOML would only
    say "syntax error" at line 1.
    """
    path = Path(item)
    if path.suffix.lower() in (".obf", ".obz"):
        return True
    if path.suffix.lower() == ".toml" or not path.is_file():
        return False
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError:
        return False
    return head.startswith(b"PK\x03\x04") or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def check_board(item: str) -> bool:
    """Check an Open Board Format file the way ``aac layout import`` would convert it."""
    from .obf import ObfError, import_board

    try:
        result = import_board(Path(item))
    except ObfError as exc:
        print(f"{item}: cannot import this Open Board Format board: {exc}")
        return False
    except OSError as exc:
        print(f"{item}: cannot read: {exc.strerror or exc}")
        return False
    layout = result.layout
    print(f"ok: {item} (Open Board Format; imports as {len(layout.pages)} pages, {layout.tile_count} tiles: "
          f"aac layout import {item})")
    for note in result.notes:
        print(f"note: {item}: {note}")
    from .glyphs import glyph_warnings

    for warning in glyph_warnings(layout):
        print(f"warning: {item}: {warning}")
    return True


def cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for item in args.files:
        if is_board_file(item):
            failed |= not check_board(item)
            continue
        try:
            layout = load_layout(item)
        except LayoutError as exc:
            failed = True
            for problem in exc.problems:
                print(problem)
            continue
        print(f"ok: {item} ({len(layout.pages)} pages, {layout.tile_count} tiles)")
        from .glyphs import glyph_warnings

        for warning in glyph_warnings(layout):
            print(f"warning: {item}: {warning}")
        if getattr(args, "advice", False):
            from .advice import advise

            for note in advise(layout):
                print(f"advice: {item}: {note}")
    return 1 if failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    layouts = list_layouts()
    if not layouts:
        print("no layouts found in " + ", ".join(str(d) for d in (user_layouts_dir(), paths.LAYOUTS_DIR)))
        return 1
    width = max(len(n) for n, _ in layouts)
    for name, path in layouts:
        mine = path.parent == user_layouts_dir()
        try:
            layout = load_layout(path)
            info = f"{layout.language}  {len(layout.pages)} pages  {layout.name}"
        except LayoutError as exc:
            info = f"BROKEN ({len(exc.problems)} problems: run aac layout check {path})"
            working = working_version_of_file(path) if mine else None
            if working is not None:  # what the board shows meanwhile, and the way back
                info += f"; the board shows the version that worked on {working.saved}: `aac edit` puts it back"
        origin = "user" if mine else "shipped"
        print(f"{name:<{width}}  {origin:<7}  {info}")
    return 0


def renamed_copy(text: str, new_name: str) -> str:
    """The layout text with its display name made ``new_name (copy of OLD)``.

    Without this a copy shows under the same name as its original in ``aac layout list`` and
    the settings screen, and the caregiver cannot tell which one they are choosing.
    """
    import json
    import re

    lines = text.splitlines(keepends=True)
    in_layout = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            in_layout = stripped == "[layout]"
            continue
        m = re.match(r"^(\s*name\s*=\s*)(\"(?:[^\"\\]|\\.)*\")(\s*(?:#.*)?)$", line.rstrip("\r\n"))
        if in_layout and m:
            try:
                old = json.loads(m.group(2))
            except ValueError:
                return text
            ending = line[len(line.rstrip("\r\n")):]
            lines[i] = m.group(1) + json.dumps(f"{new_name} (copy of {old})", ensure_ascii=False) + m.group(3) + ending
            return "".join(lines)
    return text


def cmd_copy(args: argparse.Namespace) -> int:
    """Start a caregiver's own layout from a shipped one, in the user folder (kept on updates)."""
    import re

    from ..fileio import atomic_write_text
    from .loader import resolve_layout

    if not re.fullmatch(r"[\w-]{1,60}", args.name):
        print(f"layout name {args.name!r}: use letters, digits, - and _ only (it becomes the file name)", file=sys.stderr)
        return 1
    try:
        source = resolve_layout(args.source)
        text = source.read_text(encoding="utf-8")
    except LayoutError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.source}: cannot read: {exc}", file=sys.stderr)
        return 1
    out = user_layouts_dir() / f"{args.name}.toml"
    if not confirm_replace(args.name, out, args.force):
        return 1
    atomic_write_text(out, renamed_copy(text, args.name))
    copy_media(source, out)
    print(f"copied {source} to {out}")
    print(f"edit it, then run: aac layout check {args.name}   (choose layout {args.name!r} in the settings)")
    return 0


def render_page_text(layout: Layout, page_name: str, cell_width: int = 9) -> str:
    """A page as a text grid (for caregivers without the app running, and for docs)."""
    page = layout.page(page_name)
    grid = [["" for _ in range(page.cols)] for _ in range(page.rows)]
    for tile in page.tiles:
        text = {
            "word": f"word{tile.slot}", "ending": f"end{tile.slot}", "chunk": f"chunk{tile.slot}",
            "message": "[message]", "page": f">{tile.label}",
        }.get(tile.kind, tile.label or tile.value or tile.action or tile.kind)
        for r, c in tile.cells():
            grid[r][c] = text if (r, c) == (tile.row, tile.col) else "~"
    border = "+" + "+".join("-" * cell_width for _ in range(page.cols)) + "+"
    lines = [f"page {page.name!r}: {page.rows} rows x {page.cols} cols"
             + (f", returns to {page.return_to!r}" if page.return_to else ""), border]
    for row in grid:
        lines.append("|" + "|".join(cell[:cell_width].center(cell_width) for cell in row) + "|")
        lines.append(border)
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> int:
    try:
        layout = load_layout(args.layout)
    except LayoutError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    names = [args.page] if args.page else layout.page_names()
    if args.page and args.page not in layout.page_names():
        print(f"no page {args.page!r}; pages: {', '.join(layout.page_names())}", file=sys.stderr)
        return 1
    from .theme_choice import effective_theme

    profile_theme, err = _profile_theme(getattr(args, "profile", None))
    if err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    theme, why = effective_theme(layout.theme, profile_theme)
    print(f"{layout.name} ({layout.language}, font_scale {layout.font_scale})")
    print(f"theme: {why}")
    if getattr(args, "png", None) is not None:
        import re

        m = re.fullmatch(r"(\d{3,4})x(\d{3,4})", str(args.size))
        if not m:
            print(f"--size {args.size!r}: write WIDTHxHEIGHT, e.g. 1920x1080", file=sys.stderr)
            return 1
        from ..fileio import atomic_write_bytes
        from ..ui.page_preview import render_page_png

        png = render_page_png(layout, args.page, (int(m.group(1)), int(m.group(2))), theme=theme)
        try:
            atomic_write_bytes(args.png, png)
        except OSError as exc:
            print(f"{args.png}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"page {args.page or layout.home.name!r} drawn by the board's renderer: {args.png}")
        return 0
    for name in names:
        print(render_page_text(layout, name))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .obf import ObfError, import_board

    try:
        result = import_board(Path(args.file), name=args.name, language=args.language,
                              predictions=bool(getattr(args, "predictions", False)))
    except ObfError as exc:
        print(f"{args.file}: cannot import: {exc}", file=sys.stderr)
        return 1
    if args.out is not None:
        out = args.out
        if out.exists() and not args.force:
            print(f"{out} already exists; use --force to overwrite it or --out to choose another file", file=sys.stderr)
            return 1
    else:
        out = user_layouts_dir() / f"{result.slug}.toml"
        if not confirm_replace(result.slug, out, args.force):
            return 1
    result.write(out)
    for note in result.notes:
        print(f"note: {note}")
    try:
        layout = load_layout(out)
    except LayoutError as exc:  # should not happen: the importer checks its own output
        for problem in exc.problems:
            print(problem)
        return 1
    print(f"imported: {out} ({len(layout.pages)} pages, {layout.tile_count} tiles); "
          f"layout name for the profile settings: {out.stem}")
    return 0


def existing_layouts(name: str, out: Path) -> list[str]:
    """What writing user layout ``out`` (named ``name``) would replace or hide, in words."""
    found = []
    if out.exists():
        found.append(f"your layout {name!r} ({out})")
    shipped = paths.LAYOUTS_DIR / f"{name}.toml"
    if shipped.is_file() and shipped.resolve() != out.resolve():
        found.append(f"the shipped layout {name!r} ({shipped}), for every profile that uses it")
    return found


def confirm_replace(name: str, out: Path, force: bool) -> bool:
    """True when ``out`` may be written: nothing there, ``--force``, or the caregiver says yes.

    Why: a user layout with a shipped layout's name silently replaces it for every profile
    (``aac layout import board.obf --name Default`` used to do exactly that)."""
    replaced = existing_layouts(name, out)
    if not replaced:
        return True
    what = " and ".join(replaced)
    if force:
        print(f"replacing {what}")
        return True
    if sys.stdin is not None and sys.stdin.isatty() and sys.stdout.isatty():
        try:
            answer = input(f"this replaces {what}. Replace it? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() in ("y", "yes"):
            return True
        print("nothing was written", file=sys.stderr)
        return False
    print(f"a layout named {name!r} already exists: writing it would replace {what}; "
          f"nothing was written (use --force to replace it, or choose another name)", file=sys.stderr)
    return False


def copy_media(source: Path, out: Path) -> None:
    """Copy the folders holding a layout's pictures and sounds to ``OUT-NAME.media/`` and point
    the copy's ``picture =``/``sound =`` lines there (a copy must not share files it may change)."""
    import shutil

    from ..fileio import atomic_write_text
    from .media import media_dir_for

    try:
        layout = load_layout(source)
    except LayoutError:
        return
    folders = {rel.split("/", 1)[0] for p in layout.pages for t in p.tiles for rel in (t.picture, t.sound)
               if rel and "/" in rel}
    if not folders:
        return
    dst = media_dir_for(out)
    text = out.read_text(encoding="utf-8")
    for folder in sorted(folders):
        src = source.parent / folder
        if src.is_dir() and src.resolve() != dst.resolve():
            shutil.copytree(src, dst, dirs_exist_ok=True)
            text = re.sub(rf'^((?:picture|sound)\s*=\s*"){re.escape(folder)}/', rf"\g<1>{dst.name}/", text, flags=re.M)
    atomic_write_text(out, text)


def cmd_export(args: argparse.Namespace) -> int:
    from .obf_export import ExportError, export_layout

    try:
        layout = load_layout(args.layout)
    except LayoutError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("fix these problems first: only a layout that passes the check is exported", file=sys.stderr)
        return 1
    if args.out.exists() and not args.force:
        print(f"{args.out} already exists; use --force to overwrite it", file=sys.stderr)
        return 1
    try:
        notes = export_layout(layout, args.out)
    except ExportError as exc:
        print(f"{args.layout}: cannot export: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.out}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"note: {note}")
    pictures = sum(1 for p in layout.pages for t in p.tiles if t.picture)
    print(f"exported: {args.out} ({len(layout.pages)} pages, {layout.tile_count} tiles, {pictures} with pictures)")
    return 0


def _profile_theme(arg: str | None) -> tuple[str | None, str | None]:
    """(the profile's theme setting, error)."""
    if not arg:
        return None, None
    from ..store.profile import ProfileError, resolve_profile

    try:
        return resolve_profile(arg, create=False).settings.theme, None
    except ProfileError as exc:
        return None, str(exc)
