#!/usr/bin/env bash
# tests/integration/repeat_busy.sh SUITE N — runs the shell suite SUITE N
# times in a row while both cores are kept busy by two busy loops
# (sh -c 'while :; do :; done'), started here and stopped by their pids when
# the runs are over (or on interrupt). Prints one line per run
# ("run K/N: pass|fail (S s): <summary line>") and a total; exits 0 only if
# every run passed. A failed run's output is kept in $REPEAT_KEEP (default
# /tmp/repeat_busy.<pid>), one file per run.
# Issue 15: tests/integration/test_flow_crash_keygen.sh must pass 20 of 20 so.
set -u
if [ $# -ne 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]] || [ ! -f "$1" ]; then
    echo "usage: $0 SUITE N   (SUITE: a tests/integration/*.sh file; N >= 1)" >&2
    exit 2
fi
suite=$1 n=$2
keep=${REPEAT_KEEP:-/tmp/repeat_busy.$$}
mkdir -p "$keep"
busy=()
stop_busy() {
    local p
    for p in "${busy[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${busy[@]}"; do wait "$p" 2>/dev/null; done
    busy=()
}
trap 'stop_busy; exit 130' INT TERM
trap stop_busy EXIT
for _ in 1 2; do
    sh -c 'while :; do :; done' &
    busy+=($!)
done
echo "busy loops: pids ${busy[*]} (both cores kept busy)"
pass=0
for ((k = 1; k <= n; k++)); do
    out="$keep/run$k.out"
    t0=$(date +%s)
    bash "$suite" >"$out" 2>&1
    rc=$?
    secs=$(($(date +%s) - t0))
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
    if [ $rc -eq 0 ] && [[ $line == *", 0 failed"* ]]; then
        pass=$((pass + 1))
        echo "run $k/$n: pass (${secs} s): $line"
        rm -f "$out"
    else
        echo "run $k/$n: fail (${secs} s, exit $rc): ${line:-no summary} (output: $out)"
        grep -E '^\s*(not ok|FAIL|\*\*\*)' "$out" | head -5
    fi
done
stop_busy
echo "$pass of $n runs passed ($suite, both cores busy)"
[ "$pass" -eq "$n" ] && rmdir "$keep" 2>/dev/null
[ "$pass" -eq "$n" ]
