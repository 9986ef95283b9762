"""Issue 20, finding 4: board files cannot make the importer allocate or read without limit.

Before: a 215-byte .obf with ``grid: {rows: 100000, columns: 100000}`` built a 10^10-cell grid
(3.8 GB) before the page-size check; an .obz whose headers claim tiny members made zipfile
decompress up to 2^31 bytes in one call (2.1 GB before the CRC error); an .obf that is a symlink
to /dev/zero, or a fifo, was read for ever. Each case runs in a child under a memory limit
(tests/hostile/limits.py): before the fix they ended in MemoryError / a timeout.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile.limits import run_limited  # noqa: E402

IMPORT = """
import json, sys
from aac.layouts.obf import ObfError, import_board
try:
    r = import_board(sys.argv[1])
    print(json.dumps({"ok": True, "notes": r.notes}))
except ObfError as exc:
    print(json.dumps({"error": str(exc)}))
"""
#: Enough for Python and the importer with room to spare; far below what the hostile files took.
MEM_MB = 600


def _import(path: Path, wall_s: float = 30.0) -> dict:
    out = run_limited(IMPORT, str(path), mem_mb=MEM_MB, cpu_s=20, wall_s=wall_s)
    assert not out.timed_out, f"import of {path.name} did not finish in {wall_s} s"
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    return out.result


def test_huge_grid_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "huge.obf"
    path.write_text(json.dumps({"format": "open-board-0.1", "id": "1", "buttons": [],
                                "grid": {"rows": 100000, "columns": 100000, "order": []}}), encoding="utf-8")
    assert path.stat().st_size < 300
    res = _import(path)
    assert "error" in res and "100000" in res["error"], res


def _lying_obz(path: Path, real_bytes: int = 300 << 20) -> None:
    """An .obz whose board member inflates to ``real_bytes`` while both headers say 150 bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b" " * (1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(real_bytes >> 20)) + comp.flush()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"root": "boards/1.obf"}))
    data = bytearray(path.read_bytes())
    # append a raw deflate member by hand with lying sizes: local header + data + new central dir
    name = b"boards/1.obf"
    with zipfile.ZipFile(path) as zf:
        first = zf.infolist()[0]
        cd_start = first.header_offset + 30 + len(first.filename) + first.compress_size
    old_cd = bytes(data[cd_start:])
    data = data[:cd_start]
    offset = len(data)
    crc, lie = 0, 150
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), lie, len(name), 0)
    data += local + name + body
    new_cd_start = len(data)
    # old central dir entries (manifest) minus the end record, then ours, then a new end record
    eocd_at = old_cd.rfind(b"PK\x05\x06")
    data += old_cd[:eocd_at]
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body), lie,
                          len(name), 0, 0, 0, 0, 0, offset)
    data += central + name
    cd_size = len(data) - new_cd_start
    data += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 2, 2, cd_size, new_cd_start, 0)
    path.write_bytes(bytes(data))


def test_obz_member_lying_about_its_size_is_read_with_a_cap(tmp_path):
    path = tmp_path / "liar.obz"
    _lying_obz(path)
    assert path.stat().st_size < 2_000_000
    res = _import(path)
    assert "error" in res, res


def test_obf_symlink_to_dev_zero_is_refused(tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    link = tmp_path / "zero.obf"
    link.symlink_to("/dev/zero")
    res = _import(link, wall_s=20)
    assert "error" in res and "regular file" in res["error"], res


def test_obf_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.obf"
    os.mkfifo(fifo)
    res = _import(fifo, wall_s=20)
    assert "error" in res and "regular file" in res["error"], res


def test_layout_symlink_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    code = ("import json, sys\nfrom aac.layouts.loader import LayoutError, load_layout\n"
            "try:\n    load_layout(sys.argv[1]); print(json.dumps({'ok': True}))\n"
            "except LayoutError as exc:\n    print(json.dumps({'error': str(exc)}))\n")
    out = run_limited(code, str(link), mem_mb=MEM_MB, wall_s=20)
    assert not out.timed_out and out.returncode == 0, out.stderr[-1500:]
    assert "not a file" in out.result.get("error", "") or "regular file" in out.result.get("error", ""), out.result
