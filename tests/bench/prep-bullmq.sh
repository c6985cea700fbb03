#!/usr/bin/env bash
# tests/bench/prep-bullmq.sh - installs the BullMQ baseline of
# tests/bench/bench_queue.c into build/bullmq (node_modules never goes into
# the repository). Versions are pinned in tests/bench/bullmq/package.json.
# When node or npm is missing or the registry is unreachable, it says so and
# exits 0: the queue bench then prints a note instead of the BullMQ figures.
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=$TOP/tests/bench/bullmq
DST=$TOP/build/bullmq
note() { echo "prep-bullmq: $*; BullMQ baseline skipped" >&2; exit 0; }

command -v node >/dev/null 2>&1 || note "node not found"
command -v npm >/dev/null 2>&1 || note "npm not found"
mkdir -p "$DST"
# Up to date: same package.json as the last successful install.
if [ -f "$DST/node_modules/bullmq/package.json" ] && cmp -s "$SRC/package.json" "$DST/package.json"; then
    exit 0
fi
rm -rf "$DST/node_modules" "$DST/package-lock.json"
cp "$SRC/package.json" "$DST/package.json"
[ -f "$SRC/package-lock.json" ] && cp "$SRC/package-lock.json" "$DST/package-lock.json"
echo "prep-bullmq: installing bullmq into build/bullmq" >&2
if ! (cd "$DST" && timeout 300 npm install --no-audit --no-fund --fetch-retries=1 --fetch-timeout=30000 --loglevel=error >npm.log 2>&1); then
    rm -f "$DST/package.json"   # retried next time
    note "npm install failed (see build/bullmq/npm.log)"
fi
[ -f "$DST/node_modules/bullmq/package.json" ] || note "bullmq not installed"
