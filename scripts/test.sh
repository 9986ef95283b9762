#!/usr/bin/env bash
# Run the test suite headless, then (for the full suite) the wheel smoke test: the built wheel
# installed outside the clone and used from another directory (scripts/wheel_smoke.sh).
# pytest exits 5 when it collects no tests: that is not a failure of the project, but it is
# reported loudly so it never hides a broken collection.
#
# The wheel smoke test runs with the whole suite (`make test`, `make test ARGS=-x`, CI) and is
# skipped when the arguments name particular tests (`bash scripts/test.sh tests/test_x.py`);
# AAC_WHEEL_SMOKE=1 or 0 forces it on or off.
set -uo pipefail
cd "$(dirname "$0")/.."
export SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-dummy} SDL_AUDIODRIVER=${SDL_AUDIODRIVER:-dummy}
export PYGAME_HIDE_SUPPORT_PROMPT=1
names_tests=0
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *::*) names_tests=1 ;;
    *) [ -e "$arg" ] && names_tests=1 ;;
  esac
done
smoke=${AAC_WHEEL_SMOKE:-$([ "$names_tests" = 0 ] && echo 1 || echo 0)}
# The smoke test runs first so that pytest's summary line is the last thing the command prints.
smoke_rc=0
if [ "$smoke" = 1 ]; then
  bash scripts/wheel_smoke.sh || { smoke_rc=1; echo "test: the wheel smoke test failed (pytest runs anyway)" >&2; }
fi
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "test: pytest collected no tests" >&2
  rc=0
fi
[ "$smoke_rc" = 0 ] || { echo "test: the wheel smoke test failed" >&2; [ "$rc" != 0 ] || rc=1; }
exit "$rc"
