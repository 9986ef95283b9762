"""Which theme the board uses: the layout's own ``theme`` or the profile's ``theme`` setting.

One precedence, documented in layouts/README.md ("Colours and themes") and applied by the board
(``BoardApp._pick_theme``), ``aac layout show`` and the editor's preview alike:

1. the profile's ``theme`` setting (the caregiver's choice for this person: eyesight does not
   change with the board) picks the palette;
2. colours the layout file sets itself (a ``[theme]`` table) stay on top of that palette;
3. a layout theme with its own ``name`` (not a built-in) is a complete custom theme and wins;
4. with no profile (``aac layout show`` without ``--profile``) the layout's theme is used.
"""

from __future__ import annotations

from dataclasses import fields

from .model import Theme
from .themes import THEMES, get_theme, with_overrides


def effective_theme(layout_theme: Theme, profile_theme: str | None) -> tuple[Theme, str]:
    """(theme the board draws with, one sentence saying why) for a caregiver."""
    wanted = (profile_theme or "").strip()
    if not wanted:
        return layout_theme, (f"{layout_theme.name} (the layout's own theme; on the board a profile's theme setting "
                              "comes first: add --profile NAME to see which wins)")
    if wanted == layout_theme.name:
        return layout_theme, f"{wanted} (the profile's and the layout's theme agree)"
    try:
        chosen = get_theme(wanted)
    except KeyError:
        return layout_theme, f"{layout_theme.name} (the profile's theme {wanted!r} does not exist)"
    base = THEMES.get(layout_theme.name)
    if base is None:
        return layout_theme, f"{layout_theme.name} (the layout's own custom theme wins over the profile's {wanted!r})"
    overrides = {f.name: getattr(layout_theme, f.name) for f in fields(base)
                 if f.name != "name" and getattr(layout_theme, f.name) != getattr(base, f.name)}
    why = f"{wanted} (the profile's theme setting wins over the layout's {layout_theme.name!r}"
    why += f"; the layout's {len(overrides)} own colour(s) stay on top)" if overrides else ")"
    return (with_overrides(chosen, overrides, chosen.name) if overrides else chosen), why
