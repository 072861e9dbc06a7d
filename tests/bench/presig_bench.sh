#!/usr/bin/env bash
# tests/bench/presig_bench.sh — ECDSA signs served online from a filled
# presignature pool next to normal dkls-sign, through the whole node pipeline
# (JetStream intake, store take, session, results), on a local 3-node cluster
# (release build). Two signer sets of one 2-of-3 secp256k1 key:
# {node-1, node-2} has a pool (presign.pool_size), {node-1, node-3} has none
# and signs with dkls-sign. Arms alternate in one run (ROUNDS rounds):
# online C=1, sign C=1, online C=32, sign C=32; before each online arm the
# pools are refilled (not timed). Prints one line per arm and the ratios, and
# how many signs were served online (mpc_presig_online_signs_total) or fell
# back (mpc_presig_online_without_total).
#
#   bash tests/bench/presig_bench.sh [--rounds R] [--n1 N] [--n32 N]
#
# A benchmark, not a test. Every loop is bounded; processes stopped by pid.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"
ROUNDS=2 N1=20 N32=64
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ROUNDS=$2; shift ;;
    --n1) N1=$2; shift ;;
    --n32) N32=$2; shift ;;
    *) echo "usage: $0 [--rounds R] [--n1 N] [--n32 N]" >&2; exit 2 ;;
    esac
    shift
done
POOL=$((N32 + 8))
tmp=$(mktemp -d)
trap 'cluster_stop_all; rm -rf "$tmp"' EXIT

cluster_init "$tmp" 3 || { echo "cluster setup failed"; exit 1; }
for i in 1 2 3; do
    printf 'presign:\n  pool_size: %d\n  max_per_second: 100\n  signers: ["node-1,node-2"]\n' \
        "$POOL" >>"$tmp/node-$i.yaml"
done
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 120 || { echo "node-$i not ready"; exit 1; }; done
cli keygen --wallet w-pb --key-type secp256k1 --threshold 2 --timeout 120 >/dev/null ||
    { echo "keygen failed"; exit 1; }

full() { [ "$(node_metric 1 mpc_presig_records)" -ge "$1" ] && [ "$(node_metric 2 mpc_presig_records)" -ge "$1" ]; }
# arm LABEL SIGNERS COUNT C — one mpc-cli bench run, one JSON line into $tmp/arms.jsonl.
arm() {
    cli bench sign --peers "$tmp/peers.yaml" --key-type secp256k1 --wallet w-pb --signers "$2" \
        --count "$3" --concurrency "$4" --timeout 120 --json >"$tmp/one.json" 2>/dev/null
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); d["label"]=sys.argv[2]; print(json.dumps(d))' \
        "$tmp/one.json" "$1" >>"$tmp/arms.jsonl"
}
u0=$(node_metric 1 mpc_presig_online_signs_total); w0=$(node_metric 1 mpc_presig_online_without_total)
for ((r = 1; r <= ROUNDS; r++)); do
    wait_until 900 full "$N1" || echo "pool not refilled for C=1 (round $r)" >&2
    arm "online C=1" node-1,node-2 "$N1" 1
    arm "sign C=1" node-1,node-3 "$N1" 1
    wait_until 900 full "$N32" || echo "pool not refilled for C=32 (round $r)" >&2
    arm "online C=32" node-1,node-2 "$N32" 32
    arm "sign C=32" node-1,node-3 "$N32" 32
done
u1=$(node_metric 1 mpc_presig_online_signs_total); w1=$(node_metric 1 mpc_presig_online_without_total)
echo "presig bench, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
python3 - "$tmp/arms.jsonl" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(label, f):
    v = [f(r) for r in rows if r["label"] == label]
    return statistics.median(v) if v else float("nan"), v
for r in rows:
    print("%-12s n=%-3d ok=%-3d failed=%-2d p50 %8.1f ms  p90 %8.1f ms  %7.1f /s" % (
        r["label"], r.get("count", 0), r.get("ok", 0), r.get("failed", 0),
        r["latency_ms"]["p50"], r["latency_ms"]["p90"], r["throughput_per_s"]))
o1, _ = med("online C=1", lambda r: r["latency_ms"]["p50"])
s1, _ = med("sign C=1", lambda r: r["latency_ms"]["p50"])
o32, _ = med("online C=32", lambda r: r["throughput_per_s"])
s32, _ = med("sign C=32", lambda r: r["throughput_per_s"])
print("median p50 C=1: online %.1f ms, sign %.1f ms (online/sign %.2f)" % (o1, s1, o1 / s1))
print("median throughput C=32: online %.1f /s, sign %.1f /s (online/sign %.2fx)" % (o32, s32, o32 / s32))
PY
echo "node-1: signs served online $((u1 - u0)); first attempts with dkls-sign (no pool for the set, or record gone) $((w1 - w0))"
