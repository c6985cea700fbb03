#!/usr/bin/env bash
# fuzz/run.sh SECONDS TARGET... - runs each libFuzzer target of
# build/fuzz/bin/ (make fuzz-build): first its regression inputs
# (fuzz/regressions/TARGET/, each a crash or hang found once, run once
# each), then SECONDS of fuzzing from its seed corpus (fuzz/corpus/TARGET/,
# read only: new inputs go to a scratch folder). Prints one line per
# target with execs/s and coverage (-print_final_stats); exits 1 when a
# target crashed, leaked, hung or tripped a sanitizer, naming the input
# saved under build/fuzz/artifacts/ (turn it into a regression: copy it into
# fuzz/regressions/TARGET/ with a name saying what it was, and fix).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
SECS=${1:-60}
shift || true
TARGETS=${*:-envelope config cron csv dsl}
ART=build/fuzz/artifacts
mkdir -p "$ART"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in $TARGETS; do
    bin=build/fuzz/bin/fuzz_$t
    if [ ! -x "$bin" ]; then echo "fuzz $t: $bin missing (make fuzz-build)"; failed=1; continue; fi
    scratch=$(mktemp -d "/tmp/sf-fuzz-$t.XXXXXX")
    log=build/fuzz/$t.log
    regs=(fuzz/regressions/$t/*)
    rc=0
    if [ -e "${regs[0]}" ]; then
        "$bin" -timeout=10 "${regs[@]}" > "$log.reg" 2>&1 || rc=$?
        if [ $rc -ne 0 ]; then
            echo "fuzz $t: FAILED on a regression input (exit $rc); see $log.reg"; tail -20 "$log.reg"
            failed=1; rm -rf "$scratch"; continue
        fi
    fi
    # -max_len: the limits under test are small (envelope depth, a CSV line,
    # a cron line); long inputs are the unit tests' (1 MiB envelopes).
    "$bin" -max_total_time="$SECS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -artifact_prefix="$ART/$t-" "$scratch" "fuzz/corpus/$t" > "$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    seeds=$(ls "fuzz/corpus/$t" | wc -l)
    found=$(ls "$scratch" | wc -l)
    rm -rf "$scratch"
    if [ $rc -ne 0 ]; then
        echo "fuzz $t: FAILED (exit $rc) after ${execs:-?} execs; input: $(ls -t $ART/$t-* 2>/dev/null | head -1)"
        grep -m1 -E 'ERROR|SUMMARY|runtime error' "$log"
        failed=1
    else
        echo "fuzz $t: ${SECS} s, ${execs:-?} execs (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, $seeds seeds, $found new inputs"
    fi
done
exit $failed
