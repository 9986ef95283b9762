"""`aac edit`: the person's recorded messages from the caregiver's editor, over real HTTP.

Upload (checked by the bank's own checks: aac/speech/bank.py), attach to a phrase tile and save
(the saved layout passes `aac layout check`), play, remove; bad files refused with the bank's
message; no token changes nothing; upload names never become paths. The recording is real speech
written by the project's own TTS (espeak-ng), the bad ones are made with numpy/soundfile.
"""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile
from test_edit_server import call, multipart, own_copy

from aac.cli import main
from aac.speech.bank import VoiceBank


@pytest.fixture
def editor(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    from aac.edit.server import RunningEditor
    from aac.store.profile import Profile

    running = RunningEditor(Profile.create("anna")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> bytes:
    """Real speech from the project's TTS (espeak-ng through `synthesize_to_wav`), as uploaded."""
    from aac.speech.synth import synthesize_to_wav

    path = tmp_path_factory.mktemp("rec") / "yes.wav"
    synthesize_to_wav("Yes, I would love that.", "en-espeak", path)
    return path.read_bytes()


def upload(editor, data: bytes, phrase: str, filename: str = "take1.wav", token=True):
    body, ctype = multipart(filename, data, {"phrase": phrase})
    return call(editor, "/api/recordings/upload", raw=body, content_type=ctype, token=token)


def bank(editor) -> VoiceBank:
    return VoiceBank(editor.editor.profile.dir)


def test_upload_attach_save_and_the_layout_passes_the_check(editor, speech_wav, tmp_path):
    flac = tmp_path / "take.flac"  # a FLAC from a phone's recorder app is as welcome as a WAV
    data, rate = soundfile.read(__import__("io").BytesIO(speech_wav))
    soundfile.write(str(flac), data, rate)
    status, res = upload(editor, flac.read_bytes(), "Yes, I would love that.", filename="take.flac")
    assert status == 200, res
    rec = res["recording"]
    assert rec["name"] == "yes-i-would-love-that" and rec["duration"] > 1.0
    assert [r["name"] for r in res["recordings"]] == [rec["name"]]
    assert "take.flac" in res["message"]
    stored = bank(editor).path(rec["name"])
    assert stored is not None and stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert soundfile.info(str(stored)).format == "WAV"

    status, listed = call(editor, "/api/recordings")
    assert status == 200 and listed["recordings"][0]["phrase"] == "Yes, I would love that."
    status, wav = call(editor, f"/api/recording?name={rec['name']}")  # what the browser plays
    assert status == 200 and wav == stored.read_bytes()

    layout = own_copy(editor)
    data = layout["data"]
    yes = next(t for t in data["pages"][0]["tiles"] if t.get("label") == "Yes")
    yes["recording"] = rec["name"]
    status, res = call(editor, "/api/save", {"name": "mine", "data": data, "hash": layout["hash"]})
    assert status == 200, res
    assert main(["layout", "check", "mine"]) == 0
    from aac.layouts.loader import load_layout, user_layouts_dir

    saved = load_layout(user_layouts_dir() / "mine.toml")
    assert [t.recording for t in saved.home.tiles if t.label == "Yes"] == [rec["name"]]
    assert f'recording = "{rec["name"]}"' in (user_layouts_dir() / "mine.toml").read_text()

    # a second take of the same words is kept beside the first (nothing is overwritten)
    status, res = upload(editor, speech_wav, "Yes, I would love that!")
    assert status == 200 and res["recording"]["name"] == "yes-i-would-love-that-2"
    # removing the first says which tiles now speak their words instead
    status, res = call(editor, "/api/recordings/remove", {"name": rec["name"]})
    assert status == 200 and "mine / home / Yes" in res["message"]
    assert [r["name"] for r in res["recordings"]] == ["yes-i-would-love-that-2"] and not stored.exists()


def silent_wav(tmp_path: Path) -> bytes:
    path = tmp_path / "silent.wav"
    soundfile.write(str(path), np.zeros(22050, dtype=np.float32), 22050)
    return path.read_bytes()


def test_bad_files_are_refused_with_the_banks_message(editor, speech_wav, tmp_path):
    cases = [
        (b"this is a note, not a sound\n" * 20, "notes.wav", "not a sound file that can be read"),
        (silent_wav(tmp_path), "mic-off.wav", "the recording is silent"),
        (speech_wav[:44 + 2000], "cut.wav", "too short"),  # 0.05 s: stopped too early
    ]
    for data, filename, expected in cases:
        status, res = upload(editor, data, "Hello there", filename=filename)
        assert status == 422, res
        assert expected in res["error"] and res["error"].startswith(f"recording refused: {filename}:"), res
        assert res["field"] == "recording"
    status, res = upload(editor, speech_wav, "   ")
    assert status == 400 and "which words" in res["error"]
    status, res = call(editor, "/api/recordings")
    assert res["recordings"] == [] and not list(bank(editor).dir.glob("*.wav"))


def test_no_token_changes_nothing_and_names_are_never_paths(editor, speech_wav):
    for token in (None, "wrong"):
        status, res = upload(editor, speech_wav, "Hello there", token=token)
        assert status == 403 and "token" in res["error"]
        assert call(editor, "/api/recordings", token=token)[0] == 403
    body, ctype = multipart("take.wav", speech_wav, {"phrase": "Hello there"})
    status, res = call(editor, "/api/recordings/upload", raw=body, content_type=ctype,
                       headers={"Origin": "http://evil.example"})  # another web page, even with the token
    assert status == 403 and "another web page" in res["error"]
    assert bank(editor).list() == []
    status, res = upload(editor, speech_wav, "Hello there", filename="../../../../tmp/evil.wav")
    assert status == 200 and res["recording"]["name"] == "hello-there"
    assert sorted(p.name for p in bank(editor).dir.iterdir()) == ["hello-there.wav", "index.json"]
    assert not Path("/tmp/evil.wav").exists()
    for token in (None, "wrong"):
        assert call(editor, "/api/recordings/remove", {"name": "hello-there"}, token=token)[0] == 403
        assert call(editor, "/api/recording?name=hello-there", token=token)[0] == 403
    assert bank(editor).get("hello-there") is not None
    for bad in ("../index", "..%2Fsettings", "index.json", "HELLO", ""):
        status, res = call(editor, f"/api/recording?name={bad}")
        assert status == 404, (bad, res)
    status, res = call(editor, "/api/recordings/remove", {"name": "../../settings"})
    assert status == 404 and (Path(editor.editor.profile.dir) / "settings.json").exists()
    too_big = b"RIFF" + b"\0" * 31_000_000
    from test_edit_server import early_answer

    body, ctype = multipart("big.wav", too_big, {"phrase": "Big"})
    status, res = early_answer(editor, "/api/recordings/upload", body, ctype)
    assert status == 413 and "too large" in res["error"]


def test_keep_history_audio_is_an_editor_setting_off_by_default(editor):
    status, res = call(editor, "/api/state")
    assert status == 200 and res["settings"]["keep_history_audio"] is False
    status, res = call(editor, "/api/settings", {"settings": {"keep_history_audio": "yes"}})
    assert status == 422 and "true or false" in res["errors"]["keep_history_audio"]
    status, res = call(editor, "/api/settings", {"settings": {"keep_history_audio": True}})
    assert status == 200 and res["settings"]["keep_history_audio"] is True
    from aac.store.profile import resolve_profile

    assert resolve_profile("anna", create=False).settings.keep_history_audio is True
