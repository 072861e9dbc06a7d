// Unit tests: request building refuses every bad input class with BAD_INPUT
// before anything is sent; sealed requests and approvals verify.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ApprovalSchema, KeyType } from "../../src/gen/proto/request_pb.js";
import { MpcError } from "../../src/errors.js";
import { SigningKey } from "../../src/keys.js";
import {
  APPROVAL_DOMAIN,
  REQUEST_DOMAIN,
  approve,
  attachApprovals,
  keygenRequest,
  msgId,
  openSealed,
  requestDigest,
  reshareRequest,
  sealRequest,
  signRequest,
} from "../../src/request.js";
import { concat, toHex } from "../../src/bytes.js";

const env = { clientId: "ts-unit", requestId: "r-1", nowMs: 1_700_000_000_000 };
const digest = sha256(new TextEncoder().encode("payload"));

function badInput(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT" && re.test(e.message));
}

test("every bad input class is refused with BAD_INPUT and its own message", () => {
  badInput(() => signRequest({ ...env, requestId: "bad id!" }, { wallet: "w", keyType: "ed25519", message: digest }), /request id/);
  badInput(() => signRequest({ ...env, requestId: "x".repeat(65) }, { wallet: "w", keyType: "ed25519", message: digest }), /request id/);
  badInput(() => signRequest({ ...env, clientId: "a.b" }, { wallet: "w", keyType: "ed25519", message: digest }), /client id/);
  badInput(() => signRequest(env, { wallet: "w/1", keyType: "ed25519", message: digest }), /wallet id/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "rsa" as "ed25519", message: digest }), /unknown key type/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "ed25519", message: new Uint8Array(0) }), /message/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "ed25519", message: new Uint8Array(16 * 1024 + 1) }), /message/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "secp256k1", message: new Uint8Array(31).fill(1) }), /32-byte digest/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "secp256k1", message: new Uint8Array(32) }), /all-zero/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "ed25519", message: digest, signers: ["n1", "n1"] }), /twice/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "ed25519", message: digest, signers: ["n1"] }), /at least 2/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "ed25519", message: digest, signers: ["n 1", "n2"] }), /bad node id/);
  badInput(() => signRequest(env, { wallet: "w", keyType: "ed25519", message: digest, keyVersion: -1 }), /keyVersion/);
  badInput(() => keygenRequest(env, { wallet: "w", keyTypes: [], threshold: 2 }, 3), /keyTypes/);
  badInput(() => keygenRequest(env, { wallet: "w", keyTypes: ["ed25519", "ed25519"], threshold: 2 }, 3), /keyTypes/);
  badInput(() => keygenRequest(env, { wallet: "w", keyTypes: ["ed25519"], threshold: 1 }, 3), /threshold 1/);
  badInput(() => keygenRequest(env, { wallet: "w", keyTypes: ["ed25519"], threshold: 4 }, 3), /threshold 4/);
  badInput(() => keygenRequest(env, { wallet: "w", keyTypes: ["ed25519"], threshold: 3, participants: ["a", "b"] }, 3), /threshold 3/);
  badInput(() => reshareRequest(env, { wallet: "w", keyType: "ed25519", newParticipants: [], newThreshold: 2 }), /newParticipants/);
  badInput(() => reshareRequest(env, { wallet: "w", keyType: "ed25519", newParticipants: ["a", "b"], newThreshold: 3 }), /newThreshold 3/);
  badInput(() => signRequest({ ...env, expiresInMs: 0 }, { wallet: "w", keyType: "ed25519", message: digest }), /expiresInMs/);
  badInput(() => openSealed(new Uint8Array([0xff, 0xff, 0xff])), /sealed request/);
});

test("a sealed request carries the initiator's signature over the exact Request bytes", () => {
  const key = SigningKey.fromSeed(new Uint8Array(32).fill(7));
  const req = signRequest({ ...env, expiresInMs: 30000 }, { wallet: "w.1", keyType: "secp256k1", message: digest });
  const sealed = sealRequest(req, key);
  const { signed, request } = openSealed(sealed);
  assert.equal(request.requestId, "r-1");
  assert.equal(request.expiresAtMs - request.createdAtMs, 30000n);
  assert.equal(request.body.case, "sign");
  assert.equal(request.body.case === "sign" && request.body.value.keyType, KeyType.SECP256K1);
  assert.deepEqual(signed.initiatorPublicKey, key.publicKey);
  assert.ok(ed25519.verify(signed.signature, concat(REQUEST_DOMAIN, signed.request), key.publicKey));
  const tampered = Uint8Array.from(signed.request);
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
  assert.ok(!ed25519.verify(signed.signature, concat(REQUEST_DOMAIN, tampered), key.publicKey));
  assert.equal(msgId(sealed), toHex(sha256(sealed)));
  assert.deepEqual(requestDigest(sealed), sha256(signed.request));
});

test("approvals: each authorizer signs the same Request bytes; several attach", () => {
  const init = SigningKey.fromSeed(new Uint8Array(32).fill(1));
  const a1 = SigningKey.fromSeed(new Uint8Array(32).fill(2));
  const a2 = SigningKey.fromSeed(new Uint8Array(32).fill(3));
  const sealed = sealRequest(keygenRequest(env, { wallet: "w", keyTypes: ["ed25519"], threshold: 2 }, 3), init);
  const ap1 = approve(sealed, a1);
  const ap2 = approve(sealed, a2);
  const { signed } = openSealed(sealed);
  for (const [ap, k] of [[ap1, a1], [ap2, a2]] as const) {
    const a = fromBinary(ApprovalSchema, ap);
    assert.deepEqual(a.publicKey, k.publicKey);
    assert.deepEqual(a.requestSha256, sha256(signed.request));
    assert.ok(ed25519.verify(a.signature, concat(APPROVAL_DOMAIN, signed.request), k.publicKey));
    assert.ok(!ed25519.verify(a.signature, concat(REQUEST_DOMAIN, signed.request), k.publicKey));
  }
  const withAp = openSealed(attachApprovals(sealed, [ap1, ap2])).signed;
  assert.equal(withAp.approvals.length, 2);
  assert.deepEqual(withAp.request, signed.request);
  assert.deepEqual(withAp.signature, signed.signature);
  badInput(() => attachApprovals(sealed, [new Uint8Array([0xff, 0xff])]), /approval 0/);
});

test("a key file of mpc-cli is read; other files are refused with BAD_KEY_FILE", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "mpc-ts-"));
  const seed = new Uint8Array(32).fill(9);
  writeFileSync(join(dir, "k"), `mpc-initiator-seed ${toHex(seed)}\n`);
  assert.deepEqual(SigningKey.fromFile(join(dir, "k")).publicKey, ed25519.getPublicKey(seed));
  writeFileSync(join(dir, "bad"), "MPCID1 something encrypted\n");
  for (const f of ["bad", "missing"]) {
    assert.throws(() => SigningKey.fromFile(join(dir, f)), (e: unknown) => e instanceof MpcError && e.code === "BAD_KEY_FILE");
  }
});
