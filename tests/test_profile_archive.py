"""aac profile export/import/rename/delete: a person's profile carried to a new device, checked on the way in."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from aac import paths
from aac.cli import main
from aac.store import profile_archive as pa
from aac.store.profile import Profile

AAC = [sys.executable, "-m", "aac.cli"]


@pytest.fixture()
def device_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The first computer's data directory, with a profile 'ann' that has one of everything."""
    data = tmp_path / "a"
    monkeypatch.setenv("AAC_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["profile", "create", "ann"]) == 0
    # a caregiver-made layout the profile uses travels with it
    (data / "layouts").mkdir()
    shutil.copyfile(paths.LAYOUTS_DIR / "default.toml", data / "layouts" / "ann-board.toml")
    assert main(["profile", "set", "layout", "ann-board", "--profile", "ann"]) == 0
    assert main(["profile", "set", "dwell_ms", "1300", "--profile", "ann"]) == 0
    prof = Profile.open(data / "profiles" / "ann")
    prof.save_calibration({"source": "tobii", "accuracy_deg": 0.6})
    prof.save_draft("I want ")
    (prof.dir / "recordings").mkdir()
    (prof.dir / "recordings" / "hello.wav").write_bytes(b"RIFF" + bytes(range(256)) * 8)
    db = sqlite3.connect(prof.usage_db)
    db.execute("CREATE TABLE t (x TEXT)")
    db.execute("INSERT INTO t VALUES ('a private message')")
    db.commit()
    db.close()
    return data


def _show(capsys: pytest.CaptureFixture[str], name: str) -> dict:
    capsys.readouterr()
    assert main(["profile", "show", name, "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    state.pop("dir")
    state.pop("usage", None)  # the usage log stays behind unless asked (tested separately)
    return state


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_export_import_gives_the_same_profile(device_a: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = _show(capsys, "ann")
    archive = tmp_path / "ann.aacprofile"
    assert main(["profile", "export", "ann", "--out", str(archive)]) == 0
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert "profile/usage.sqlite" not in names  # only with --with-usage-log
    assert {"profile/settings.json", "profile/calibration.json", "profile/draft.json",
            "profile/recordings/hello.wav", "layouts/ann-board.toml"} <= names
    assert manifest["format_version"] == pa.FORMAT_VERSION and manifest["app_version"]
    assert all(len(e["sha256"]) == 64 and e["size"] >= 0 for e in manifest["files"])

    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "b"))  # the new device
    assert main(["profile", "import", str(archive)]) == 0
    after = _show(capsys, "ann")
    assert after == before
    assert (tmp_path / "b" / "layouts" / "ann-board.toml").read_bytes() == \
        (device_a / "layouts" / "ann-board.toml").read_bytes()
    imported = tmp_path / "b" / "profiles" / "ann"
    assert (imported / "recordings" / "hello.wav").read_bytes().startswith(b"RIFF")
    assert stat.S_IMODE(imported.stat().st_mode) == 0o700
    assert stat.S_IMODE((imported / "settings.json").stat().st_mode) == 0o600

    # never over an existing profile without --force; --force keeps a backup of the old one
    assert main(["profile", "import", str(archive)]) == 1
    assert "already exists" in capsys.readouterr().err
    Profile.open(imported).set("dwell_ms", 900)
    assert main(["profile", "import", str(archive), "--force"]) == 0
    assert _show(capsys, "ann")["settings"]["dwell_ms"] == 1300
    backups = list((tmp_path / "b" / "backups").glob("ann-*.aacprofile"))
    assert len(backups) == 1
    with zipfile.ZipFile(backups[0]) as zf:
        assert json.loads(zf.read("profile/settings.json"))["dwell_ms"] == 900

    # --as installs a second copy under another name (its recorded name follows)
    assert main(["profile", "import", str(archive), "--as", "Ann at school"]) == 0
    assert _show(capsys, "Ann at school")["name"] == "Ann at school"


def test_usage_log_travels_only_when_asked(device_a: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "full.aacprofile"
    assert main(["profile", "export", "ann", "--out", str(archive), "--with-usage-log"]) == 0
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "b"))
    assert main(["profile", "import", str(archive)]) == 0
    db = sqlite3.connect(tmp_path / "b" / "profiles" / "ann" / "usage.sqlite")
    assert db.execute("SELECT x FROM t").fetchall() == [("a private message",)]
    db.close()


def _rewrite(src: Path, dst: Path, edit) -> None:
    """Copy the archive member by member through ``edit(name, data, manifest) -> [(name, data, attr)]``."""
    with zipfile.ZipFile(src) as zin:
        manifest = json.loads(zin.read("manifest.json"))
        members = [(i.filename, zin.read(i.filename)) for i in zin.infolist() if i.filename != "manifest.json"]
    out = edit(members, manifest)
    with zipfile.ZipFile(dst, "w") as zout:
        zout.writestr("manifest.json", json.dumps(manifest))
        for name, data, attr in out:
            info = zipfile.ZipInfo(name)
            if attr:
                info.external_attr = attr
            zout.writestr(info, data)


def _entry(name: str, data: bytes) -> dict:
    import hashlib

    return {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _path_outside(members, manifest):
    bad = b"evil"
    manifest["files"].append(_entry("profile/../../evil.txt", bad))
    return [(n, d, 0) for n, d in members] + [("profile/../../evil.txt", bad, 0)]


def _newer_format(members, manifest):
    manifest["format_version"] = pa.FORMAT_VERSION + 1
    return [(n, d, 0) for n, d in members]


def _changed_bytes(members, manifest):
    return [(n, (d.replace(b"1300", b"9999") if n == "profile/settings.json" else d), 0) for n, d in members]


def _symlink(members, manifest):
    target = b"/etc/passwd"
    manifest["files"].append(_entry("profile/link", target))
    return [(n, d, 0) for n, d in members] + [("profile/link", target, (stat.S_IFLNK | 0o777) << 16)]


def _unlisted(members, manifest):
    return [(n, d, 0) for n, d in members] + [("profile/extra.json", b"{}", 0)]


def _huge(members, manifest):
    for e in manifest["files"]:
        if e["path"] == "profile/settings.json":
            e["size"] = pa.MAX_FILE_BYTES + 1
    return [(n, d, 0) for n, d in members]


@pytest.mark.parametrize("edit, why", [
    (_path_outside, "points outside the profile"),
    (_newer_format, "made by a newer aac"),
    (_changed_bytes, "does not match its sha256"),
    (_symlink, "symbolic link"),
    (_unlisted, "not in the manifest"),
    (_huge, "is not allowed"),
    ("truncate", "truncated"),
    ("not a zip", "not a readable profile archive"),
])
def test_tampered_archive_is_refused_and_changes_nothing(device_a: Path, tmp_path: Path, edit, why: str,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "ann.aacprofile"
    assert main(["profile", "export", "ann", "--out", str(good)]) == 0
    bad = tmp_path / "bad.aacprofile"
    if edit == "truncate":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif edit == "not a zip":
        bad.write_text("hello", encoding="utf-8")
    else:
        _rewrite(good, bad, edit)
    new_device = tmp_path / "b"
    monkeypatch.setenv("AAC_DATA_DIR", str(new_device))
    assert main(["profile", "create", "ann"]) == 0  # the new device already has an 'ann'
    before = _tree(new_device)
    capsys.readouterr()
    assert main(["profile", "import", str(bad), "--force"]) == 1
    err = capsys.readouterr().err
    assert why in err and "nothing was changed" in err, err
    assert _tree(new_device) == before  # no file added, changed or removed; no staging left
    assert not (tmp_path / "evil.txt").exists() and not (new_device / "evil.txt").exists()


def test_a_damaged_archive_gets_a_clear_error_and_changes_nothing(device_a: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Bytes flipped anywhere (a bad USB stick, a cut download): before, a bad CRC, a broken deflate
    stream or a cut-off member ended 'aac profile import' with a Python traceback (BadZipFile,
    zlib.error, EOFError, NotImplementedError: about half of 400 such copies); now each is refused with
    a message, or imported when the flip missed the files (their sha256 is checked)."""
    import random

    good = tmp_path / "ann.aacprofile"
    assert main(["profile", "export", "ann", "--out", str(good)]) == 0
    data = good.read_bytes()
    new_device = tmp_path / "b"
    monkeypatch.setenv("AAC_DATA_DIR", str(new_device))
    assert main(["profile", "create", "ann"]) == 0
    before = _tree(new_device)
    rng = random.Random(7)
    refused = 0
    for i in range(60):
        damaged = bytearray(data)
        for _ in range(rng.choice([1, 2, 3])):
            j = rng.randrange(len(damaged))
            damaged[j] = rng.randrange(256)
        bad = tmp_path / f"bad{i}.aacprofile"
        bad.write_bytes(bytes(damaged))
        capsys.readouterr()
        rc = main(["profile", "import", str(bad), "--as", "copy"])
        err = capsys.readouterr().err
        if rc == 0:
            assert main(["profile", "delete", "copy", "--yes"]) == 0
            capsys.readouterr()
            continue
        refused += 1
        assert rc == 1 and "nothing was changed" in err and "Traceback" not in err, err
    assert refused >= 40
    after = _tree(new_device)
    assert {k: v for k, v in after.items() if k in before} == before  # 'ann' untouched


def test_export_refuses_to_overwrite_and_unknown_profiles(device_a: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.aacprofile"
    out.write_text("keep me", encoding="utf-8")
    assert main(["profile", "export", "ann", "--out", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err and out.read_text(encoding="utf-8") == "keep me"
    assert main(["profile", "export", "nobody", "--out", str(tmp_path / "y.aacprofile")]) == 1
    assert "no profile named 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "y.aacprofile").exists()


def test_rename_and_delete_keep_a_backup(device_a: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "create", "bob"]) == 0
    assert main(["profile", "rename", "ann", "bob"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["profile", "rename", "ann", "Ann Lee"]) == 0
    assert _show(capsys, "Ann Lee")["name"] == "Ann Lee"
    assert not (device_a / "profiles" / "ann").exists()

    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # not a terminal: no question, no deletion
    assert main(["profile", "delete", "Ann Lee"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert (device_a / "profiles" / "Ann Lee").is_dir()
    assert main(["profile", "delete", "Ann Lee", "--yes"]) == 0
    assert not (device_a / "profiles" / "Ann Lee").exists()
    backup = next((device_a / "backups").glob("Ann Lee-*.aacprofile"))
    # the backup is a normal archive, usage log included: the profile comes back with it
    assert main(["profile", "import", str(backup)]) == 0
    db = sqlite3.connect(device_a / "profiles" / "Ann Lee" / "usage.sqlite")
    assert db.execute("SELECT count(*) FROM t").fetchone() == (1,)
    db.close()


@pytest.mark.slow
@pytest.mark.model
def test_imported_profile_predicts_the_same_learned_words(tmp_path: Path) -> None:
    """The real model and learner: what the person taught it on one device is there on the next."""
    from model_helpers import built_model_dir

    built_model_dir()  # skips without a model
    a, b = tmp_path / "a", tmp_path / "b"
    env_a = dict(os.environ, AAC_DATA_DIR=str(a))
    env_b = dict(os.environ, AAC_DATA_DIR=str(b))

    def run(args: list[str], env: dict, stdin: str = "") -> str:
        proc = subprocess.run(AAC + args, input=stdin, capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    run(["profile", "create", "ann"], env_a)
    learn = json.dumps({"learn": "Please call my sister Zorbelina tonight"})
    ask = "\n".join(json.dumps({"context": "Please call my sister ", "prefix": p}) for p in ("", "Zo")) + "\n"

    def predict(root: Path, env: dict, stdin: str) -> list[dict]:
        out = run(["predict", "--jsonl", "--no-previews", "--profile", str(root / "profiles" / "ann")], env, stdin)
        answers = [json.loads(line) for line in out.splitlines()]
        for ans in answers:
            ans.pop("latency_ms", None)
        return answers

    predict(a, env_a, learn + "\n" + learn + "\n")
    run(["profile", "export", "ann", "--out", str(tmp_path / "ann.aacprofile")], env_a)
    run(["profile", "import", str(tmp_path / "ann.aacprofile")], env_b)
    on_a, on_b = predict(a, env_a, ask), predict(b, env_b, ask)
    assert on_a == on_b
    assert any("Zorbelina" in w for w in on_b[1]["words"])  # the learned word, on the new device


def test_a_different_layout_of_the_same_name_is_not_overwritten(device_a: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "ann.aacprofile"
    assert main(["profile", "export", "ann", "--out", str(archive)]) == 0
    b = tmp_path / "b"
    monkeypatch.setenv("AAC_DATA_DIR", str(b))
    (b / "layouts").mkdir(parents=True)
    theirs = (paths.LAYOUTS_DIR / "large.toml").read_bytes()
    (b / "layouts" / "ann-board.toml").write_bytes(theirs)  # the new computer's own, different board
    capsys.readouterr()
    assert main(["profile", "import", str(archive)]) == 1
    assert "layout 'ann-board' differs" in capsys.readouterr().err
    assert not (b / "profiles" / "ann").exists()
    assert (b / "layouts" / "ann-board.toml").read_bytes() == theirs
    assert main(["profile", "import", str(archive), "--force"]) == 0
    assert (b / "layouts" / "ann-board.toml").read_bytes() == (device_a / "layouts" / "ann-board.toml").read_bytes()
    kept = list((b / "backups").glob("layout-ann-board-*.toml"))
    assert len(kept) == 1 and kept[0].read_bytes() == theirs
