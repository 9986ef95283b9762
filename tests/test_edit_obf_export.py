"""`aac layout export` / `import`: Open Board Format round trips, pictures and sounds, names.

Real files: the shipped layouts and the real OBF boards in ../shared/data/obf; the exported
packages are read back by the same importer other boards go through, and pictures are compared
by their bytes.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from aac import paths
from aac.layouts.loader import list_layouts, load_layout
from aac.layouts.obf import import_board
from aac.layouts.obf_export import export_layout

OBF = Path("/work/shared/data/obf")
SHIPPED = sorted(p.stem for p in paths.LAYOUTS_DIR.glob("*.toml"))


def comparable(layout):
    """The layout with each picture/sound path replaced by a hash of the file's bytes."""
    def norm(tile):
        out = tile
        for key in ("picture", "sound"):
            rel = getattr(tile, key)
            if rel:
                data = (Path(layout.source).parent / rel).read_bytes()
                out = replace(out, **{key: hashlib.sha256(data).hexdigest()})
        return out

    return replace(layout, pages=[replace(p, tiles=[norm(t) for t in p.tiles]) for p in layout.pages], source=None)


def round_trip(layout, tmp_path: Path, suffix: str):
    out = tmp_path / f"board{suffix}"
    export_layout(layout, out)
    result = import_board(out)
    dest = tmp_path / "back" / f"again{suffix.replace('.', '-')}.toml"
    result.write(dest)
    return load_layout(dest), result


@pytest.fixture
def aac(tmp_path, monkeypatch, capsys):
    from aac.cli import main

    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(paths.REPO_ROOT)

    def run(*args: str):
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_layout_survives_export_and_import(name, tmp_path):
    original = load_layout(name)
    for suffix in (".obz", ".obf"):
        again, result = round_trip(original, tmp_path / suffix[1:], suffix)
        assert comparable(again) == comparable(original), f"{name}{suffix} changed on the way"
        assert any("imported exactly" in n for n in result.notes)


@pytest.mark.skipif(not OBF.is_dir(), reason="shared OBF samples not available")
@pytest.mark.parametrize("sample", sorted(p.name for p in OBF.glob("*.ob?")) if OBF.is_dir() else [])
def test_sample_boards_survive_import_export_import(sample, tmp_path):
    first = import_board(OBF / sample)
    path = tmp_path / "first.toml"
    first.write(path)
    layout = load_layout(path)
    again, _ = round_trip(layout, tmp_path, ".obz")
    assert comparable(again) == comparable(layout)


@pytest.mark.skipif(not OBF.is_dir(), reason="shared OBF samples not available")
def test_import_keeps_pictures_and_sounds(tmp_path):
    result = import_board(OBF / "path_images.obz")
    path = tmp_path / "pics.toml"
    result.write(path)
    layout = load_layout(path)
    pictured = [t for p in layout.pages for t in p.tiles if t.picture]
    assert {t.label for t in pictured} == {"happy", "sad"}
    for tile in pictured:
        assert tile.picture_path.read_bytes().startswith(b"\x89PNG")
        assert tile.picture_path.parent == tmp_path / "path-images-board.media"
    # lots-of-stuff: an inline (data URI) picture and an inline mp3 are kept; web links are named in a note
    result = import_board(OBF / "lots-of-stuff.obf")
    result.write(tmp_path / "lots.toml")
    layout = load_layout(tmp_path / "lots.toml")
    tiles = [t for t in layout.home.tiles]
    assert sum(1 for t in tiles if t.picture) == 1  # its one inline sound is on a link to another file's board
    assert any("web address" in n for n in result.notes)
    assert not any("are not imported" in n for n in result.notes)


def test_import_keeps_an_inline_sound(tmp_path):
    import base64
    import io
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 800)
    board = {"format": "open-board-0.1", "id": "1", "name": "Sounds", "locale": "en",
             "grid": {"rows": 1, "columns": 1, "order": [["b"]]},
             "buttons": [{"id": "b", "label": "hello", "sound_id": "s"}],
             "sounds": [{"id": "s", "content_type": "audio/wav",
                         "data": "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode()}]}
    (tmp_path / "s.obf").write_text(json.dumps(board))
    result = import_board(tmp_path / "s.obf")
    result.write(tmp_path / "s.toml")
    layout = load_layout(tmp_path / "s.toml")
    tile = next(t for t in layout.home.tiles if t.label == "hello")
    assert (tmp_path / tile.sound).read_bytes() == buf.getvalue()
    for suffix in (".obz", ".obf"):  # and the sound travels through our own export and back
        again, _ = round_trip(layout, tmp_path / suffix[1:], suffix)
        assert comparable(again) == comparable(layout)


@pytest.mark.skipif(not OBF.is_dir(), reason="shared OBF samples not available")
def test_export_writes_pictures_other_apps_can_read(tmp_path):
    imported = import_board(OBF / "path_images.obz")
    imported.write(tmp_path / "pics.toml")
    layout = load_layout(tmp_path / "pics.toml")
    export_layout(layout, tmp_path / "out.obz")
    with zipfile.ZipFile(tmp_path / "out.obz") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        root = json.loads(zf.read(manifest["root"]))
        assert len(manifest["paths"]["images"]) == 2
        for image_path in manifest["paths"]["images"].values():
            assert zf.read(image_path).startswith(b"\x89PNG")
    happy = next(b for b in root["buttons"] if b["label"] == "happy")
    image = next(i for i in root["images"] if i["id"] == happy["image_id"])
    assert image["path"] in manifest["paths"]["images"].values() and image["content_type"] == "image/png"
    # a board edited in another app since (standard part changed) is imported from the standard part
    root["buttons"][0]["label"] = "changed elsewhere"
    (tmp_path / "edited.obf").write_text(json.dumps(root))
    result = import_board(tmp_path / "edited.obf")
    assert any("changed in another app" in n for n in result.notes)


def test_export_then_cli_import_and_show_png(aac, tmp_path):
    code, out, err = aac("layout", "export", "large", "--out", str(tmp_path / "large.obz"))
    assert code == 0, err
    assert "exported" in out
    code, out, err = aac("layout", "import", str(tmp_path / "large.obz"), "--name", "big")
    assert code == 0, err
    code, out, err = aac("layout", "show", "big", "--page", "phrases", "--png", str(tmp_path / "p.png"))
    assert code == 0, err
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    assert "theme: high-contrast" in out
    code, out, err = aac("layout", "show", "big", "--page", "nope", "--png", str(tmp_path / "q.png"))
    assert code == 1 and "no page 'nope'" in err and not (tmp_path / "q.png").exists()


def test_import_onto_a_shipped_name_needs_force_and_says_what_it_replaces(aac, tmp_path):
    aac("layout", "export", "alphabetical", "--out", str(tmp_path / "a.obf"))
    code, out, err = aac("layout", "import", str(tmp_path / "a.obf"), "--name", "Default")
    assert code == 1
    assert "shipped layout 'default'" in err and "--force" in err
    assert "default" not in [n for n, p in list_layouts() if p.parent != paths.LAYOUTS_DIR]
    code, out, err = aac("layout", "import", str(tmp_path / "a.obf"), "--name", "Default", "--force")
    assert code == 0 and "replacing the shipped layout 'default'" in out
    code, out, err = aac("layout", "copy", "large", "default")
    assert code == 1 and "your layout 'default'" in err
    code, out, err = aac("layout", "export", "default", "--out", str(tmp_path / "a.obf"))
    assert code == 1 and "already exists" in err


def test_profile_refuses_a_layout_that_fails_the_check(aac, tmp_path):
    bad = tmp_path / "data" / "layouts" / "broken.toml"
    bad.parent.mkdir(parents=True)
    bad.write_text('[layout]\nname = "b"\n[[page]]\nname = "home"\nrows = 1\ncols = 1\n'
                   '[[page.tile]]\nkind = "wrod"\nrow = 0\ncol = 0\n')
    aac("profile", "create", "p1")
    code, out, err = aac("profile", "set", "layout", "broken", "--profile", "p1")
    assert code == 1 and 'unknown tile kind "wrod"' in err and "nothing was changed" in err
    code, out, err = aac("profile", "set", "layout", "large", "--profile", "p1")
    assert code == 0, err
