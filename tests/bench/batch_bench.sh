#!/usr/bin/env bash
# tests/bench/batch_bench.sh — batch signing throughput (issue 13): on one local
# 3-node cluster (release build, 127.0.0.1), in the same run, signatures per
# second of single sign requests and of batches of 16 and 64 messages per
# request (`mpc-cli bench sign --batch K`), for both key types, then the
# ratios batch / single. Every signature of every request is verified by
# mpc-cli. A benchmark, not a test: it fails only when a request failed.
#
#   make && bash tests/bench/batch_bench.sh [--quick]
#
# Every loop is bounded; the cluster is stopped by pid on exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"
source "$ROOT/tests/bench/lib.sh"

scale=1
[ "${1:-}" = --quick ] && scale=4
# name|mpc-cli bench arguments; counts are divided by scale
ITEMS=(
    "ed25519 single C=1|sign --key-type ed25519 --count 128 --concurrency 1"
    "ed25519 single C=8|sign --key-type ed25519 --count 512 --concurrency 8"
    "ed25519 batch16 C=1|sign --key-type ed25519 --count 16 --concurrency 1 --batch 16"
    "ed25519 batch64 C=1|sign --key-type ed25519 --count 8 --concurrency 1 --batch 64"
    "secp256k1 single C=1|sign --key-type secp256k1 --count 64 --concurrency 1"
    "secp256k1 single C=8|sign --key-type secp256k1 --count 128 --concurrency 8"
    "secp256k1 batch16 C=1|sign --key-type secp256k1 --count 8 --concurrency 1 --batch 16"
    "secp256k1 batch64 C=1|sign --key-type secp256k1 --count 4 --concurrency 1 --batch 64"
)
out=$(mktemp /tmp/mpc-batch-bench.XXXXXX)
trap 'bench_down_all; rm -f "$out"' EXIT
bench_up this "$MPC_BIN" || { echo "cluster setup failed"; exit 1; }
bench_use this
rc=0
for item in "${ITEMS[@]}"; do
    echo "running: ${item%%|*}" >&2
    bench_item "$item" "$scale" "$out" this 0 || rc=1
done
echo "mpc-node batch bench, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
python3 - "$out" <<'PY' || rc=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
base = {}
print(f"{'item':24} {'requests':>8} {'failed':>6} {'sig/s':>9} {'p50 ms':>9} {'vs single C=1':>14}")
bad = 0
for row in rows:
    r = row["r"]
    kt, kind = row["item"].split(" ", 1)
    sps = r.get("signatures_per_s", 0.0)
    if kind == "single C=1":
        base[kt] = sps
    ratio = sps / base[kt] if base.get(kt) else 0.0
    bad += r.get("failed", 1) != 0
    print(f"{row['item']:24} {r.get('count', 0):>8} {r.get('failed', -1):>6} {sps:>9.1f} "
          f"{r.get('latency_ms', {}).get('p50', 0):>9.1f} {ratio:>13.1f}x")
sys.exit(1 if bad else 0)
PY
exit $rc
