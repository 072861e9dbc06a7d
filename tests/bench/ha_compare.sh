#!/usr/bin/env bash
# tests/bench/ha_compare.sh — sign figures of the single loopback nats-server
# next to the HA deployment, measured in one run, release build.
#
#   make && bash tests/bench/ha_compare.sh [--quick] [--with-c1]
#
# Measures ed25519 sign 2-of-3 at concurrency 64 and secp256k1 sign 2-of-3 at
# concurrency 32 (--with-c1: also ed25519 at concurrency 1) twice in one run:
# on the single loopback nats-server (configs/cluster), then on the HA
# deployment (configs/cluster-ha: three clustered nats-servers, JetStream R3,
# TLS; each process in its own network namespace, tests/ha/lib). Prints both
# with the machine's load average at each measurement, then the ratio HA /
# single of throughput and p50 per row. A benchmark, not a test. Every loop is
# bounded; clusters are stopped by pid.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"

scale=1 c1=0
for a in "$@"; do
    case $a in
    --quick) scale=10 ;;
    --with-c1) c1=1 ;;
    *) echo "usage: $0 [--quick] [--with-c1]" >&2; exit 2 ;;
    esac
done
OUT=$(mktemp /tmp/mpc-hacmp.XXXXXX)
trap 'rm -f "$OUT"' EXIT
SPECS=("ed25519 64 $((2000 / scale))" "secp256k1 32 $((500 / scale))")
[ "$c1" = 1 ] && SPECS+=("ed25519 1 $((200 / scale))")
# one_setup NAME HA — a cluster (HA=1: configs/cluster-ha), the sign figures, stopped.
one_setup() {
    ( [ "$2" = 1 ] && source "$ROOT/tests/ha/lib/ha_cluster.sh"
      d=$(mktemp -d /tmp/mpc-bench.XXXXXX)
      trap 'cluster_stop_all; rm -rf "$d"' EXIT
      cluster_init "$d" 3 >/dev/null || { echo "$1: cluster setup failed"; exit 1; }
      [ "$2" = 1 ] && echo "$1: $HA_NET_MODE mode (network namespaces, or loopback without root)"
      for i in 1 2 3; do cluster_start_node "$i"; done
      for i in 1 2 3; do cluster_wait_ready "$i" 120 || exit 1; done
      pids="${NODE_PID[1]},${NODE_PID[2]},${NODE_PID[3]}"
      for spec in "${SPECS[@]}"; do
          set -- $spec
          cli bench sign --key-type "$1" --count "$3" --concurrency "$2" --rotate-signers 2 \
              --peers "$d/peers.yaml" --node-pids "$pids" --timeout 60 --json \
              >"$d/b.json" 2>"$d/b.err" || echo "$1 C=$2: some requests failed" >&2
          python3 - "$d/b.json" "$NAME" "$1" "$2" "$(cut -d' ' -f1 /proc/loadavg)" "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency_ms"]
errs = ", ".join("%s %s" % (k, v) for k, v in sorted((d.get("errors") or {}).items()))
print("| %-22s | %-9s C=%-3s | %7.1f/s | %7.1f | %7.1f | %8.0f | %d/%d%s | %s |" % (sys.argv[2],
  sys.argv[3], sys.argv[4], d["throughput_per_s"], l["p50"], l["p99"], l["max"], d["ok"], d["count"],
  " (" + errs + ")" if errs else "", sys.argv[5]))
with open(sys.argv[6], "a") as f:
    f.write(json.dumps({"setup": sys.argv[2], "row": "%s C=%s" % (sys.argv[3], sys.argv[4]),
                        "tput": d["throughput_per_s"], "p50": l["p50"], "ok": d["ok"],
                        "count": d["count"], "load": sys.argv[5]}) + "\n")
PY
      done )
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo "| setup                  | sign          | throughput |  p50 ms |  p99 ms |   max ms | ok (failures) | load |"
echo "|---|---|---|---|---|---|---|---|"
rc=0
NAME="1 nats, loopback" one_setup single 0 || rc=1
NAME="3 nats R3 + TLS, netns" one_setup ha 1 || rc=1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
single = {r["row"]: r for r in rows if not r["setup"].startswith("3 nats")}
print("| sign | HA / single throughput | HA / single p50 |")
print("|---|---|---|")
for r in rows:
    s = single.get(r["row"])
    if r["setup"].startswith("3 nats") and s and s["tput"] > 0 and s["p50"] > 0:
        print("| %s | %.2f | %.2f |" % (r["row"], r["tput"] / s["tput"], r["p50"] / s["p50"]))
PY
exit $rc
