#!/usr/bin/env python3
"""forge_results.py HOST PORT USER PASSWORD CLIENT REQUEST_ID KEY_TYPE OP BLOCK

A forger who stole one node's NATS credentials (USER, e.g. node-1) but not
its identity key publishes fake Result copies for REQUEST_ID of CLIENT
BEFORE the request is sent, so they are the first copies a client sees:
  - on another node's subject (mpc.res.CLIENT.REQUEST_ID.node-2): the server
    must refuse it;
  - on its own subject: a copy claiming USER, well formed and signed over the
    proto/result.proto transcript, but with an outsider's Ed25519 key and a
    fake public key (and, for sign, a fake signature); a copy claiming
    another signer; an unsigned copy.
BLOCK=1 gives one fake copy the Nats-Msg-Id of USER's real copy, so
JetStream drops the real one as a duplicate (USER's copy then goes missing).
Prints "ok NAME" / "FAIL NAME" lines and "fake_public_key HEX", "fake_signature HEX"."""
import os
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from natsprobe import Conn  # noqa: E402

DOMAIN = b"mpc-node/result/v1"


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, value):
    """Protobuf field: str/bytes (wire type 2) or int (wire type 0); defaults omitted."""
    if isinstance(value, int):
        return varint(num << 3) + varint(value) if value else b""
    value = value.encode() if isinstance(value, str) else value
    return varint((num << 3) | 2) + varint(len(value)) + value if value else b""


def lp(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack(">I", len(b)) + b


def transcript(r):
    """proto/result.proto: fields 1..22 and 24 in order, u32 length prefixes, big-endian."""
    t = lp(DOMAIN) + lp(r.get(1, "")) + struct.pack(">II", r.get(2, 0), r.get(3, 0))
    t += lp(r.get(4, "")) + struct.pack(">I", r.get(5, 0)) + lp(r.get(6, "")) + lp(r.get(7, ""))
    t += struct.pack(">I", r.get(8, 0)) + lp(r.get(9, ""))
    for n in (10, 11, 12, 13):
        t += lp(r.get(n, b""))
    t += struct.pack(">I", r.get(14, 0)) + lp(r.get(15, b"")) + struct.pack(">I", r.get(16, 0))
    parts = r.get(17, [])
    t += struct.pack(">I", len(parts)) + b"".join(lp(p) for p in parts)
    t += struct.pack(">I", r.get(18, 0)) + lp(r.get(19, ""))
    t += struct.pack(">QQ", r.get(20, 0), r.get(21, 0)) + lp(r.get(22, b"")) + lp(r.get(24, ""))
    return t


def encode(r):
    out = b""
    for num in sorted(r):
        if num == 17:
            out += b"".join(field(17, p) for p in r[17])
        else:
            out += field(num, r[num])
    return out


def fake(rid, op, kt, signer, claim_node, sign_it, outsider):
    pk = (b"\x02" + os.urandom(32)) if kt == 2 else os.urandom(32)
    r = {1: rid, 2: op, 3: kt, 4: "w-forged", 6: "MPC_OK", 10: pk, 16: 1,
         17: ["node-1", "node-2", "node-3"], 18: 2, 19: claim_node, 22: os.urandom(32)}
    if op == 2:
        r[11] = os.urandom(64)
    if sign_it:
        r[24] = signer
        r[23] = outsider.sign(transcript(r))
    return r


def main(argv):
    host, port, user, pw, client, rid, kt_name, op_name, block = argv[1:10]
    kt = {"ed25519": 1, "secp256k1": 2}[kt_name]
    op = {"keygen": 1, "sign": 2, "reshare": 3}[op_name]
    other = "node-2" if user != "node-2" else "node-3"
    c = Conn(host, port, user, pw, name="forger")
    outsider = Ed25519PrivateKey.generate()
    ok = True

    def check(name, cond):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + name, flush=True)
        ok = ok and cond

    r = fake(rid, op, kt, other, other, True, outsider)
    st, _ = c.js_publish("mpc.res.%s.%s.%s" % (client, rid, other), encode(r), "forged-%s" % other)
    check("forger %s cannot publish on %s's result subject (%s)" % (user, other, st), st == "denied")
    own = "mpc.res.%s.%s.%s" % (client, rid, user)
    main_fake = fake(rid, op, kt, user, user, True, outsider)
    msg_id = "%s/%s/%s" % (rid, user, kt_name) if block == "1" else "forged-1-%s" % rid
    st, ack = c.js_publish(own, encode(main_fake), msg_id)
    check("forger stores a copy signed by the wrong key on its own subject (%s)" % st,
          st == "ok" and ack.get("stream") == "MPC_RES")
    for i, (signer, sign_it) in enumerate(((other, True), (user, False))):
        st, _ = c.js_publish(own, encode(fake(rid, op, kt, signer, signer, sign_it, outsider)),
                             "forged-%d-%s" % (i + 2, rid))
        check("forger stores a fake copy (%s) on its own subject (%s)" %
              ("claims " + signer if sign_it else "unsigned", st), st == "ok")
    print("fake_public_key %s" % main_fake[10].hex())
    if 11 in main_fake:
        print("fake_signature %s" % main_fake[11].hex())
    c.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
