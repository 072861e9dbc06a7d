#!/usr/bin/env bash
# tests/bench/ts_bench.sh — issue 19: sign throughput from the TypeScript client
# next to `mpc-cli bench`, in one run on one local cluster (release build):
# for each key type, N requests at concurrency C from mpc-cli, then from
# clients/typescript (examples/bench.ts), alternating twice. Both check every
# result (node signatures, agreement, the signature itself). A benchmark, not a
# test: it fails only when a request failed.
#   bash tests/bench/ts_bench.sh [N] [C]      (default 200 16)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/common.sh"
source "$ROOT/tests/integration/lib/cluster.sh"
source "$ROOT/tests/bench/lib.sh"
N=${1:-200} C=${2:-16}
PKG="$ROOT/clients/typescript"
trap 'bench_down_all' EXIT
(cd "$PKG" && { [ -d node_modules ] || npm ci --prefer-offline --no-audit --no-fund >/dev/null; } &&
    npm run build >/dev/null) || { echo "TypeScript build failed"; exit 1; }
bench_up this "$MPC_BIN" || { echo "cluster setup failed"; exit 1; }
bench_use this
export MPC_NATS_URL="nats://127.0.0.1:$NATS_PORT" MPC_NATS_USER=client \
       MPC_NATS_PASSWORD="$MPC_NATS_PASS_CLIENT" MPC_PEERS="$CL_DIR/peers.yaml" \
       MPC_INITIATOR_KEY="$CL_DIR/keys/client.key"
# client_cpu FILE — prints the client's CPU (user + system, from /usr/bin/time) per request.
client_cpu() {
    awk -v n="$N" '{printf "  client CPU %.2f ms/request\n", ($1 + $2) * 1000 / n}' "$1" 2>/dev/null || echo
}
rc=0
for kt in ed25519 secp256k1; do
    cli keygen --wallet "tsb-$kt" --key-type "$kt" --threshold 2 --timeout 120 >/dev/null || rc=1
    for round in 1 2; do
        /usr/bin/time -f "%U %S" -o "$CL_DIR/cpu.cli" \
            "$MPC_CLI" bench sign --wallet "tsb-$kt" --key-type "$kt" --count "$N" --concurrency "$C" \
            --peers "$CL_DIR/peers.yaml" --timeout 60 --json 2>/dev/null |
            python3 -c 'import json,sys
d=json.load(sys.stdin)
lat=d.get("latency_ms") or {}
print("mpc-cli     %-9s N=%s C=%s ok=%s failed=%s  %.1f/s  p50 %s ms" % (sys.argv[1], d["count"],
      d["concurrency"], d["ok"], d["failed"], d["throughput_per_s"], lat.get("p50", "?")), end="")
sys.exit(0 if d["failed"] == 0 else 1)' "$kt" || rc=1
        client_cpu "$CL_DIR/cpu.cli"
        (cd "$PKG" && /usr/bin/time -f "%U %S" -o "$CL_DIR/cpu.ts" node dist/examples/bench.js "tsb-$kt" "$kt" "$N" "$C") |
            python3 -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])
print("typescript  %-9s N=%s C=%s ok=%s failed=%s  %.1f/s  p50 %s ms" % (sys.argv[1], d["count"],
      d["concurrency"], d["ok"], d["failed"], d["per_s"], d["p50_ms"]), end="")' "$kt" || rc=1
        client_cpu "$CL_DIR/cpu.ts"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
