#!/usr/bin/env bash
# tests/bench/cluster_bench.sh — the issue 7 benchmark set on a local 3-node
# cluster (nats-server + 3 mpc-node on 127.0.0.1 in a temp dir), release build.
#
#   make && bash tests/bench/cluster_bench.sh [--quick]
#
# Runs `mpc-cli bench` for: ed25519 sign 2-of-3 at concurrency 64 and 1,
# ed25519 keygen and reshare at concurrency 1, secp256k1 sign 2-of-3 at
# concurrency 32 and 1, then prints each run's summary and the nodes' peak
# RSS. A benchmark, not a test: it asserts only that every request succeeded.
# Every loop is bounded; the cluster is stopped by pid on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"

scale=1
[ "${1:-}" = "--quick" ] && scale=10
dir=$(mktemp -d /tmp/mpc-bench.XXXXXX)
trap 'cluster_stop_all; rm -rf "$dir"' EXIT
cluster_init "$dir" 3 || { echo "cluster setup failed"; exit 1; }
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 60 || exit 1; done
pids="${NODE_PID[1]},${NODE_PID[2]},${NODE_PID[3]}"

bench() { # name, then mpc-cli bench arguments
    local name=$1; shift
    echo "== $name"
    cli bench "$@" --peers "$dir/peers.yaml" --node-pids "$pids" --timeout 60 || rc=1
    echo
}
rc=0
bench "ed25519 sign 2-of-3, C=64" sign --key-type ed25519 --count $((2000 / scale)) \
    --concurrency 64 --rotate-signers 2
bench "ed25519 sign 2-of-3, C=1" sign --key-type ed25519 --count $((200 / scale)) \
    --concurrency 1 --rotate-signers 2
bench "ed25519 keygen 2-of-3, C=1" keygen --key-type ed25519 --count $((100 / scale)) \
    --concurrency 1 --wallet-prefix bk
bench "ed25519 reshare 2-of-3, C=1" reshare --key-type ed25519 --count $((100 / scale)) \
    --concurrency 1 --wallet-prefix bk --wallets $((100 / scale))
bench "secp256k1 sign 2-of-3, C=32" sign --key-type secp256k1 --count $((500 / scale)) \
    --concurrency 32 --rotate-signers 2
bench "secp256k1 sign 2-of-3, C=1" sign --key-type secp256k1 --count $((100 / scale)) \
    --concurrency 1 --rotate-signers 2
for i in 1 2 3; do
    echo "node-$i $(grep -E 'VmHWM|VmRSS' /proc/${NODE_PID[$i]}/status | tr -s ' \n' ' ')"
done
exit $rc
