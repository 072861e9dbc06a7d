# Part of the reference model for ../dkls23-ecdsa.md (spec 6.7): presign, then the
# online step with an optional additive tweak and the re-randomised nonce.
# Pure Python, slow, NOT constant time: a checking tool only.
import hashlib, time
from e2e import *

def online(recs, msg32, t=0):
    """The online step of every signer (spec 6.7.3), then the output (spec 6.5)."""
    S = sorted(recs); r0 = recs[S[0]]
    m = int.from_bytes(msg32, 'big') % q
    delta = H2S(T + "presign/rerand", r0['id'], msg32, enc_scalar(t))
    R2 = padd(r0['R'], pmul(delta, G))
    r2 = R2[0] % q
    Y2 = padd(r0['Y'], pmul(t, G)) if t else r0['Y']
    echo = H32(T + "presign/online", r0['id'], msg32, enc_scalar(t), enc_point(R2))
    out = {}
    for i in S:
        rec = recs[i]
        u = (rec['u'] + delta * rec['phi']) % q
        v = (rec['v'] + t * rec['phi']) % q
        w = (m * rec['phi'] + r2 * v) % q
        out[i] = (u, w, echo)
    assert len(set(o[2] for o in out.values())) == 1
    U = sum(o[0] for o in out.values()) % q; W = sum(o[1] for o in out.values()) % q
    s = W * inv(U) % q
    recid = (R2[1] & 1) | (2 if R2[0] >= q else 0)
    if s > q // 2:
        s = q - s; recid ^= 1
    return Y2, r2, s, recid, delta, r0['R']

if __name__ == '__main__':
    for (n, t, S) in ((3, 2, [1, 3]), (5, 3, [2, 4, 5])):
        t0 = time.time()
        K = dkg(n, t, list(range(1, n + 1)))
        recs = sign(K, S, None)
        assert len(set(r['id'] for r in recs.values())) == 1
        for tw in (0, int.from_bytes(hashlib.sha256(b'tweak').digest(), 'big') % q):
            msg = hashlib.sha256(b'presig %d %d %d' % (n, t, tw & 0xff)).digest()
            Y2, r, s, recid, delta, R = online(recs, msg, tw)
            ok, rec = lib_verify(Y2, msg, r, s, recid)
            print('%d-of-%d signers %s tweak=%s: verify=%s recover=%s r != x(R): %s (%.1fs)'
                  % (t, n, S, 'yes' if tw else 'no', ok, rec, r != R[0] % q, time.time() - t0))
            assert ok and rec and r != R[0] % q
    # reuse algebra (spec 6.7.4): two signatures of one presignature give the key
    K = dkg(3, 2, [1, 2, 3]); recs = sign(K, [1, 2], None)
    m1, m2 = hashlib.sha256(b'one').digest(), hashlib.sha256(b'two').digest()
    _, ra, sa, _, da, _ = online(dict(recs), m1)
    _, rb, sb, _, db, _ = online(dict(recs), m2)
    # s_a k = m1 + ra sk; s_b (k + db - da) = m2 + rb sk: solve for k, sk
    e1, e2 = int.from_bytes(m1, 'big') % q, int.from_bytes(m2, 'big') % q
    # sa k - ra sk = e1; sb k - rb sk = e2 - sb (db - da)
    # low-S may have negated s: try the four sign combinations
    found = False
    for fa in (1, -1):
        for fb in (1, -1):
            SA, SB = sa * fa % q, sb * fb % q
            det = (-SA * rb + ra * SB) % q
            k = ((e1 * -rb) - (-ra) * (e2 - SB * (db - da))) * inv(det) % q
            sk = (SA * k - e1) * inv(ra) % q
            found |= pmul(sk, G) == K['Y']
    print('reuse of one presignature reveals the key:', found)
    assert found
    print('vector: delta(presig_id = 01^32, msg32 = 02^32, t = 0) =',
          '%064x' % H2S(T + "presign/rerand", b'\x01' * 32, b'\x02' * 32, enc_scalar(0)))
