#!/usr/bin/env bash
# tests/integration/test_flow_batch.sh — batch signing (issue 13, DESIGN §7.1)
# on a 3-node cluster: one request carries many messages, one session per
# node signs them all, the result carries one signature per message in
# request order. Ed25519: 64 messages in one request, each verified by
# mpc-cli (libsodium) and a few by openssl. secp256k1: 64 digests in one
# request (2.6 MB round-2 messages: the cluster's nats-server allows 4 MB),
# each verified by mpc-cli (libsecp256k1, recovery id) and a few by openssl on
# DER. Refusals, each with its own code on every node and no signing session
# run: one digest of the wrong length (the whole batch refused), more than
# sign.max_batch, a zero digest; then, on a server restarted with
# max_payload 1MB, an ECDSA batch above what fits (26 instances).
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 35
ECDSA_MAX=64    # fits the 4 MB max_payload of configs/cluster/nats-server.conf
ECDSA_MAX_1MB=26 # tss_batch_max_count(dkls-sign, n, 1 MB less the envelope) (test_batch)
tmp=$(mktemp -d)
cleanup() {
    cluster_stop_all
    [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"
}
trap cleanup EXIT

run() { # run NAME ARGS... -> $tmp/NAME.json, RC
    local name=$1; shift
    cli "$@" --json --timeout 120 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# expect_code NAME STATUS_NAME — exit 1 and every node answers STATUS_NAME.
expect_code() {
    python3 - "$tmp/$1.json" "$2" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
ok = sorted(r["node"] for r in rs) == ["node-1", "node-2", "node-3"] and \
     all(r["status_name"] == sys.argv[2] for r in rs)
if not ok:
    print("   got:", [(r["node"], r["status_name"], r["error_text"]) for r in rs], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
    local rc=$?
    check "$1: every node answers $2, exit 1" $([ $rc -eq 0 ] && [ "$RC" -eq 1 ]; echo $?)
}
sessions() { # sessions OP — sessions of OP ended so far, over the nodes
    local i total=0 v
    for i in 1 2 3; do
        v=$(curl -fsS --max-time 5 "http://127.0.0.1:${HTTP_PORT[$i]}/metrics" |
            awk -v p="mpc_sessions_total{op=\"$1\"," 'index($0, p) == 1 {s += $2} END {print s + 0}')
        total=$((total + v))
    done
    echo "$total"
}
# batch_check NAME COUNT — the document says ok, verified, COUNT signatures (and, for
# secp256k1, COUNT recovery ids); prints nothing.
batch_check() {
    python3 - "$tmp/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
sigs = d.get("signatures", [])
ok = d["ok"] and d["verified"] and len(sigs) == n and all(len(s) == 128 for s in sigs)
if "recovery_ids" in d:
    ok = ok and len(d["recovery_ids"]) == n
sys.exit(0 if ok else 1)
PY
}
jsig() { # jsig NAME I — signature I (hex) of a batch document
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["signatures"][int(sys.argv[2])])' \
        "$tmp/$1.json" "$2"
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

run keygen keygen --wallet w-batch --key-type ed25519 --key-type secp256k1 --threshold 2
check "keygen of both key types" $RC

# Ed25519: 64 messages (hex lines), one request.
mkdir -p "$tmp/m"
: >"$tmp/ed.txt"
for i in $(seq 0 63); do
    printf 'batch message %d for the ed25519 key' "$i" >"$tmp/m/ed-$i"
    od -An -tx1 -v "$tmp/m/ed-$i" | tr -d ' \n' >>"$tmp/ed.txt"; echo >>"$tmp/ed.txt"
done
sg_before=$(sessions sign)
run ed64 sign --wallet w-batch --key-type ed25519 --digests-file "$tmp/ed.txt"
check "ed25519: 64 messages in one request signed (exit 0)" $RC
batch_check ed64 64; check "ed25519: 64 signatures, each verified by mpc-cli (libsodium)" $?
check "ed25519: one signing session per signer, not one per message" \
    $([ $(( $(sessions sign) - sg_before )) -le 3 ]; echo $?)
pk=$(jget "$tmp/ed64.json" public_key)
for i in 0 31 63; do
    openssl_verify "$pk" "$tmp/m/ed-$i" "$(jsig ed64 $i)"
    check "ed25519: openssl verifies signature $i over message $i" $?
done
openssl_verify "$pk" "$tmp/m/ed-1" "$(jsig ed64 0)"
check "ed25519: signature 0 does not verify over message 1 (order kept)" $(($? == 0))

# secp256k1: ECDSA_MAX digests (SHA-256 of each message file).
: >"$tmp/ec.txt"
for i in $(seq 0 $((ECDSA_MAX - 1))); do
    printf 'batch message %d for the secp256k1 key' "$i" >"$tmp/m/ec-$i"
    sha256_hex "$tmp/m/ec-$i" >>"$tmp/ec.txt"
done
sg_before=$(sessions sign)
run ec sign --wallet w-batch --key-type secp256k1 --digests-file "$tmp/ec.txt"
check "secp256k1: $ECDSA_MAX digests in one request signed (exit 0)" $RC
batch_check ec "$ECDSA_MAX"
check "secp256k1: $ECDSA_MAX signatures + recovery ids, each verified by mpc-cli (libsecp256k1)" $?
check "secp256k1: one signing session per signer" \
    $([ $(( $(sessions sign) - sg_before )) -le 3 ]; echo $?)
pk=$(jget "$tmp/ec.json" public_key)
for i in 0 $((ECDSA_MAX - 1)); do
    s=$(jsig ec "$i")
    openssl_verify_ecdsa "$pk" "$tmp/m/ec-$i" "${s:0:64}" "${s:64:64}"
    check "secp256k1: openssl verifies DER signature $i over message $i" $?
done
s=$(jsig ec 0)
openssl_verify_ecdsa "$pk" "$tmp/m/ec-1" "${s:0:64}" "${s:64:64}"
check "secp256k1: signature 0 does not verify over message 1" $(($? == 0))

# A batch under a child key (HD path): every signature verifies under the child
# the results name (mpc-cli derives and checks it), not under the root key.
head -4 "$tmp/ec.txt" >"$tmp/ec4.txt"
run ec_hd sign --wallet w-batch --key-type secp256k1 --digests-file "$tmp/ec4.txt" --path m/0/5
check "secp256k1 batch at m/0/5: 4 signatures verified by mpc-cli under the child key" \
    $([ "$RC" -eq 0 ] && batch_check ec_hd 4; echo $?)
child=$(jget "$tmp/ec_hd.json" child_public_key)
s=$(jsig ec_hd 3)
openssl_verify_ecdsa "$child" "$tmp/m/ec-3" "${s:0:64}" "${s:64:64}"
check "secp256k1 batch at m/0/5: openssl verifies signature 3 under the child key" $?
openssl_verify_ecdsa "$pk" "$tmp/m/ec-3" "${s:0:64}" "${s:64:64}"
check "secp256k1 batch at m/0/5: signature 3 does not verify under the root key" $(($? == 0))

# Refusals: nothing signed, no session.
sg_before=$(sessions sign)
{ head -n 5 "$tmp/ec.txt"; head -c 62 "$tmp/ec.txt" | tail -c 62; echo; tail -n 3 "$tmp/ec.txt"; } \
    >"$tmp/bad_len.txt"
run bad_len sign --wallet w-batch --key-type secp256k1 --digests-file "$tmp/bad_len.txt"
expect_code bad_len MPC_ERR_BATCH_DIGEST_LEN
check "one 31-byte digest among 9: no signature in any answer" \
    $(grep -q '"signatures"' "$tmp/bad_len.json"; echo $((! $?)))
{ cat "$tmp/ed.txt"; head -n 1 "$tmp/ed.txt"; } >"$tmp/ed65.txt"
run too_many sign --wallet w-batch --key-type ed25519 --digests-file "$tmp/ed65.txt"
expect_code too_many MPC_ERR_BATCH_TOO_MANY
{ head -n 2 "$tmp/ec.txt"; printf '%064d\n' 0; } >"$tmp/zero.txt"
run zero sign --wallet w-batch --key-type secp256k1 --digests-file "$tmp/zero.txt"
expect_code zero MPC_ERR_REQ_ZERO_DIGEST
check "no signing session ran for any refused batch" \
    $([ "$(sessions sign)" = "$sg_before" ]; echo $?)

# A server with max_payload 1MB: the nodes' ceiling follows it.
readyz_all() { local i; for i in 1 2 3; do readyz "$i" || return 1; done; }
sed 's/^max_payload: .*/max_payload: 1MB/' "$ROOT/configs/cluster/nats-server.conf" \
    >"$tmp/nats-1mb.conf"
cp "$ROOT/configs/cluster/nats-users.conf" "$tmp/"
stop_pid "$NATS_PID" 5; NATS_PID=
NATS_CONF="$tmp/nats-1mb.conf" nats_start "$tmp" "$NATS_PORT"
check "nats-server restarted with max_payload 1MB" $?
wait_until 60 readyz_all; check "every node reconnects" $?
head -n $((ECDSA_MAX_1MB + 1)) "$tmp/ec.txt" >"$tmp/ec_big.txt"
sg_before=$(sessions sign)
run too_large sign --wallet w-batch --key-type secp256k1 --digests-file "$tmp/ec_big.txt"
expect_code too_large MPC_ERR_BATCH_TOO_LARGE
check "above the ceiling: no signing session ran" $([ "$(sessions sign)" = "$sg_before" ]; echo $?)
head -n "$ECDSA_MAX_1MB" "$tmp/ec.txt" >"$tmp/ec_fit.txt"
run ec_fit sign --wallet w-batch --key-type secp256k1 --digests-file "$tmp/ec_fit.txt"
batch_check ec_fit "$ECDSA_MAX_1MB"; check "$ECDSA_MAX_1MB digests fit a 1MB server: all verified" $?

# A single --message-file is still a single sign; two make a batch of two.
run single sign --wallet w-batch --message-file "$tmp/m/ed-5"
check "one --message-file: a single sign, signature verified" \
    $([ "$RC" -eq 0 ] && [ -n "$(jget "$tmp/single.json" signature)" ]; echo $?)
run two sign --wallet w-batch --message-file "$tmp/m/ed-5" --message-file "$tmp/m/ed-6"
batch_check two 2; check "two --message-file: a batch of two, both verified" $?
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
