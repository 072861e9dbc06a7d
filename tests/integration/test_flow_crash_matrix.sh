#!/usr/bin/env bash
# tests/integration/test_flow_crash_matrix.sh — kill -9 at each commit point
# (node/killpoint.h: before_commit, after_share, after_confirm,
# after_activate, before_publish, after_publish), for a keygen of both key
# types (ed25519 and secp256k1: a keygen request carries at most two) and a
# reshare of each of the three key types (ed25519, secp256k1, secp256k1-tr),
# each time on another node. The node
# kills itself (SIGKILL) at the point for that one request and is restarted
# with the kill points of its later cases (every node starts with all of its
# points armed, so a case costs one restart); the client never resubmits.
# Afterwards:
#   - every request has exactly one final outcome per node, OK everywhere
#     (one public key per key): once the victim had stored the key
#     (after_share and later) it resolves its PENDING version with its
#     peers' signed confirmations after the restart, never EXISTS; when it
#     died before storing (before_commit) its rerun's attempt fails, it
#     answers RETRY, the others discard their key of that attempt (REDO) and
#     the cluster runs another attempt (docs/DESIGN.md §4.4): no split, no
#     resubmission;
#   - mpc-cli store-check passes on each node's store and across the three
#     (same public key, active version, threshold and committee everywhere),
#     and every key is at the version the successful reshares imply.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
CL_ACK_WAIT_MS=4000 CL_IDLE_MS=8000   # shorter redelivery and idle failure
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 85 # 5 set-up, 24 crash cases x 3, 3 nodes x 2, across nodes, sanitizers
tmp=$(mktemp -d)
POINTS=(before_commit after_share after_confirm after_activate before_publish after_publish)
KEY_TYPES=(ed25519 secp256k1 secp256k1-tr)
FAIL_POINTS=" " # points after which a request ends failed everywhere: none (before_commit
                # ended failed before keygens and reshares were retried)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

node_dead() { ! pid_alive "$1"; }

# results_ok RID EXPECT — every one of EXPECT results of RID is OK and they agree.
results_ok() {
    cli results --json --expect "$2" --timeout 90 "$1" >"$tmp/$1.json" 2>/dev/null
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if len(rs) == int(sys.argv[2]) and all(r["ok"] for r in rs) and d["consistent"] else 1)' \
        "$tmp/$1.json" "$2"
}

# results_failed RID EXPECT — EXPECT results of RID, every one a failure (one per node and key type).
results_failed() {
    cli results --json --expect "$2" --timeout 120 "$1" >"$tmp/$1.json" 2>/dev/null
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
print("     %s: %s" % (sys.argv[1].rsplit("/",1)[-1], ", ".join(sorted(r["node"]+" "+r["status_name"] for r in rs))))
sys.exit(0 if len(rs) == int(sys.argv[2]) and not any(r["ok"] for r in rs) else 1)' \
        "$tmp/$1.json" "$2"
}

# Every node starts with all its kill points armed (MPC_NODE_TEST_KILL_AT takes
# a list), so a case costs one restart: KILLS[I] holds node-I's remaining points.
declare -A KILLS=([1]= [2]= [3]=)
k=0
for point in "${POINTS[@]}"; do
    for rid in "kg-$point" "rs-ed25519-$point" "rs-secp256k1-$point" "rs-secp256k1-tr-$point"; do
        v=$((k % 3 + 1))
        KILLS[$v]="${KILLS[$v]:+${KILLS[$v]},}$point@$rid"
        k=$((k + 1))
    done
done

# crash_case VICTIM POINT RID EXPECT CLI-ARGS... — sends the request, waits for
# VICTIM to kill itself at POINT for RID, restarts it with its remaining kill
# points, checks the results.
crash_case() {
    local v=$1 point=$2 rid=$3 expect=$4 landed left e
    shift 4
    cli "$@" --request-id "$rid" --x-no-wait >/dev/null 2>>"$tmp/publish.err"
    wait_until 120 node_dead "${NODE_PID[$v]}"
    landed=$?
    [ $landed -eq 0 ] || cluster_kill9_node "$v"
    wait "${NODE_PID[$v]}" 2>/dev/null
    NODE_PID[$v]=
    grep -q "event=test_kill point=$point request=$rid" "$CL_DIR/node-$v.log"
    check "$rid: node-$v killed itself at $point" $(( landed | $? ))
    left=
    IFS=, read -ra e <<<"${KILLS[$v]}"
    for x in "${e[@]}"; do [ "$x" = "$point@$rid" ] || left="${left:+$left,}$x"; done
    KILLS[$v]=$left
    MPC_NODE_TEST_KILL_AT="$left" cluster_start_node "$v"
    cluster_wait_ready "$v" 90; check "$rid: node-$v restarted (no resubmission)" $?
    if [[ "$FAIL_POINTS" == *" $point "* ]]; then
        results_failed "$rid" "$expect"
        check "$rid: failed on every node ($expect results; the key discarded, no split)" $?
    else
        results_ok "$rid" "$expect"
        check "$rid: OK on every node ($expect results, one key)" $?
    fi
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do MPC_NODE_TEST_KILL_AT="${KILLS[$i]}" cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

ALL=node-1,node-2,node-3
for kt in "${KEY_TYPES[@]}"; do
    cli keygen --wallet "mx-$kt" --key-type "$kt" --threshold 2 --request-id "mx-$kt" --x-no-wait \
        >/dev/null 2>>"$tmp/publish.err"
    results_ok "mx-$kt" 3; check "key mx-$kt for the reshares" $?
done

k=0
for point in "${POINTS[@]}"; do
    crash_case $((k % 3 + 1)) "$point" "kg-$point" 6 keygen --wallet "kg-$point" \
        --key-type ed25519 --key-type secp256k1 --threshold 2
    k=$((k + 1))
    for kt in "${KEY_TYPES[@]}"; do
        crash_case $((k % 3 + 1)) "$point" "rs-$kt-$point" 3 reshare --wallet "mx-$kt" \
            --key-type "$kt" --new-participants "$ALL" --new-threshold 2
        k=$((k + 1))
    done
done

n_ok=0
for point in "${POINTS[@]}"; do [[ "$FAIL_POINTS" == *" $point "* ]] || n_ok=$((n_ok + 1)); done
for i in 1 2 3; do cluster_stop_node "$i"; done
for i in 1 2 3; do
    "$MPC_CLI" store-check -c "$tmp/node-$i.yaml" --json >"$tmp/sc$i.json" 2>"$tmp/sc$i.err"
    rc=$?
    check "store-check node-$i ($(jget "$tmp/sc$i.json" shares 2>/dev/null) shares)" $rc
    [ $rc -eq 0 ] || cat "$tmp/sc$i.err" "$tmp/sc$i.json" >&2
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
keys={(k["key_type"],k["wallet"]):k["active_version"] for k in d["keys"]}
want=1+int(sys.argv[2])
sys.exit(0 if all(keys.get((kt,"mx-"+kt)) == want for kt in ("ed25519","secp256k1","secp256k1-tr"))
         and d["pending"] == 0 and len(keys) == 3+2*int(sys.argv[2]) else 1)' \
        "$tmp/sc$i.json" "$n_ok"
    check "node-$i: every stored key present, none pending, reshared keys at v$((1 + n_ok))" $?
done
"$MPC_CLI" store-check -c "$tmp/node-1.yaml" -c "$tmp/node-2.yaml" -c "$tmp/node-3.yaml" \
    >"$tmp/sc-all.txt" 2>&1
rc=$?
check "store-check across the three nodes: they agree on every key" $rc
[ $rc -eq 0 ] || cat "$tmp/sc-all.txt" >&2
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
