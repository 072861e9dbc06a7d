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
#
#   bash tests/bench/cluster_bench.sh --ha-compare [--quick]
#
# instead measures ed25519 sign 2-of-3 (C=64 and C=1) and secp256k1 sign
# 2-of-3 (C=32) twice in one run: on the single loopback nats-server
# (configs/cluster), then on the HA deployment (configs/cluster-ha: three
# clustered nats-servers, JetStream R3, TLS; each process in its own network
# namespace, tests/ha/lib), and prints both with the machine's load average.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"

scale=1 compare=0
for a in "$@"; do
    case $a in
    --quick) scale=10 ;;
    --ha-compare) compare=1 ;;
    esac
done
if [ "$compare" = 1 ]; then
    # one_setup NAME HA — a cluster (HA=1: configs/cluster-ha), the sign figures, stopped.
    one_setup() {
        ( [ "$2" = 1 ] && source "$ROOT/tests/ha/lib/ha_cluster.sh"
          d=$(mktemp -d /tmp/mpc-bench.XXXXXX)
          trap 'cluster_stop_all; rm -rf "$d"' EXIT
          cluster_init "$d" 3 >/dev/null || { echo "$1: cluster setup failed"; exit 1; }
          for i in 1 2 3; do cluster_start_node "$i"; done
          for i in 1 2 3; do cluster_wait_ready "$i" 120 || exit 1; done
          pids="${NODE_PID[1]},${NODE_PID[2]},${NODE_PID[3]}"
          for spec in "ed25519 64 $((2000 / scale))" "ed25519 1 $((200 / scale))" \
                      "secp256k1 32 $((500 / scale))"; do
              set -- $spec
              cli bench sign --key-type "$1" --count "$3" --concurrency "$2" --rotate-signers 2 \
                  --peers "$d/peers.yaml" --node-pids "$pids" --timeout 60 --json \
                  >"$d/b.json" 2>"$d/b.err" || echo "$1 C=$2: some requests failed" >&2
              python3 - "$d/b.json" "$NAME" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency_ms"]
print("| %-22s | %-9s C=%-3s | %7.1f/s | %7.1f | %7.1f | %d/%d |" % (sys.argv[2], sys.argv[3], sys.argv[4],
      d["throughput_per_s"], l["p50"], l["p99"], d["ok"], d["count"]))
PY
          done )
    }
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
    echo "| setup                  | sign          | throughput |  p50 ms |  p99 ms | ok |"
    echo "|---|---|---|---|---|---|"
    rc=0
    NAME="1 nats, loopback" one_setup single 0 || rc=1
    NAME="3 nats R3 + TLS, netns" one_setup ha 1 || rc=1
    echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    exit $rc
fi
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
