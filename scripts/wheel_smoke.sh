#!/usr/bin/env bash
# Wheel smoke test (part of scripts/test.sh): build the wheel from the clone's files, install it
# into a virtual environment OUTSIDE the clone, and use the installed `aac` from another directory,
# the way a person who ran `pip install aac-*.whl` (or pipx) would.
#
#   1. build: the tracked + new (not ignored) files are copied to a temp dir and built there, so
#      the clone gets no build/ or *.egg-info and a stale build never leaks into the wheel;
#   2. check: every shipped file (aac/resources.py SHIPPED_KINDS) is inside the wheel;
#   3. install: a venv under ${AAC_CACHE_DIR:-~/.cache/aac}/wheel-smoke/ holding only the wheel and
#      the dependencies its metadata declares (read from the wheel: nothing hard-coded here). The venv
#      is keyed by that dependency list and the Python version: when neither changed, it is reused
#      and only the wheel is reinstalled (seconds instead of a minute); AAC_WHEEL_SMOKE_FRESH=1
#      always starts from an empty venv. `pip check` proves the declared dependencies are consistent;
#   4. smoke: from an empty temp dir with PYTHONPATH unset and a fresh data dir: aac --version,
#      aac layout list, aac voices, aac model info, install-desktop (validated), profile
#      create/export/import, one aac simulate sentence (the model comes from the shared cache,
#      ~/.cache/aac/models, built by scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_PY=${AAC_BUILD_PYTHON:-.venv/bin/python}
CACHE=${AAC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aac}
SMOKE=$CACHE/wheel-smoke
mkdir -p "$SMOKE"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aac-wheel-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
t_start=$(date +%s)
step() { echo "wheel-smoke: $*"; }
fail() { echo "wheel-smoke: FAILED: $*" >&2; exit 1; }
secs() { echo $(( $(date +%s) - $1 )); }

# 1. build
t=$(date +%s)
mkdir -p "$WORK/src" "$WORK/dist"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | (cd "$ROOT" && xargs -0 -r sh -c 'for f; do [ -f "$f" ] && [ ! -L "$f" ] && printf "%s\0" "$f"; done' sh) \
    | tar -C "$ROOT" --null -T - -cf - | tar -C "$WORK/src" -xf -
else
  tar -C "$ROOT" --exclude=.venv --exclude=.git --exclude=build --exclude='*.egg-info' -cf - . | tar -C "$WORK/src" -xf -
fi
"$BUILD_PY" -m pip wheel --no-deps -q -w "$WORK/dist" "$WORK/src" >"$WORK/build.log" 2>&1 \
  || { tail -20 "$WORK/build.log" >&2; fail "pip wheel (log above)"; }
WHEEL=$(ls "$WORK"/dist/aac-*.whl 2>/dev/null | head -1)
[ -n "$WHEEL" ] || fail "no wheel was built"
step "built $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB) in $(secs "$t") s"

# 2. every shipped file is in the wheel; read the dependency list from its metadata
DEPS_FILE=$WORK/requires.txt
"$BUILD_PY" - "$WHEEL" "$WORK/src" "$DEPS_FILE" <<'EOF' || fail "the wheel is incomplete (above)"
import ast, pathlib, sys, zipfile
wheel, src, deps_out = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
tree = ast.parse((src / "aac" / "resources.py").read_text(encoding="utf-8"))
kinds = next(ast.literal_eval(n.value) for n in tree.body
             if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "SHIPPED_KINDS")
with zipfile.ZipFile(wheel) as zf:
    names = set(zf.namelist())
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [line.split(":", 1)[1].strip() for line in zf.read(meta).decode().splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
missing = [str(p.relative_to(src)) for k in kinds for p in (src / k).rglob("*")
           if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
           and f"aac/_data/{p.relative_to(src).as_posix()}" not in names]
# the package's own files too (modules, and web pages/styles/scripts a module serves)
missing += [str(p.relative_to(src)) for p in (src / "aac").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
            and p.relative_to(src).as_posix() not in names]
if missing:
    print("missing from the wheel:", *missing[:20], sep="\n  ")
    sys.exit(1)
pathlib.Path(deps_out).write_text("\n".join(sorted(requires)) + "\n")
print(f"wheel-smoke: wheel holds every shipped file ({', '.join(kinds)}); {len(requires)} dependencies declared")
EOF

# 3. install into a venv outside the clone, keyed by the declared dependencies + Python version
t=$(date +%s)
PY_VERSION=$("$BUILD_PY" -c 'import sys; print(sys.version.split()[0])')
key=$( (cat "$DEPS_FILE"; echo "$PY_VERSION") | sha256sum | cut -c1-12)
VENV=$SMOKE/venv-$key
# reuse only a venv that still holds exactly what the wheel's install put there (nothing added by hand)
if [ -f "$VENV/.complete" ] && ! "$VENV/bin/python" -m pip freeze --exclude aac 2>/dev/null | cmp -s - "$VENV/.complete"; then
  step "the cached venv was changed since it was made; starting a fresh one"
  rm -f "$VENV/.complete"
fi
if [ "${AAC_WHEEL_SMOKE_FRESH:-0}" = 1 ] || [ ! -f "$VENV/.complete" ]; then
  rm -rf "$SMOKE"/venv-*
  BASE_PY=$("$BUILD_PY" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')
  "$BASE_PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q "$WHEEL" >"$WORK/install.log" 2>&1 \
    || { tail -20 "$WORK/install.log" >&2; fail "pip install of the wheel into a fresh venv"; }
  "$VENV/bin/python" -m pip freeze --exclude aac >"$VENV/.complete"
  how="fresh venv"
else
  "$VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$WHEEL" >"$WORK/install.log" 2>&1 \
    || { tail -20 "$WORK/install.log" >&2; fail "pip install of the wheel"; }
  how="venv with the same dependencies reused"
fi
"$VENV/bin/python" -m pip check >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log" >&2; fail "pip check"; }
step "installed into $VENV ($how) in $(secs "$t") s"

# 4. smoke test from a directory outside the clone, with nothing of the clone on the path
t=$(date +%s)
RUN=$WORK/elsewhere
mkdir -p "$RUN/data"
cd "$RUN"
DATA=$RUN/data
aac() {  # the installed aac, with nothing of the clone on the path and everything it writes under $RUN
  env -u PYTHONPATH -u AAC_MODEL_DIR AAC_DATA_DIR="$DATA" AAC_CACHE_DIR="$CACHE" \
    XDG_DATA_HOME="$RUN/xdg-data" XDG_CONFIG_HOME="$RUN/xdg-config" \
    SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy PYGAME_HIDE_SUPPORT_PROMPT=1 "$VENV/bin/aac" "$@"
}
expect() {  # expect NAME PATTERN -- COMMAND...: run it, require exit 0 and PATTERN in its output
  local name=$1 pattern=$2; shift 3
  local out
  out=$("$@" 2>"$WORK/err.log") || { cat "$WORK/err.log" >&2; fail "$name exited with an error"; }
  printf '%s\n' "$out" >"$WORK/last.out"
  grep -q -- "$pattern" <<<"$out" || { printf '%s\n' "$out" | head -20 >&2; cat "$WORK/err.log" >&2; fail "$name: no '$pattern' in its output"; }
  step "ok: $name -> $(head -1 <<<"$out" | cut -c1-110)"
}
expect "aac --version" "shipped files from the package" -- aac --version
expect "aac layout list" "^default " -- aac layout list
expect "aac voices" "en-default" -- aac voices
# the package's icon and launcher, and a profile carried to "another computer" (another data dir)
expect "aac install-desktop" "wrote .*aac-board.desktop" -- aac install-desktop --autostart
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$RUN/xdg-data/applications/aac-board.desktop" "$RUN/xdg-config/autostart/aac-board.desktop" \
    || fail "desktop-file-validate refused the launcher"
fi
expect "aac profile create" "created profile" -- aac profile create smoke
expect "aac profile export" "exported profile" -- aac profile export smoke --out "$RUN/smoke.aacprofile"
DATA=$RUN/data2  # "another computer"
expect "aac profile import (other data dir)" "imported profile" -- aac profile import "$RUN/smoke.aacprofile"
DATA=$RUN/data
echo "I am cold" >"$RUN/sentence.txt"
if [ "${AAC_SKIP_MODEL:-0}" = 1 ]; then  # set-up was told not to build the model: keyboard only
  expect "aac model info" '"recipe": "smollm2-135m-int4"' -- aac model info --recipe smollm2-135m-int4 --json
  expect "aac simulate (one sentence, no model)" '"correct": 1' -- aac simulate --text-file "$RUN/sentence.txt" --json --speech record --no-model
else
  expect "aac model info" '"built": true' -- aac model info --recipe smollm2-135m-int4 --json
  expect "aac simulate (one sentence)" '"predictions": true' -- aac simulate --text-file "$RUN/sentence.txt" --json --speech record
  grep -q '"correct": 1' <<<"$(cat "$WORK/last.out")" || fail "aac simulate did not write the sentence"
fi
cd "$ROOT"
step "smoke commands took $(secs "$t") s; total $(secs "$t_start") s"
