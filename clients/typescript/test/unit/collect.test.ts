// Unit tests: the result transcript and the client rule against forged,
// tampered, misattributed and disagreeing copies (signed here with test keys).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { KeyType, Op } from "../../src/gen/proto/request_pb.js";
import { ResultSchema, type Result } from "../../src/gen/proto/result_pb.js";
import { Collector, acceptCopy, disagreement } from "../../src/collect.js";
import { MpcError } from "../../src/errors.js";
import { peersFromList } from "../../src/peers.js";
import { resultTranscript } from "../../src/transcript.js";
import { toHex } from "../../src/bytes.js";

const seeds = [1, 2, 3].map((i) => new Uint8Array(32).fill(i));
const peers = peersFromList(seeds.map((s, i) => ({ id: `node-${i + 1}`, publicKey: toHex(ed25519.getPublicKey(s)) })));
const digest = new Uint8Array(32).fill(0xab);
const msg = new TextEncoder().encode("hello");
const groupSeed = new Uint8Array(32).fill(0x42);
const groupPk = ed25519.getPublicKey(groupSeed);
const sig = ed25519.sign(msg, groupSeed);

import type { MessageInitShape } from "@bufbuild/protobuf";
type Fields = Omit<MessageInitShape<typeof ResultSchema>, "$typeName">;
function copy(node: number, f: Fields = {}, signWith?: Uint8Array): Result {
  const r = create(ResultSchema, {
    requestId: "r1", op: Op.SIGN, keyType: KeyType.ED25519, walletId: "w", publicKey: groupPk,
    eddsaSignature: sig, keyVersion: 1, participants: ["node-1", "node-2", "node-3"], threshold: 2,
    nodeId: `node-${node}`, signerNodeId: `node-${node}`, requestDigest: digest, finishedAtMs: 5n, ...f,
  });
  r.nodeSignature = ed25519.sign(resultTranscript(r), signWith ?? (seeds[node - 1] as Uint8Array));
  return r;
}
const subj = (n: number | string) => `mpc.res.c.r1.${typeof n === "number" ? `node-${n}` : n}`;

test("the transcript covers every field: changing any one breaks the node signature", () => {
  const r = copy(1, { disputed: ["a"], evidence: [new Uint8Array([1])], evidenceDigest: new Uint8Array(32), evidenceSize: 9n });
  assert.equal(acceptCopy(r, "node-1", peers), undefined);
  const edits: Array<(x: Result) => void> = [
    (x) => (x.requestId = "r2"), (x) => (x.op = Op.KEYGEN), (x) => (x.keyType = KeyType.SECP256K1),
    (x) => (x.walletId = "v"), (x) => (x.statusCode = 1), (x) => (x.statusName = "X"), (x) => (x.errorText = "e"),
    (x) => (x.failedRound = 2), (x) => (x.failedPeer = "node-2"), (x) => (x.publicKey = new Uint8Array(32)),
    (x) => (x.eddsaSignature = new Uint8Array(64)), (x) => (x.ecdsaR = new Uint8Array(1)), (x) => (x.ecdsaS = new Uint8Array(1)),
    (x) => (x.recoveryId = 1), (x) => (x.ecdsaCompact = new Uint8Array(1)), (x) => (x.keyVersion = 2),
    (x) => (x.participants = ["node-1"]), (x) => (x.threshold = 3), (x) => (x.finishedAtMs = 6n), (x) => (x.durationMs = 1n),
    (x) => (x.requestDigest = new Uint8Array(32)), (x) => (x.disputed = []), (x) => (x.evidence = []),
    (x) => (x.evidenceDigest = new Uint8Array(32).fill(1)), (x) => (x.evidenceSize = 10n),
  ];
  for (const [i, edit] of edits.entries()) {
    const t = create(ResultSchema, { ...r, $typeName: undefined } as Fields);
    edit(t);
    assert.match(acceptCopy(t, "node-1", peers) ?? "", /does not verify/, `edit ${i}`);
  }
});

test("field 38 (presig_used) is in the transcript as the block tagged 38: not changeable, strippable or addable", () => {
  const pid = new Uint8Array(32).fill(0x38);
  const r = copy(1, { presigUsed: pid });
  assert.equal(acceptCopy(r, "node-1", peers), undefined);
  const base = resultTranscript(copy(1));
  const t = resultTranscript(r);
  const tail = new Uint8Array([0, 0, 0, 38, 0, 0, 0, 32, ...pid]);
  assert.equal(t.length, base.length + tail.length);
  assert.deepEqual(t.subarray(base.length), tail);
  const edits: Array<(x: Result) => void> = [
    (x) => (x.presigUsed = new Uint8Array(32).fill(0x39)), (x) => (x.presigUsed = new Uint8Array(0)),
  ];
  for (const [i, edit] of edits.entries()) {
    const e = create(ResultSchema, { ...r, $typeName: undefined } as Fields);
    edit(e);
    assert.match(acceptCopy(e, "node-1", peers) ?? "", /does not verify/, `edit ${i}`);
  }
  const added = copy(1);
  added.presigUsed = pid;
  assert.match(acceptCopy(added, "node-1", peers) ?? "", /does not verify/);
});

test("forged, misattributed and unsigned copies are rejected and never counted", () => {
  const stranger = new Uint8Array(32).fill(99);
  assert.match(acceptCopy(copy(1, {}, stranger), "node-1", peers) ?? "", /does not verify/);
  assert.match(acceptCopy(copy(1), "node-2", peers) ?? "", /subject/);
  assert.match(acceptCopy(copy(1, { nodeId: "node-2" }), "node-1", peers) ?? "", /named in the result/);
  assert.match(acceptCopy(copy(1, { signerNodeId: "node-9", nodeId: "" }), "node-9", peers) ?? "", /peers file/);
  const unsigned = copy(1);
  unsigned.nodeSignature = new Uint8Array(0);
  assert.match(acceptCopy(unsigned, "node-1", peers) ?? "", /unsigned/);

  const fakePk = ed25519.getPublicKey(stranger);
  const c = new Collector({ op: Op.SIGN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519], message: msg });
  c.add(subj(1), toBinary(ResultSchema, copy(1, { publicKey: fakePk, eddsaSignature: ed25519.sign(msg, stranger) }, stranger)), 1);
  c.add(subj(1), new Uint8Array([0xff, 0x01]), 2);
  c.add(subj(1), toBinary(ResultSchema, copy(1)), 3);
  c.add(subj(2), toBinary(ResultSchema, copy(2)), 4);
  c.add(subj(2), toBinary(ResultSchema, copy(2)), 5);
  assert.equal(c.rejected.length, 2);
  assert.equal(c.duplicates, 1);
  const ok = c.finish(false).get(KeyType.ED25519) ?? [];
  assert.deepEqual(ok.map((x) => x.node), ["node-1", "node-2"]);
  for (const x of ok) assert.deepEqual(x.result.publicKey, groupPk);
});

test("a signature that does not verify, or copies that disagree, fail the call", () => {
  const bad = new Collector({ op: Op.SIGN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519], message: msg });
  const wrong = Uint8Array.from(sig);
  wrong[0] = (wrong[0] as number) ^ 1;
  bad.add(subj(1), toBinary(ResultSchema, copy(1, { eddsaSignature: wrong })), 1);
  bad.add(subj(2), toBinary(ResultSchema, copy(2, { eddsaSignature: wrong })), 2);
  assert.throws(() => bad.finish(false), (e: unknown) => e instanceof MpcError && e.code === "BAD_SIGNATURE");

  const dis = new Collector({ op: Op.KEYGEN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519] });
  dis.add(subj(1), toBinary(ResultSchema, copy(1, { op: Op.KEYGEN })), 1);
  dis.add(subj(2), toBinary(ResultSchema, copy(2, { op: Op.KEYGEN, keyVersion: 2 })), 2);
  dis.add(subj(3), toBinary(ResultSchema, copy(3, { op: Op.KEYGEN })), 3);
  assert.throws(() => dis.finish(false), (e: unknown) =>
    e instanceof MpcError && e.code === "DISAGREEMENT" && e.sides?.[0] === "node-1" && e.sides?.[1] === "node-2");
  assert.equal(disagreement(copy(1), copy(2, { participants: ["node-1", "node-2"] })), undefined);
  assert.equal(disagreement(copy(1, { op: Op.RESHARE }), copy(2, { op: Op.RESHARE, threshold: 3 })), "participants or threshold");
});

test("error copies carry status and culprit; NOT_SELECTED is no failure; quorum rules per op", () => {
  const sel = new Collector({ op: Op.SIGN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519], message: msg });
  sel.add(subj(3), toBinary(ResultSchema, copy(3, { statusCode: 521, statusName: "MPC_ERR_NOT_SELECTED", publicKey: new Uint8Array(0), eddsaSignature: new Uint8Array(0) })), 1);
  sel.add(subj(1), toBinary(ResultSchema, copy(1)), 2);
  assert.equal(sel.done(), false);
  sel.add(subj(2), toBinary(ResultSchema, copy(2)), 3);
  assert.equal(sel.done(), true);
  assert.equal(sel.failures().length, 0);
  assert.equal(sel.finish(false).get(KeyType.ED25519)?.length, 2);

  const err = new Collector({ op: Op.SIGN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519], message: msg });
  const e = { statusCode: 414, statusName: "MPC_ERR_CHEATING", errorText: "bad share", failedPeer: "node-3", publicKey: new Uint8Array(0), eddsaSignature: new Uint8Array(0) };
  err.add(subj(1), toBinary(ResultSchema, copy(1, e)), 1);
  err.add(subj(2), toBinary(ResultSchema, copy(2, e)), 2);
  assert.ok(err.errorsOnly());
  assert.throws(() => err.finish(true), (x: unknown) =>
    x instanceof MpcError && x.code === "NODE_ERROR" && x.status === 414 && x.statusName === "MPC_ERR_CHEATING" && x.culprit === "node-3" && x.failures.length === 2);

  const kg = new Collector({ op: Op.KEYGEN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519] });
  kg.add(subj(1), toBinary(ResultSchema, copy(1, { op: Op.KEYGEN })), 1);
  kg.add(subj(2), toBinary(ResultSchema, copy(2, { op: Op.KEYGEN })), 2);
  assert.throws(() => kg.finish(true), (x: unknown) => x instanceof MpcError && x.code === "TIMEOUT" && x.missing.join() === "node-3");

  const other = new Collector({ op: Op.SIGN, peers, requestDigest: digest, keyTypes: [KeyType.ED25519], message: msg });
  other.add(subj(1), toBinary(ResultSchema, copy(1, { requestDigest: new Uint8Array(32).fill(1) })), 1);
  assert.equal(other.foreign, 1);
  assert.throws(() => other.finish(true), (x: unknown) => x instanceof MpcError && x.code === "OTHER_REQUEST");
});
