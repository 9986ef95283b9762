"""Fuzzed profile files: whatever bytes are in settings.json / draft.json / calibration.json /
profile.json, opening the profile never crashes, yields valid settings, and loses no file."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aac.store.profile import Profile
from aac.store.settings import RANGES, Settings, check_value, field_names, from_dict

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
settings_dicts = st.dictionaries(st.sampled_from(field_names() + ["version", "extra", "zzz"]), json_values, max_size=12)


def assert_valid(s: Settings) -> None:
    defaults = Settings()
    for name in field_names():
        value = getattr(s, name)
        assert type(value) is type(getattr(defaults, name)), name
        assert check_value(name, value)[1] is None, (name, value)
        if name in RANGES:
            lo, hi = RANGES[name]
            assert lo <= value <= hi


@settings(max_examples=100, deadline=None)
@given(settings_dicts)
def test_settings_dicts_always_valid(data):
    s, problems = from_dict(data, source="settings.json")
    assert_valid(s)
    assert all(p.startswith("settings.json: ") for p in problems)
    json.dumps(s.to_dict())  # always writable back


FILES = ["settings.json", "draft.json", "calibration.json", "profile.json"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FILES), st.one_of(st.binary(max_size=200), settings_dicts.map(lambda d: json.dumps(d, allow_nan=True).encode()),
                                         st.just(b""), st.just(b"\xef\xbb\xbf{}"), st.just(b"null")))
def test_any_file_content_opens(name, content):
    d = Path(tempfile.mkdtemp())
    try:
        Profile.open(d / "p")
        (d / "p" / name).write_bytes(content)
        prof = Profile.open(d / "p")
        assert_valid(prof.settings)
        assert isinstance(prof.load_draft(), str)
        cal = prof.calibration
        assert cal is None or isinstance(cal, dict)
        # the bytes are either still in place (accepted) or kept in a .corrupt-* copy
        kept = [p.read_bytes() for p in (d / "p").glob(name + "*")]
        assert content in kept
    finally:
        shutil.rmtree(d)
