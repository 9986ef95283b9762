"""Export of the usage log in the Language Activity Monitor (LAM) format: ``aac report --lam FILE``.

LAM is the plain-text language-sample format of the AAC Institute (Hill & Romich, "A language
activity monitor for supporting AAC evidence-based clinical practice", Assistive Technology 13(1),
2001; "Language Activity Monitoring (LAM) Technical Guide for Developers", aacinstitute.org), read
by clinical analysis tools such as the AAC Institute's Performance Report Tool (PeRT) and
produced by PRC devices. Each line is one language event::

    hh:mm:ss ABC "content"

time of day (24 h, one-second resolution), an optional three-letter code for how the event was
generated, and the content between double quotes. The file may start with a header of
unspecified structure; the guide recommends the device name and version and a privacy notice,
which is what we write. Codes used here (from the guide's list):

    SPE  spelling (a letter, space or punctuation)       WPR  word prediction list (a predicted word)
    NWL  next word(s) list (a sentence ending/preview,   WOR  words and word combinations on the
         a predicted phrase)                                   display (a quick phrase, a recorded message)

LAM events carry only the time of day, so a line ``*[YYYY-MM-DD]*`` (not an event: it has no time
stamp) starts each day, and a ``*[SESSION ...]*`` line each session.

Privacy: the content is the selected text only when the person's text logging is on (the
consent that stores message text). Otherwise every event is written with a placeholder naming
its kind (``"[letter]"``, ``"[word]"``...): the timing and method of each event, which is what
rate and method analyses need, without any word of the message.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from aac.kinds import UsageKind

#: The LAM code of each logged selection kind that is a language event (the others are not written).
CODES: dict[str, str] = {
    UsageKind.LETTER: "SPE", UsageKind.SPACE: "SPE", UsageKind.PUNCT: "SPE", UsageKind.WORD: "WPR",
    UsageKind.ENDING: "NWL", UsageKind.PREVIEW: "NWL", UsageKind.CHUNK: "NWL", UsageKind.PHRASE: "WOR",
    UsageKind.RECORDED_MESSAGE: "WOR",
    # a message said again from the history page: the whole message in one selection, like a
    # recorded message
    UsageKind.HISTORY: "WOR",
}
#: Kinds whose text is whole words (written followed by a space).
WHOLE_WORD_KINDS = frozenset({UsageKind.WORD, UsageKind.ENDING, UsageKind.PREVIEW, UsageKind.CHUNK,
                              UsageKind.PHRASE, UsageKind.RECORDED_MESSAGE, UsageKind.HISTORY})

HEADER = """### CAUTION ###
The following data represents personal communication.
Please respect privacy accordingly.
Language Activity Monitor "AAC eye-gaze board" (aac report --lam)
Person: {name}
Content: {content}
"""


def _content(sel: dict[str, Any], text_logging: bool) -> str:
    kind = str(sel.get("kind"))
    if not text_logging or sel.get("text") is None:
        return f"[{kind.replace(' ', '_')}]"
    text = str(sel["text"])
    if kind == UsageKind.SPACE:
        return " "
    if kind in WHOLE_WORD_KINDS and not text.endswith(" "):
        text += " "  # a whole word is followed by its space, as in the guide's examples
    return text


def lam_lines(rows: dict[str, list[dict[str, Any]]], text_logging: bool, profile_name: str = "") -> list[str]:
    """The LAM file's lines (header, then one event per language selection, oldest first)."""
    content = ("the selected text (text logging is on)" if text_logging else
               "the kind of each event only, never the text (text logging is off)")
    lines = HEADER.format(name=profile_name.replace("\n", " "), content=content).splitlines()
    sessions = {s["id"]: s for s in rows.get("sessions", [])}
    day = None
    session = object()
    for sel in sorted(rows.get("selections", []), key=lambda r: r["t"]):
        code = CODES.get(str(sel.get("kind")))
        if code is None:
            continue  # actions and page changes are not language events
        when = datetime.fromtimestamp(sel["t"])
        if when.date() != day:
            day = when.date()
            lines.append(f"*[{day.isoformat()}]*")
        sid = sel.get("session_id")
        if sid != session:
            session = sid
            s = sessions.get(sid)
            if s is not None:
                dwell = f" dwell {s['dwell_ms']:.0f} ms" if s.get("dwell_ms") is not None else ""
                lines.append(f"*[SESSION {datetime.fromtimestamp(s['started']).strftime('%H:%M:%S')}"
                             f" {s.get('source') or ''}{dwell}]*")
        text = _content(sel, text_logging).replace('"', "'").replace("\n", " ").replace("\r", " ")
        lines.append(f'{when.strftime("%H:%M:%S")} {code} "{text}"')
    return lines


def write_lam(path: Path, rows: dict[str, list[dict[str, Any]]], text_logging: bool, profile_name: str = "") -> int:
    """Write the LAM file (0600, atomically); returns the number of events written."""
    from aac.fileio import atomic_write_text

    lines = lam_lines(rows, text_logging, profile_name)
    atomic_write_text(Path(path), "\n".join(lines) + "\n")
    return sum(1 for ln in lines if ln[:1].isdigit())
