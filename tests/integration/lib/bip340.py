#!/usr/bin/env python3
"""tests/integration/lib/bip340.py — an independent check of Taproot results,
written from BIP340 (Schnorr verification) and BIP341/BIP86 (taproot_tweak_pubkey)
in plain Python integers, without any library of the project or libsecp256k1.

  bip340.py verify   PK33 MSG32 SIG64 OUTKEY32 [ROOT32|untweaked]
      exit 0 iff OUTKEY is the BIP341 output key of the group key PK33 (x-only,
      tweaked with ROOT, none = key-path only, or untweaked) and SIG verifies under it.
  bip340.py script   OUTKEY32   prints the P2TR scriptPubKey (hex)
  bip340.py outkey   PK33 [ROOT32|untweaked]   prints the x-only output key (hex)
  bip340.py child    PK33 CHAIN32 PATH   prints the BIP32 CKDpub child key (33 bytes,
      hex) of the extended key (PK33, CHAIN32) at PATH (m/i/j..., non-hardened)
All arguments but PATH are hex.
"""
import hashlib
import hmac
import sys

P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % P == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], P - 2, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], P - 2, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return (x, (lam * (a[0] - x) - a[1]) % P)


def mul(k, pt):
    r = None
    while k:
        if k & 1:
            r = add(r, pt)
        pt = add(pt, pt)
        k >>= 1
    return r


def lift_x(x):
    if x >= P:
        return None
    y2 = (pow(x, 3, P) + 7) % P
    y = pow(y2, (P + 1) // 4, P)
    if y * y % P != y2:
        return None
    return (x, y if y % 2 == 0 else P - y)


def tagged(tag, msg):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def decompress(pk33):
    pt = lift_x(int.from_bytes(pk33[1:], "big"))
    if pt is None or pk33[0] not in (2, 3):
        return None
    return pt if (pt[1] % 2) == (pk33[0] - 2) else (pt[0], P - pt[1])


def output_key(pk33, mode):
    pt = decompress(pk33)
    px = pk33[1:]
    if mode == "untweaked":
        return px
    t = int.from_bytes(tagged("TapTweak", px + (bytes.fromhex(mode) if mode else b"")), "big")
    if t >= N:
        return None
    q = add(lift_x(int.from_bytes(px, "big")), mul(t, G))
    return None if q is None else q[0].to_bytes(32, "big")


def schnorr_verify(msg, x, sig):
    pt = lift_x(int.from_bytes(x, "big"))
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if pt is None or r >= P or s >= N:
        return False
    e = int.from_bytes(tagged("BIP0340/challenge", sig[:32] + x + msg), "big") % N
    R = add(mul(s, G), mul(N - e, pt))
    return R is not None and R[1] % 2 == 0 and R[0] == r


def compress(pt):
    return bytes([2 + (pt[1] & 1)]) + pt[0].to_bytes(32, "big")


def ckd_pub(pk33, chain, path):
    """BIP32 CKDpub along path: I = HMAC-SHA512(c, serP(K) || ser32(i)), K' = K + I_L*G."""
    for part in path.split("/")[1:]:
        i = int(part)
        if i >= 2**31:
            return None
        d = hmac.new(chain, pk33 + i.to_bytes(4, "big"), hashlib.sha512).digest()
        t = int.from_bytes(d[:32], "big")
        k = add(decompress(pk33), mul(t, G)) if t < N else None
        if k is None:
            return None
        pk33, chain = compress(k), d[32:]
    return pk33


def main(argv):
    if len(argv) >= 2 and argv[0] == "script":
        print("5120" + argv[1])
        return 0
    if len(argv) in (2, 3) and argv[0] == "outkey":
        q = output_key(bytes.fromhex(argv[1]), argv[2] if len(argv) > 2 else "")
        if q is None:
            return 1
        print(q.hex())
        return 0
    if len(argv) == 4 and argv[0] == "child" and argv[3].startswith("m"):
        child = ckd_pub(bytes.fromhex(argv[1]), bytes.fromhex(argv[2]), argv[3])
        if child is None:
            return 1
        print(child.hex())
        return 0
    if len(argv) < 5 or argv[0] != "verify":
        print(__doc__, file=sys.stderr)
        return 2
    pk, msg, sig, out = (bytes.fromhex(a) for a in argv[1:5])
    mode = argv[5] if len(argv) > 5 else ""
    want = output_key(pk, mode)
    if want is None or want != out:
        print("output key mismatch", file=sys.stderr)
        return 1
    return 0 if schnorr_verify(msg, out, sig) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
