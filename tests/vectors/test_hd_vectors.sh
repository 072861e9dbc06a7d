#!/usr/bin/env bash
# tests/vectors/test_hd_vectors.sh — public child derivation (tss/hd.c, via
# hd-vectors) against the independent Python reference tests/vectors/hd_ref.py
# on both curves: random roots, paths of depth 1, 2 and 5, the largest
# non-hardened index; outputs (child key, chain code, summed tweak) must be
# identical. Then: the worked example of docs/specs/hd-derivation.md §4 from
# both implementations, the reference on BIP32 test vector 2's first public
# step, and hardened paths refused by both.
# Needs $MPC_BIN (directory of hd-vectors); prints "N passed, M failed".
set -u
bin=${MPC_BIN:-build/asan/bin}/hd-vectors
here=$(cd "$(dirname "$0")" && pwd)
ref=$here/hd_ref.py
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# same NAME ARGS... — both implementations print the same line.
same() {
    local name=$1; shift
    local c p
    c=$("$bin" derive "$@" 2>&1); p=$(python3 "$ref" derive "$@" 2>&1)
    if [ -n "$c" ] && [ "$c" = "$p" ]; then ok "$name"; else
        bad "$name"; echo "  C:      $c"; echo "  Python: $p"; fi
}

# Random roots: a random scalar times the base point (Python reference), a
# random chain code. Seeded so a failure can be rerun (MPC_HD_SEED).
seed=${MPC_HD_SEED:-$RANDOM}
echo "seed $seed (MPC_HD_SEED)"
roots=$(python3 - "$ref" "$seed" <<'PY'
import random, sys, importlib.util
spec = importlib.util.spec_from_file_location("hd_ref", sys.argv[1])
r = importlib.util.module_from_spec(spec); spec.loader.exec_module(r)
rng = random.Random(int(sys.argv[2]))
for _ in range(3):
    k = rng.randrange(1, r.L25519)
    print("ed25519", r.ed_encode(r.ed_mul(k, r.ED_B)).hex(), rng.randbytes(32).hex())
    k = rng.randrange(1, r.NS)
    print("secp256k1", r.sp_encode(r.sp_mul(k, r.GS)).hex(), rng.randbytes(32).hex())
PY
)
n=0
while read -r curve pub chain; do
    n=$((n + 1))
    for path in m/0 m/0/5 m/1/2/3/4/5 m/2147483647/7; do
        same "$curve root $n $path" "$curve" "$pub" "$chain" "$path"
    done
done <<<"$roots"

# The worked example of the spec (§4): both implementations, and the values printed there.
ex_pub=d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
ex_chain=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
same "spec worked example m/0/5" ed25519 "$ex_pub" "$ex_chain" m/0/5
want=$(sed -n 's/^    hd-example: //p' "$here/../../docs/specs/hd-derivation.md")
got=$("$bin" derive ed25519 "$ex_pub" "$ex_chain" m/0/5)
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "spec worked example printed in the spec"; else
    bad "spec worked example printed in the spec"; echo "  spec: $want"; echo "  C:    $got"; fi

# The reference itself on BIP32 test vector 2, m -> m/0 (key and chain from the published xpubs).
v2m_key=03cbcaa9c98c877a26977d00825c956a238e8dddfbd322cce4f74b0b5bd6ace4a7
v2m_chain=60499f801b896d83179a4374aeb7822aaeaceaa0db1f85ee3e904c4defbd9689
v2m0_key=02fc9e5af0ac8d9b3cecfe2a888e2117ba3d089d8585886c9c826b6b22a98d12ea
v2m0_chain=f0909affaa7ee7abe5dd4e100598d4dc53cd709d5a5c2cac40e7412f232f7c9c
out=$(python3 "$ref" derive secp256k1 "$v2m_key" "$v2m_chain" m/0)
case "$out" in
"$v2m0_key $v2m0_chain "*) ok "reference: BIP32 vector 2 m/0" ;;
*) bad "reference: BIP32 vector 2 m/0"; echo "  $out" ;;
esac

# Hardened and malformed paths: both refuse (exit 3), nothing derived.
for path in "m/0'" m/0h m/2147483648 "m/1/0/5H"; do
    "$bin" derive ed25519 "$ex_pub" "$ex_chain" "$path" >/dev/null; c=$?
    python3 "$ref" derive ed25519 "$ex_pub" "$ex_chain" "$path" >/dev/null; p=$?
    if [ $c -eq 3 ] && [ $p -eq 3 ]; then ok "hardened refused: $path"; else
        bad "hardened refused: $path (C $c, Python $p)"; fi
done

expected=$((3 * 2 * 4 + 2 + 1 + 4))
if [ $((passed + failed)) -ne $expected ]; then
    bad "ran $((passed + failed)) cases, $expected expected"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
