#!/usr/bin/env python3
"""hd_ref.py — independent reference of the public child derivation of
docs/specs/hd-derivation.md, for both curves, written from the texts (BIP32
CKDpub for secp256k1; §2 of the spec for Ed25519; RFC 8032 §5.1 for the
Ed25519 point arithmetic; SEC 1 for secp256k1 points). Shares no code with
tss/hd.c: it is what tests/vectors/test_hd_vectors.sh compares the C code to.

usage: hd_ref.py derive ed25519|secp256k1 PUBHEX CHAINHEX PATH
       prints "KEYHEX CHAINHEX TWEAKHEX" (tweak: the sum of the step tweaks,
       in the curve's scalar encoding: little-endian for Ed25519, big-endian
       for secp256k1), or "refused REASON" with exit status 3.
"""
import hashlib
import hmac
import sys

# ---------------------------------------------------------------- Ed25519
P25519 = 2**255 - 19
L25519 = 2**252 + 27742317777372353535851937790883648493
D25519 = (-121665 * pow(121666, -1, P25519)) % P25519
SQRT_M1 = pow(2, (P25519 - 1) // 4, P25519)


def ed_recover_x(y, sign):
    x2 = (y * y - 1) * pow(D25519 * y * y + 1, -1, P25519) % P25519
    if x2 == 0:
        if sign:
            raise ValueError("bad point")
        return 0
    x = pow(x2, (P25519 + 3) // 8, P25519)
    if (x * x - x2) % P25519 != 0:
        x = x * SQRT_M1 % P25519
    if (x * x - x2) % P25519 != 0:
        raise ValueError("not on curve")
    if (x & 1) != sign:
        x = P25519 - x
    return x


def ed_add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = D25519 * x1 * x2 * y1 * y2 % P25519
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, -1, P25519) % P25519
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, -1, P25519) % P25519
    return (x3, y3)


def ed_mul(k, pt):
    acc, cur = (0, 1), pt
    while k:
        if k & 1:
            acc = ed_add(acc, cur)
        cur = ed_add(cur, cur)
        k >>= 1
    return acc


ED_B = (ed_recover_x(4 * pow(5, -1, P25519) % P25519, 0), 4 * pow(5, -1, P25519) % P25519)


def ed_decode(b):
    if len(b) != 32:
        raise ValueError("length")
    v = int.from_bytes(b, "little")
    y, sign = v & ((1 << 255) - 1), v >> 255
    if y >= P25519:
        raise ValueError("non-canonical")
    return (ed_recover_x(y, sign), y)


def ed_encode(pt):
    x, y = pt
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def ed_step(key, chain, i):
    A = ed_decode(key)
    data = b"MPC-HD-Ed25519-v1"
    tail = key + i.to_bytes(4, "big")
    it = hmac.new(chain, data + b"\x00" + tail, hashlib.sha512).digest()
    ic = hmac.new(chain, data + b"\x01" + tail, hashlib.sha512).digest()
    t = int.from_bytes(it, "little") % L25519
    if t == 0:
        raise ValueError("tweak zero")
    child = ed_add(A, ed_mul(t, ED_B))
    if child == (0, 1):
        raise ValueError("identity")
    return ed_encode(child), ic[:32], t


# ---------------------------------------------------------------- secp256k1
PS = 2**256 - 2**32 - 977
NS = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GS = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
      0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def sp_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and (a[1] + b[1]) % PS == 0:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, PS) % PS
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, PS) % PS
    x = (lam * lam - a[0] - b[0]) % PS
    return (x, (lam * (a[0] - x) - a[1]) % PS)


def sp_mul(k, pt):
    acc = None
    while k:
        if k & 1:
            acc = sp_add(acc, pt)
        pt = sp_add(pt, pt)
        k >>= 1
    return acc


def sp_decode(b):
    if len(b) != 33 or b[0] not in (2, 3):
        raise ValueError("encoding")
    x = int.from_bytes(b[1:], "big")
    if x >= PS:
        raise ValueError("x")
    y = pow((x ** 3 + 7) % PS, (PS + 1) // 4, PS)
    if (y * y - x ** 3 - 7) % PS != 0:
        raise ValueError("not on curve")
    if (y & 1) != (b[0] & 1):
        y = PS - y
    return (x, y)


def sp_encode(pt):
    return bytes([2 | (pt[1] & 1)]) + pt[0].to_bytes(32, "big")


def sp_step(key, chain, i):
    I = hmac.new(chain, key + i.to_bytes(4, "big"), hashlib.sha512).digest()
    t = int.from_bytes(I[:32], "big")
    if t >= NS or t == 0:
        raise ValueError("tweak out of range")
    child = sp_add(sp_decode(key), sp_mul(t, GS))
    if child is None:
        raise ValueError("identity")
    return sp_encode(child), I[32:], t


def parse_path(text):
    parts = text.split("/")
    if parts[0] != "m":
        raise ValueError("path")
    out = []
    for p in parts[1:]:
        if p.endswith(("'", "h", "H")):
            raise ValueError("hardened")
        if not p.isdigit() or (len(p) > 1 and p[0] == "0"):
            raise ValueError("path")
        v = int(p)
        if v >= 2**31:
            raise ValueError("hardened")
        out.append(v)
    return out


def main(argv):
    if len(argv) != 6 or argv[1] != "derive":
        print(__doc__, file=sys.stderr)
        return 2
    curve, key, chain = argv[2], bytes.fromhex(argv[3]), bytes.fromhex(argv[4])
    step, order, endian = ((ed_step, L25519, "little") if curve == "ed25519"
                           else (sp_step, NS, "big"))
    try:
        total = 0
        for i in parse_path(argv[5]):
            key, chain, t = step(key, chain, i)
            total = (total + t) % order
    except ValueError as e:
        print("refused", e)
        return 3
    print(key.hex(), chain.hex(), total.to_bytes(32, endian).hex())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
