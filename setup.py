"""Build hook: the wheel carries the shipped folders (layouts/, voices/, ...) as package data.

The folders stay at the top of the repository, where caregivers, docs and tests use them; at build
time they are copied into ``aac/_data/<kind>/`` of the wheel, where ``aac.resources`` finds them
through ``importlib.resources``. Everything else about the package is in pyproject.toml.
An editable install needs no copy: ``aac.resources`` falls back to the checkout's folders.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Files that never belong in the wheel (caches, editor leftovers).
EXCLUDE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def shipped_kinds() -> tuple[str, ...]:
    """``aac.resources.SHIPPED_KINDS``, read without importing the package (its deps may be absent)."""
    tree = ast.parse((ROOT / "aac" / "resources.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "SHIPPED_KINDS":
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("aac/resources.py defines no SHIPPED_KINDS")


class build_py_with_data(build_py):
    """Copy each shipped folder into ``<build_lib>/aac/_data/<kind>`` after the Python files."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the checkout's folders are used in place
        target = Path(self.build_lib) / "aac" / "_data"
        for kind in shipped_kinds():
            src = ROOT / kind
            if not src.is_dir():
                raise RuntimeError(f"cannot build the wheel: the shipped folder {src} is missing")
            dst = target / kind
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=EXCLUDE)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        target = Path(self.build_lib) / "aac" / "_data"
        if target.is_dir():
            outputs += [str(p) for p in target.rglob("*") if p.is_file()]
        return outputs


setup(cmdclass={"build_py": build_py_with_data})
