#!/usr/bin/env bash
# tests/integration/test_result_forgery.sh — issue "The trust boundary" §1:
# signed, attributable results against a forger who stole node-1's NATS
# password (not its identity key). Before each request is sent, the forger
# (lib/forge_results.py) publishes fake Result copies for its id, so they
# are the first copies mpc-cli sees: on node-2's subject (the server must
# refuse), and on node-1's own subject signed by the wrong key, claiming
# another signer, or unsigned. mpc-cli must never report the fake key or
# signature, must name node-1's copies as rejected, and:
#   - keygen secp256k1 where a fake copy took node-1's Nats-Msg-Id (the real
#     copy is dropped as a duplicate): fails, naming node-1 rejected and missing;
#   - keygen ed25519 and sign with fakes alongside the real copies: succeed
#     with the real key and a signature mpc-cli and openssl verify.
# Prints "N passed, M failed".
set -u
source "$(dirname "$0")/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/asan/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
tmp=$(mktemp -d)
cleanup() { cluster_stop_all; [ "$failed" -eq 0 ] && rm -rf "$tmp" || echo "kept $tmp"; }
trap cleanup EXIT

# forge NAME REQUEST_ID KEY_TYPE OP BLOCK — the forger's copies, checked line by line.
forge() {
    local name=$1; shift
    python3 "$ROOT/tests/integration/lib/forge_results.py" 127.0.0.1 "$NATS_PORT" node-1 \
        "$MPC_NATS_PASS_NODE1" mpc-cli "$@" >"$tmp/forge-$name.out" 2>&1
    local rc=$?
    while read -r status text; do
        case $status in
            ok)   check "$name: $text" 0 ;;
            FAIL) check "$name: $text" 1 ;;
        esac
    done < <(sed -n 's/^\(ok\|FAIL\) *\(.*\)$/\1 \2/p' "$tmp/forge-$name.out")
    check "$name: forger ran (rc $rc)" "$rc"
    FAKE_PK=$(sed -n 's/^fake_public_key //p' "$tmp/forge-$name.out")
    FAKE_SIG=$(sed -n 's/^fake_signature //p' "$tmp/forge-$name.out")
}
run() { # run NAME ARGS... -> $tmp/NAME.json, sets RC
    local name=$1; shift
    cli "$@" --json --peers "$tmp/peers.yaml" >"$tmp/$name.json" 2>"$tmp/$name.err"
    RC=$?
}
# never_shown NAME HEX — the hex appears in neither output of run NAME.
never_shown() { [ -n "$2" ] && ! grep -qi "$2" "$tmp/$1.json" "$tmp/$1.err"; }
# doc NAME PYEXPR — PYEXPR over the JSON document d holds.
doc() {
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/$1.json" "$2"
}

cluster_init "$tmp" 3; check "cluster files and nats-server" $?
for i in 1 2 3; do cluster_start_node "$i"; done
ready=0; for i in 1 2 3; do cluster_wait_ready "$i" 90 || ready=1; done
check "3 nodes ready (/readyz 200)" $ready
[ $ready -eq 0 ] || { cluster_tails; summary; exit 1; }

# A clean keygen first: its duration sizes the waits below that must run out
# (node-1's valid copy never comes): 5 times it, at least 5 s, at most 20 s.
t0=$(now_ms)
cli keygen --key-type secp256k1 --wallet w-forged-1b --threshold 2 --request-id kg-forged-1b \
    --timeout 60 >"$tmp/kg1b.txt" 2>&1
check "text output: a clean keygen still says ok" $?
miss_s=$((($(now_ms) - t0) * 5 / 1000 + 1))
miss_s=$((miss_s < 5 ? 5 : miss_s > 20 ? 20 : miss_s))
echo "     waits for the missing copy: ${miss_s} s"

# 1. The reported attack: keygen secp256k1, the forger's copy first and the real one dropped.
forge kg1 kg-forged-1 secp256k1 keygen 1
run kg1 keygen --key-type secp256k1 --wallet w-forged-1 --threshold 2 --request-id kg-forged-1 \
    --timeout "$miss_s"
check "keygen with node-1's copy forged: not reported as success (exit $RC)" \
    $([ "$RC" -ne 0 ]; echo $?)
never_shown kg1 "$FAKE_PK"; check "keygen: the fake public key is never reported" $?
doc kg1 'not d["ok"] and d.get("public_key") is None'
check "keygen: no public key reported" $?
doc kg1 '{r["node"] for r in d["rejected"]} == {"node-1"} and len(d["rejected"]) == 3'
check "keygen: node-1's three bad copies are rejected and named" $?
doc kg1 'd["missing"] == ["node-1"]'
check "keygen: node-1 is named as missing a valid copy" $?
forge kg1t kg-forged-1t secp256k1 keygen 1
cli keygen --key-type secp256k1 --wallet w-forged-1t --threshold 2 --request-id kg-forged-1t \
    --timeout "$miss_s" --peers "$tmp/peers.yaml" >"$tmp/kg1t.txt" 2>&1
grep -q "node-1 *REJECTED" "$tmp/kg1t.txt" && grep -q "node-1 *MISSING" "$tmp/kg1t.txt" &&
    ! grep -qi "$FAKE_PK" "$tmp/kg1t.txt" && ! grep -q "public key:" "$tmp/kg1t.txt"
check "text output: node-1 REJECTED and MISSING, no key printed" $?

# 2. Fakes next to the real copies: the real key wins, the fakes are named.
forge kg2 kg-forged-2 ed25519 keygen 0
run kg2 keygen --wallet w-forged-2 --threshold 2 --request-id kg-forged-2 --timeout 60
check "keygen ed25519 with fakes alongside: exit 0" "$RC"
never_shown kg2 "$FAKE_PK"; check "keygen ed25519: the fake public key is never reported" $?
doc kg2 '(d["quorum"] and d["missing"] == [] and len(d["results"]) == 3 and
          all(r["node"] == "node-1" for r in d["rejected"]) and len(d["rejected"]) == 3)'
check "keygen ed25519: 3 signed copies accepted, node-1's fakes rejected" $?
pk=$(jget "$tmp/kg2.json" public_key)

printf 'pay 5 to 77' >"$tmp/msg"
forge sg sg-forged ed25519 sign 0
run sg sign --wallet w-forged-2 --message-file "$tmp/msg" --request-id sg-forged --timeout 60
check "sign with fakes first: exit 0" "$RC"
never_shown sg "$FAKE_PK" && never_shown sg "$FAKE_SIG"
check "sign: the fake key and signature are never reported" $?
# (a holder the cluster did not choose answers MPC_ERR_NOT_SELECTED, without a signature)
doc sg 'd["verified"] and all(r["verified"] for r in d["results"] if r["ok"])'
check "sign: every accepted copy verified" $?
openssl_verify "$pk" "$tmp/msg" "$(jget "$tmp/sg.json" signature)"
check "sign: openssl verifies the reported signature under the keygen key" $?
[ "$failed" -eq 0 ] || cluster_tails
summary
