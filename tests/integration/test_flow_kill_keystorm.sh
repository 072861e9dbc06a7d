#!/usr/bin/env bash
# tests/integration/test_flow_kill_keystorm.sh — issue 15 item 2 (keygens and
# reshares retried by the cluster, docs/DESIGN.md §4.4), reduced for make
# test: a storm of keygens and reshares of both key types, published at once;
# node-2 is killed with SIGKILL while sessions of the storm run (it has
# started at least 3 of them) and restarted. Without any resubmission:
#   - every request ends in success on every node (one outcome per node per
#     request, all agreeing on the key): an attempt that failed because
#     node-2 vanished is retried at a slot boundary, a key some node had
#     committed for a failed attempt is discarded (REDO) before the next
#     attempt runs;
#   - mpc-cli store-check passes on every store and across the three (same
#     public key, active version, threshold, committee), none left pending;
#   - the key-state exchange finds no divergent key on any node.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=4000 CL_IDLE_MS=8000 # shorter redelivery and idle failure
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 17
tmp=$(mktemp -d)
KG=3 # keygens per key type
RS=2 # reshares per key type (of keys made before the storm)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

ALL=node-1,node-2,node-3
# ok_all RID — three results (one per node), all OK and agreeing.
ok_all() {
    cli results --json --expect 3 --timeout "${2:-90}" "$1" >"$tmp/r-$1.json" 2>/dev/null
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); n=sorted(r["node"] for r in d["results"])
sys.exit(0 if n == ["node-1","node-2","node-3"] and d["consistent"] and
         all(r["ok"] for r in d["results"]) else 1)' "$tmp/r-$1.json"
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

base=0
for kt in ed25519 secp256k1; do
    for ((k = 1; k <= RS; k++)); do
        cli keygen --wallet "ks-$kt-$k" --key-type "$kt" --threshold 2 --request-id "ks-$kt-$k" \
            --x-no-wait >/dev/null 2>>"$tmp/publish.err" || base=1
    done
done
for kt in ed25519 secp256k1; do
    for ((k = 1; k <= RS; k++)); do ok_all "ks-$kt-$k" || base=1; done
done
check "$((2 * RS)) keys made before the storm (to reshare)" $base

reqs=()
pids=() # the publishers only (the nodes are background jobs of this shell too)
pub=0
for kt in ed25519 secp256k1; do
    for ((k = 1; k <= KG; k++)); do
        cli keygen --wallet "kst-$kt-$k" --key-type "$kt" --threshold 2 \
            --request-id "kst-$kt-$k" --x-no-wait >/dev/null 2>>"$tmp/publish.err" &
        pids+=($!)
        reqs+=("kst-$kt-$k")
    done
    for ((k = 1; k <= RS; k++)); do
        cli reshare --wallet "ks-$kt-$k" --key-type "$kt" --new-participants "$ALL" \
            --new-threshold 2 --request-id "rst-$kt-$k" --x-no-wait >/dev/null \
            2>>"$tmp/publish.err" &
        pids+=($!)
        reqs+=("rst-$kt-$k")
    done
done
for p in "${pids[@]}"; do wait "$p" || pub=1; done
check "${#reqs[@]} keygens and reshares of both key types published at once" $pub

started3() { [ "$(grep -c 'event=request_started request=[kr]st-' "$CL_DIR/node-2.log")" -ge 3 ]; }
wait_until 120 started3; check "node-2 runs sessions of the storm" $?
cluster_kill9_node 2; check "node-2 killed with SIGKILL mid-storm" $?
cluster_start_node 2
cluster_wait_ready 2 90; check "node-2 restarted (no resubmission)" $?

all_ok=0
for rid in "${reqs[@]}"; do ok_all "$rid" 240 || { all_ok=1; echo "     $rid not OK everywhere"; }; done
check "every keygen and reshare succeeded on every node, one outcome per node, one key" $all_ok
python3 -c 'import json,sys,collections
c=collections.Counter(r["status_name"] for f in sys.argv[1:] for r in json.load(open(f))["results"])
print("     outcomes by code:", ", ".join("%s %d" % kv for kv in sorted(c.items())))' "$tmp"/r-[kr]st-*.json
echo "     attempts retried (node logs): $(cat "$tmp"/node-*.log | grep -c key_retry_started)," \
    "attempt keys discarded (REDO): $(cat "$tmp"/node-*.log | grep -c key_attempt_discarded)"

no_divergence() {
    local i
    for i in 1 2 3; do [ "$(node_metric "$i" mpc_keystate_divergent_keys)" = 0 ] || return 1; done
}
wait_until 30 no_divergence; check "key-state exchange: no divergent key on any node" $?
for i in 1 2 3; do
    [ "$(node_metric "$i" mpc_keystate_rolled_back_keys)" = 0 ]
    check "node-$i: no key found rolled back" $?
done

for i in 1 2 3; do cluster_stop_node "$i"; done
for i in 1 2 3; do
    "$MPC_CLI" store-check -c "$tmp/node-$i.yaml" --json >"$tmp/sc$i.json" 2>"$tmp/sc$i.err"
    rc=$?
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); keys={(k["key_type"],k["wallet"]):k["active_version"] for k in d["keys"]}
n=int(sys.argv[2]); rs=int(sys.argv[3])
ok = d["pending"] == 0 and len(keys) == 2 * (n + rs) and all(
    keys.get((kt, "ks-%s-%d" % (kt, k))) == 2 for kt in ("ed25519", "secp256k1") for k in range(1, rs + 1))
sys.exit(0 if ok else 1)' "$tmp/sc$i.json" "$KG" "$RS"
    check "node-$i: store-check passes, every key present once, reshared keys at v2, none pending" \
        $((rc | $?))
    [ $rc -eq 0 ] || cat "$tmp/sc$i.err" "$tmp/sc$i.json" >&2
done
"$MPC_CLI" store-check -c "$tmp/node-1.yaml" -c "$tmp/node-2.yaml" -c "$tmp/node-3.yaml" \
    >"$tmp/sc-all.txt" 2>&1
rc=$?
check "store-check across the three nodes: they agree on every key (no split)" $rc
[ $rc -eq 0 ] || cat "$tmp/sc-all.txt" >&2
! grep -lE "ERROR: (Address|Leak|Thread)Sanitizer|runtime error:" "$CL_DIR"/node-*.log
check "no sanitizer report in any node log" $?
summary
