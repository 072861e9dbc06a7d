#!/usr/bin/env bash
# tests/integration/test_openssl_eddsa.sh — FROST(Ed25519) signatures made by
# the real DKG / reshare / signing protocols verify with OpenSSL, an
# implementation independent of libsodium and of tss/; tampered signatures
# and other messages must not. Needs $MPC_BIN (frost-sample) and openssl.
# Prints "N passed, M failed".
set -u
bin=${MPC_BIN:-build/asan/bin}/frost-sample
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then echo "ok   $1"; passed=$((passed + 1));
    else echo "FAIL $1"; failed=$((failed + 1)); fi
}

unhex() { # unhex HEX -> raw bytes on stdout (python3 is a listed dependency; xxd is not)
    python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"
}

# Ed25519 SubjectPublicKeyInfo = fixed DER prefix (RFC 8410) || 32-byte key.
make_pem() { # make_pem HEXKEY OUT
    { echo "-----BEGIN PUBLIC KEY-----"
      unhex "302a300506032b6570032100$1" | base64
      echo "-----END PUBLIC KEY-----"; } >"$2"
}

verify() { # verify PEM MSG SIGHEX -> exit status of openssl
    unhex "$3" >"$tmp/sig.bin"
    openssl pkeyutl -verify -pubin -inkey "$1" -rawin -in "$2" -sigfile "$tmp/sig.bin" \
        >/dev/null 2>&1
}

printf 'transfer 42 units to account 7' >"$tmp/msg"
printf 'transfer 43 units to account 7' >"$tmp/other"
for args in "2 3" "3 5" "2 2" "2 3 3 4" "3 5 2 2"; do
    out=$("$bin" "$tmp/msg" $args 2>&1); rc=$?
    check "frost-sample $args runs" $rc
    [ $rc -eq 0 ] || continue
    pk=$(echo "$out" | awk '/^pk /{print $2}')
    sig=$(echo "$out" | awk '/^sig /{print $2}')
    make_pem "$pk" "$tmp/pub.pem"
    verify "$tmp/pub.pem" "$tmp/msg" "$sig"; check "openssl verifies ($args)" $?
    bad=${sig:0:70}$(printf '%x' $(( (0x${sig:70:1} + 1) % 16 )))${sig:71}
    verify "$tmp/pub.pem" "$tmp/msg" "$bad"; rc=$?
    check "openssl rejects a changed signature ($args)" $((rc == 0))
    verify "$tmp/pub.pem" "$tmp/other" "$sig"; rc=$?
    check "openssl rejects another message ($args)" $((rc == 0))
done
expected=20 # 5 runs x 4 checks
if [ $((passed + failed)) -ne $expected ]; then
    echo "FAIL ran $((passed + failed)) checks, $expected expected"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
