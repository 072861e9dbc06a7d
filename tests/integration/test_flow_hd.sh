#!/usr/bin/env bash
# tests/integration/test_flow_hd.sh — issue 13 (HD wallets) on a real cluster
# (nats-server + 3 mpc-node processes, configs/cluster), for both key types:
# keygen makes a chain code; `mpc-cli sign --path` signs under the children
# at depth 1, 2 and 5, each signature verified by mpc-cli under the child key
# it derives itself (libsodium / libsecp256k1) and by openssl (Ed25519 raw,
# ECDSA from DER), and rejected by openssl under a sibling's key and under
# the root key; the child key equals `mpc-cli derive`'s (offline); a
# hardened index is refused by the nodes (MPC_ERR_HD_HARDENED); a saved
# request whose path was altered is dropped by every node (request
# signature); `mpc-cli xpub` is the same before and after a reshare, and
# children sign after it. The wallet form of `mpc-cli xpub` (no request id:
# the nodes are asked on mpc.n.<node>.keyinfo) prints byte for byte the xpub
# of the signed results, a valid BIP32 base58check serialisation, and with
# --path what `mpc-cli derive` gives; a client that is no initiator is refused
# by every node; a node stating a forged chain code (test hook
# MPC_NODE_TEST_KEYINFO_LIE, signed with its real key) makes it fail naming
# that node, and alone never gets a key printed. Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
expect_checks 71 # every check below, when the flow runs to the end
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

js() { jget "$tmp/$1.json" "$2"; }
# every_ok FILE — every result is a verified success or a holder the cluster did not select.
every_ok() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); rs=d["results"]
sys.exit(0 if rs and d["ok"] and all((r["ok"] and r.get("verified", True)) or
         r["status_name"] == "MPC_ERR_NOT_SELECTED" for r in rs) else 1)' "$tmp/$1.json"
}
run() { # run NAME ARGS... -> $tmp/NAME.json, sets RC
    local name=$1; shift
    cli "$@" --json --timeout 90 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# verify_under KT HEXKEY NAME — openssl on the signature of sign result NAME under HEXKEY.
verify_under() {
    if [ "$1" = ed25519 ]; then
        openssl_verify "$2" "$tmp/msg" "$(js "$3" signature)"
    else
        openssl_verify_ecdsa "$2" "$tmp/msg" "$(js "$3" ecdsa_r)" "$(js "$3" ecdsa_s)"
    fi
}
# child_key KT PK CHAIN PATH — the child public key, from `mpc-cli derive` (offline).
child_key() {
    if [ "$1" = ed25519 ]; then
        cli derive --key-type ed25519 --public-key "$2" --chain-code "$3" --path "$4"
    else
        cli derive --xpub "$XPUB" --path "$4"
    fi | awk '$1 == "public" {print $3}'
}

# xpub_wallet NAME WALLET KT ARGS... — the wallet form (no request id) -> $tmp/xpub-NAME.{out,err}, RC.
xpub_wallet() {
    local name=$1 wallet=$2 kt=$3; shift 3
    cli xpub --wallet "$wallet" --key-type "$kt" --peers "$tmp/peers.yaml" --timeout 20 "$@" \
        >"$tmp/xpub-$name.out" 2>"$tmp/xpub-$name.err"
    RC=$?
}
# field NAME WORD — the value after WORD in $tmp/xpub-NAME.out ("public" and "chain": the 3rd token).
field() {
    case $2 in
        public|chain) awk -v w="$2" '$1 == w {print $3}' "$tmp/xpub-$1.out" ;;
        *) awk -v w="$2" '$1 == w {print $2}' "$tmp/xpub-$1.out" ;;
    esac
}
# bip32_check XPUB PKHEX CHAINHEX — base58check decodes; mainnet public version, depth 0,
# parent fingerprint 0, child number 0, the chain code and the key (independent of mpc-cli).
bip32_check() {
    python3 - "$@" <<'PY'
import hashlib, sys
x, pk, cc = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n = 0
for ch in x:
    n = n * 58 + a.index(ch)
raw = n.to_bytes(82, "big")
body, chk = raw[:78], raw[78:]
ok = hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] == chk
ok = ok and body[:4] == bytes.fromhex("0488b21e") and body[4] == 0
ok = ok and body[5:9] == b"\0" * 4 and body[9:13] == b"\0" * 4
ok = ok and body[13:45] == cc and body[45:78] == pk
sys.exit(0 if ok else 1)
PY
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready (/readyz 200)" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

printf 'pay 5 coins to the child address' >"$tmp/msg"
digest=$(sha256_hex "$tmp/msg")

for kt in ed25519 secp256k1; do
    w=w-hd-$kt
    if [ "$kt" = ed25519 ]; then m=(--message-file "$tmp/msg"); else m=(--message-hex "$digest"); fi
    run kg-$kt keygen --wallet "$w" --key-type "$kt" --threshold 2 --request-id "kg-$kt"
    check "$kt: keygen 2-of-3 exits 0, all nodes agree (chain code included)" \
        $([ $RC -eq 0 ] && [ "$(js kg-$kt consistent)" = true ]; echo $?)
    pk=$(js kg-$kt public_key); cc=$(js kg-$kt chain_code)
    check "$kt: the keygen result carries a 32-byte chain code" $([ ${#cc} -eq 64 ]; echo $?)
    XPUB=""
    if [ "$kt" = secp256k1 ]; then
        cli xpub --wallet "$w" --request-id "kg-$kt" --peers "$tmp/peers.yaml" >"$tmp/xpub1.out" \
            2>"$tmp/xpub1.err"
        XPUB=$(awk '$1 == "xpub:" {print $2}' "$tmp/xpub1.out")
        check "$kt: mpc-cli xpub prints the root xpub of the signed keygen results" \
            $([ "${XPUB:0:4}" = xpub ] && [ "$(awk '$1 == "public" {print $3}' "$tmp/xpub1.out")" = "$pk" ]; echo $?)
        xpub_wallet w1 "$w" "$kt"
        check "$kt: xpub --wallet (asking the nodes) equals xpub --request-id byte for byte" \
            $([ $RC -eq 0 ] && [ "$(field w1 xpub:)" = "$XPUB" ] &&
              grep -q "^confirmed: *3 of 3 nodes (threshold 2, version 1)" "$tmp/xpub-w1.out"; echo $?)
        bip32_check "$XPUB" "$pk" "$cc"
        check "$kt: the xpub decodes (base58check, version 0488b21e, depth 0, key, chain code)" $?
        xpub_wallet w2 "$w" "$kt" --path m/0/5
        cli derive --xpub "$XPUB" --path m/0/5 >"$tmp/derive-m05.out"
        check "$kt: xpub --wallet --path m/0/5 equals mpc-cli derive of the root xpub" \
            $([ $RC -eq 0 ] && [ -n "$(field w2 xpub:)" ] &&
              [ "$(field w2 xpub:)" = "$(awk '$1 == "xpub:" {print $2}' "$tmp/derive-m05.out")" ] &&
              [ "$(field w2 public)" = "$(awk '$1 == "public" {print $3}' "$tmp/derive-m05.out")" ]; echo $?)
    else
        xpub_wallet w1 "$w" "$kt"
        check "$kt: xpub --wallet states the keygen's key and chain code" \
            $([ $RC -eq 0 ] && [ "$(field w1 public)" = "$pk" ] && [ "$(field w1 chain)" = "$cc" ]; echo $?)
    fi
    i=0
    for path in m/0 m/0/5 m/1/2/3/4/5; do
        i=$((i + 1)); name=s$i-$kt
        run "$name" sign --wallet "$w" --key-type "$kt" "${m[@]}" --path "$path"
        check "$kt $path: sign exits 0, every copy verified by mpc-cli under the child key" \
            $([ $RC -eq 0 ] && every_ok "$name"; echo $?)
        child=$(js "$name" child_public_key)
        check "$kt $path: the child key is mpc-cli derive's (offline)" \
            $([ -n "$child" ] && [ "$child" = "$(child_key "$kt" "$pk" "$cc" "$path")" ]; echo $?)
        verify_under "$kt" "$child" "$name"; check "$kt $path: openssl verifies under the child" $?
        sib=$(child_key "$kt" "$pk" "$cc" "${path%/*}/$(( ${path##*/} + 1 ))")
        verify_under "$kt" "$sib" "$name"
        check "$kt $path: openssl rejects it under the sibling's key" $((! $?))
        verify_under "$kt" "$pk" "$name"; check "$kt $path: ... and under the root key" $((! $?))
    done
    run hard-$kt sign --wallet "$w" --key-type "$kt" "${m[@]}" --path "m/0/5'"
    check "$kt: a hardened index is refused by the nodes (MPC_ERR_HD_HARDENED)" \
        $([ $RC -ne 0 ] && grep -q MPC_ERR_HD_HARDENED "$tmp/hard-$kt.json"; echo $?)
done

# A saved request whose path is changed after signing: every node drops it (request signature).
unauth_sum() {
    echo $(( $(node_metric 1 mpc_requests_unauthenticated_total) +
             $(node_metric 2 mpc_requests_unauthenticated_total) +
             $(node_metric 3 mpc_requests_unauthenticated_total) ))
}
unauth_is() { [ "$(unauth_sum)" -ge "$1" ]; }
cli sign --wallet w-hd-ed25519 --message-file "$tmp/msg" --path m/0/5 --request-id hd-altered \
    --out-request "$tmp/altered.req" >/dev/null 2>&1
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
bad_sig=0; for i in 1 2 3; do
    bad_sig=$((bad_sig + $(node_metric $i 'mpc_requests_rejected_total{reason="MPC_ERR_REQ_BAD_SIGNATURE"}')))
done
check "altered path: counted as MPC_ERR_REQ_BAD_SIGNATURE" $([ "$bad_sig" -ge 3 ]; echo $?)

# Reshare keeps the chain code: the xpub before and after is identical; children still sign.
for kt in ed25519 secp256k1; do
    w=w-hd-$kt
    if [ "$kt" = ed25519 ]; then m=(--message-file "$tmp/msg"); else m=(--message-hex "$digest"); fi
    run rs-$kt reshare --wallet "$w" --key-type "$kt" --new-participants node-1,node-2,node-3 \
        --new-threshold 3 --request-id "rs-$kt"
    check "$kt: reshare to 3-of-3 exits 0" $RC
    check "$kt: reshare keeps the public key and the chain code" \
        $([ "$(js rs-$kt public_key)" = "$(js kg-$kt public_key)" ] &&
          [ "$(js rs-$kt chain_code)" = "$(js kg-$kt chain_code)" ]; echo $?)
    if [ "$kt" = secp256k1 ]; then
        cli xpub --wallet "$w" --request-id "rs-$kt" --peers "$tmp/peers.yaml" >"$tmp/xpub2.out" \
            2>"$tmp/xpub2.err"
        check "$kt: xpub after the reshare is identical" \
            $([ "$(awk '$1 == "xpub:" {print $2}' "$tmp/xpub2.out")" = "$XPUB" ]; echo $?)
        cli xpub --wallet "$w" --request-id "rs-$kt" --peers "$tmp/peers.yaml" --path m/0/5 \
            >"$tmp/xpub3.out" 2>&1
        check "$kt: xpub at m/0/5 names the child that signed before" \
            $([ "$(awk '$1 == "public" {print $3}' "$tmp/xpub3.out")" = "$(js s2-$kt child_public_key)" ]; echo $?)
        xpub_wallet w3 "$w" "$kt"
        check "$kt: after the reshare xpub --wallet equals xpub --request-id (3-of-3, version 2)" \
            $([ $RC -eq 0 ] && [ "$(field w3 xpub:)" = "$XPUB" ] &&
              grep -q "^confirmed: *3 of 3 nodes (threshold 3, version 2)" "$tmp/xpub-w3.out"; echo $?)
    fi
    run after-$kt sign --wallet "$w" --key-type "$kt" "${m[@]}" --path m/0/5
    check "$kt: m/0/5 signs after the reshare, verified (3-of-3)" \
        $([ $RC -eq 0 ] && every_ok "after-$kt" && [ "$(js after-$kt key_version)" = 2 ]; echo $?)
    check "$kt: same child key as before the reshare" \
        $([ "$(js after-$kt child_public_key)" = "$(js s2-$kt child_public_key)" ]; echo $?)
    verify_under "$kt" "$(js after-$kt child_public_key)" "after-$kt"
    check "$kt: openssl verifies the post-reshare child signature" $?
done

# The key-info query's refusals, each with its status.
"$MPC_CLI" initiator new --plain --out "$tmp/stranger.key" >/dev/null
xpub_wallet stranger w-hd-secp256k1 secp256k1 --key "$tmp/stranger.key"
check "a client that is no initiator: refused by every node (MPC_ERR_KEYINFO_UNKNOWN_CLIENT)" \
    $([ $RC -ne 0 ] && [ "$(grep -c MPC_ERR_KEYINFO_UNKNOWN_CLIENT "$tmp/xpub-stranger.err")" -eq 3 ] &&
      grep -q MPC_ERR_KEYINFO_TOO_FEW "$tmp/xpub-stranger.err" && [ -z "$(field stranger xpub:)" ]; echo $?)
xpub_wallet nowallet w-hd-none secp256k1
check "an unknown wallet: every node says MPC_ERR_KEYINFO_UNKNOWN_KEY, nothing printed" \
    $([ $RC -ne 0 ] && [ "$(grep -c MPC_ERR_KEYINFO_UNKNOWN_KEY "$tmp/xpub-nowallet.err")" -eq 3 ]; echo $?)

kq() { node_metric 2 "mpc_keyinfo_queries_total{status=\"$1\"}"; }
check "/metrics counts key-info answers by status (node-2: $(kq MPC_OK) OK, $(kq MPC_ERR_KEYINFO_UNKNOWN_CLIENT) unknown client, $(kq MPC_ERR_KEYINFO_UNKNOWN_KEY) unknown key)" \
    $([ "$(kq MPC_OK)" -ge 1 ] && [ "$(kq MPC_ERR_KEYINFO_UNKNOWN_CLIENT)" = 1 ] &&
      [ "$(kq MPC_ERR_KEYINFO_UNKNOWN_KEY)" = 1 ]; echo $?)

# One compromised node: node-1 restarted with the test hook states a forged chain code, signed
# with its real identity key. Checked on a 2-of-3 key (two agreeing replies are enough there).
run kg-liar keygen --wallet w-hd-2of3 --key-type secp256k1 --threshold 2 --request-id kg-liar
cli xpub --wallet w-hd-2of3 --request-id kg-liar --peers "$tmp/peers.yaml" >"$tmp/xpub-l.out" 2>&1
XPUB2=$(awk '$1 == "xpub:" {print $2}' "$tmp/xpub-l.out")
check "a second secp256k1 key, 2-of-3, and its xpub from the signed results" \
    $([ $RC -eq 0 ] && [ "${XPUB2:0:4}" = xpub ]; echo $?)
cluster_stop_node 1 >/dev/null
MPC_NODE_TEST_KEYINFO_LIE=1 cluster_start_node 1
cluster_wait_ready 1 90; check "node-1 restarted with the lying hook" $?
xpub_wallet liar w-hd-2of3 secp256k1
check "a node stating a forged key: fails MPC_ERR_KEYINFO_DISAGREE naming node-1, nothing printed" \
    $([ $RC -ne 0 ] && grep -q MPC_ERR_KEYINFO_DISAGREE "$tmp/xpub-liar.err" &&
      grep -q "node-1 states another key" "$tmp/xpub-liar.err" && [ -z "$(field liar xpub:)" ]; echo $?)
xpub_wallet liar-pair w-hd-2of3 secp256k1 --nodes node-1,node-2
check "the lying node and one honest node: MPC_ERR_KEYINFO_DISAGREE, nothing printed" \
    $([ $RC -ne 0 ] && grep -q MPC_ERR_KEYINFO_DISAGREE "$tmp/xpub-liar-pair.err" &&
      [ -z "$(field liar-pair xpub:)" ]; echo $?)
xpub_wallet honest2 w-hd-2of3 secp256k1 --nodes node-2,node-3
check "the two honest nodes of the 2-of-3 key agree: the true xpub is printed" \
    $([ $RC -eq 0 ] && [ "$(field honest2 xpub:)" = "$XPUB2" ]; echo $?)
xpub_wallet liar-alone w-hd-2of3 secp256k1 --nodes node-1
check "the lying node alone is too few (MPC_ERR_KEYINFO_TOO_FEW), nothing printed" \
    $([ $RC -ne 0 ] && grep -q MPC_ERR_KEYINFO_TOO_FEW "$tmp/xpub-liar-alone.err" &&
      [ -z "$(field liar-alone xpub:)" ]; echo $?)
xpub_wallet honest w-hd-secp256k1 secp256k1 --nodes node-2,node-3
check "two honest nodes of the 3-of-3 key (after the reshare) are too few: nothing printed" \
    $([ $RC -ne 0 ] && grep -q MPC_ERR_KEYINFO_TOO_FEW "$tmp/xpub-honest.err"; echo $?)
cluster_stop_node 1 >/dev/null
cluster_start_node 1
cluster_wait_ready 1 90; check "node-1 restarted honest" $?
xpub_wallet again w-hd-secp256k1 secp256k1
check "with node-1 honest again the wallet xpub is printed, the same as before" \
    $([ $RC -eq 0 ] && [ "$(field again xpub:)" = "$XPUB" ]; echo $?)
summary
