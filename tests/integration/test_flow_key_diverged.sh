#!/usr/bin/env bash
# tests/integration/test_flow_key_diverged.sh — issue 15 item 4 on a live
# cluster (docs/DESIGN.md §8.2): a key whose state differs between nodes is
# found, shown and refused, and used again once the stores agree.
#   - ed25519 keygen 2-of-3 and a sign; `mpc-cli store backup` of node-3;
#   - node-3 stopped, its stored group key altered with the test-only
#     `mpc-cli x-alter-key` (same version, another public key), restarted;
#   - the key-state exchange finds the divergence: logged
#     (keystate_finding kind=diverged), counted (mpc_keystate_divergent_keys,
#     mpc_keystate_findings_total), listed in /sessions and `mpc-cli status`
#     (object keystate), on node-3 and on its peers;
#   - a sign naming node-3 is refused by node-3 with MPC_ERR_KEY_DIVERGED
#     (530), and no signer signs with the key;
#   - `mpc-cli xpub --wallet` (key-info query): node-3 states no key but
#     MPC_ERR_KEY_DIVERGED, and nothing is printed;
#   - node-3 stopped, the backup restored, restarted: the next rounds find
#     agreement (no divergent key on any node), a sign by node-1 and
#     node-3 succeeds and verifies, and xpub --wallet states the original key.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 28
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

js() { jget "$tmp/$1.json" "$2"; }
every_result() { # every_result NAME PYEXPR — PYEXPR holds for every result r (and there is one)
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if rs and all(eval(sys.argv[2]) for r in rs) else 1)' "$tmp/$1.json" "$2"
}
some_result() { # some_result NAME PYEXPR — PYEXPR holds for at least one result r
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if any(eval(sys.argv[2]) for r in rs) else 1)' "$tmp/$1.json" "$2"
}
run() { # run NAME ARGS... -> $tmp/NAME.json
    local name=$1; shift
    cli "$@" --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
}
divergent_is() { [ "$(node_metric "$1" mpc_keystate_divergent_keys)" = "$2" ]; }
divergent_some() { [ "$(node_metric "$1" mpc_keystate_divergent_keys)" -ge 1 ]; }
C3="$tmp/node-3.yaml"

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
printf 'divergence flow message' >"$tmp/msg"

run keygen keygen --wallet w-dv --threshold 2
every_result keygen 'r["ok"]'; check "keygen 2-of-3" $?
pk=$(js keygen public_key)
run before sign --wallet w-dv --message-file "$tmp/msg" --signers node-1,node-3
every_result before 'r["ok"] and r["verified"]'; check "sign by node-1, node-3 before" $?
"$MPC_CLI" store backup -c "$C3" --out "$tmp/n3.bak" --kdf min >"$tmp/backup.out" 2>&1
check "store backup of the running node-3" $?

cluster_stop_node 3; check "node-3 stopped" $?
"$MPC_CLI" x-alter-key -c "$C3" --key-type ed25519 --wallet w-dv >"$tmp/alter.out" 2>&1
check "node-3's stored public key of w-dv altered (test-only tool)" $?
cluster_start_node 3
cluster_wait_ready 3 90; check "node-3 restarted with the altered store" $?

diverged_logged() {
    grep -q "event=keystate_finding peer=node-1 kind=diverged key_type=ed25519 wallet=w-dv" \
        "$CL_DIR/node-3.log" &&
        grep -q "event=keystate_finding peer=node-3 kind=diverged key_type=ed25519 wallet=w-dv" \
            "$CL_DIR/node-1.log"
}
wait_until 60 diverged_logged
check "the divergence is logged on node-3 and on node-1 (keystate_finding kind=diverged)" $?
# (one finding per peer: node-3 differs from both, node-1 from node-3 only)
wait_until 30 divergent_some 3; check "metric mpc_keystate_divergent_keys >= 1 on node-3" $?
wait_until 30 divergent_is 1 1; check "metric mpc_keystate_divergent_keys 1 on node-1" $?
[ "$(node_metric 3 mpc_keystate_findings_total)" -ge 1 ]
check "metric mpc_keystate_findings_total counts it on node-3" $?
curl -fsS "http://127.0.0.1:${HTTP_PORT[3]}/sessions" | python3 -c 'import json,sys
f=json.load(sys.stdin)["keystate"]["findings"]
sys.exit(0 if any(x["kind"] == "diverged" and x["wallet"] == "w-dv" for x in f) else 1)'
check "/sessions of node-3 lists the divergent key" $?
cli status node-3 --json >"$tmp/st3.json" 2>/dev/null
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["keystate"]["findings"]
sys.exit(0 if any(x["kind"] == "diverged" and x["wallet"] == "w-dv" and x["field"] for x in f) else 1)' \
    "$tmp/st3.json"
check "mpc-cli status node-3 shows the divergence (kind, wallet, field)" $?

run refused sign --wallet w-dv --message-file "$tmp/msg" --signers node-1,node-3
some_result refused 'r["node"] == "node-3" and r["status_name"] == "MPC_ERR_KEY_DIVERGED" and r["status_code"] == 530'
check "node-3 refuses the divergent key (MPC_ERR_KEY_DIVERGED, 530)" $?
every_result refused 'not r["ok"]'; check "no signer signed with the divergent key" $?
cli xpub --wallet w-dv --key-type ed25519 --peers "$tmp/peers.yaml" >"$tmp/xpub1.out" 2>"$tmp/xpub1.err"
check "xpub --wallet: node-3 states MPC_ERR_KEY_DIVERGED instead of a key, nothing printed" \
    $([ $? -ne 0 ] && grep -q "node-3: refused: .*MPC_ERR_KEY_DIVERGED" "$tmp/xpub1.err" &&
      ! grep -q "^public key" "$tmp/xpub1.out"; echo $?)

cluster_stop_node 3; check "node-3 stopped again" $?
"$MPC_CLI" store restore -c "$C3" --in "$tmp/n3.bak" --kdf min >"$tmp/restore.out" 2>&1
check "node-3's store restored from the backup taken before the alteration" $?
cluster_start_node 3
cluster_wait_ready 3 90; check "node-3 restarted from the restored store" $?
agreed() { divergent_is 1 0 && divergent_is 2 0 && divergent_is 3 0; }
wait_until 60 agreed; check "the next key-state rounds find agreement: no divergent key on any node" $?
run after sign --wallet w-dv --message-file "$tmp/msg" --signers node-1,node-3
every_result after 'r["ok"] and r["verified"]'; check "sign by node-1, node-3 after the restore" $?
openssl_verify "$pk" "$tmp/msg" "$(js after signature)"; check "openssl verifies it under the original key" $?
cli xpub --wallet w-dv --key-type ed25519 --peers "$tmp/peers.yaml" >"$tmp/xpub2.out" 2>"$tmp/xpub2.err"
check "xpub --wallet after the restore: the nodes agree on the original key" \
    $([ $? -eq 0 ] && [ "$(awk '$1 == "public" {print $3}' "$tmp/xpub2.out")" = "$pk" ]; echo $?)
cluster_finish
summary
