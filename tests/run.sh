#!/usr/bin/env bash
# tests/run.sh BUILD_DIR TEST... — run test executables (cmocka) or scripts,
# show their output, and end with the closing line "N passed, M failed"
# counted over test cases.
#
# Each TEST is a path relative to BUILD_DIR (an executable) or, if it ends in
# .sh, a script relative to the repo root. RUNNER (e.g. valgrind ...) prefixes
# executables. MPC_TEST_TIMEOUT (seconds, default 900) bounds each one.
#
# Suites run in parallel, up to MPC_TEST_JOBS at a time (default: nproc). The
# output of each suite is printed in one block when it ends, never
# interleaved. Suites that must run alone (real multi-process clusters whose
# deadlines assume the machine is theirs) are named in SERIAL below or carry
# the line "# mpc-test: serial" in the script; they run one at a time after
# the parallel ones. The parallel ones start longest first, by the durations
# of the previous run (BUILD_DIR/.suite-times; on a clean clone the committed
# tests/suite-times/<build>), so no long suite starts last.
#
# MPC_TEST_ONLY=<name>[,<name>...] keeps only the suites whose path, path
# without ".sh", or base name matches (make test ONLY=test_store).
# MPC_TEST_FILTER=<glob> is read by every cmocka suite (tests/support/
# test_main.c): only the matching cases run.
set -u
build=$1; shift
timeout_s=${MPC_TEST_TIMEOUT:-900}
jobs=${MPC_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || jobs=1
export CMOCKA_MESSAGE_OUTPUT=stdout

# Executables (by base name) that run alone: 1000 live party sessions at once
# against deadlines sized for a machine of their own (measured: with another
# suite beside them, 196 of 200 five-party sessions of test_manager hit their
# 30 s deadline). Daemon clusters and flows passed in parallel: their waits
# are conditions, not times.
SERIAL=" test_manager test_manager_nats "

# matches_only T — true if T is selected by MPC_TEST_ONLY (or it is unset).
matches_only() {
    local t=$1 want base
    [ -n "${MPC_TEST_ONLY:-}" ] || return 0
    base=$(basename "${t%.sh}")
    for want in ${MPC_TEST_ONLY//,/ }; do
        want=${want#./}; want=${want#"$build"/}; want=${want%.sh}
        if [[ $want == */* ]]; then
            [ "${t%.sh}" = "$want" ] && return 0
        else
            [ "$base" = "$want" ] && return 0
        fi
    done
    return 1
}

is_serial() {
    local t=$1
    if [[ $t == *.sh ]]; then
        grep -qE '^# mpc-test: serial' "$t" 2>/dev/null
    else
        [[ $SERIAL == *" $(basename "$t") "* ]]
    fi
}

# run_one T OUT RES — runs one suite; writes its whole report to OUT and
# "passed failed seconds" to RES (written last, by rename: its presence means done).
run_one() {
    local t=$1 out=$2 res=$3 name=$1 log rc start secs p f line cmd cpu
    if [[ $t == *.sh ]]; then cmd=(bash "$t")
    else cmd=(${RUNNER:-} "$build/$t"); fi
    log=$out.log
    start=$(date +%s.%N)
    timeout --kill-after=10 "$timeout_s" "${cmd[@]}" >"$log" 2>&1 </dev/null
    rc=$?
    # CPU of the suite (this runner is a subshell: its children are the suite's processes).
    # (times, not $(times): a command substitution would count its own subshell.)
    times >"$log.cpu"
    cpu=$(awk 'NR == 2 {
        split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$log.cpu")
    rm -f "$log.cpu"
    {
        echo "=== $name"
        cat "$log"
        secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
        # cmocka: "[  PASSED  ] 5 test(s)." / "[  FAILED  ] 2 test(s), listed below:"
        # plain:  "N passed, M failed" as the last such line of a script.
        p=$(grep -aE '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
        f=$(grep -aE '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
        if [ "$p" = 0 ] && [ "$f" = 0 ]; then
            line=$(grep -aE '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
            if [ -n "$line" ]; then
                p=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
                f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
            fi
        fi
        if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then
            f=1 # crashed, timed out, or a sanitizer/valgrind error after the cases passed
            [ "$rc" -eq 124 ] && echo "*** $name: timed out after ${timeout_s}s"
            echo "*** $name: exit status $rc"
        fi
        if [ "$p" = 0 ] && [ "$f" = 0 ]; then
            f=1; echo "*** $name: ran no test case"
        fi
        echo "--- $name: $p passed, $f failed (${secs}s, cpu ${cpu}s)"
    } >"$out"
    rm -f "$log"
    echo "$p $f $secs" >"$res.tmp" && mv "$res.tmp" "$res"
}

work=$(mktemp -d)
running=() # indexes of suites started and not yet collected
passed=0; failed=0; failed_names=()
children=()
# Stops the suite runners still running: only our own children (a runner
# already reaped may have left its pid to another run's process).
source "$(dirname "$0")/integration/lib/own_child.sh"
cleanup() { local c; for c in "${children[@]}"; do kill_own_child "$c"; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Durations of the previous run, to start the longest suites first: the
# committed defaults of this kind of build (tests/suite-times/<asan|debug|...>,
# refreshed by `make suite-times`), overridden by this build's own last run.
times_file=$build/.suite-times
times_default=$(dirname "$0")/suite-times/$(basename "$build")
declare -A took=()
for f in "$times_default" "$times_file"; do
    if [ -r "$f" ]; then
        while read -r secs name; do [ -n "$name" ] && took[$name]=$secs; done <"$f"
    fi
done

# collect — prints and counts every running suite that has finished.
collect() {
    local i keep=() p f secs
    for i in "${running[@]}"; do
        if [ -e "$work/$i.res" ]; then
            cat "$work/$i.out"
            read -r p f secs <"$work/$i.res"
            took[${suites[$i]}]=${secs:-0}
            passed=$((passed + p)); failed=$((failed + f))
            [ "$f" -gt 0 ] && failed_names+=("${suites[$i]}")
        else
            keep+=("$i")
        fi
    done
    running=("${keep[@]+"${keep[@]}"}")
}

# reap — waits for one suite runner to end, then collects. A runner that
# ended without writing its result (killed) counts as a failed suite.
reap() {
    local i
    wait -n 2>/dev/null
    if [ $? -eq 127 ]; then # no child left
        for i in "${running[@]}"; do
            [ -e "$work/$i.res" ] || {
                echo "*** ${suites[$i]}: runner lost" >"$work/$i.out"
                echo "0 1 0" >"$work/$i.res"
            }
        done
    fi
    collect
}

suites=(); par=(); ser=()
for t in "$@"; do
    matches_only "$t" || continue
    suites+=("$t")
    if is_serial "$t"; then ser+=($((${#suites[@]} - 1))); else par+=($((${#suites[@]} - 1))); fi
done
if [ "${#suites[@]}" -eq 0 ]; then
    echo "run.sh: no suite matches MPC_TEST_ONLY=${MPC_TEST_ONLY:-}" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# Longest first; a suite never timed before counts as long.
if [ "${#par[@]}" -gt 0 ]; then
    mapfile -t par < <(for i in "${par[@]}"; do echo "${took[${suites[$i]}]:-9999} $i"; done |
                       sort -k1,1 -rn -s | awk '{print $2}')
fi
for i in "${par[@]+"${par[@]}"}"; do
    while [ "${#running[@]}" -ge "$jobs" ]; do reap; done
    run_one "${suites[$i]}" "$work/$i.out" "$work/$i.res" &
    children+=($!)
    running+=("$i")
done
while [ "${#running[@]}" -gt 0 ]; do reap; done
for i in "${ser[@]+"${ser[@]}"}"; do
    run_one "${suites[$i]}" "$work/$i.out" "$work/$i.res" & # a subshell: its own CPU count
    children+=($!)
    wait $!
    running=("$i")
    collect
done

for name in "${!took[@]}"; do echo "${took[$name]} $name"; done | sort -rn >"$times_file.tmp" 2>/dev/null &&
    mv "$times_file.tmp" "$times_file" 2>/dev/null

echo
if [ "${#failed_names[@]}" -gt 0 ]; then
    echo "failing: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
