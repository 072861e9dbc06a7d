#!/usr/bin/env bash
# mpc-test: serial (a 6000-sign bench on 2 cores: barrier timeouts when other suites run beside it)
# tests/integration/test_store_full.sh — storage faults at the boundary (issue
# "The trust boundary" §4). node-1 runs with a 1 MiB LMDB map and a request
# log kept for up to 1 000 000 entries; signing fills its store. Then:
#  - /readyz of node-1 answers 503 "store_full", mpc_store_full is 1, the
#    intake pauses: NAKs stay few per second (no redelivery spin);
#  - nothing committed is lost and it recovers by itself once space returns:
#    the retention is lowered (store.request_log_max_entries: 100) and
#    reloaded with SIGHUP, the ticker prunes in bounded batches, /readyz is
#    200 again, mpc_store_full 0, and the wallet made before still signs.
# Prints "N passed, M failed".
# mpc-test: serial
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 19
tmp=$(mktemp -d)
cleanup() {
    [ -n "${BENCH_PID:-}" ] && stop_pid "$BENCH_PID" 5
    cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT

# metric NAME — value of an unlabelled metric of node-1 (empty if unreachable).
metric() {
    curl -s --max-time 3 "http://127.0.0.1:${HTTP_PORT[1]}/metrics" |
        awk -v n="$1" '$1 == n { print $2 }'
}
store_full_is() { [ "$(metric mpc_store_full)" = "$1" ]; }
readyz_body() { curl -s --max-time 3 "http://127.0.0.1:${HTTP_PORT[1]}/readyz"; }

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
sed -i -e 's#^  map_size_mb: [0-9]*#  map_size_mb: 1\n  request_log_max_entries: 1000000#' "$tmp/node-1.yaml"
"$MPC_CLI" config-check "$tmp/node-1.yaml" >/dev/null; check "node-1 config: 1 MiB map" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

cli keygen --wallet w-full --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/kg.json" 2>&1
check "keygen before the store fills" $?

# Fill node-1's request log: signs until its store reports full (bounded).
cli bench sign --wallet w-full --count 6000 --concurrency 32 --timeout 20 \
    --peers "$tmp/peers.yaml" >"$tmp/bench.out" 2>&1 &
BENCH_PID=$!
wait_until 400 store_full_is 1; check "mpc_store_full becomes 1 (store filled)" $?
readyz_body | grep -q "store_full"; check "/readyz says not ready: store_full" $?
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:${HTTP_PORT[1]}/readyz")
check "/readyz answers 503 while full ($code)" $([ "$code" = 503 ]; echo $?)
wait_until 10 grep -q "event=intake_paused" "$tmp/node-1.log"; check "node-1 logs intake_paused" $?
# No spin: NAKs over a 5 s window (requests keep arriving from the bench meanwhile).
n0=$(metric mpc_requests_nak_total); t0=$(now_ms)
sleep 5 # the measurement window itself, not a wait for a condition
n1=$(metric mpc_requests_nak_total); t1=$(now_ms)
rate=$(( (n1 - n0) * 1000 / (t1 - t0) ))
echo "   naks: $n0 -> $n1 in $((t1 - t0)) ms ($rate/s)"
check "NAKs while full stay below 20/s ($rate/s)" $([ "$rate" -lt 20 ]; echo $?)
store_full_is 1; check "still full without pruning (nothing dropped silently)" $?
stop_pid "$BENCH_PID" 10; BENCH_PID=

# Space returns: retention lowered and reloaded; the ticker prunes and resumes.
sed -i 's#^  request_log_max_entries: [0-9]*#  request_log_max_entries: 100#' "$tmp/node-1.yaml"
kill -HUP "${NODE_PID[1]}"
wait_until 60 store_full_is 0; check "mpc_store_full back to 0 after pruning" $?
cluster_wait_ready 1 60; check "/readyz ready again" $?
pruned=$(metric mpc_request_log_pruned_total)
check "request-log entries pruned (${pruned:-0})" $([ "${pruned:-0}" -gt 100 ]; echo $?)
wait_until 10 grep -q "event=intake_resumed" "$tmp/node-1.log"; check "node-1 logs intake_resumed" $?
cli sign --wallet w-full --message after-full --json --timeout 60 --peers "$tmp/peers.yaml" \
    >"$tmp/sign.json" 2>&1
check "the wallet made before the fill still signs (its key is intact)" $?
[ "$failed" -eq 0 ] || { cluster_tails; tail -20 "$tmp/bench.out"; }
cluster_finish
summary
