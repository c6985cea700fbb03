#!/usr/bin/env bash
# tests/run.sh - runs the whole suite against real servers: starts Redis and
# PostgreSQL on free loopback ports in a temporary folder (ops/stack.sh),
# runs the sanitizer-built test binary, and tears the servers down even when
# the tests fail or are interrupted. Arguments filter tests by name or file.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
STACK=$(mktemp -d /tmp/sfstack.XXXXXX)
chmod 755 "$STACK"
cleanup() { bash ops/stack.sh destroy --dir "$STACK" >/dev/null 2>&1 || true; rm -rf "$STACK"; }
trap cleanup EXIT INT TERM
if ! bash ops/stack.sh up --dir "$STACK" --ephemeral --no-migrate; then
    echo "tests: could not start the test stack" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
. "$STACK/ports"
export SF_TEST_REDIS_PORT=$REDIS_PORT SF_TEST_PG_PORT=$PG_PORT SF_TEST_PG_USER=postgres
export SF_TEST_ROOT=$TOP SF_TEST_BIN_DIR=$TOP/build/test/bin SF_TEST_STACK_DIR=$STACK
# A sanitizer report is a failed test: abort the process that hit it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Nothing in the suite may read a developer's own settings.
unset STRATFARM_REDIS_URL STRATFARM_WEBSITE_DSN STRATFARM_BACKTEST_DSN STRATFARM_HISTORY_DSN STRATFARM_CONFIG
for prep in tests/prep-*.sh; do [ -f "$prep" ] && bash "$prep"; done
build/test/bin/stratfarm-tests "$@"
