#!/usr/bin/env bash
# tests/bench/prep-talib.sh - the bench's TA-Lib baseline is the same
# build/talib/libta_lib.so the tests use (-O2); one script builds both.
exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/prep-talib.sh" "$@"
