// Unit tests of keyinfo.ts (proto/keyinfo.proto): the query's signature under
// the query domain (as node/client/keyquery.c checks it), replies made here the
// way the node makes them: accepted, refused when signed by another key,
// tampered, answering another query (nonce, hash, node, wallet), stating an
// impossible key; and the agreement rule (a lone liar, a disagreement, too few).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { SigningKey } from "../../src/keys.js";
import { MpcError } from "../../src/errors.js";
import {
  decideKeyInfo,
  keyInfoQuery,
  KEYINFO_QUERY_DOMAIN,
  KEYINFO_REPLY_DOMAIN,
  verifyKeyInfo,
  type KeyInfoAnswer,
  type KeyInfoQuery,
} from "../../src/keyinfo.js";
import {
  KeyInfoQuerySchema,
  KeyInfoReplySchema,
  KeyInfoSignedQuerySchema,
  KeyInfoSignedReplySchema,
} from "../../src/gen/proto/keyinfo_pb.js";

const client = SigningKey.fromSeed(new Uint8Array(32).fill(1));
const node = SigningKey.fromSeed(new Uint8Array(32).fill(2));
const other = SigningKey.fromSeed(new Uint8Array(32).fill(3));
const nonce = new Uint8Array(16).fill(0x6b);
const cat = (a: Uint8Array, b: Uint8Array) => new Uint8Array([...a, ...b]);

function query(n = nonce): KeyInfoQuery {
  return keyInfoQuery(client, 2, "w-1", n, 1700000000000, 30000);
}

/** A reply the way node/client/keyquery.c makes it, with overrides. */
function reply(q: KeyInfoQuery, o: Record<string, unknown> = {}, signer = node): Uint8Array {
  const r = toBinary(KeyInfoReplySchema, create(KeyInfoReplySchema, {
    format: 1,
    nodeId: "node-1",
    querySha256: q.sha256,
    nonce: q.nonce,
    statusCode: 0,
    keyType: 2,
    walletId: "w-1",
    publicKey: new Uint8Array(33).fill(2),
    chainCode: new Uint8Array(32).fill(0xc4),
    activeVersion: 1,
    threshold: 2,
    committee: ["node-1", "node-2", "node-3"],
    ...o,
  }));
  return toBinary(KeyInfoSignedReplySchema, create(KeyInfoSignedReplySchema, {
    reply: r,
    signature: signer.sign(cat(KEYINFO_REPLY_DOMAIN, r)),
  }));
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as MpcError).code;
  }
  return "OK";
};

test("keyinfo: the query is signed by the client over the query domain and names what it asks", () => {
  const q = query();
  const s = fromBinary(KeyInfoSignedQuerySchema, q.bytes);
  assert.ok(ed25519.verify(s.signature, cat(KEYINFO_QUERY_DOMAIN, s.query), client.publicKey));
  assert.deepEqual(s.clientPublicKey, client.publicKey);
  const m = fromBinary(KeyInfoQuerySchema, s.query);
  assert.equal(m.walletId, "w-1");
  assert.equal(m.expiresAtMs - m.createdAtMs, 30000n);
  assert.deepEqual(q.sha256, sha256(s.query));
  assert.equal(code(() => keyInfoQuery(client, 2, "w 1", nonce, 0, 1000)), "BAD_INPUT");
  assert.equal(code(() => keyInfoQuery(client, 2, "w-1", nonce, 0, 60001)), "BAD_INPUT");
});

test("keyinfo: a reply signed by the node is accepted; refusals carry the node's status", () => {
  const q = query();
  const a = verifyKeyInfo(reply(q), "node-1", node.publicKey, q);
  assert.equal(a.statusCode, 0);
  assert.equal(a.facts?.threshold, 2);
  const r = verifyKeyInfo(reply(q, { statusCode: 620, publicKey: new Uint8Array(), chainCode: new Uint8Array(),
    threshold: 0, committee: [] }), "node-1", node.publicKey, q);
  assert.equal(r.statusCode, 620);
  assert.equal(r.facts, undefined);
});

test("keyinfo: refused when signed by another key, tampered, answering another query or stating an impossible key", () => {
  const q = query();
  assert.equal(code(() => verifyKeyInfo(reply(q, {}, other), "node-1", node.publicKey, q)), "BAD_SIGNATURE");
  const t = reply(q);
  t[t.length - 70] = (t[t.length - 70] as number) ^ 1; // inside the signed reply bytes
  assert.equal(code(() => verifyKeyInfo(t, "node-1", node.publicKey, q)), "BAD_SIGNATURE");
  const q2 = query(new Uint8Array(16).fill(0x33)); // a replayed answer to an older query
  assert.equal(code(() => verifyKeyInfo(reply(q), "node-1", node.publicKey, q2)), "OTHER_REQUEST");
  assert.equal(code(() => verifyKeyInfo(reply(q, { nonce: q2.nonce }), "node-1", node.publicKey, q)), "OTHER_REQUEST");
  assert.equal(code(() => verifyKeyInfo(reply(q, { querySha256: q2.sha256 }), "node-1", node.publicKey, q)), "OTHER_REQUEST");
  assert.equal(code(() => verifyKeyInfo(reply(q), "node-2", node.publicKey, q)), "OTHER_REQUEST");
  assert.equal(code(() => verifyKeyInfo(reply(q, { walletId: "w-2" }), "node-1", node.publicKey, q)), "OTHER_REQUEST");
  assert.equal(code(() => verifyKeyInfo(reply(q, { committee: ["node-2", "node-3"] }), "node-1", node.publicKey, q)), "NODE_ERROR");
  assert.equal(code(() => verifyKeyInfo(reply(q, { threshold: 1 }), "node-1", node.publicKey, q)), "NODE_ERROR");
  assert.equal(code(() => verifyKeyInfo(new Uint8Array([0xff, 0xff]), "node-1", node.publicKey, q)), "NODE_ERROR");
});

test("keyinfo: the agreement rule (one liar never changes the key)", () => {
  const q = query();
  const ans = (n: string, o: Record<string, unknown> = {}): KeyInfoAnswer => {
    const k = SigningKey.fromSeed(new Uint8Array(32).fill(n.charCodeAt(5)));
    return verifyKeyInfo(reply(q, { nodeId: n, ...o }, k), n, k.publicKey, q);
  };
  const lie = { chainCode: new Uint8Array(32).fill(0xc5) };
  assert.deepEqual(decideKeyInfo([ans("node-1"), ans("node-2"), ans("node-3")]).nodes, ["node-1", "node-2", "node-3"]);
  assert.deepEqual(decideKeyInfo([ans("node-2"), ans("node-3")]).nodes, ["node-2", "node-3"]);
  assert.equal(code(() => decideKeyInfo([ans("node-1", lie), ans("node-2"), ans("node-3")])), "DISAGREEMENT");
  assert.equal(code(() => decideKeyInfo([ans("node-1", lie), ans("node-2")])), "DISAGREEMENT");
  assert.equal(code(() => decideKeyInfo([ans("node-1", lie)])), "TIMEOUT");
  assert.equal(code(() => decideKeyInfo([ans("node-1", { threshold: 3 }), ans("node-2", { threshold: 3 })])), "TIMEOUT");
  assert.equal(code(() => decideKeyInfo([])), "TIMEOUT");
});
