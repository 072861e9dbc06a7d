#!/usr/bin/env bash
# tests/bench/cluster_bench.sh — the issue 7/12 benchmark set on a local 3-node
# cluster (nats-server + 3 mpc-node on 127.0.0.1 in a temp dir), release build.
#
#   make bench            (or: make && bash tests/bench/cluster_bench.sh [--quick] [--raw FILE])
#
# Runs `mpc-cli bench` for: ed25519 sign 2-of-3 at concurrency 64 and 1,
# ed25519 keygen and reshare at concurrency 1, secp256k1 sign 2-of-3 at
# concurrency 32 and 1 (tests/bench/lib.sh BENCH_ITEMS), then prints one table
# (tests/bench/table.py) and the nodes' peak RSS. --quick divides the counts
# by 10. --raw keeps the JSON lines. A benchmark, not a test: it fails only
# when a request failed. Every loop is bounded; the cluster is stopped by pid
# on exit. Side-by-side ratios of two builds: tests/bench/compare.sh.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"
source "$ROOT/tests/bench/lib.sh"

scale=1 raw=
while [ $# -gt 0 ]; do
    case $1 in
    --quick) scale=10 ;;
    --raw) raw=$2; shift ;;
    *) echo "usage: $0 [--quick] [--raw FILE]" >&2; exit 2 ;;
    esac
    shift
done
out=${raw:-$(mktemp /tmp/mpc-bench-results.XXXXXX)}
: >"$out"
trap 'bench_down_all; [ -z "$raw" ] && rm -f "$out"' EXIT
bench_up this "$MPC_BIN" || { echo "cluster setup failed"; exit 1; }
bench_use this
rc=0
for item in "${BENCH_ITEMS[@]}"; do
    echo "running: ${item%%|*}" >&2
    bench_item "$item" "$scale" "$out" this 0 || rc=1
done
echo "mpc-node bench, $(nproc) CPUs, $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
python3 "$ROOT/tests/bench/table.py" "$out" || rc=1
for i in 1 2 3; do
    echo "node-$i $(grep -E 'VmHWM|VmRSS' /proc/${NODE_PID[$i]}/status | tr -s ' \n' ' ')"
done
exit $rc
