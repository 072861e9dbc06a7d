#!/usr/bin/env bash
# tests/integration/test_flow_restore.sh — issue 15 "Restart a node from a
# backup taken before a reshare": backup, restore and rollback protection on a
# real cluster, then a passphrase change.
#   - ed25519 keygen 2-of-3; `mpc-cli store backup` of node-3 while it runs;
#   - reshare {1,2,3} 2-of-3 -> version 2; node-3 stopped;
#   - `store restore` refuses a backup under another passphrase
#     (MPC_ERR_BAD_PASSPHRASE) and a damaged one (MPC_ERR_BACKUP_CORRUPT),
#     then installs the good one (node-3 holds version 1 again);
#   - node-3 starts: its key-state exchange learns version 2 from node-1 and
#     node-2 and catches up (v1 retired, its share wiped, v2's share lost);
#   - a sign with version 1 naming node-3 is refused by every signer
#     (MPC_ERR_KEY_VERSION_RETIRED); node-3 refuses version 2
#     (MPC_ERR_KEY_SHARE_LOST); a sign of version 2 by node-1 and node-2
#     succeeds and openssl verifies it under the original key;
#   - status and metrics show the catch-up; store-check across the three
#     stopped nodes passes (same key, version 2, committee; node-3's share
#     reported lost);
#   - `store rekey` of node-3, then node-3 starts with the new passphrase.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 31
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

js() { jget "$tmp/$1.json" "$2"; }
# every_result NAME PYEXPR — PYEXPR holds for every result r (and there is one).
every_result() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if rs and all(eval(sys.argv[2]) for r in rs) else 1)' "$tmp/$1.json" "$2"
}
# some_result NAME PYEXPR — PYEXPR holds for at least one result r.
some_result() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if any(eval(sys.argv[2]) for r in rs) else 1)' "$tmp/$1.json" "$2"
}
run() { # run NAME ARGS... -> $tmp/NAME.json, sets RC
    local name=$1; shift
    cli "$@" --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
store() { "$MPC_CLI" store "$@" --kdf min; }
C3="$tmp/node-3.yaml"

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
printf 'restore flow message' >"$tmp/msg"

run keygen keygen --wallet w-rb --threshold 2
every_result keygen 'r["ok"] and r["key_version"] == 1'; check "keygen 2-of-3 (v1)" $?
pk=$(js keygen public_key)

store backup -c "$C3" --out "$tmp/n3.bak" >"$tmp/backup.out" 2>&1
check "store backup of the running node-3" $?
pid_alive "${NODE_PID[3]}"; check "node-3 kept running during the backup" $?

run reshare reshare --wallet w-rb --new-participants node-1,node-2,node-3 --new-threshold 2
every_result reshare 'r["ok"] and r["key_version"] == 2'; check "reshare {1,2,3} 2-of-3 -> v2" $?

cluster_stop_node 3; check "node-3 stopped" $?
(umask 077; echo "another passphrase" >"$tmp/secrets/other.pass")
store restore -c "$C3" --in "$tmp/n3.bak" --backup-passphrase-file "$tmp/secrets/other.pass" \
    >"$tmp/r1.out" 2>&1
[ $? -eq 1 ] && grep -q MPC_ERR_BAD_PASSPHRASE "$tmp/r1.out"
check "restore under another passphrase refused (MPC_ERR_BAD_PASSPHRASE)" $?
cp "$tmp/n3.bak" "$tmp/bad.bak"
printf '\x01' | dd of="$tmp/bad.bak" bs=1 seek=500 conv=notrunc 2>/dev/null
store restore -c "$C3" --in "$tmp/bad.bak" >"$tmp/r2.out" 2>&1
[ $? -eq 1 ] && grep -q MPC_ERR_BACKUP_CORRUPT "$tmp/r2.out"
check "restore of a damaged backup refused (MPC_ERR_BACKUP_CORRUPT)" $?
store restore -c "$C3" --in "$tmp/n3.bak" >"$tmp/r3.out" 2>&1; check "restore of the backup" $?
"$MPC_CLI" store-check -c "$C3" --json >"$tmp/sc3.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
k=[k for k in d["keys"] if k["wallet"]=="w-rb"]
sys.exit(0 if k and k[0]["active_version"] == 1 else 1)' "$tmp/sc3.json"
check "the restored store holds version 1 (rolled back)" $?

cluster_start_node 3
cluster_wait_ready 3 90; check "restored node-3 ready" $?
caught_up() {
    grep -q "event=keystate_catch_up key_type=ed25519 wallet=w-rb version=2 votes=2 changed=1 status=MPC_OK" \
        "$CL_DIR/node-3.log"
}
wait_until 60 caught_up
check "node-3 caught up to v2 from 2 peers' signed digests (its first round)" $?

run old sign --wallet w-rb --message-file "$tmp/msg" --signers node-1,node-3 --key-version 1
every_result old 'not r["ok"] and r["status_name"] == "MPC_ERR_KEY_VERSION_RETIRED"'
check "sign with v1 naming node-3: refused by both (MPC_ERR_KEY_VERSION_RETIRED)" $?
some_result old 'r["node"] == "node-3"'; check "node-3 answered the v1 sign itself" $?

run lost sign --wallet w-rb --message-file "$tmp/msg" --signers node-1,node-3
some_result lost 'r["node"] == "node-3" and r["status_name"] == "MPC_ERR_KEY_SHARE_LOST"'
check "node-3 refuses v2: its share was lost (MPC_ERR_KEY_SHARE_LOST)" $?

run new sign --wallet w-rb --message-file "$tmp/msg" --signers node-1,node-2
every_result new 'r["ok"] and r["verified"] and r["key_version"] == 2'
check "sign with the active v2 by node-1, node-2" $?
openssl_verify "$pk" "$tmp/msg" "$(js new signature)"; check "openssl verifies the v2 signature" $?

cli status node-3 --json >"$tmp/st3.json" 2>/dev/null
python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["keystate"]
sys.exit(0 if k["catch_ups"] == 1 and k["rounds"] >= 1 else 1)' "$tmp/st3.json"
check "mpc-cli status node-3 shows the catch-up" $?
[ "$(node_metric 3 mpc_keystate_catch_ups_total)" = 1 ]; check "metric mpc_keystate_catch_ups_total 1" $?
[ "$(node_metric 1 mpc_keystate_divergent_keys)" = 0 ]; check "no divergent key on node-1" $?
curl -fsS "http://127.0.0.1:${HTTP_PORT[1]}/sessions" | python3 -c 'import json,sys
sys.exit(0 if "keystate" in json.load(sys.stdin) else 1)'
check "/sessions carries the keystate object" $?

cluster_finish
"$MPC_CLI" store-check -c "$tmp/node-1.yaml" -c "$tmp/node-2.yaml" -c "$C3" >"$tmp/sc.out" 2>&1
check "store-check across the three nodes: the key state converged" $?
grep -q "1 shares lost by a restore" "$tmp/sc.out"; check "store-check names node-3's lost share" $?

(umask 077; echo "the new node-3 passphrase" >"$tmp/secrets/new.pass")
store rekey -c "$C3" --new-passphrase-file "$tmp/secrets/new.pass" >"$tmp/rk.out" 2>&1
check "store rekey of node-3" $?
cp "$tmp/secrets/new.pass" "$tmp/secrets/node-3.pass"
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "node-3 starts with the new passphrase (and the others)" $ready
run after sign --wallet w-rb --message-file "$tmp/msg" --signers node-1,node-2
every_result after 'r["ok"] and r["verified"]'; check "sign after the rekey" $?
[ $failed -eq 0 ] || cluster_tails
summary
