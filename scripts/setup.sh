#!/usr/bin/env bash
# One idempotent set-up used by `make run` and `make test`:
#   1. OS packages the app needs (espeak-ng for speech), via apt when we are root;
#   2. a virtual environment in .venv with the app and its pinned dependencies
#      (pip's download cache lives outside the clone, so a second set-up is quick);
#   3. the quantized ONNX model, built once into the user cache (keyed by its recipe).
# Fast the second time: each step checks a stamp or the thing itself before doing work.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for cand in python3.11 python3.12 python3.10 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(not ((3,10) <= sys.version_info[:2] < (3,13)))'; then
      PYTHON=$cand; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "setup: need Python 3.10, 3.11 or 3.12 (found none)" >&2; exit 1; }

# 1. OS packages
need_apt=()
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
# Fonts for labels in other scripts (Chinese/Japanese/Korean: Droid Sans Fallback, 7 MB; Devanagari: Lohit)
[ -e /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need_apt+=(fonts-droid-fallback)
[ -e /usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf ] || need_apt+=(fonts-lohit-deva)
# Browser tests of the board editor (aac edit) drive Debian's chromium with Playwright
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# desktop-file-validate: the tests check the launcher that `aac install-desktop` writes
command -v desktop-file-validate >/dev/null 2>&1 || need_apt+=(desktop-file-utils)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)  # tests/test_hostile_network.py: no network socket
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing OS packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these OS packages first: ${need_apt[*]} (e.g. sudo apt-get install ${need_apt[*]})" >&2
    echo "setup: continuing; speech falls back to a visible message without espeak-ng" >&2
  fi
fi

# 2. virtual environment
EXTRAS=${AAC_EXTRAS:-dev,webcam}
stamp_key=$( (cat pyproject.toml; echo "$EXTRAS"; "$PYTHON" --version) | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.aac-stamp 2>/dev/null)" != "$stamp_key" ]; then
  echo "setup: creating .venv with $PYTHON (extras: $EXTRAS)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
  echo "$stamp_key" > .venv/.aac-stamp
fi

# 3. the models of every language pack (no-op when the cache already holds each recipe's build)
if [ "${AAC_SKIP_MODEL:-0}" != 1 ]; then
  .venv/bin/aac model build --all-languages --quiet-if-built
fi
