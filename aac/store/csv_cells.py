"""CSV cells that a spreadsheet cannot run (issue 20, finding 7).

Clinicians open the report's CSV tables in Excel or LibreOffice, which treat a cell starting
with ``=``, ``+``, ``-`` or ``@`` (and, in some versions, a tab or carriage return before
them) as a formula: a logged message or layout name ``=HYPERLINK("http://...")`` became a
live link. Such text cells get a leading apostrophe, the OWASP "CSV injection" advice; numbers
are written as numbers (a negative number is data, not a formula).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
