"""Issue 20, finding 1: writing an output never changes anything outside the app's own files.

Before: ``atomic_write_bytes`` made the parent folder 0700 and then ``os.replace``d the target, so
``aac report --out /shared/r.html`` turned a 1777 shared folder into 0700, ``--out /dev/full``
(as root) replaced the device node with a file, and ``aac predict --jsonl --profile SOME_DIR``
chmodded a folder full of unrelated files and wrote profile files into it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_helpers import PYTHON, REPO, headless_env  # noqa: E402

from aac.fileio import NotARegularFile, atomic_write_text, ensure_private_dir  # noqa: E402
from aac.store.profile import Profile, ProfileError  # noqa: E402


def _make_null_device(path: Path) -> Path:
    """A private copy of /dev/null's device node (never the real one: a failing test must not
    replace a system file)."""
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc})")
    return path


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_output_into_shared_sticky_folder_keeps_its_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    atomic_write_text(shared / "r.html", "<p>report</p>")
    assert _mode(shared) == 0o1777
    assert _mode(shared / "r.html") == 0o600


def test_output_into_existing_open_folder_keeps_its_mode(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    os.chmod(out, 0o755)
    atomic_write_text(out / "board.toml", "x")
    assert _mode(out) == 0o755


def test_missing_output_folders_are_created_private(tmp_path):
    atomic_write_text(tmp_path / "new" / "deeper" / "r.html", "x")
    assert _mode(tmp_path / "new") == 0o700 and _mode(tmp_path / "new" / "deeper") == 0o700


def test_ensure_private_dir_never_chmods_a_sticky_shared_folder(tmp_path):
    shared = tmp_path / "tmpish"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    ensure_private_dir(shared)
    assert _mode(shared) == 0o1777


@pytest.mark.parametrize("kind", ["fifo", "dir", "device"])
def test_output_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    target = tmp_path / "out"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dir":
        target.mkdir()
    else:
        _make_null_device(target)
    before = os.lstat(target)
    with pytest.raises(NotARegularFile) as info:
        atomic_write_text(target, "x")
    assert "not a regular file" in str(info.value.strerror)
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_report_cli_refuses_device_output(tmp_path):
    device = _make_null_device(tmp_path / "full")
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    Profile.open(tmp_path / "p").close()
    r = subprocess.run([PYTHON, "-m", "aac.cli", "report", "--profile", str(tmp_path / "p"), "--out", str(device)],
                       capture_output=True, text=True, env=env, cwd=str(REPO), timeout=120)
    assert r.returncode != 0
    assert "not a regular file" in r.stderr and "Traceback" not in r.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_profile_open_refuses_a_folder_of_other_files(tmp_path):
    other = tmp_path / "documents"
    other.mkdir()
    os.chmod(other, 0o755)
    (other / "letter.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        Profile.open(other)
    assert "not a profile" in str(info.value)
    assert _mode(other) == 0o755
    assert sorted(p.name for p in other.iterdir()) == ["letter.txt"]


def test_predict_jsonl_does_not_touch_an_existing_non_profile_folder(tmp_path):
    other = tmp_path / "shared"
    other.mkdir()
    os.chmod(other, 0o1777)
    (other / "notes.txt").write_text("x", encoding="utf-8")
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    r = subprocess.run([PYTHON, "-m", "aac.cli", "predict", "--jsonl", "--profile", str(other)], input="",
                       capture_output=True, text=True, env=env, cwd=str(REPO), timeout=300)
    assert r.returncode == 2, r.stderr[-500:]
    assert "not a profile" in r.stderr
    assert _mode(other) == 0o1777
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_symlinked_profile_folder_owned_by_someone_else_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a folder to another user")
    real = tmp_path / "theirs"
    Profile.open(real).close()
    os.chown(real, 12345, 12345)
    os.chmod(real, 0o755)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(ProfileError) as info:
        Profile.open(link)
    assert "belongs to another user" in str(info.value)
    assert _mode(real) == 0o755 and os.stat(real).st_uid == 12345


def test_empty_existing_folder_still_becomes_a_profile(tmp_path):
    d = tmp_path / "fresh"
    d.mkdir()
    p = Profile.open(d)
    assert (d / "profile.json").is_file() and p.dir == d


def test_layout_import_into_a_shared_folder_keeps_its_mode(tmp_path):
    import json

    board = {"format": "open-board-0.1", "id": "1", "locale": "en", "name": "b",
             "buttons": [{"id": "1", "label": "yes"}, {"id": "2", "label": "no"}],
             "grid": {"rows": 1, "columns": 2, "order": [["1", "2"]]}}
    src = tmp_path / "b.obf"
    src.write_text(json.dumps(board), encoding="utf-8")
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    env = headless_env(AAC_DATA_DIR=str(tmp_path / "data"))
    r = subprocess.run([PYTHON, "-m", "aac.cli", "layout", "import", str(src), "--out", str(shared / "x.toml")],
                       capture_output=True, text=True, env=env, cwd=str(REPO), timeout=120)
    assert r.returncode == 0, r.stderr[-800:]
    assert _mode(shared) == 0o1777 and _mode(shared / "x.toml") == 0o600


def test_profile_with_a_damaged_profile_json_and_other_files_still_opens(tmp_path):
    d = tmp_path / "p"
    Profile.open(d).close()
    (d / "speech_history.json").write_text("[]", encoding="utf-8")
    (d / "notes-from-a-newer-version.txt").write_text("x", encoding="utf-8")
    (d / "profile.json").write_text("{broken", encoding="utf-8")
    p = Profile.open(d)
    assert any("profile.json" in msg for msg in p.problems)
    (d / "profile.json").unlink()
    Profile.open(d)  # still recognised by its settings.json
