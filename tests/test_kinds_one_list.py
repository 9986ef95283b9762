"""One list of kinds and one table of the board's words: the usage log, the report, the LAM
writer, the speech policy, the controller and its spoken messages take their kinds from aac/kinds.py; action tiles
without a label take theirs from aac/ui/wording.py (the layout loader and the renderer alike)."""

from __future__ import annotations

from aac import kinds
from aac.kinds import Action, UsageKind
from aac.layouts.loader import parse_layout_bytes
from aac.ui.wording import ACTION_LABELS, action_label

LAYOUT = """
[layout]
name = "Mini"
language = "{language}"

[[page]]
name = "home"
rows = 2
cols = 3

[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 2

[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 2

[[page.tile]]
kind = "action"
action = "speak"
row = 1
col = 0

[[page.tile]]
kind = "action"
action = "delete_word"
row = 1
col = 1
"""


def test_every_action_has_a_label_in_each_language_of_the_word_table():
    for language, table in ACTION_LABELS.items():
        assert set(table) == set(Action), language
    assert action_label("ru", "stop_speech") == "Стоп"
    assert action_label("de", "undo") == "Undo"  # a language without its own words: English
    assert action_label("en", "no_such_action") == "no_such_action"


def test_action_tiles_without_a_label_are_worded_by_the_board_table():
    for language, speak, delete in (("en", "Speak", "Delete word"), ("ru", "Сказать", "Стереть слово")):
        layout = parse_layout_bytes(LAYOUT.format(language=language).encode())
        labels = {t.action: t.label for t in layout.home.tiles if t.kind == "action"}
        assert labels["speak"] == speak and labels["delete_word"] == delete


def test_the_log_report_lam_and_policy_use_the_one_list():
    from aac.speech import policy
    from aac.store import lam, report_metrics, report_periods
    from aac.ui import controller, spoken

    assert controller.PREVIEW_ENDING is kinds.PREVIEW_ENDING == "preview"
    assert spoken.RECORDED_MESSAGE is kinds.RECORDED_MESSAGE == "recorded message"
    members = [k for _, _, ks in report_periods.COMPOSITION for k in ks]
    assert all(isinstance(k, UsageKind) for k in members) and len(members) == len(set(members))
    assert all(isinstance(k, UsageKind) for k in lam.CODES) and lam.WHOLE_WORD_KINDS <= set(lam.CODES)
    assert report_metrics.CONTENT_KINDS == {UsageKind(k) for k in kinds.CONTENT_KINDS}
    assert set(report_periods.CORRECTIONS) == {str(k) for k in kinds.CORRECTION_KINDS}
    assert all(isinstance(k, kinds.EventKind) for k in policy._SAYING_KINDS)
    # the values are the words the usage database and the LAM file have always held
    assert {str(k) for k in UsageKind} >= {"word", "ending", "preview", "chunk", "letter", "space", "punct",
                                           "phrase", "recorded message", "history", "action", "page"}
