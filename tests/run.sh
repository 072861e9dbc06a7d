#!/usr/bin/env bash
# tests/run.sh BUILD_DIR TEST... — run test executables (cmocka) or scripts,
# show their output, and end with the closing line "N passed, M failed"
# counted over test cases.
#
# Each TEST is a path relative to BUILD_DIR (an executable) or, if it ends in
# .sh, a script relative to the repo root. RUNNER (e.g. valgrind ...) prefixes
# executables. MPC_TEST_TIMEOUT (seconds, default 900) bounds each one.
set -u
build=$1; shift
timeout_s=${MPC_TEST_TIMEOUT:-900}
passed=0; failed=0; failed_names=()
export CMOCKA_MESSAGE_OUTPUT=stdout

for t in "$@"; do
    if [[ $t == *.sh ]]; then cmd=(bash "$t"); name=$t
    else cmd=(${RUNNER:-} "$build/$t"); name=$t; fi
    echo "=== $name"
    log=$(mktemp)
    start=$(date +%s.%N)
    timeout --kill-after=10 "$timeout_s" "${cmd[@]}" >"$log" 2>&1
    rc=$?
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
        f=1  # crashed, timed out, or a sanitizer/valgrind error after the cases passed
        [ "$rc" -eq 124 ] && echo "*** $name: timed out after ${timeout_s}s"
        echo "*** $name: exit status $rc"
    fi
    if [ "$p" = 0 ] && [ "$f" = 0 ]; then
        f=1; echo "*** $name: ran no test case"
    fi
    passed=$((passed + p)); failed=$((failed + f))
    [ "$f" -gt 0 ] && failed_names+=("$name")
    echo "--- $name: $p passed, $f failed (${secs}s)"
    rm -f "$log"
done

echo
if [ "${#failed_names[@]}" -gt 0 ]; then
    echo "failing: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
