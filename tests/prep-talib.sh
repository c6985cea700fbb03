#!/usr/bin/env bash
# tests/prep-talib.sh - builds TA-Lib 0.6 (the reference the jobs/ta/ tests
# and the bench compare against) into build/talib/libta_lib.so.
#
# The C sources come from the npm registry's `talib` package (node-talib),
# which vendors TA-Lib's C library under src/lib. Nothing of TA-Lib is ever
# committed: it lives in build/ (gitignored). Idempotent and cached: a second
# run does nothing. Prints exactly one line. Never fails the suite: without
# npm or the network it says so and exits 0, and the comparison tests SKIP.
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$TOP/build/talib"
LIB="$OUT/libta_lib.so"
# Pinned: 2.0.5 carries TA-Lib 0.6.0 (src/lib/src/ta_common/ta_version.c).
PKG=${SF_TALIB_NPM_PKG:-talib@2.0.5}
CC=${CC:-cc}

if [ -s "$LIB" ]; then
    echo "prep-talib: cached $LIB"
    exit 0
fi
mkdir -p "$OUT"
# One builder at a time (tests and bench may call this concurrently).
exec 9>"$OUT/.lock"
flock 9
if [ -s "$LIB" ]; then
    echo "prep-talib: cached $LIB"
    exit 0
fi
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "prep-talib: $1; TA-Lib comparisons will SKIP"; exit 0; }

command -v npm >/dev/null 2>&1 || fail "npm not installed"
( cd "$WORK" && timeout 180 npm pack --silent "$PKG" >npm.log 2>&1 ) || fail "npm pack $PKG failed (registry unreachable?)"
TGZ=$(ls "$WORK"/*.tgz 2>/dev/null | head -1)
[ -n "$TGZ" ] || fail "npm pack produced no tarball"
tar -xzf "$TGZ" -C "$WORK" 2>/dev/null || fail "cannot unpack $TGZ"
SRC="$WORK/package/src/lib"
[ -f "$SRC/src/ta_func/ta_SMA.c" ] || fail "$PKG carries no TA-Lib C sources"
grep -q 'define MINOR "6"' "$SRC/src/ta_common/ta_version.c" || fail "$PKG is not TA-Lib 0.6"

# -O2, no -march=native and no FP contraction: the reference must round each
# operation on its own, as a portable TA-Lib build does.
OBJS="$WORK/obj"; mkdir -p "$OBJS"
ls "$SRC"/src/ta_common/*.c "$SRC"/src/ta_func/*.c |
    xargs -P 2 -I{} sh -c '
        f={}; o="'"$OBJS"'/$(basename "$f" .c).o"
        '"$CC"' -O2 -fPIC -ffp-contract=off -w -I"'"$SRC"'/include" -I"'"$SRC"'/src/ta_common" \
            -I"'"$SRC"'/src/ta_func" -c "$f" -o "$o"' >"$WORK/cc.log" 2>&1 ||
    fail "compiling TA-Lib failed (see cc output)"
"$CC" -shared -o "$WORK/libta_lib.so" "$OBJS"/*.o -lm >>"$WORK/cc.log" 2>&1 || fail "linking TA-Lib failed"
mv "$WORK/libta_lib.so" "$LIB"
echo "prep-talib: built $LIB from npm $PKG (TA-Lib 0.6.0, -O2)"
