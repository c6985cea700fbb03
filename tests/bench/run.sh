#!/usr/bin/env bash
# tests/bench/run.sh - `make bench`: starts a private stack (like the tests),
# builds the baselines that can be built here (TA-Lib from the npm registry,
# BullMQ), and runs every bench section. Figures only; never fails on speed.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
STACK=$(mktemp -d /tmp/sfbench.XXXXXX); chmod 755 "$STACK"
cleanup() { bash ops/stack.sh destroy --dir "$STACK" >/dev/null 2>&1 || true; rm -rf "$STACK"; }
trap cleanup EXIT INT TERM
bash ops/stack.sh up --dir "$STACK" --ephemeral --no-migrate || exit 1
. "$STACK/ports"
export SF_TEST_REDIS_PORT=$REDIS_PORT SF_TEST_PG_PORT=$PG_PORT SF_TEST_PG_USER=postgres
export SF_BENCH_ROOT=$TOP SF_TEST_ROOT=$TOP SF_TEST_BIN_DIR=$TOP/build/bench/bin
for prep in tests/bench/prep-*.sh; do [ -f "$prep" ] && bash "$prep"; done
build/bench/bin/stratfarm-bench "$@"
