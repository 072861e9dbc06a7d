#!/usr/bin/env bash
# tests/integration/test_flow_taproot.sh — Taproot keys (issue 14 part 1) on a
# real cluster (nats-server + 3 mpc-node processes): secp256k1-tr keygen 2-of-3,
# sign with the key-path-only output key (BIP86), with a script-tree merkle
# root, and untweaked; HD derivation (BIP32 non-hardened on the internal key):
# sign for the child m/0/5 with a merkle root, the xpub of the internal key; a
# saved request whose path was altered is dropped by every node; reshare to
# 3-of-3 and sign again under the same output keys (root and child), the xpub
# unchanged. Every signature is checked twice, independently of the nodes: by
# libsecp256k1 inside mpc-cli (secp256k1_schnorrsig_verify under the output
# key it recomputes, from the child it derives itself for a path) and by
# lib/bip340.py (BIP32/BIP340/BIP341 in plain Python). Also the request
# refusals with their own status codes and mpc-cli's P2TR script.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 50 # every check below, when the flow runs to the end
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

bip340=$ROOT/tests/integration/lib/bip340.py
js() { jget "$tmp/$1.json" "$2"; }
every_result() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if rs and all(eval(sys.argv[2]) for r in rs) else 1)' "$tmp/$1.json" "$2"
}
run() { # run NAME ARGS... -> $tmp/NAME.json, sets RC
    local name=$1; shift
    cli "$@" --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# py_verify NAME [ROOT|untweaked]: the output key and signature of result NAME, by bip340.py.
py_verify() {
    python3 "$bip340" verify "$pk" "$msg" "$(js "$1" signature)" "$(js "$1" taproot_output_key)" \
        ${2:+"$2"}
}
tamper() { local s=$1; echo "${s:0:10}$(printf '%x' $(( (0x${s:10:1} + 1) % 16 )))${s:11}"; }

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready (/readyz 200)" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

msg=$(printf 'taproot sighash' | sha256sum | cut -c1-64)
other=$(printf 'another sighash' | sha256sum | cut -c1-64)
root=$(printf 'script tree' | sha256sum | cut -c1-64)

run keygen keygen --wallet w-tr --key-type secp256k1-tr --threshold 2 --request-id kg-tr
check "keygen secp256k1-tr 2-of-3 exits 0" $RC
every_result keygen 'r["ok"] and r["key_type"] == "secp256k1-tr" and r["threshold"] == 2'
check "keygen: 3 results of type secp256k1-tr, 2-of-3" $?
pk=$(js keygen public_key)
check "keygen: one 33-byte compressed group key" \
    $([ "$(js keygen consistent)" = true ] && [[ "$pk" =~ ^0[23][0-9a-f]{64}$ ]]; echo $?)

run sign1 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg"
check "sign (key-path only, BIP86) exits 0" $RC
every_result sign1 '(r["ok"] and r["verified"]) or r["status_name"] == "MPC_ERR_NOT_SELECTED"'
check "sign: every signer's copy verified by libsecp256k1 (mpc-cli)" $?
py_verify sign1; check "sign: bip340.py recomputes the BIP86 output key and verifies" $?
q1=$(js sign1 taproot_output_key); sig1=$(js sign1 signature)
check "sign: internal key is x(group key)" $([ "$(js sign1 taproot_internal_key)" = "${pk:2}" ]; echo $?)
check "sign: P2TR script is OP_1 <output key>" \
    $([ "$(js sign1 p2tr_script_pubkey)" = "5120$q1" ]; echo $?)
python3 "$bip340" verify "$pk" "$msg" "$(tamper "$sig1")" "$q1"
check "bip340.py rejects a tampered signature" $((! $?))
python3 "$bip340" verify "$pk" "$other" "$sig1" "$q1"
check "bip340.py rejects another message" $((! $?))

run sign2 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" \
    --taproot-merkle-root "$root" --signers node-1,node-3
check "sign with a merkle root, signers node-1,node-3 exits 0" $RC
every_result sign2 'r["ok"] and r["verified"] and r["node"] in ("node-1", "node-3")'
check "sign with root: both copies verified (mpc-cli)" $?
py_verify sign2 "$root"; check "sign with root: bip340.py output key and signature" $?
check "sign with root: another output key than key-path only" \
    $([ "$(js sign2 taproot_output_key)" != "$q1" ]; echo $?)

run sign3 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --taproot-untweaked
check "sign untweaked exits 0" $RC
py_verify sign3 untweaked; check "sign untweaked: verifies under x(group key) (bip340.py)" $?
check "sign untweaked: output key is the internal key" \
    $([ "$(js sign3 taproot_output_key)" = "${pk:2}" ]; echo $?)

# HD: BIP32 CKDpub on the 33-byte group key (the internal key), then even Y and BIP341.
cc=$(js keygen chain_code)
xpub_of() { # xpub_of REQUEST-ID OUT: mpc-cli xpub of w-tr from that request's signed results
    cli xpub --wallet w-tr --key-type secp256k1-tr --request-id "$1" --peers "$tmp/peers.yaml" \
        >"$tmp/$2" 2>&1
    awk '$1 == "xpub:" {print $2}' "$tmp/$2"
}
XPUB=$(xpub_of kg-tr xpub1.out)
check "xpub: mpc-cli xpub prints the BIP32 xpub of the internal key" \
    $([ "${XPUB:0:4}" = xpub ] && [ "$(awk '$1 == "public" {print $3}' "$tmp/xpub1.out")" = "$pk" ]; echo $?)
run hd1 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --path m/0/5 \
    --taproot-merkle-root "$root" --request-id hd1-tr
check "sign m/0/5 with a merkle root exits 0" $RC
every_result hd1 '(r["ok"] and r["verified"]) or r["status_name"] == "MPC_ERR_NOT_SELECTED"'
check "sign m/0/5: every copy verified by mpc-cli under the output key of the child it derives" $?
child=$(js hd1 child_public_key); q5=$(js hd1 taproot_output_key); sig5=$(js hd1 signature)
check "sign m/0/5: the child key is bip340.py's BIP32 CKDpub and mpc-cli derive's" \
    $([ -n "$child" ] && [ "$child" = "$(python3 "$bip340" child "$pk" "$cc" m/0/5)" ] &&
      [ "$child" = "$(cli derive --xpub "$XPUB" --path m/0/5 | awk '$1 == "public" {print $3}')" ]; echo $?)
check "sign m/0/5: path m/0/5 reported, internal key is x(child)" \
    $([ "$(js hd1 derivation_path)" = m/0/5 ] && [ "$(js hd1 taproot_internal_key)" = "${child:2}" ]; echo $?)
python3 "$bip340" verify "$child" "$msg" "$sig5" "$q5" "$root"
check "sign m/0/5: bip340.py recomputes the child's output key and verifies" $?
sib=$(python3 "$bip340" child "$pk" "$cc" m/0/6)
python3 "$bip340" verify "$sib" "$msg" "$sig5" "$(python3 "$bip340" outkey "$sib" "$root")" "$root"
check "sign m/0/5: bip340.py rejects it under the sibling m/0/6's output key" $((! $?))
python3 "$bip340" verify "$pk" "$msg" "$sig5" "$(js sign2 taproot_output_key)" "$root"
check "sign m/0/5: ... and under the root's output key" $((! $?))
run hd0 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --path m
check "sign at depth 0 (path m): the root's key-path output key, verified" \
    $([ $RC -eq 0 ] && [ "$(js hd0 taproot_output_key)" = "$q1" ] &&
      every_result hd0 '(r["ok"] and r["verified"]) or r["status_name"] == "MPC_ERR_NOT_SELECTED"'; echo $?)

# A saved Taproot request whose path is changed after signing: every node drops it.
unauth_sum() {
    echo $(( $(node_metric 1 mpc_requests_unauthenticated_total) +
             $(node_metric 2 mpc_requests_unauthenticated_total) +
             $(node_metric 3 mpc_requests_unauthenticated_total) ))
}
unauth_is() { [ "$(unauth_sum)" -ge "$1" ]; }
cli sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --path m/0/5 \
    --request-id tr-altered --out-request "$tmp/altered.req" >/dev/null 2>&1
python3 - "$tmp/altered.req" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
assert b.count(b"m/0/5") == 1
open(sys.argv[1], "wb").write(b.replace(b"m/0/5", b"m/0/6"))
PY
check "altered request: path m/0/5 changed to m/0/6 in the saved bytes" $?
before=$(unauth_sum)
cli sign --request "$tmp/altered.req" --x-no-wait >/dev/null 2>"$tmp/altered.err"
wait_until 30 unauth_is $((before + 3)); check "altered path: every node drops it (signature)" $?

run reshare reshare --wallet w-tr --key-type secp256k1-tr --new-participants node-1,node-2,node-3 \
    --new-threshold 3 --request-id rs-tr
check "reshare to 3-of-3 exits 0" $RC
check "reshare keeps the group key" $([ "$(js reshare public_key)" = "$pk" ]; echo $?)
run sign4 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg"
check "sign after reshare exits 0" $RC
every_result sign4 'r["ok"] and r["verified"] and r["key_version"] == 2 and r["threshold"] == 3'
check "sign after reshare: version 2, 3-of-3, verified (mpc-cli)" $?
py_verify sign4; check "sign after reshare: bip340.py verifies" $?
check "sign after reshare: the same output key" \
    $([ "$(js sign4 taproot_output_key)" = "$q1" ]; echo $?)
check "xpub after the reshare is identical" $([ "$(xpub_of rs-tr xpub2.out)" = "$XPUB" ]; echo $?)
run hd2 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$other" --path m/0/5 \
    --taproot-merkle-root "$root"
check "sign m/0/5 after reshare: version 2, verified (mpc-cli), same child and output key" \
    $([ $RC -eq 0 ] && every_result hd2 'r["ok"] and r["verified"] and r["key_version"] == 2' &&
      [ "$(js hd2 child_public_key)" = "$child" ] && [ "$(js hd2 taproot_output_key)" = "$q5" ]; echo $?)
python3 "$bip340" verify "$child" "$other" "$(js hd2 signature)" "$q5" "$root"
check "sign m/0/5 after reshare: bip340.py verifies" $?

# Refusals, each with its own code.
refused() { # refused NAME STATUS
    every_result "$1" "not r['ok'] and r['status_name'] == '$2'"
}
run bad1 sign --wallet w-tr --key-type ed25519 --message-hex "$msg" --taproot-untweaked --timeout 20
refused bad1 MPC_ERR_TR_NOT_TAPROOT; check "taproot field on ed25519: MPC_ERR_TR_NOT_TAPROOT" $?
run bad2 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --taproot-untweaked \
    --taproot-merkle-root "$root" --timeout 20
refused bad2 MPC_ERR_TR_UNTWEAKED_ROOT; check "untweaked with a root: MPC_ERR_TR_UNTWEAKED_ROOT" $?
run bad3 sign --wallet w-tr --key-type secp256k1-tr --message-hex "${msg:2}" --timeout 20
refused bad3 MPC_ERR_TR_MSG; check "31-byte message: MPC_ERR_TR_MSG" $?
printf '%s\n%s\n' "$msg" "$other" >"$tmp/digests"
run bad4 sign --wallet w-tr --key-type secp256k1-tr --digests-file "$tmp/digests" --timeout 20
refused bad4 MPC_ERR_TR_PATH_BATCH; check "a Taproot batch: MPC_ERR_TR_PATH_BATCH (no batch)" $?
run bad5 sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --path "m/0/5'" --timeout 20
check "a hardened index is refused by the nodes (MPC_ERR_HD_HARDENED)" \
    $([ $RC -ne 0 ] && grep -q MPC_ERR_HD_HARDENED "$tmp/bad5.json"; echo $?)
cli sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --taproot-merkle-root abcd \
    --peers "$tmp/peers.yaml" >/dev/null 2>&1
check "mpc-cli: a merkle root that is not 32 bytes is a usage error (exit 2)" $([ $? -eq 2 ]; echo $?)

cli sign --wallet w-tr --key-type secp256k1-tr --message-hex "$msg" --timeout 60 \
    --peers "$tmp/peers.yaml" >"$tmp/text.out" 2>&1
check "text output: exit 0, BIP340 signature and the P2TR script" \
    $([ $? -eq 0 ] && grep -q "(BIP340)" "$tmp/text.out" && grep -q "^P2TR script: 5120$q1" "$tmp/text.out"; echo $?)

for i in 1 2 3; do
    cluster_stop_node "$i"; check "node-$i exits 0 after SIGTERM (clean drain)" $?
done
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
