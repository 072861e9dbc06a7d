#!/usr/bin/env bash
# tests/bench/ha_compare.sh — sign figures of the single loopback nats-server
# next to the HA deployment, measured in one run, release build.
#
#   make && bash tests/bench/ha_compare.sh [--quick]
#
# Measures ed25519 sign 2-of-3 (C=64 and C=1) and secp256k1 sign 2-of-3
# (C=32) twice in one run: on the single loopback nats-server
# (configs/cluster), then on the HA deployment (configs/cluster-ha: three
# clustered nats-servers, JetStream R3, TLS; each process in its own network
# namespace, tests/ha/lib), and prints both with the machine's load average.
# A benchmark, not a test. Every loop is bounded; clusters are stopped by pid.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"

scale=1
for a in "$@"; do
    case $a in
    --quick) scale=10 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
    esac
done
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
