#!/usr/bin/env bash
# tests/integration/test_run_cleanup.sh — kill_own_child (lib/own_child.sh,
# used by tests/run.sh's cleanup) signals a child of this shell and never a
# process that is not one: here a sleep started by a subshell that has exited
# (so it belongs to no one of ours, as a reused pid of a reaped suite runner
# would), which a plain `kill` of the remembered pid would stop. Also the
# dead and the reaped child. Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
source "$ROOT/tests/integration/lib/own_child.sh"
expect_checks 4
tmp=$(mktemp -d)
trap 'kill_own_child "${own:-0}" KILL; [ -n "${other:-}" ] && kill "$other" 2>/dev/null; rm -rf "$tmp"' EXIT

(sleep 60 </dev/null >/dev/null 2>&1 & echo $! >"$tmp/other") # its parent exits at once
other=$(cat "$tmp/other")
wait_until 10 eval '[ "$(awk "{print \$4}" /proc/$other/stat 2>/dev/null)" != "$$" ]'
kill_own_child "$other"
rc=$?
sleep 0.2 # a wrongly sent signal would have ended it by now (not a wait for a condition)
[ $rc -ne 0 ] && kill -0 "$other" 2>/dev/null
check "a process not our child (pid $other) is left alone" $?

sleep 60 </dev/null >/dev/null 2>&1 &
own=$!
kill_own_child "$own"
check "our own child is signalled" $?
wait "$own"
[ $? -eq 143 ]
check "it ended by that SIGTERM" $?
! kill_own_child "$own"
check "once reaped, its pid is not signalled again" $?
kill "$other" 2>/dev/null; other=
summary
