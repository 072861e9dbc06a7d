#!/usr/bin/env bash
# tests/fuzz/run.sh — drives the libFuzzer harnesses built in build/fuzz.
#
#   run.sh fuzz  [harness...]  fuzz each for FUZZ_SECONDS (default 60; FUZZ_OPTS adds
#                              libFuzzer flags, e.g. -runs=1000000) from a
#                              copy of its seed corpus (build/fuzz/corpus/<h>,
#                              kept between runs); prints execs per harness
#   run.sh smoke [harness...]  run each over its committed seeds only (seconds)
#   run.sh seeds [harness...]  regenerate tests/fuzz/corpus/<h> (FUZZ_GEN_SEEDS)
#
# A harness is named by its source's base name (fuzz_envelope). Crashes are
# written to build/fuzz/crashes/<h>/. Exit status: 0 if every harness passed.
set -u
mode=${1:-smoke}
shift || true
bindir=build/fuzz/tests/fuzz
seconds=${FUZZ_SECONDS:-60}
if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for src in tests/fuzz/fuzz_*.c; do names+=("$(basename "$src" .c)"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0
for h in "${names[@]}"; do
    bin=$bindir/$h
    seeds=tests/fuzz/corpus/$h
    [ -x "$bin" ] || { echo "$h: not built ($bin)" >&2; fail=1; continue; }
    case $mode in
    seeds)
        rm -rf "$seeds" && mkdir -p "$seeds"
        if FUZZ_GEN_SEEDS=$seeds "$bin" >/dev/null 2>"build/fuzz/$h.seeds.log"; then
            echo "$h: $(ls "$seeds" | wc -l) seeds"
        else
            echo "$h: seed generation FAILED (build/fuzz/$h.seeds.log)"; fail=1
        fi
        ;;
    smoke)
        files=("$seeds"/*)
        [ -e "${files[0]}" ] || { echo "$h: no seeds in $seeds" >&2; fail=1; continue; }
        if "$bin" "${files[@]}" >"build/fuzz/$h.smoke.log" 2>&1; then
            echo "$h: ${#files[@]} seeds ok"
        else
            echo "$h: FAILED (build/fuzz/$h.smoke.log)"; tail -30 "build/fuzz/$h.smoke.log"; fail=1
        fi
        ;;
    fuzz)
        work=build/fuzz/corpus/$h
        crashes=build/fuzz/crashes/$h
        mkdir -p "$work" "$crashes"
        log=build/fuzz/$h.fuzz.log
        "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/" \
            ${FUZZ_OPTS:-} "$work" "$seeds" >"$log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
        if [ $rc -eq 0 ]; then
            echo "$h: ${execs:-?} execs in ${took:-$seconds}s (${rate:-?}/s, ${cov:-cov: ?})"
        else
            echo "$h: CRASH after ${execs:-?} execs — see $log and $crashes/"; fail=1
        fi
        ;;
    *)
        echo "usage: $0 fuzz|smoke|seeds [harness...]" >&2; exit 2
        ;;
    esac
done
exit $fail
