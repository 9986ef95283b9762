"""The model recipe, the cache layout and the build: atomic, hash-checked, keyed by the recipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aac.paths import MODELS_DIR
from aac.predict import model_store as ms


def test_shipped_recipes_load_and_pin_everything():
    names = sorted(p.stem for p in MODELS_DIR.glob("*.toml"))
    assert "smollm2-135m-int4" in names
    for name in names:
        r = ms.load_recipe(name)
        assert len(r.sha256) == 64
        assert r.precision in {"int4", "int8", "fp32"}
        assert all("==" in req for req in r.requirements), f"{name}: unpinned build requirement"
        assert any(req.startswith("torch==") for req in r.requirements)
        assert r.parts and all(v for _, v, _ in r.parts)


def test_cache_key_follows_recipe_text(tmp_path):
    src = ms.recipe_path(ms.DEFAULT_RECIPE).read_text()
    a = tmp_path / "a.toml"
    a.write_text(src)
    b = tmp_path / "b.toml"
    b.write_text(src.replace('precision = "int4"', 'precision = "int8"'))
    ka, kb = ms.load_recipe(str(a)).key, ms.load_recipe(str(b)).key
    assert ka != kb
    assert ms.load_recipe(str(a)).key == ka  # stable


def test_broken_recipe_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nname = 'x'\n[source]\n")
    with pytest.raises(ms.ModelMissing, match="bad.toml: broken model recipe"):
        ms.load_recipe(str(bad))
    with pytest.raises(ms.ModelMissing, match="no model recipe 'nope'"):
        ms.load_recipe("nope")


def test_missing_model_tells_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("AAC_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("AAC_MODEL_DIR", raising=False)
    with pytest.raises(ms.ModelMissing, match="aac model build"):
        ms.model_dir()


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aac.cli", *args], capture_output=True, text=True, env=env)


def _shared_buildenv_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AAC_CACHE_DIR"] = str(tmp_path / "cache")
    env.pop("AAC_MODEL_DIR", None)
    # The heavy torch build environment is shared with the normal cache; the model is not.
    from aac.paths import cache_dir

    env["AAC_BUILDENV_DIR"] = str(cache_dir() / "buildenv")
    return env


@pytest.mark.slow
def test_failed_build_leaves_nothing_behind(tmp_path):
    bad = tmp_path / "wrong-hash.toml"
    bad.write_text(ms.recipe_path(ms.DEFAULT_RECIPE).read_text().replace(ms.load_recipe().sha256, "0" * 64))
    env = _shared_buildenv_env(tmp_path)
    proc = _cli("model", "build", "--recipe", str(bad), env=env)
    assert proc.returncode == 1
    assert "does not match the recipe" in proc.stderr and "Nothing was installed" in proc.stderr
    models = tmp_path / "cache" / "models"
    leftovers = [p.name for p in models.iterdir() if not p.name.endswith(".build.log")]
    assert leftovers == []


@pytest.mark.slow
@pytest.mark.model
def test_build_from_clean_cache_gives_a_working_model(tmp_path):
    """The full recipe on an empty model cache: fetch, hash check, convert, genai build, run."""
    env = _shared_buildenv_env(tmp_path)
    proc = _cli("model", "build", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = json.loads(_cli("model", "info", "--recipe", ms.DEFAULT_RECIPE, "--json", env=env).stdout)
    assert info["built"] is True and info["quantization"] == "int4"
    assert 40 < info["size_mb"] < 200
    path = Path(info["path"])
    assert path.parent == tmp_path / "cache" / "models"
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path / "model.onnx"), providers=["CPUExecutionProvider"])
    names = {i.name: i for i in sess.get_inputs()}
    feed = {"input_ids": np.array([[57, 737]], dtype=np.int64), "attention_mask": np.ones((1, 2), np.int64)}
    decoder = json.loads((path / "genai_config.json").read_text())["model"]["decoder"]
    heads, dim = decoder["num_key_value_heads"], decoder["head_size"]
    for name in names:
        if name.startswith("past_key_values"):
            feed[name] = np.zeros((1, heads, 0, dim), dtype=np.float32)
    logits = sess.run(["logits"], feed)[0]
    assert logits.shape[:2] == (1, 2) and np.isfinite(logits).all()
    # a second build is a no-op
    again = _cli("model", "build", env=env)
    assert again.returncode == 0 and "already built" in again.stderr
