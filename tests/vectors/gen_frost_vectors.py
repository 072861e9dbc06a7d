#!/usr/bin/env python3
"""gen_frost_vectors.py — writes FROST(Ed25519, SHA-512) vector files with an
independent, pure-Python implementation (Ed25519 arithmetic from RFC 8032,
FROST from RFC 9591, the DKG proof of knowledge as in the ZcashFoundation
frost DKG), so that mpc-vectors can be shown to accept any valid file of
the two formats (other identifiers, including ones above 255, thresholds,
signer sets and messages), not just the shared examples.

  gen_frost_vectors.py sign SEED MIN MAX ID,ID,... SIGNER,SIGNER,... OUT
  gen_frost_vectors.py dkg  SEED MIN ID,ID,... OUT

Not constant time and not for real keys: test data only.
"""
import hashlib
import json
import random
import sys

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
CTX = b"FROST-ED25519-SHA512-v1"


def inv(x):
    return pow(x, P - 2, P)


def recover_x(y, sign):
    xx = (y * y - 1) * inv(D * y * y + 1) % P
    x = pow(xx, (P + 3) // 8, P)
    if (x * x - xx) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - xx) % P != 0:
        raise ValueError("not on curve")
    if x & 1 != sign:
        x = P - x
    return x


BY = 4 * inv(5) % P
BASE = (recover_x(BY, 0), BY, 1, recover_x(BY, 0) * BY % P)
IDENT = (0, 1, 1, 0)


def add(p1, p2):  # extended coordinates, RFC 8032 5.1.4
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def mul(k, pt):
    acc = IDENT
    while k > 0:
        if k & 1:
            acc = add(acc, pt)
        pt = add(pt, pt)
        k >>= 1
    return acc


def enc_point(pt):
    x, y, z, _ = pt
    zi = inv(z)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def enc_scalar(s):
    return (s % L).to_bytes(32, "little")


def h_int(*parts):
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little") % L


def h_bytes(*parts):
    return hashlib.sha512(b"".join(parts)).digest()


def poly_eval(coefs, x):
    return sum(c * pow(x, k, L) for k, c in enumerate(coefs)) % L


def lagrange(ids, i):
    num, den = 1, 1
    for j in ids:
        if j != i:
            num = num * j % L
            den = den * (j - i) % L
    return num * pow(den, L - 2, L) % L


def gen_sign(rng, tmin, tmax, ids, signers):
    coefs = [rng.randrange(1, L) for _ in range(tmin)]
    sk = {i: poly_eval(coefs, i) for i in ids}
    pk = mul(coefs[0], BASE)
    msg = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
    signers = sorted(signers)
    r1, comms = [], {}
    for i in signers:
        hr = bytes(rng.randrange(256) for _ in range(32))
        br = bytes(rng.randrange(256) for _ in range(32))
        d = h_int(CTX, b"nonce", hr, enc_scalar(sk[i]))
        e = h_int(CTX, b"nonce", br, enc_scalar(sk[i]))
        comms[i] = (d, e, mul(d, BASE), mul(e, BASE))
        r1.append({"identifier": i, "hiding_nonce_randomness": hr.hex(),
                   "binding_nonce_randomness": br.hex(), "hiding_nonce": enc_scalar(d).hex(),
                   "binding_nonce": enc_scalar(e).hex(),
                   "hiding_nonce_commitment": enc_point(comms[i][2]).hex(),
                   "binding_nonce_commitment": enc_point(comms[i][3]).hex()})
    enc_list = b"".join(enc_scalar(i) + enc_point(comms[i][2]) + enc_point(comms[i][3])
                        for i in signers)
    prefix = enc_point(pk) + h_bytes(CTX, b"msg", msg) + h_bytes(CTX, b"com", enc_list)
    rho, R = {}, IDENT
    for o in r1:
        i = o["identifier"]
        inp = prefix + enc_scalar(i)
        rho[i] = h_int(CTX, b"rho", inp)
        o["binding_factor_input"] = inp.hex()
        o["binding_factor"] = enc_scalar(rho[i]).hex()
        R = add(R, add(comms[i][2], mul(rho[i], comms[i][3])))
    c = h_int(enc_point(R), enc_point(pk), msg)
    r2, zsum = [], 0
    for i in signers:
        z = (comms[i][0] + comms[i][1] * rho[i] + lagrange(signers, i) * sk[i] * c) % L
        zsum += z
        r2.append({"identifier": i, "sig_share": enc_scalar(z).hex()})
    return {
        "config": {"MAX_PARTICIPANTS": str(tmax), "NUM_PARTICIPANTS": str(len(signers)),
                   "MIN_PARTICIPANTS": str(tmin), "name": "FROST(Ed25519, SHA-512)",
                   "group": "ed25519", "hash": "SHA-512"},
        "inputs": {"participant_list": signers, "group_secret_key": enc_scalar(coefs[0]).hex(),
                   "group_public_key": enc_point(pk).hex(), "message": msg.hex(),
                   "share_polynomial_coefficients": [enc_scalar(a).hex() for a in coefs[1:]],
                   "participant_shares": [{"identifier": i,
                                           "participant_share": enc_scalar(sk[i]).hex()}
                                          for i in ids]},
        "round_one_outputs": {"outputs": r1},
        "round_two_outputs": {"outputs": r2},
        "final_output": {"sig": (enc_point(R) + enc_scalar(zsum)).hex()},
    }


def gen_dkg(rng, tmin, ids):
    polys = {i: [rng.randrange(1, L) for _ in range(tmin)] for i in ids}
    inputs = {}
    for i in ids:
        a = polys[i]
        c0 = mul(a[0], BASE)
        k = rng.randrange(1, L)
        r = mul(k, BASE)
        ch = h_int(CTX, b"dkg", enc_scalar(i), enc_point(c0), enc_point(r))
        share = sum(poly_eval(polys[j], i) for j in ids) % L
        o = {"identifier": i, "signing_key": enc_scalar(a[0]).hex(),
             "vss_commitments": [enc_point(mul(x, BASE)).hex() for x in a],
             "proof_of_knowledge": (enc_point(r) + enc_scalar(k + a[0] * ch)).hex(),
             "signing_shares": {str(j): enc_scalar(poly_eval(polys[j], i)).hex()
                                for j in ids if j != i},
             "verifying_share": enc_point(mul(share, BASE)).hex(),
             "signing_share": enc_scalar(share).hex()}
        if tmin == 2:
            o["coefficient"] = enc_scalar(a[1]).hex()
        else:
            o["coefficients"] = [enc_scalar(x).hex() for x in a[1:]]
        inputs[str(i)] = o
    secret = sum(polys[i][0] for i in ids) % L
    inputs["secret"] = enc_scalar(secret).hex()
    inputs["verifying_key"] = enc_point(mul(secret, BASE)).hex()
    return {"config": {"MAX_PARTICIPANTS": len(ids), "MIN_PARTICIPANTS": tmin,
                       "name": "FROST(Ed25519, SHA-512)", "group": "ed25519",
                       "hash": "SHA-512"},
            "inputs": inputs}


def main(argv):
    ints = lambda s: [int(x) for x in s.split(",")]
    if len(argv) == 8 and argv[1] == "sign":
        doc = gen_sign(random.Random(int(argv[2])), int(argv[3]), int(argv[4]), ints(argv[5]),
                       ints(argv[6]))
        out = argv[7]
    elif len(argv) == 6 and argv[1] == "dkg":
        doc = gen_dkg(random.Random(int(argv[2])), int(argv[3]), ints(argv[4]))
        out = argv[5]
    else:
        sys.stderr.write(__doc__)
        return 2
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
