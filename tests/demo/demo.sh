#!/usr/bin/env bash
# tests/demo/demo.sh — the main job in one command (`make demo`): a real
# 3-node mpc-node cluster on this machine.
#
#   1. nats-server (configs/cluster/nats-server.conf: JetStream, one user per
#      node + one client user, least-privilege subjects) on a free loopback port
#   2. node identities, the peers file and a client initiator key (mpc-cli)
#   3. node configs from configs/cluster/node-N.yaml; 3 nodes started, /readyz
#   4. ed25519 keygen 2-of-3, sign, verify (libsodium in mpc-cli + openssl)
#   5. reshare to 3-of-3, sign again under the same public key, verify again
#   6. secp256k1 (DKLs23 ECDSA): keygen 2-of-3, sign the SHA-256 digest of the
#      message, verify (libsecp256k1 in mpc-cli: verify, low S, recovery; and
#      openssl on the DER form with a PEM key built from the 33-byte
#      compressed key), reshare to 3-of-3, sign and verify again
#   6b. HD (docs/specs/hd-derivation.md), both key types: the xpub asked of the
#      nodes (`mpc-cli xpub --wallet`, no request id), the child key at
#      m/0/5 derived offline (`mpc-cli derive`: from the xpub for secp256k1,
#      from key + chain code for ed25519), a signature under it
#      (`sign --path`), verified by mpc-cli under the child and by openssl
#   7. secp256k1-tr (Taproot, FROST(secp256k1, SHA-256) with BIP340): keygen
#      2-of-3, sign the digest under the key-path-only output key (BIP86),
#      verify (libsecp256k1 schnorrsig in mpc-cli, and tests/integration/lib/
#      bip340.py from the BIPs), print the P2TR script; reshare to 3-of-3,
#      sign again under the same output key
#   8. SIGTERM every node (clean drain: exit 0), stop nats-server
# Everything lives in a temp dir, processes are stopped by pid (trap on exit),
# every wait is bounded. Exit 0 only if every step held.
# Environment: MPC_BIN (programs, default build/release/bin), KEEP=1 keeps the
# temp dir, DEMO_MESSAGE overrides the message.
# MPC_HA=1 (`make demo-ha`): the same steps on the HA deployment of
# configs/cluster-ha instead — three clustered nats-servers (JetStream R3, TLS
# for clients and routes, certificates made for the run) and the three nodes,
# each process in its own network namespace (tests/ha/lib; loopback where
# namespaces are unavailable, which the demo says).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/integration/lib/common.sh"
MPC_BIN=${MPC_BIN:-$ROOT/build/release/bin}
source "$ROOT/tests/integration/lib/cluster.sh"
[ "${MPC_HA:-0}" = 1 ] && source "$ROOT/tests/ha/lib/ha_cluster.sh"

for tool in nats-server openssl python3 curl; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is missing (run: make deps)" >&2; exit 1; }
done
for prog in mpc-node mpc-cli; do
    [ -x "$MPC_BIN/$prog" ] || { echo "demo: $MPC_BIN/$prog is missing (run: make)" >&2; exit 1; }
done

tmp=$(mktemp -d -t mpc-demo.XXXXXX)
ok=0
finish() {
    cluster_stop_all
    if [ "$ok" -ne 1 ]; then
        cluster_tails
        echo "demo: FAILED (files kept in $tmp)" >&2
    elif [ "${KEEP:-0}" = 1 ]; then
        echo "files kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

die() { echo "demo: $*" >&2; exit 1; }
declare -a REPORT
row() { REPORT+=("$(printf '  %-34s %-8s %8s  %s' "$1" "$2" "$3" "${4:-}")"); }
ms() { printf '%d ms' "$1"; }

if [ "${MPC_HA:-0}" = 1 ]; then
    echo "== mpc-node demo (HA): 3 nodes + 3 clustered nats-servers, TLS (work dir $tmp)"
else
    echo "== mpc-node demo: 3 nodes + nats-server on 127.0.0.1 (work dir $tmp)"
fi
t0=$(now_ms)
cluster_init "$tmp" 3 || die "cluster setup failed"
t1=$(now_ms)
if [ "${MPC_HA:-0}" = 1 ]; then
    row "certs, keys, configs, 3 nats (R3)" ok "$(ms $((t1 - t0)))" "$HA_NET_MODE: $CL_NATS_URL, meta leader $(ha_meta_leader)"
else
    row "keys, peers, configs, nats-server" ok "$(ms $((t1 - t0)))" "nats-server on 127.0.0.1:$NATS_PORT"
fi
for i in 1 2 3; do cluster_start_node "$i"; done
for i in 1 2 3; do cluster_wait_ready "$i" 60 || die "node-$i did not become ready"; done
t2=$(now_ms)
row "start 3 nodes until /readyz" ok "$(ms $((t2 - t1)))" "http ports ${HTTP_PORT[1]} ${HTTP_PORT[2]} ${HTTP_PORT[3]}"

msg="$tmp/message.txt"
printf '%s' "${DEMO_MESSAGE:-pay 1.5 units to account 42 (mpc-node demo)}" >"$msg"
wallet="demo-wallet"

# request NAME OUTFILE ARGS... — runs mpc-cli --json, reports failures with logs.
request() {
    local name=$1 out=$2; shift 2
    local t=$(now_ms)
    cli "$@" --json --timeout 60 --peers "$tmp/peers.yaml" >"$out" 2>"$out.err"
    local rc=$?
    LAST_MS=$(( $(now_ms) - t ))
    if [ $rc -ne 0 ]; then
        echo "demo: $name failed (mpc-cli exit $rc)" >&2
        cat "$out.err" "$out" >&2
        return 1
    fi
}

# sign_and_verify LABEL OUT — signs $msg, checks libsodium (mpc-cli) and openssl.
sign_and_verify() {
    request "$1" "$2" sign --wallet "$wallet" --message-file "$msg" --public-key "$pk" || return 1
    local sig verified
    sig=$(jget "$2" signature); verified=$(jget "$2" verified)
    [ "$verified" = true ] || { echo "demo: libsodium rejected the signature" >&2; return 1; }
    openssl_verify "$pk" "$msg" "$sig" || { echo "demo: openssl rejected the signature" >&2; return 1; }
    # A changed message must not verify (the check is real).
    printf 'X' >>"$msg.bad"; cat "$msg" >>"$msg.bad"
    if openssl_verify "$pk" "$msg.bad" "$sig"; then
        echo "demo: openssl accepted a signature over another message" >&2; return 1
    fi
    rm -f "$msg.bad"
    SIG=$sig
}

request "keygen" "$tmp/keygen.json" keygen --wallet "$wallet" --key-type ed25519 --threshold 2 ||
    die "keygen failed"
pk=$(jget "$tmp/keygen.json" public_key)
[ ${#pk} -eq 64 ] || die "keygen returned no public key"
row "keygen ed25519 2-of-3" ok "$(ms "$LAST_MS")" "public key ${pk:0:16}..."

sign_and_verify "sign" "$tmp/sign1.json" || die "first signature failed"
row "sign (2-of-3) + verify" ok "$(ms "$LAST_MS")" "sig ${SIG:0:16}... libsodium ok, openssl ok"
sig1=$SIG

request "reshare" "$tmp/reshare.json" reshare --wallet "$wallet" --key-type ed25519 \
    --new-participants node-1,node-2,node-3 --new-threshold 3 || die "reshare failed"
pk2=$(jget "$tmp/reshare.json" public_key)
[ -z "$pk2" ] || [ "$pk2" = "$pk" ] || die "reshare changed the public key ($pk2 != $pk)"
row "reshare -> 3-of-3" ok "$(ms "$LAST_MS")" "version $(jget "$tmp/reshare.json" key_version), same public key"

sign_and_verify "sign after reshare" "$tmp/sign2.json" || die "signature after reshare failed"
kv=$(jget "$tmp/sign2.json" key_version)
row "sign (3-of-3) + verify, same key" ok "$(ms "$LAST_MS")" "key version $kv, libsodium ok, openssl ok"
[ "$SIG" != "$sig1" ] || die "two signatures are identical (nonces reused?)"

# ---- HD: derive the child at m/0/5 offline from the key's chain code, sign under it.
cc=$(jget "$tmp/reshare.json" chain_code)
child=$(cli derive --key-type ed25519 --public-key "$pk" --chain-code "$cc" --path m/0/5 |
    awk '$1 == "public" {print $3}')
[ ${#child} -eq 64 ] || die "mpc-cli derive gave no ed25519 child key"
request "sign ed25519 m/0/5" "$tmp/hsign.json" sign --wallet "$wallet" --message-file "$msg"     --path m/0/5 || die "signature under the child key failed"
[ "$(jget "$tmp/hsign.json" child_public_key)" = "$child" ] || die "the nodes signed under another child"
[ "$(jget "$tmp/hsign.json" verified)" = true ] || die "libsodium rejected the child signature"
openssl_verify "$child" "$msg" "$(jget "$tmp/hsign.json" signature)" ||
    die "openssl rejected the child signature"
row "derive m/0/5 + sign ed25519 + verify" ok "$(ms "$LAST_MS")" "child ${child:0:16}..., libsodium ok, openssl ok"

# ---- secp256k1 (DKLs23 ECDSA): the message's SHA-256 digest is what is signed.
ewallet="demo-wallet-ecdsa"
digest=$(sha256_hex "$msg")

# ecdsa_sign_and_verify LABEL OUT — signs digest, checks libsecp256k1 (mpc-cli) and openssl.
ecdsa_sign_and_verify() {
    request "$1" "$2" sign --wallet "$ewallet" --key-type secp256k1 --message-hex "$digest" \
        --public-key "$epk" || return 1
    local r s verified
    r=$(jget "$2" ecdsa_r); s=$(jget "$2" ecdsa_s); verified=$(jget "$2" verified)
    [ "$verified" = true ] || { echo "demo: libsecp256k1 rejected the signature" >&2; return 1; }
    openssl_verify_ecdsa "$epk" "$msg" "$r" "$s" ||
        { echo "demo: openssl rejected the ECDSA signature" >&2; return 1; }
    printf 'X' >"$msg.bad"; cat "$msg" >>"$msg.bad"
    if openssl_verify_ecdsa "$epk" "$msg.bad" "$r" "$s"; then
        echo "demo: openssl accepted an ECDSA signature over another message" >&2; return 1
    fi
    rm -f "$msg.bad"
    SIG=$(jget "$2" ecdsa_compact)
}

request "keygen secp256k1" "$tmp/ekeygen.json" keygen --wallet "$ewallet" --key-type secp256k1 \
    --threshold 2 || die "secp256k1 keygen failed"
epk=$(jget "$tmp/ekeygen.json" public_key)
[ ${#epk} -eq 66 ] || die "secp256k1 keygen returned no compressed public key"
row "keygen secp256k1 2-of-3" ok "$(ms "$LAST_MS")" "public key ${epk:0:18}..."

ecdsa_sign_and_verify "sign secp256k1" "$tmp/esign1.json" || die "first ECDSA signature failed"
row "sign secp256k1 (2-of-3) + verify" ok "$(ms "$LAST_MS")" "sig ${SIG:0:16}... libsecp256k1 ok, openssl ok"
esig1=$SIG

request "reshare secp256k1" "$tmp/ereshare.json" reshare --wallet "$ewallet" --key-type secp256k1 \
    --new-participants node-1,node-2,node-3 --new-threshold 3 || die "secp256k1 reshare failed"
epk2=$(jget "$tmp/ereshare.json" public_key)
[ -z "$epk2" ] || [ "$epk2" = "$epk" ] || die "secp256k1 reshare changed the public key"
row "reshare secp256k1 -> 3-of-3" ok "$(ms "$LAST_MS")" "version $(jget "$tmp/ereshare.json" key_version), same public key"

ecdsa_sign_and_verify "sign secp256k1 after reshare" "$tmp/esign2.json" ||
    die "ECDSA signature after reshare failed"
row "sign secp256k1 (3-of-3) + verify" ok "$(ms "$LAST_MS")" "key version $(jget "$tmp/esign2.json" key_version), libsecp256k1 ok, openssl ok"
[ "$SIG" != "$esig1" ] || die "two ECDSA signatures are identical (nonces reused?)"

xpub=$(cli xpub --wallet "$ewallet" --request-id "$(jget "$tmp/ereshare.json" request_id)"     --peers "$tmp/peers.yaml" | awk '$1 == "xpub:" {print $2}')
[ "${xpub:0:4}" = xpub ] || die "mpc-cli xpub printed no xpub"
# The wallet form: no request id, the nodes themselves asked (signed key-info replies that must agree).
wxpub=$(cli xpub --wallet "$ewallet" --key-type secp256k1 --peers "$tmp/peers.yaml" |
    awk '$1 == "xpub:" {print $2}')
[ "$wxpub" = "$xpub" ] || die "mpc-cli xpub --wallet (asking the nodes) printed another xpub"
echild=$(cli derive --xpub "$xpub" --path m/0/5 | awk '$1 == "public" {print $3}')
request "sign secp256k1 m/0/5" "$tmp/hesign.json" sign --wallet "$ewallet" --key-type secp256k1 \
    --message-hex "$digest" --path m/0/5 || die "ECDSA signature under the child key failed"
[ "$(jget "$tmp/hesign.json" child_public_key)" = "$echild" ] || die "the nodes signed under another child"
[ "$(jget "$tmp/hesign.json" verified)" = true ] || die "libsecp256k1 rejected the child signature"
openssl_verify_ecdsa "$echild" "$msg" "$(jget "$tmp/hesign.json" ecdsa_r)" \
    "$(jget "$tmp/hesign.json" ecdsa_s)" || die "openssl rejected the child ECDSA signature"
row "xpub (nodes agree), derive m/0/5 + sign secp256k1" ok "$(ms "$LAST_MS")" "child ${echild:0:18}..., libsecp256k1 ok, openssl ok"

# ---- secp256k1-tr (Taproot): the same digest, signed under the BIP86 output key.
twallet="demo-wallet-taproot"

# tr_sign_and_verify LABEL OUT — signs digest, checks libsecp256k1 (mpc-cli) and bip340.py.
tr_sign_and_verify() {
    request "$1" "$2" sign --wallet "$twallet" --key-type secp256k1-tr --message-hex "$digest" \
        --public-key "$tpk" || return 1
    local verified q
    verified=$(jget "$2" verified); SIG=$(jget "$2" signature); q=$(jget "$2" taproot_output_key)
    [ "$verified" = true ] || { echo "demo: libsecp256k1 rejected the BIP340 signature" >&2; return 1; }
    python3 "$ROOT/tests/integration/lib/bip340.py" verify "$tpk" "$digest" "$SIG" "$q" ||
        { echo "demo: bip340.py rejected the signature or the output key" >&2; return 1; }
    local other="$(printf '%x' $(( (0x${digest:0:1} + 1) % 16 )))${digest:1}"
    if python3 "$ROOT/tests/integration/lib/bip340.py" verify "$tpk" "$other" "$SIG" "$q"; then
        echo "demo: bip340.py accepted a signature over another digest" >&2; return 1
    fi
    TQ=$q
}

request "keygen secp256k1-tr" "$tmp/tkeygen.json" keygen --wallet "$twallet" \
    --key-type secp256k1-tr --threshold 2 || die "secp256k1-tr keygen failed"
tpk=$(jget "$tmp/tkeygen.json" public_key)
[ ${#tpk} -eq 66 ] || die "secp256k1-tr keygen returned no compressed group key"
row "keygen secp256k1-tr 2-of-3" ok "$(ms "$LAST_MS")" "group key ${tpk:0:18}..."

tr_sign_and_verify "sign secp256k1-tr" "$tmp/tsign1.json" || die "first BIP340 signature failed"
row "sign taproot (2-of-3) + verify" ok "$(ms "$LAST_MS")" "sig ${SIG:0:16}... libsecp256k1 ok, bip340.py ok"
tsig1=$SIG; tq1=$TQ

request "reshare secp256k1-tr" "$tmp/treshare.json" reshare --wallet "$twallet" \
    --key-type secp256k1-tr --new-participants node-1,node-2,node-3 --new-threshold 3 ||
    die "secp256k1-tr reshare failed"
tpk2=$(jget "$tmp/treshare.json" public_key)
[ -z "$tpk2" ] || [ "$tpk2" = "$tpk" ] || die "secp256k1-tr reshare changed the group key"
row "reshare secp256k1-tr -> 3-of-3" ok "$(ms "$LAST_MS")" "version $(jget "$tmp/treshare.json" key_version), same group key"

tr_sign_and_verify "sign secp256k1-tr after reshare" "$tmp/tsign2.json" ||
    die "BIP340 signature after reshare failed"
row "sign taproot (3-of-3) + verify" ok "$(ms "$LAST_MS")" "key version $(jget "$tmp/tsign2.json" key_version), same output key"
[ "$TQ" = "$tq1" ] || die "the output key changed across the reshare"
[ "$SIG" != "$tsig1" ] || die "two BIP340 signatures are identical (nonces reused?)"

t3=$(now_ms)
for i in 1 2 3; do
    cluster_stop_node "$i"; rc=$?
    [ $rc -eq 0 ] || die "node-$i exited with status $rc on SIGTERM (expected 0 after a clean drain)"
done
stop_pid "$NATS_PID" 5; NATS_PID=
[ "${MPC_HA:-0}" = 1 ] && for n in 1 2 3; do ha_nats_stop "$n"; done
row "SIGTERM 3 nodes (drain), stop nats" ok "$(ms $(( $(now_ms) - t3 )))" "every node exited 0"

echo
echo "  step                               result       time  detail"
printf '%s\n' "${REPORT[@]}"
echo
echo "  ed25519 key:      $pk"
echo "  secp256k1 key:    $epk"
echo "  secp256k1 xpub:   $xpub"
echo "  children m/0/5:   $child (ed25519), $echild (secp256k1)"
echo "  ecdsa digest:     $digest (SHA-256 of the message)"
echo "  taproot key:      $tpk (internal ${tpk:2})"
echo "  taproot output:   $tq1 (P2TR script 5120$tq1)"
echo "  message:          $(cat "$msg")"
echo "  total:            $(ms $(( $(now_ms) - t0 )))"
echo "== demo OK"
ok=1
