#!/usr/bin/env bash
# tests/integration/test_flow_authorizers.sh — a 2-of-3 authorizer policy end
# to end (issue "One house"): real nodes with `authorizers:` (3 keys, 2
# required), requests saved by `mpc-cli <op> --out-request`, approved by
# `mpc-cli approve`, sent by `mpc-cli <op> --request F --approval A...`.
# Refused, each with its own code from every node: no approval, one approval,
# a forged approval (one bit of its signature flipped), an approval of
# another request. Two valid approvals pass, and the signature is verified
# by openssl, independently of the nodes and of mpc-cli.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

run() { # run NAME ARGS... -> $tmp/NAME.json, sets RC
    local name=$1; shift
    cli "$@" --json --timeout 60 --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# expect_code NAME STATUS_NAME — exit 1, and one result per node, each with that code.
expect_code() {
    local name=$1 code=$2
    python3 - "$tmp/$name.json" "$code" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
ok = sorted(r["node"] for r in rs) == ["node-1", "node-2", "node-3"] and \
     all(r["status_name"] == sys.argv[2] for r in rs)
if not ok:
    print("   got:", [(r["node"], r["status_name"], r["error_text"]) for r in rs], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
    local rc=$?
    check "$name: every node answers $code, exit 1" $([ $rc -eq 0 ] && [ "$RC" -eq 1 ]; echo $?)
}
approve() { # approve AUTH_INDEX REQUEST_NAME OUT_NAME
    cli approve --key "$tmp/keys/auth-$1.key" --out "$tmp/$3.ap" "$tmp/$2.req" 2>>"$tmp/approve.err"
}
save_sign() { # save_sign NAME — a sign request of the test message, written to $tmp/NAME.req
    cli sign --wallet w-auth --message-file "$tmp/msg" --request-id "auth-$1" \
        --out-request "$tmp/$1.req" >/dev/null
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
keys=()
for a in 1 2 3; do
    cli initiator new --plain --out "$tmp/keys/auth-$a.key" >/dev/null
    keys+=("$(cli initiator show --json "$tmp/keys/auth-$a.key" |
              python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')")
done
for i in 1 2 3; do
    printf 'authorizers:\n  keys: [%s, %s, %s]\n  required: 2\n' "${keys[@]}" >>"$tmp/node-$i.yaml"
    cli config-check "$tmp/node-$i.yaml" >/dev/null; check "node-$i config with 2-of-3 authorizers" $?
done
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

# The keygen needs approvals too.
cli keygen --wallet w-auth --threshold 2 --out-request "$tmp/kg.req" >/dev/null
check "keygen request saved, nothing sent" $?
approve 1 kg kg1 && approve 2 kg kg2; check "two authorizers approve the keygen" $?
run keygen keygen --request "$tmp/kg.req" --approval "$tmp/kg1.ap" --approval "$tmp/kg2.ap"
check "keygen with 2 approvals exits 0" $RC
pk=$(jget "$tmp/keygen.json" public_key)

printf 'pay 5 units to account 12' >"$tmp/msg"
for r in none one forged other good; do save_sign "$r"; check "sign request '$r' saved" $?; done

run none sign --request "$tmp/none.req"
expect_code none MPC_ERR_REQ_NO_APPROVALS

approve 1 one one1; check "approve 'one'" $?
run one sign --request "$tmp/one.req" --approval "$tmp/one1.ap"
expect_code one MPC_ERR_REQ_UNAUTHORIZED

approve 1 forged forged1 && approve 2 forged forged2; check "approve 'forged'" $?
# Flip one bit of the signature: the Approval encoding is key (2 + 32 bytes),
# then the signature field (2 + 64 bytes); byte 40 lies in the signature.
python3 - "$tmp/forged2.ap" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
assert b[34] == 0x12 and b[35] == 64
b[40] ^= 0x04; open(p, "wb").write(bytes(b))
PY
run forged sign --request "$tmp/forged.req" --approval "$tmp/forged1.ap" --approval "$tmp/forged2.ap"
expect_code forged MPC_ERR_REQ_APPROVAL_FORGED

approve 1 other other1 && approve 2 none none2; check "approve 'other' and 'none'" $?
run other sign --request "$tmp/other.req" --approval "$tmp/other1.ap" --approval "$tmp/none2.ap"
expect_code other MPC_ERR_REQ_APPROVAL_MISMATCH

approve 1 good good1 && approve 3 good good3; check "approve 'good' (authorizers 1 and 3)" $?
run good sign --request "$tmp/good.req" --approval "$tmp/good1.ap" --approval "$tmp/good3.ap"
check "sign with 2 valid approvals exits 0" $RC
sig=$(jget "$tmp/good.json" signature)
openssl_verify "$pk" "$tmp/msg" "$sig"; check "openssl verifies the signature" $?
printf 'pay 6 units to account 12' >"$tmp/msg2"
openssl_verify "$pk" "$tmp/msg2" "$sig"; check "openssl rejects another message" $((! $?))

# Usage: --approval only with --request; a saved sign request is not a keygen.
cli sign --wallet w-auth --message x --approval "$tmp/good1.ap" >/dev/null 2>&1
check "--approval without --request: usage error" $(($? != 2))
cli keygen --request "$tmp/good.req" >/dev/null 2>&1
check "a saved sign request sent as keygen: usage error" $(($? != 2))
cluster_finish
[ "$failed" -eq 0 ] || cluster_tails
summary
