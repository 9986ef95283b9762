"""The board of last resort, built in so that no missing or broken file leaves a blank screen.

Used only when neither the requested layout, the last good one nor the shipped default can be
read (e.g. the ``layouts/`` directory was deleted). It is parsed by the same checker as every
file, and a test keeps it valid.
"""

EMERGENCY_TOML = """
[layout]
name = "Emergency board"
language = "en"
theme = "high-contrast"

[[page]]
name = "home"
rows = 6
cols = 10

[[page.tile]]
kind = "message"
row = 0
col = 0
col_span = 7

[[page.tile]]
kind = "action"
action = "speak"
row = 0
col = 7
col_span = 2

[[page.tile]]
kind = "action"
action = "pause"
row = 0
col = 9

[[page.tile]]
kind = "word"
slot = 0
row = 1
col = 0
col_span = 2

[[page.tile]]
kind = "word"
slot = 1
row = 1
col = 2
col_span = 2

[[page.tile]]
kind = "word"
slot = 2
row = 1
col = 4
col_span = 2

[[page.tile]]
kind = "word"
slot = 3
row = 1
col = 6
col_span = 2

[[page.tile]]
kind = "word"
slot = 4
row = 1
col = 8
col_span = 2

[[page.keys]]
row = 2
keys = "qwertyuiop"

[[page.keys]]
row = 3
keys = "asdfghjkl'"

[[page.keys]]
row = 4
keys = "zxcvbnm"

[[page.keys]]
row = 4
col = 7
kind = "punct"
keys = ",.?"

[[page.tile]]
kind = "action"
action = "delete_letter"
row = 5
col = 0
col_span = 2

[[page.tile]]
kind = "action"
action = "space"
row = 5
col = 2
col_span = 6

[[page.tile]]
kind = "action"
action = "clear"
row = 5
col = 8
col_span = 2
"""
