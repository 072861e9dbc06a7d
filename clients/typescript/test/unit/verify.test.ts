// Unit tests of the signature checks: RFC 8032 test 1, and secp256k1 low-S and
// recovery-id rules with keys and signatures made here by @noble/curves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { verifyEcdsa, verifyEd25519 } from "../../src/verify.js";
import { fromHex } from "../../src/bytes.js";

test("Ed25519: RFC 8032 7.1 test 1 verifies; a changed bit does not", () => {
  const pk = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const sig = fromHex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  );
  assert.ok(verifyEd25519(sig, new Uint8Array(0), pk));
  const bad = Uint8Array.from(sig);
  bad[63] = (bad[63] as number) ^ 0x01;
  assert.ok(!verifyEd25519(bad, new Uint8Array(0), pk));
  assert.ok(!verifyEd25519(sig, new Uint8Array([0]), pk));
});

test("ECDSA: low S and the recovery id are required", () => {
  const sk = new Uint8Array(32).fill(5);
  const pk = secp256k1.getPublicKey(sk, true);
  const digest = new Uint8Array(32).fill(0x11);
  const rec = secp256k1.sign(digest, sk, { prehash: false, format: "recovered" });
  const recid = rec[0] as number;
  const rs = rec.subarray(1);
  assert.ok(verifyEcdsa(rs, recid, digest, pk));
  assert.ok(!verifyEcdsa(rs, recid ^ 1, digest, pk), "wrong recovery id");
  const s = BigInt("0x" + Buffer.from(rs.subarray(32)).toString("hex"));
  const high = secp256k1.Point.CURVE().n - s;
  const hs = Uint8Array.from(rs);
  hs.set(fromHex(high.toString(16).padStart(64, "0")), 32);
  assert.ok(!verifyEcdsa(hs, recid ^ 1, digest, pk), "high S refused");
  assert.ok(!verifyEcdsa(rs, recid, new Uint8Array(32).fill(0x12), pk));
});
