#!/usr/bin/env bash
# tests/integration/test_flow_wrong_passphrase.sh — flow 5 of issue 6: a node
# started with a wrong passphrase exits non-zero with a clear message and
# leaves its key store byte-identical (checksum). Two cases: the passphrase
# of both identity and store is wrong (refused at the identity), and only
# the store's is wrong (identity re-encrypted with `mpc-cli identity passwd`,
# so the store's own verifier must refuse it). Also an identity file readable
# by others is refused. With the right passphrase the node starts again on
# the untouched store and still signs with its key. Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 21 # every check below, when the flow runs to the end
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

store="$tmp/data/node-1.mdb"
passf="$tmp/secrets/node-1.pass"
sum() { sha256sum "$store" | cut -d' ' -f1; }
# start_expect_fail NAME PATTERN — node-1 must exit non-zero within 60 s, log matching PATTERN.
start_expect_fail() {
    local name=$1 pattern=$2 rc i
    : >"$tmp/node-1.log"
    cluster_start_node 1
    for ((i = 0; i < 600; i++)); do pid_alive "${NODE_PID[1]}" || break; sleep 0.1; done
    if pid_alive "${NODE_PID[1]}"; then
        check "$name: node exits" 1; cluster_stop_node 1; return
    fi
    wait "${NODE_PID[1]}"; rc=$?; NODE_PID[1]=
    check "$name: exit status non-zero ($rc)" $([ $rc -ne 0 ]; echo $?)
    grep -qiE "$pattern" "$tmp/node-1.log"
    check "$name: clear message (/$pattern/)" $?
    [ "$failed" -eq 0 ] || log_tail "$tmp/node-1.log" 5
    check "$name: store file unchanged (sha256)" $([ "$(sum)" = "$sum0" ]; echo $?)
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }
cli keygen --wallet w-pp --threshold 2 --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/kg.json" 2>&1
check "keygen (the store holds a share)" $?
pk=$(jget "$tmp/kg.json" public_key)
cluster_stop_node 1; check "node-1 stops cleanly" $?
sum0=$(sum)

good=$(cat "$passf")
(umask 077; echo "not-the-passphrase" >"$passf")
start_expect_fail "wrong passphrase (identity and store)" "passphrase"

# Only the store's passphrase is wrong: the identity now opens with the new one.
(umask 077; echo "$good" >"$tmp/secrets/old.pass"; echo "a-new-passphrase" >"$passf")
"$MPC_CLI" identity passwd "$tmp/keys/node-1.key" --passphrase-file "$tmp/secrets/old.pass" \
    --new-passphrase-file "$passf" --kdf min >/dev/null
check "identity re-encrypted with another passphrase" $?
start_expect_fail "wrong store passphrase" "passphrase"
grep -i "passphrase" "$tmp/node-1.log" | grep -qiE "store|\.mdb"
check "wrong store passphrase: the message names the store" $?
grep -i "passphrase" "$tmp/node-1.log" | tail -1 | sed 's/^/     /' 

# Identity readable by others.
"$MPC_CLI" identity passwd "$tmp/keys/node-1.key" --passphrase-file "$passf" \
    --new-passphrase-file "$tmp/secrets/old.pass" --kdf min >/dev/null
cp "$tmp/secrets/old.pass" "$passf"
chmod 644 "$tmp/keys/node-1.key"
start_expect_fail "identity readable by others" "readable|mode|permission"
chmod 600 "$tmp/keys/node-1.key"

: >"$tmp/node-1.log"
cluster_start_node 1
cluster_wait_ready 1 90; check "right passphrase: node-1 starts on the untouched store" $?
printf 'after the passphrase checks' >"$tmp/msg"
cli sign --wallet w-pp --message-file "$tmp/msg" --signers node-1,node-2 --json --timeout 60 \
    --peers "$tmp/peers.yaml" >"$tmp/sign.json" 2>&1 &&
    openssl_verify "$pk" "$tmp/msg" "$(jget "$tmp/sign.json" signature)"
check "node-1 still signs with its share (openssl verifies)" $?
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
