#!/usr/bin/env bash
# tests/integration/test_result_republish.sh — a logged result reaches the
# client even when JetStream never redelivers its request (issue 16: across a
# nats-server partition a sign's result publishes failed with NO_RESPONDERS
# and the stream never gave the request to either signer again; DESIGN §10).
# node-2 runs with MPC_NODE_TEST_LOSE_REDELIVERIES=1 (every redelivered
# request is acked and dropped unread: the stream "lost" it), so only the
# node's own republishing (node/republish.h) can get a result out:
#   1. its first result publishes fail (MPC_NODE_TEST_RESULT_PUB_FAIL=3, as
#      during an election): the sign still ends with both signers' results,
#      without the client resubmitting;
#   2. node-2 dies right after its request-log write, before any publish
#      (MPC_NODE_TEST_CRASH_AFTER_LOGS, like kill -9): restarted, it publishes
#      the logged result from its unpub/ marker;
#   3. publishes that never succeed: given up after the max age
#      (MPC_NODE_TEST_REPUBLISH_MAX_AGE_MS) with MPC_ERR_RESULT_UNPUBLISHED;
#   4. startup: JetStream setup calls that time out are retried
#      (MPC_TEST_JS_API_TIMEOUTS=3), and a setup that keeps timing out stops
#      the node after jetstream.setup_timeout_ms with MPC_ERR_JS_SETUP.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=3000 # a redelivery (dropped on node-2) comes quickly
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 27
tmp=$(mktemp -d)
cleanup() {
    cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT
LOG2="$tmp/node-2.log"
n_log() { grep -c "$1" "$LOG2" 2>/dev/null || true; }
# restart2 ENV... — node-2 stopped (if running) and started again with ENV.
restart2() {
    [ -n "${NODE_PID[2]:-}" ] && pid_alive "${NODE_PID[2]}" && cluster_stop_node 2
    NODE_PID[2]=
    env "$@" "$MPC_NODE" -c "$CL_DIR/node-2.yaml" >>"$LOG2" 2>&1 &
    NODE_PID[2]=$!
    pid_remember "${NODE_PID[2]}"
    cluster_wait_ready 2 90
}
# two_results FILE — a sign's JSON: ok, with results of node-1 and node-2.
two_results() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); n=sorted(r["node"] for r in d["results"] if r.get("ok"))
sys.exit(0 if d.get("ok") and n == ["node-1","node-2"] else 1)' "$1"
}
LOSE=MPC_NODE_TEST_LOSE_REDELIVERIES=1

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
ready=0
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
cli keygen --wallet w-rp --threshold 2 --json --timeout 60 >"$tmp/kg.json" 2>&1
check "keygen 2-of-3" $?

# 1. Failed publishes, redeliveries lost: the node republishes by itself.
restart2 "$LOSE" MPC_NODE_TEST_RESULT_PUB_FAIL=3
check "node-2 restarted: its first 3 result publishes fail, redeliveries dropped" $?
cli sign --wallet w-rp --signers node-1,node-2 --message-hex 01020304 --request-id rp-1 \
    --json --timeout 60 >"$tmp/s1.json" 2>"$tmp/s1.err"
two_results "$tmp/s1.json"
check "sign rp-1: both signers' results reached the client, no resubmission" $?
[ "$(n_log 'event=result_publish_failed request=rp-1')" -ge 1 ] &&
    [ "$(n_log 'event=result_republish_retry request=rp-1')" -ge 1 ] &&
    [ "$(n_log 'event=result_republished request=rp-1')" -eq 1 ]
check "node-2: publish failed, retried (a log line per retry), then acknowledged" $?
[ "$(n_log 'event=request_republished request=rp-1')" -eq 0 ]
check "node-2: not through a redelivery of the request (none came through)" $?
[ "$(node_metric 2 mpc_result_republish_retries_total)" -ge 1 ] &&
    [ "$(node_metric 2 mpc_result_republished_total)" -eq 1 ]
check "node-2 metrics: republish retries and one republished result" $?

# 2. Killed after the log write, before any publish (exit 99, no cleanup).
restart2 "$LOSE" MPC_NODE_TEST_CRASH_AFTER_LOGS=1
check "node-2 restarted with a crash right after its next request-log write" $?
dead2() { ! pid_alive "${NODE_PID[2]}"; }
cli sign --wallet w-rp --signers node-1,node-2 --message-hex 05060708 --request-id rp-2 \
    --x-no-wait >/dev/null 2>"$tmp/s2.err"
wait_until 60 dead2 && grep -q "event=fault_crash_after_log" "$LOG2"
check "node-2 died after logging rp-2, before publishing it" $?
NODE_PID[2]=
restart2 "$LOSE"
check "node-2 restarted (redeliveries still dropped)" $?
cli results --json --expect 2 --timeout 60 rp-2 >"$tmp/s2.json" 2>/dev/null
python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); n=sorted(r["node"] for r in d["results"] if r.get("ok"))
sys.exit(0 if n == ["node-1","node-2"] and d["duplicates"] == 0 else 1)' "$tmp/s2.json"
check "rp-2: both results, once each (node-2's from its unpub/ marker at startup)" $?
grep -q "event=results_unacknowledged count=1" "$LOG2" &&
    [ "$(n_log 'event=result_republished request=rp-2')" -eq 1 ]
check "node-2 found one unacknowledged result at startup and published it" $?

# 3. A result JetStream never acknowledges: given up after its max age.
restart2 "$LOSE" MPC_NODE_TEST_RESULT_PUB_FAIL=1000000 MPC_NODE_TEST_REPUBLISH_MAX_AGE_MS=3000
check "node-2 restarted: every result publish fails, max age 3 s" $?
cli sign --wallet w-rp --signers node-1,node-2 --message-hex 090a0b0c --request-id rp-3 \
    --x-no-wait >/dev/null 2>"$tmp/s3.err"
gave_up() { grep -q "event=result_republish_gave_up request=rp-3 .*status=MPC_ERR_RESULT_UNPUBLISHED" "$LOG2"; }
wait_until 60 gave_up
check "rp-3 given up after its max age with MPC_ERR_RESULT_UNPUBLISHED" $?
[ "$(node_metric 2 mpc_result_republish_gave_up_total)" -eq 1 ]
check "node-2 metric: one result given up" $?
restart2 "$LOSE"
check "node-2 restarted without faults" $?
! grep -q "event=results_unacknowledged" <(sed -n '/event=result_republish_gave_up/,$p' "$LOG2")
check "its marker went with the give-up: nothing left to republish at startup" $?

# 4. JetStream setup at startup: timeouts retried, then a bounded give-up.
restart2 MPC_TEST_JS_API_TIMEOUTS=3
check "node-2 ready although its first 3 JetStream setup calls timed out" $?
[ "$(n_log 'event=js_setup_retry')" -ge 3 ] && grep -q "event=js_setup_done attempts=4" "$LOG2"
check "node-2: a retry line per timeout, setup done at the 4th attempt" $?
cluster_stop_node 2
sed -i 's#^jetstream:#jetstream:\n  setup_timeout_ms: 2000#' "$CL_DIR/node-2.yaml"
grep -q "^jetstream:" "$CL_DIR/node-2.yaml" ||
    printf 'jetstream:\n  setup_timeout_ms: 2000\n' >>"$CL_DIR/node-2.yaml"
t0=$(date +%s)
MPC_TEST_JS_API_TIMEOUTS=1000 timeout 60 "$MPC_NODE" -c "$CL_DIR/node-2.yaml" >>"$LOG2" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
    grep -q "event=js_setup_gave_up .*status=MPC_ERR_JS_SETUP" "$LOG2"
check "setup timing out for good: node-2 stops (exit $rc) with MPC_ERR_JS_SETUP" $?
[ $(($(date +%s) - t0)) -le 30 ]
check "... within its bound (setup_timeout_ms 2000 plus startup)" $?
restart2
check "node-2 starts again without faults" $?

cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
