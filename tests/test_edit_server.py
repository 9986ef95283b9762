"""`aac edit` server: security (token, host, origin, interface, uploads) and saving, over real HTTP.

The real uvicorn server runs in a thread on 127.0.0.1 with a throw-away profile; requests go
through a real socket (urllib), as a browser's would.
"""

from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest


@pytest.fixture
def editor(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path / "cache"))
    from aac.edit.server import RunningEditor
    from aac.store.profile import Profile

    profile = Profile.create("anna")
    running = RunningEditor(profile).start()
    yield running
    running.stop()


def call(editor, path, body=None, token=True, headers=None, raw=None, content_type=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://127.0.0.1:{editor.editor.port}{path}", data=data, method="POST" if data is not None else "GET")
    if token is True:
        req.add_header("X-AAC-Token", editor.editor.token)
    elif token:
        req.add_header("X-AAC-Token", token)
    if data is not None:
        req.add_header("Content-Type", content_type or "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            payload = res.read()
            return res.status, (json.loads(payload) if res.headers.get_content_type() == "application/json" else payload)
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return exc.code, json.loads(payload)
        except ValueError:
            return exc.code, payload


def multipart(filename: str, data: bytes, fields: dict | None = None) -> tuple[bytes, str]:
    boundary = "aacboundary1234"
    out = io.BytesIO()
    for k, v in (fields or {}).items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode())
    out.write(data)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def png_bytes(w=40, h=30) -> bytes:
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    surf = pygame.Surface((w, h))
    surf.fill((200, 30, 30))
    buf = io.BytesIO()
    pygame.image.save(surf, buf, "x.png")
    return buf.getvalue()


def early_answer(editor, path, body, ctype):
    """POST a large body the server may refuse before reading it (then the send breaks off)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", editor.editor.port, timeout=30)
    conn.putrequest("POST", path)
    for k, v in (("X-AAC-Token", editor.editor.token), ("Content-Type", ctype), ("Content-Length", str(len(body)))):
        conn.putheader(k, v)
    conn.endheaders()
    try:
        conn.send(body)
    except OSError:
        pass
    res = conn.getresponse()
    out = res.status, json.loads(res.read())
    conn.close()
    return out


def own_copy(editor, name="mine"):
    status, res = call(editor, "/api/copy", {"source": "default", "name": name})
    assert status == 200, res
    status, res = call(editor, f"/api/layout?name={name}")
    assert status == 200 and res["editable"]
    return res


def test_no_token_or_a_wrong_token_reads_and_changes_nothing(editor):
    from aac.layouts.loader import user_layouts_dir

    for token in (None, "wrong-token", editor.editor.token[:-1] + ("y" if editor.editor.token.endswith("x") else "x")):
        status, res = call(editor, "/api/state", token=token)
        assert status == 403 and "token" in res["error"]
        status, res = call(editor, "/api/copy", {"source": "default", "name": "sneaky"}, token=token)
        assert status == 403
        status, res = call(editor, "/api/settings", {"settings": {"dwell_ms": 5000}}, token=token)
        assert status == 403
    assert not (user_layouts_dir() / "sneaky.toml").exists()
    status, res = call(editor, "/api/state")
    assert status == 200 and res["settings"]["dwell_ms"] == 1000


def test_other_hosts_and_origins_are_refused(editor):
    status, res = call(editor, "/api/state", headers={"Host": "evil.example:80"})
    assert status == 403 and "127.0.0.1" in res["error"]
    status, res = call(editor, "/api/settings", {"settings": {"dwell_ms": 1500}}, headers={"Origin": "http://evil.example"})
    assert status == 403
    status, res = call(editor, "/api/state")
    assert res["settings"]["dwell_ms"] == 1000


def other_addresses() -> list[str]:
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    try:  # the address used to reach the outside (no packet is sent by a UDP connect)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("10.255.255.255", 1))
        found.add(s.getsockname()[0])
        s.close()
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


def test_listens_on_loopback_only(editor):
    assert editor.sock.getsockname()[0] == "127.0.0.1"
    addresses = other_addresses()
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    for addr in addresses:
        with pytest.raises(OSError):
            socket.create_connection((addr, editor.editor.port), timeout=2).close()


def test_uploads_refuse_non_images_large_files_and_cannot_choose_a_path(editor, tmp_path):
    own_copy(editor)
    body, ctype = multipart("../../../evil.png", png_bytes())
    status, res = call(editor, "/api/picture?name=mine", raw=body, content_type=ctype)
    assert status == 200, res
    from aac.layouts.loader import user_layouts_dir

    stored = user_layouts_dir() / res["picture"]
    assert stored.parent == user_layouts_dir() / "mine.media" and stored.read_bytes().startswith(b"\x89PNG")
    assert not list(tmp_path.rglob("evil.png"))
    body, ctype = multipart("notes.png", b"this is not a picture at all")
    status, res = call(editor, "/api/picture?name=mine", raw=body, content_type=ctype)
    assert status == 415 and "not a picture" in res["error"]
    body, ctype = multipart("huge.png", b"\x89PNG\r\n\x1a\n" + b"0" * 11_000_000)
    status, res = early_answer(editor, "/api/picture?name=mine", body, ctype)
    assert status == 413 and "too large" in res["error"]  # answered before the upload is read
    status, res = call(editor, "/api/picture?name=default", raw=body[:200], content_type=ctype)
    assert status == 403 and "copy it first" in res["error"]  # shipped layouts are never written
    # a picture path leading outside the layout's folder is refused by the checker, and never served
    data = call(editor, "/api/layout?name=mine")[1]
    data["data"]["pages"][0]["tiles"][1]["picture"] = "../../etc/passwd.png"
    status, res = call(editor, "/api/save", {"name": "mine", "data": data["data"], "hash": data["hash"]})
    assert status == 422 and any("outside the layout's folder" in p["text"] for p in res["problems"])
    status, res = call(editor, "/api/media?name=mine&file=../../../../etc/passwd")
    assert status == 404
    shipped = call(editor, "/api/layout?name=default")[1]
    status, res = call(editor, "/api/save", {"name": "default", "data": shipped["data"], "hash": shipped["hash"]})
    assert status == 403 and "copy it first" in res["error"]  # shipped layouts are read-only


def test_save_edits_the_file_in_place_keeps_a_backup_and_detects_a_second_editor(editor):
    from aac.layouts.loader import load_layout, user_layouts_dir

    first = own_copy(editor)
    second = call(editor, "/api/layout?name=mine")[1]
    path = user_layouts_dir() / "mine.toml"
    before = path.read_text()
    data = first["data"]
    yes = next(t for t in data["pages"][0]["tiles"] if t.get("label") == "Yes")
    yes["label"] = "Yes please"
    status, res = call(editor, "/api/save", {"name": "mine", "data": data, "hash": first["hash"]})
    assert status == 200, res
    after = path.read_text()
    assert after.count("\n# ") == before.count("\n# ")  # comments kept
    assert 'label = "Yes please"' in after and (user_layouts_dir() / "mine.toml.bak").read_text() == before
    assert any(t.label == "Yes please" for t in load_layout(path).home.tiles)
    # the second editor opened the file before that save: told, nothing overwritten
    second["data"]["pages"][0]["tiles"][1]["label"] = "Other"
    status, res = call(editor, "/api/save", {"name": "mine", "data": second["data"], "hash": second["hash"]})
    assert status == 409 and "changed since you opened it" in res["error"]
    assert path.read_text() == after
    # an edit failing the checker is not saved; the problem names the tile and field
    data = res_data = call(editor, "/api/layout?name=mine")[1]
    res_data["data"]["pages"][0]["tiles"][1]["kind"] = "page"
    res_data["data"]["pages"][0]["tiles"][1]["target"] = "nowhere"
    status, res = call(editor, "/api/save", {"name": "mine", "data": res_data["data"], "hash": data["hash"]})
    assert status == 422
    problem = next(p for p in res["problems"] if p.get("field") == "target")
    assert problem["page"] == 0 and problem["tile"] == 1 and "does not exist" in problem["text"]
    assert path.read_text() == after


def test_a_broken_layout_opens_as_the_last_version_that_worked_and_saving_mends_it(editor):
    """A typo made in a text editor: the board shows the last version that worked, and the
    caregiver mends the file here instead of being told to fix it by hand first."""
    from aac.layouts.loader import last_working_version, load_layout, load_layout_or_default, user_layouts_dir

    own_copy(editor)  # a copy made here is a version that worked
    path = user_layouts_dir() / "mine.toml"
    assert last_working_version("mine") is not None and not load_layout_or_default("mine")[1]
    good = path.read_text()
    broken = good.replace('kind = "message"', 'kind = "mesage"', 1).encode()
    path.write_bytes(broken)
    status, res = call(editor, "/api/layout?name=mine")
    assert status == 200, res
    rec = res["recovered"]
    assert rec["backup"] == "mine.toml.broken" and rec["saved"]
    assert any(p.startswith("line ") and '"mesage"' in p and 'did you mean "message"' in p for p in rec["problems"])
    assert any(t["kind"] == "message" for t in res["data"]["pages"][0]["tiles"])  # the version that worked
    yes = next(t for t in res["data"]["pages"][0]["tiles"] if t.get("label") == "Yes")
    yes["label"] = "Yes please"
    status, saved = call(editor, "/api/save", {"name": "mine", "data": res["data"], "hash": res["hash"]})
    assert status == 200, saved
    assert "mine.toml.broken" in saved["message"]
    layout = load_layout(path)  # passes the check again
    assert any(t.label == "Yes please" for t in layout.home.tiles)
    assert path.read_text().count("\n# ") == good.count("\n# ")  # the caregiver's comments kept
    assert (user_layouts_dir() / "mine.toml.broken").read_bytes() == broken  # nothing lost
    assert "recovered" not in call(editor, "/api/layout?name=mine")[1]
    # a later save keeps the broken file: .bak is the previous good version
    again = call(editor, "/api/layout?name=mine")[1]
    again["data"]["pages"][0]["tiles"][0]["label"] = "Hello"
    assert call(editor, "/api/save", {"name": "mine", "data": again["data"], "hash": again["hash"]})[0] == 200
    assert (user_layouts_dir() / "mine.toml.broken").read_bytes() == broken


def test_a_broken_layout_without_a_working_version_says_every_problem(editor):
    from aac import paths
    from aac.layouts.loader import last_working_version, user_layouts_dir

    # written in a text editor, never loaded by the board nor saved by the editor: nothing to fall back on
    path = user_layouts_dir() / "other.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    before = (paths.LAYOUTS_DIR / "default.toml").read_text().replace('kind = "message"', 'kind = "mesage"', 1)
    before = before.replace("rows = ", "rows = 'x' #", 1)
    path.write_text(before)
    assert last_working_version("other") is None
    status, res = call(editor, "/api/layout?name=other")
    assert status == 422
    assert "no version that worked" in res["error"] and "aac layout check other" in res["error"]
    assert '"mesage"' in res["error"] and "rows" in res["error"]
    assert path.read_text() == before


def test_settings_are_validated_and_saved(editor):
    status, res = call(editor, "/api/settings", {"settings": {"dwell_ms": 1200, "text_logging": True}})
    assert status == 200 and res["settings"]["dwell_ms"] == 1200
    status, res = call(editor, "/api/settings", {"settings": {"dwell_ms": 50, "voice": "nobody", "layout": "nothere"}})
    assert status == 422 and set(res["errors"]) == {"dwell_ms", "voice", "layout"}
    from aac.store.profile import resolve_profile

    assert resolve_profile("anna", create=False).settings.dwell_ms == 1200
    # issue 15's caregiver settings: the adaptive dwell and its bounds, the ending gate
    status, res = call(editor, "/api/settings", {"settings": {"adaptive_dwell": True, "adaptive_dwell_min_ms": 700,
                                                              "adaptive_dwell_max_ms": 1300, "suggestion_gate": False,
                                                              "next_words_on_tile": False,
                                                              "speak_on_sentence_end": True}})
    assert status == 200, res
    settings = resolve_profile("anna", create=False).settings
    assert settings.adaptive_dwell and (settings.adaptive_dwell_min_ms, settings.adaptive_dwell_max_ms) == (700, 1300)
    assert settings.suggestion_gate is False and settings.next_words_on_tile is False
    assert settings.speak_on_sentence_end is True
    status, res = call(editor, "/api/settings", {"settings": {"adaptive_dwell_min_ms": 1500}})
    assert status == 422 and "must not be longer than the longest (1.3 s)" in res["errors"]["adaptive_dwell_min_ms"]
    status, res = call(editor, "/api/settings", {"settings": {"adaptive_dwell_min_ms": 50}})
    assert status == 422 and "adaptive_dwell_min_ms" in res["errors"]
    assert resolve_profile("anna", create=False).settings.adaptive_dwell_min_ms == 700  # nothing changed


def test_preview_is_drawn_by_the_board_renderer(editor):
    layout = call(editor, "/api/layout?name=default")[1]
    status, png = call(editor, "/api/preview", {"name": "default", "data": layout["data"], "page": "phrases"})
    assert status == 200 and png.startswith(b"\x89PNG")
    import pygame

    img = pygame.image.load(io.BytesIO(png), "p.png")
    assert img.get_size() == (960, 540)
    assert img.get_at((480, 270))[:3] != (0, 0, 0) or img.get_at((100, 300))[:3] != (0, 0, 0)


def test_start_from_an_imported_board_and_svg_pictures(editor, tmp_path):
    from aac.layouts.loader import load_layout, user_layouts_dir

    obz = tmp_path / "b.obz"
    from aac.layouts.obf_export import export_layout

    export_layout(load_layout("large"), obz)
    body, ctype = multipart("b.obz", obz.read_bytes(), {"name": "Grandma"})
    status, res = call(editor, "/api/import", raw=body, content_type=ctype)
    assert status == 200, res
    assert res["name"] == "grandma" and (user_layouts_dir() / "grandma.toml").is_file()
    status, res = call(editor, "/api/import", raw=body, content_type=ctype)
    assert status == 409 and "already exists" in res["error"]  # never silently replaced
    body, ctype = multipart("x.obf", b"{not json")
    status, res = call(editor, "/api/import", raw=body, content_type=ctype)
    assert status == 422 and "not valid JSON" in res["error"]
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="red"/></svg>'
    body, ctype = multipart("dot.svg", svg)
    status, res = call(editor, "/api/picture?name=grandma", raw=body, content_type=ctype)
    assert status == 200 and res["picture"].endswith(".png")
    assert (user_layouts_dir() / res["picture"]).read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(__import__("shutil").which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_try_the_voice_returns_real_audio(editor):
    status, wav = call(editor, "/api/speak", {"voice": "en-default", "text": "Hello"})
    assert status == 200 and wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) > 4000
    status, res = call(editor, "/api/speak", {"voice": "nobody"})
    assert status == 422 and "nobody" in res["error"]


def test_aac_edit_prints_a_link_that_works_only_with_its_token(tmp_path):
    """The real command in a child process, as a caregiver starts it."""
    import os
    import subprocess
    import sys
    import time

    from aac import paths

    env = dict(os.environ, AAC_DATA_DIR=str(tmp_path / "data"), AAC_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=str(paths.REPO_ROOT))
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "aac.cli", "edit", "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=paths.REPO_ROOT)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("token=" in line for line in lines):
            lines.append(proc.stdout.readline())
        url = next(line.strip() for line in lines if "token=" in line)
        assert url.startswith("http://127.0.0.1:")
        token = url.split("token=", 1)[1]
        with urllib.request.urlopen(urllib.request.Request(url.replace("/?token=" + token, "/api/state"),
                                                           headers={"X-AAC-Token": token}), timeout=30) as res:
            assert json.loads(res.read())["profile"] == "default"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url.replace("/?token=" + token, "/api/state"), timeout=30)
        assert err.value.code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_copy_takes_the_pictures_along(tmp_path, monkeypatch, capsys):
    from aac.cli import main
    from aac.layouts.loader import load_layout, user_layouts_dir

    obf = Path("/work/shared/data/obf/path_images.obz")
    if not obf.is_file():
        pytest.skip("shared OBF samples not available")
    monkeypatch.setenv("AAC_DATA_DIR", str(tmp_path / "data"))
    assert main(["layout", "import", str(obf), "--name", "pics"]) == 0
    assert main(["layout", "copy", "pics", "pics2"]) == 0
    copy = load_layout("pics2")
    pictured = [t for p in copy.pages for t in p.tiles if t.picture]
    assert len(pictured) == 2 and all(t.picture_path.parent == user_layouts_dir() / "pics2.media" for t in pictured)


def test_export_download_is_an_obz_the_importer_reads_back(editor, tmp_path):
    import zipfile

    from aac.layouts.loader import load_layout
    from aac.layouts.obf import import_board

    status, data = call(editor, "/api/export?name=large")
    assert status == 200 and data[:4] == b"PK\x03\x04"
    (tmp_path / "x.obz").write_bytes(data)
    assert "manifest.json" in zipfile.ZipFile(tmp_path / "x.obz").namelist()
    assert import_board(tmp_path / "x.obz").layout.pages == load_layout("large").pages
