#!/usr/bin/env bash
# tests/vectors/test_vectors.sh — runs mpc-vectors on the RFC 9591 and ZF DKG
# vector files in tests/vectors/data/ (must pass), then on copies with one output changed
# (each must fail), proving the checker is sensitive to every output kind.
# Needs $MPC_BIN (directory of mpc-vectors); prints "N passed, M failed".
set -u
bin=${MPC_BIN:-build/asan/bin}/mpc-vectors
# The vector files live in the repository, next to this script; nothing outside it is read.
vecdir=$(cd "$(dirname "$0")" && pwd)/data
sign=$vecdir/frost-ed25519-sha512.json
secp=$vecdir/frost-secp256k1-sha256.json
dkg=$vecdir/frost-ed25519-dkg-zf.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0

expect() { # expect pass|fail NAME CMD...
    local want=$1 name=$2; shift 2
    "$@" >"$tmp/out" 2>&1; local rc=$?
    if { [ "$want" = pass ] && [ $rc -eq 0 ]; } || { [ "$want" = fail ] && [ $rc -eq 1 ]; }; then
        echo "ok   $name"; passed=$((passed + 1))
    else
        echo "FAIL $name (exit $rc)"; tail -n 5 "$tmp/out"; failed=$((failed + 1))
    fi
}

# made NAME CMD... — runs a step that makes an input file (generator, mutation);
# if it fails, the case it feeds is recorded as failed instead of vanishing.
made() {
    local name=$1; shift
    "$@" >"$tmp/made.out" 2>&1 && return 0
    echo "FAIL $name (could not make its input)"; tail -n 5 "$tmp/made.out"
    failed=$((failed + 1))
    return 1
}

# mutate SRC DST PYTHON-EXPR: applies flip() to one field of the parsed JSON d.
mutate() {
    python3 - "$1" "$2" "$3" <<'PY'
import json, sys
src, dst, expr = sys.argv[1:4]
d = json.load(open(src))
def flip(h):  # change the last hex digit: a different, equally long value
    return h[:-1] + ('0' if h[-1] != '0' else '1')
exec(expr)
json.dump(d, open(dst, 'w'), indent=1)
PY
}

expect pass "frost-sign RFC 9591 vectors" "$bin" frost-sign "$sign"
expect pass "frost-sign RFC 9591 FROST(secp256k1, SHA-256) vectors" "$bin" frost-sign "$secp"
expect pass "frost-dkg ZF DKG vectors" "$bin" frost-dkg "$dkg"
expect fail "frost-sign missing file" "$bin" frost-sign "$tmp/none.json"

# Generality: files written by an independent Python implementation with
# other identifiers (above 255), thresholds, signer sets and messages.
gen=$(dirname "$0")/gen_frost_vectors.py
while read -r seed tmin tmax ids signers; do
    f=$tmp/gen-sign-$seed.json
    name="frost-sign generated t=$tmin ids=$ids signers=$signers"
    made "$name" python3 "$gen" sign "$seed" "$tmin" "$tmax" "$ids" "$signers" "$f" &&
        expect pass "$name" "$bin" frost-sign "$f"
done <<'EOF_GEN'
11 3 5 256,300,1000,70000,4000000000 4000000000,300,1000
12 2 2 1,2 2,1
13 4 6 5,6,7,300,301,302 302,5,6,300,7
14 1 3 9,10,11 10
EOF_GEN
while read -r seed tmin ids; do
    f=$tmp/gen-dkg-$seed.json
    name="frost-dkg generated t=$tmin ids=$ids"
    made "$name" python3 "$gen" dkg "$seed" "$tmin" "$ids" "$f" &&
        expect pass "$name" "$bin" frost-dkg "$f"
done <<'EOF_GEN'
21 2 256,513,1000
22 3 7,300,65536,4000000000
23 2 1,2
EOF_GEN
made "frost-sign generated, mutated sig_share" mutate "$tmp/gen-sign-11.json" "$tmp/gen-bad.json" \
    "o = d['round_two_outputs']['outputs'][2]; o['sig_share'] = flip(o['sig_share'])" &&
    expect fail "frost-sign generated, mutated sig_share" "$bin" frost-sign "$tmp/gen-bad.json"
made "frost-dkg generated, mutated signing share" mutate "$tmp/gen-dkg-22.json" "$tmp/gen-bad.json" \
    "p = d['inputs']['65536']; p['signing_shares']['300'] = flip(p['signing_shares']['300'])" &&
    expect fail "frost-dkg generated, mutated signing share" "$bin" frost-dkg "$tmp/gen-bad.json"

i=0
while IFS='|' read -r name expr; do
    [ -z "$name" ] && continue
    i=$((i + 1)); f=$tmp/sign$i.json
    made "frost-sign mutated: $name" mutate "$sign" "$f" "$expr" &&
        expect fail "frost-sign mutated: $name" "$bin" frost-sign "$f"
done <<'EOF_SIGN'
final sig|d['final_output']['sig'] = flip(d['final_output']['sig'])
sig_share|o = d['round_two_outputs']['outputs'][1]; o['sig_share'] = flip(o['sig_share'])
binding_factor|o = d['round_one_outputs']['outputs'][0]; o['binding_factor'] = flip(o['binding_factor'])
binding_factor_input|o = d['round_one_outputs']['outputs'][1]; o['binding_factor_input'] = flip(o['binding_factor_input'])
hiding_nonce|o = d['round_one_outputs']['outputs'][0]; o['hiding_nonce'] = flip(o['hiding_nonce'])
binding_nonce_commitment|o = d['round_one_outputs']['outputs'][1]; o['binding_nonce_commitment'] = flip(o['binding_nonce_commitment'])
group_public_key|d['inputs']['group_public_key'] = flip(d['inputs']['group_public_key'])
participant_share|o = d['inputs']['participant_shares'][2]; o['participant_share'] = flip(o['participant_share'])
message|d['inputs']['message'] = d['inputs']['message'] + '00'
EOF_SIGN

# FROST(secp256k1, SHA-256): every output kind of its file, changed, must fail too.
while IFS='|' read -r name expr; do
    [ -z "$name" ] && continue
    i=$((i + 1)); f=$tmp/secp$i.json
    made "frost-sign secp256k1 mutated: $name" mutate "$secp" "$f" "$expr" &&
        expect fail "frost-sign secp256k1 mutated: $name" "$bin" frost-sign "$f"
done <<'EOF_SECP'
final sig|d['final_output']['sig'] = flip(d['final_output']['sig'])
sig_share|o = d['round_two_outputs']['outputs'][1]; o['sig_share'] = flip(o['sig_share'])
binding_factor|o = d['round_one_outputs']['outputs'][0]; o['binding_factor'] = flip(o['binding_factor'])
binding_factor_input|o = d['round_one_outputs']['outputs'][1]; o['binding_factor_input'] = flip(o['binding_factor_input'])
hiding_nonce|o = d['round_one_outputs']['outputs'][0]; o['hiding_nonce'] = flip(o['hiding_nonce'])
binding_nonce_commitment|o = d['round_one_outputs']['outputs'][1]; o['binding_nonce_commitment'] = flip(o['binding_nonce_commitment'])
message|d['inputs']['message'] = d['inputs']['message'] + '00'
EOF_SECP

while IFS='|' read -r name expr; do
    [ -z "$name" ] && continue
    i=$((i + 1)); f=$tmp/dkg$i.json
    made "frost-dkg mutated: $name" mutate "$dkg" "$f" "$expr" &&
        expect fail "frost-dkg mutated: $name" "$bin" frost-dkg "$f"
done <<'EOF_DKG'
proof_of_knowledge|p = d['inputs']['2']; p['proof_of_knowledge'] = flip(p['proof_of_knowledge'])
vss_commitment|p = d['inputs']['3']; p['vss_commitments'][1] = flip(p['vss_commitments'][1])
received signing share|p = d['inputs']['1']; p['signing_shares']['3'] = flip(p['signing_shares']['3'])
signing_share|p = d['inputs']['2']; p['signing_share'] = flip(p['signing_share'])
verifying_share|p = d['inputs']['3']; p['verifying_share'] = flip(p['verifying_share'])
verifying_key|d['inputs']['verifying_key'] = flip(d['inputs']['verifying_key'])
coefficient|p = d['inputs']['1']; p['coefficient'] = flip(p['coefficient'])
EOF_DKG

# 4 fixed + 4 + 3 generated + 2 generated-and-mutated + 9 + 7 + 7 mutated cases.
expected=36
if [ $((passed + failed)) -ne $expected ]; then
    echo "FAIL ran $((passed + failed)) cases, $expected expected"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
