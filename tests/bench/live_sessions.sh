#!/usr/bin/env bash
# tests/bench/live_sessions.sh — memory of a node holding N live sessions.
#
#   tests/bench/live_sessions.sh [--conf-root DIR] [--sessions N] [BIN_DIR]
#
# Starts a local 3-node cluster (loopback) from BIN_DIR (default
# build/release/bin) with limits.max_sessions = N + 64 and sign/barrier/idle
# timeouts of 10 minutes, creates an ed25519 wallet 2-of-3, stops node-3, and
# sends N signs (default 1000) naming node-1 and node-3 as signers (bench
# clients of at most 1000 requests in flight each). node-1 opens one session
# per request, and each stays in its readiness barrier (subscriptions,
# ephemeral keys, READY probes to node-3 retried) until the end: N live
# sessions. When node-1's mpc_sessions_live reaches N (or after 600 s), prints
# node-1's VmRSS and VmHWM and whether it is still serving (/readyz).
# Every process is stopped by pid on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
n=1000 conf_root=
while [ $# -gt 0 ]; do
    case $1 in
    --conf-root) conf_root=$2; shift ;;
    --sessions) n=$2; shift ;;
    -*) echo "usage: $0 [--conf-root DIR] [--sessions N] [BIN_DIR]" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
[[ "$n" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "bad --sessions (1..99999)" >&2; exit 2; }
export MPC_BIN=$(cd "${1:-$ROOT/build/release/bin}" && pwd)
export CL_MAX_SESSIONS=$((n + 64)) CL_BARRIER_MS=600000 CL_SIGN_MS=600000 CL_IDLE_MS=600000
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"

dir=$(mktemp -d /tmp/mpc-live.XXXXXX)
BENCH_PIDS=()
trap 'for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null; done; cluster_stop_all; rm -rf "$dir"' EXIT
# --conf-root DIR: nats-server.conf and node configs from the source tree DIR
# (an older build whose subjects or permissions differ from this tree's)
bench_root=$ROOT
ROOT=${conf_root:-$ROOT}
cluster_init "$dir" 3 || { echo "cluster setup failed" >&2; exit 1; }
ROOT=$bench_root
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 120 || exit 1; done
cli keygen --wallet live --threshold 2 --timeout 120 >/dev/null 2>&1 ||
    { echo "keygen failed" >&2; cluster_tails; exit 1; }
cluster_stop_node 3
rss() { awk -v k="$1:" '$1 == k {print $2}' /proc/"${NODE_PID[1]}"/status; }
echo "node-1 idle with a key: VmRSS $(rss VmRSS) kB"

left=$n k=0
while [ "$left" -gt 0 ]; do
    c=$((left > 1000 ? 1000 : left))
    cli bench sign --wallet live --signers node-1,node-3 --count "$c" --concurrency "$c" \
        --peers "$CL_DIR/peers.yaml" \
        --timeout 900 --json >"$dir/bench.$k.json" 2>"$dir/bench.$k.err" &
    BENCH_PIDS+=($!)
    left=$((left - c)) k=$((k + 1))
done
live() { [ "$(node_metric 1 mpc_sessions_live)" -ge "$n" ]; }
t0=$(date +%s)
wait_until "${LIVE_WAIT_S:-600}" live
reached=$?
secs=$(($(date +%s) - t0))
have=$(node_metric 1 mpc_sessions_live)
curl -fsS --max-time 5 "http://127.0.0.1:${HTTP_PORT[1]}/readyz" >/dev/null 2>&1
ready=$?
echo "node-1: $have live sessions (of $n asked; reached in ${secs} s: $([ $reached -eq 0 ] && echo yes || echo no))," \
    "VmRSS $(rss VmRSS) kB, VmHWM $(rss VmHWM) kB, /readyz $([ $ready -eq 0 ] && echo ok || echo failing)," \
    "alive $(pid_alive "${NODE_PID[1]}" && echo yes || echo no)"
if [ $reached -ne 0 ]; then
    head -c 600 "$dir/bench.0.err" "$dir/bench.0.json" >&2
    grep -m3 -E 'request_(done|rejected|started)' "$CL_DIR/node-1.log" >&2
fi
[ $reached -eq 0 ] && [ $ready -eq 0 ]
