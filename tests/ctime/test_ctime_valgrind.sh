#!/usr/bin/env bash
# test_ctime_valgrind.sh — the constant-time suite: every tests/unit/tss/
# test_*ctime* program of the -O2 ctime build (build/ctime, `make BUILD=ctime
# ctime-bins`) under valgrind memcheck. The programs mark secrets undefined
# (tss/ctime.h TSS_CLASSIFY); a branch or memory index that depends on one is
# a memcheck error, which fails the program (exit 42) and this suite.
# Ends with "N passed, M failed" (tests/run.sh). CTIME_BUILD overrides the
# build directory.
set -u
build=${CTIME_BUILD:-build/ctime}
vg=(valgrind --error-exitcode=42 --track-origins=yes --quiet --leak-check=no
    --suppressions=tests/ctime/libsodium.supp)
passed=0; failed=0
progs=$(ls "$build"/tests/unit/tss/test_*ctime* 2>/dev/null | grep -v '\.d$' || true)
if [ -z "$progs" ]; then
    echo "no ctime programs under $build (run: make BUILD=ctime ctime-bins)"
    echo "0 passed, 1 failed"; exit 1
fi
if ! command -v valgrind >/dev/null; then
    echo "valgrind not found"; echo "0 passed, 1 failed"; exit 1
fi
for p in $progs; do
    out=$(mktemp)
    "${vg[@]}" "$p" >"$out" 2>&1
    rc=$?
    grep -aq 'running on valgrind: yes' "$out" || rc=99
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   $p"
    else
        failed=$((failed + 1)); echo "FAIL $p (exit $rc)"; cat "$out"
    fi
    rm -f "$out"
done
echo "ctime: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
