#!/usr/bin/env bash
# tests/integration/test_openssl_ecdsa.sh — DKLs23 ECDSA signatures on
# secp256k1 made by the real keygen / reshare / signing protocols verify with
# OpenSSL (independent of libsecp256k1 and of tss/) from the DER form, both
# over the message (`openssl dgst -sha256 -verify`) and over the digest
# (`openssl pkeyutl -verify`); tampered signatures and other messages must
# not verify. Needs $MPC_BIN (dkls-sample), openssl and python3.
# Prints "N passed, M failed".
set -u
bin=${MPC_BIN:-build/asan/bin}/dkls-sample
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then echo "ok   $1"; passed=$((passed + 1));
    else echo "FAIL $1"; failed=$((failed + 1)); fi
}

unhex() { # unhex HEX OUT
    python3 -c 'import sys; open(sys.argv[2], "wb").write(bytes.fromhex(sys.argv[1]))' "$1" "$2"
}

# secp256k1 SubjectPublicKeyInfo (RFC 5480, id-ecPublicKey + secp256k1 OID) || compressed point.
make_pem() { # make_pem HEXKEY OUT
    unhex "3036301006072a8648ce3d020106052b8104000a032200$1" "$tmp/pub.der"
    openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$2" >/dev/null 2>&1
}

# DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, minimal encodings.
make_der() { # make_der RHEX SHEX OUT
    python3 - "$1" "$2" "$3" <<'PY'
import sys
def integer(h):
    b = bytes.fromhex(h).lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
body = integer(sys.argv[1]) + integer(sys.argv[2])
open(sys.argv[3], "wb").write(b"\x30" + bytes([len(body)]) + body)
PY
}

is_low_s() { # is_low_s SHEX -> 0 if s <= (q - 1) / 2
    python3 -c 'import sys; q = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
sys.exit(0 if 0 < int(sys.argv[1], 16) <= (q - 1) // 2 else 1)' "$1"
}

# verify_sig LABEL PREFIX — the 8 checks of one signature printed in $out with PREFIX.
verify_sig() {
    local label=$1 pre=$2 pk r s digest bad badr rc
    field() { echo "$out" | awk -v k="$pre$1" '$1 == k {print $2}'; }
    pk=$(field pk); r=$(field r); s=$(field s); digest=$(field digest)
    [ ${#pk} -eq 66 ] && [ ${#r} -eq 64 ] && [ ${#s} -eq 64 ] && [ ${#digest} -eq 64 ]
    check "dkls-sample prints the signature ($label)" $?
    make_pem "$pk" "$tmp/pub.pem"; check "public key converts to PEM ($label)" $?
    is_low_s "$s"; check "s is low ($label)" $?
    make_der "$r" "$s" "$tmp/sig.der"
    openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/msg" \
        >/dev/null 2>&1
    check "openssl dgst verifies the message ($label)" $?
    unhex "$digest" "$tmp/digest.bin"
    openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/digest.bin" \
        -sigfile "$tmp/sig.der" >/dev/null 2>&1
    check "openssl pkeyutl verifies the digest ($label)" $?
    openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/other" \
        >/dev/null 2>&1; rc=$?
    check "openssl rejects another message ($label)" $((rc == 0))
    bad=${s:0:62}$(printf '%02x' $(( (0x${s:62:2} + 1) % 256 )))
    make_der "$r" "$bad" "$tmp/bad.der"
    openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/bad.der" "$tmp/msg" \
        >/dev/null 2>&1; rc=$?
    check "openssl rejects a changed s ($label)" $((rc == 0))
    badr=$(printf '%02x' $(( (0x${r:0:2} ^ 1) )))${r:2}
    make_der "$badr" "$s" "$tmp/bad.der"
    openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/digest.bin" \
        -sigfile "$tmp/bad.der" >/dev/null 2>&1; rc=$?
    check "openssl rejects a changed r ($label)" $((rc == 0))
}

# Five keys: 2-of-2; 2-of-3 and its reshare to 3-of-5; 3-of-5 and its reshare
# to 2-of-2. A run with a reshare signs with the key before it too ("before-"
# lines): each keygen serves two signatures.
printf 'transfer 42 BTC to account 7' >"$tmp/msg"
printf 'transfer 43 BTC to account 7' >"$tmp/other"
for args in "2 2" "2 3 3 5" "3 5 2 2"; do
    out=$("$bin" "$tmp/msg" $args 2>&1); rc=$?
    check "dkls-sample $args runs" $rc
    [ $rc -eq 0 ] || continue
    set -- $args
    [ $# -eq 4 ] && verify_sig "$1 $2" before-
    verify_sig "$args" ""
done
expected=43 # 3 runs + 5 signatures x 8 checks
if [ $((passed + failed)) -ne $expected ]; then
    echo "FAIL ran $((passed + failed)) checks, $expected expected"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
