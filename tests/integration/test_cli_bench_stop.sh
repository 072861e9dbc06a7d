#!/usr/bin/env bash
# tests/integration/test_cli_bench_stop.sh — `mpc-cli bench` stopped by a
# signal still reports (issue 16: the HA scripts bound every client with
# `timeout`; a bench killed so used to leave an empty JSON report and no CSV,
# so nothing said what had happened). A 2-of-3 sign by node-1,node-2 while
# node-2 is stopped stays in flight; SIGTERM to the bench once node-1 has
# started it: the bench exits 1 within seconds, says it was interrupted on
# stderr, and writes its JSON report and CSV with the request in flight
# recorded as CANCELLED (the ones not started are not recorded).
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 9
tmp=$(mktemp -d)
cleanup() {
    [ -n "${BENCH_PID:-}" ] && stop_pid "$BENCH_PID" 5
    cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT

cluster_init "$tmp" 3
check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0
for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
cli keygen --wallet w-stop --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" \
    >"$tmp/kg.json" 2>&1
check "keygen w-stop" $?
cluster_stop_node 2
check "node-2 stopped" $?

started0=$(grep -c "event=request_started" "$tmp/node-1.log")
new_request() { [ "$(grep -c "event=request_started" "$tmp/node-1.log")" -gt "$started0" ]; }
# mpc-cli itself in the background (not the cli function: its subshell would take the signal).
MPC_NATS_URL="nats://127.0.0.1:$NATS_PORT" MPC_NATS_USER=client MPC_NATS_PASSWORD="$MPC_NATS_PASS_CLIENT" \
    MPC_INITIATOR_KEY="$CL_DIR/keys/client.key" \
    "$MPC_CLI" bench sign --wallet w-stop --signers node-1,node-2 --count 3 --concurrency 1 --timeout 300 \
    --json --csv "$tmp/bench.csv" --peers "$tmp/peers.yaml" >"$tmp/bench.json" \
    2>"$tmp/bench.err" &
BENCH_PID=$!
pid_remember "$BENCH_PID"
wait_until 60 new_request
check "node-1 started the bench's first sign (node-2 stopped: it stays in flight)" $?
t0=$(now_ms)
kill -TERM "$BENCH_PID"
wait_until 30 eval '! pid_alive "$BENCH_PID"'
wait "$BENCH_PID"
rc=$? ms=$(($(now_ms) - t0))
BENCH_PID=
[ "$rc" -eq 1 ] && [ "$ms" -lt 30000 ]
check "bench exits 1 after SIGTERM (exit $rc after $ms ms)" $?
grep -q "bench interrupted by a signal: 1 of 3 requests ended" "$tmp/bench.err"
rc=$?
check "stderr says the bench was interrupted ($(head -c 200 "$tmp/bench.err"))" $rc
python3 - "$tmp/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("   report: count %s ok %s errors %s" % (d["count"], d["ok"], d["errors"]))
sys.exit(0 if d["count"] == 1 and d["ok"] == 0 and d["errors"].get("CANCELLED") == 1 else 1)
PY
check "JSON report written: the request in flight counted as CANCELLED" $?
python3 - "$tmp/bench.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("   csv rows:", [(r["request_id"], r["outcome"]) for r in rows])
sys.exit(0 if len(rows) == 1 and rows[0]["outcome"] == "CANCELLED" else 1)
PY
check "CSV written: one row, CANCELLED" $?
summary
