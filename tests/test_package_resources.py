"""Shipped files are found through aac.resources: the wheel's package data first, else the checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aac import paths, resources


def test_checkout_folders_are_found_when_no_package_data() -> None:
    # In a clone (this test run) aac/_data does not exist: every kind is the top-level folder.
    assert not (resources.PACKAGE_DIR / "_data").exists()
    for kind in resources.SHIPPED_KINDS:
        d = resources.shipped_dir(kind)
        assert d == resources.SOURCE_ROOT / kind
        assert d.is_dir() and any(d.iterdir()), kind
    assert resources.origin() == "checkout"
    assert resources.check_install() == []
    assert paths.LAYOUTS_DIR == resources.shipped_dir("layouts")
    assert (paths.MODELS_DIR / "build_onnx.py").is_file()
    assert (paths.LANGUAGES_DIR / "en.toml").is_file()


def test_package_data_wins_over_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An installed wheel: aac/_data/<kind> beside the modules, found through importlib.resources.
    pkg = tmp_path / "aac"
    (pkg / "_data" / "layouts").mkdir(parents=True)
    (pkg / "_data" / "layouts" / "only-in-wheel.toml").write_text("x", encoding="utf-8")
    monkeypatch.setattr(resources.resources, "files", lambda name: pkg)
    assert resources.shipped_dir("layouts") == pkg / "_data" / "layouts"
    assert resources.origin() == "package"
    # a kind the wheel lacks falls back to the checkout instead of failing
    assert resources.shipped_dir("voices") == resources.SOURCE_ROOT / "voices"


def test_missing_folder_is_reported_with_a_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "SOURCE_ROOT", tmp_path)
    shutil.copytree(resources.PACKAGE_DIR.parent / "layouts", tmp_path / "layouts")
    problems = resources.check_install()
    assert any("voices are missing" in p and "reinstall" in p for p in problems)
    assert not any("layouts" in p for p in problems)
    with pytest.raises(ValueError, match="unknown resource kind"):
        resources.shipped_dir("secrets")


def test_data_and_cache_dirs_keep_their_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "c"))
    assert paths.data_dir() == tmp_path / "d" and paths.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("AAC_DATA_DIR")
    monkeypatch.delenv("AAC_CACHE_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xd"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xc"))
    assert paths.data_dir() == tmp_path / "xd" / "aac"
    assert paths.cache_dir() == tmp_path / "xc" / "aac"
    assert paths.profiles_dir() == tmp_path / "xd" / "aac" / "profiles"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    import platformdirs

    # platformdirs' own answer (XDG defaults on Linux; native folders elsewhere)
    assert paths.data_dir() == Path(platformdirs.user_data_dir("aac", appauthor=False))
    assert paths.cache_dir() == Path(platformdirs.user_cache_dir("aac", appauthor=False))
