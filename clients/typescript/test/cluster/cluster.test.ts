// Cluster tests: a real nats-server and three mpc-node processes started by
// tests/integration/test_ts_client.sh on 127.0.0.1. Every call goes through the
// client rule; signatures are checked again here by node:crypto (OpenSSL).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, verify as cryptoVerify, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { HDKey } from "@scure/bip32";
import { sha256 } from "@noble/hashes/sha2.js";
import { MpcClient, MpcError, SigningKey, newRequestId } from "../../src/index.js";
import { sealRequest, signRequest } from "../../src/request.js";
import { deriveEd25519, parsePath } from "../../src/hd.js";
import { outputKey, type TaprootTweak } from "../../src/taproot.js";
import { client, approvals, env } from "./env.js";
import { forgeFirst, forgePermissionDenied } from "./forge.js";

const c: MpcClient = await client();
after(async () => c.close());

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ED_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const K1_SPKI = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
function opensslEd25519(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([ED_SPKI, pk]), format: "der", type: "spki" });
  return cryptoVerify(null, msg, key, sig);
}
/** ECDSA over sha256(msg) (the digest the cluster signed), checked by OpenSSL on DER. */
function opensslEcdsa(rs: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([K1_SPKI, pk]), format: "der", type: "spki" });
  const der = secp256k1.Signature.fromBytes(rs, "compact").toBytes("der");
  return cryptoVerify("sha256", msg, key, der);
}
async function refused(p: Promise<unknown>, code: string, statusName?: string): Promise<MpcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MpcError, `an MpcError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (statusName !== undefined) assert.equal(e.statusName, statusName, e.message);
    return e;
  }
  assert.fail(`expected ${code}${statusName !== undefined ? ` ${statusName}` : ""}`);
}

const wallet = `ts-${randomBytes(4).toString("hex")}`;
let edPk: Uint8Array;
let k1Pk: Uint8Array;
let keygenId = "";
let k1Xpub = "";
let edChain: Uint8Array;
const reshareIds: Record<string, string> = {};

test("status: each node answers with its snapshot", async () => {
  for (const n of ["node-1", "node-2", "node-3"]) {
    const s = await c.status(n);
    const self = (s["node"] as { self_id?: string } | undefined)?.self_id;
    assert.equal(self, n, JSON.stringify(s).slice(0, 200));
  }
  await refused(c.status("no such node"), "BAD_INPUT");
});

test("keygen of both key types with two approvals: every node agrees", async () => {
  const sealed = c.prepareKeygen({ wallet, keyTypes: ["ed25519", "secp256k1"], threshold: 2 });
  const r = await c.sendKeys(sealed, { approvals: approvals(sealed) });
  assert.equal(r.keys.length, 2);
  const [ed, k1] = r.keys;
  assert.equal(ed?.keyType, "ed25519");
  assert.equal(ed?.publicKey.length, 32);
  assert.equal(k1?.publicKey.length, 33);
  assert.deepEqual(ed?.participants, ["node-1", "node-2", "node-3"]);
  assert.equal(ed?.threshold, 2);
  assert.equal(r.copies.filter((x) => x.result.statusCode === 0).length, 6);
  assert.equal(r.rejected.length, 0);
  edPk = ed!.publicKey;
  k1Pk = k1!.publicKey;
  keygenId = r.requestId;
  assert.equal(ed!.chainCode.length, 32);
  assert.equal(k1!.chainCode.length, 32);
  assert.ok(k1!.xpub?.startsWith("xpub"));
  assert.equal(ed!.xpub, undefined);
  k1Xpub = k1!.xpub as string;
  edChain = ed!.chainCode;
});

test("approvals: none, one, or another request's are refused by the nodes, each with its status", async () => {
  const p = { wallet: `${wallet}-x`, keyTypes: ["ed25519" as const], threshold: 2 };
  const none = c.prepareKeygen(p);
  await refused(c.sendKeys(none), "NODE_ERROR", "MPC_ERR_REQ_NO_APPROVALS");
  const one = c.prepareKeygen(p);
  await refused(c.sendKeys(one, { approvals: approvals(one, [2]) }), "NODE_ERROR", "MPC_ERR_REQ_UNAUTHORIZED");
  const other = c.prepareKeygen(p);
  const foreign = approvals(c.prepareKeygen(p));
  await refused(c.sendKeys(other, { approvals: foreign }), "NODE_ERROR", "MPC_ERR_REQ_APPROVAL_MISMATCH");
});

test("sign Ed25519 (a Solana-style message): verified by @noble and by OpenSSL", async () => {
  const msg = new TextEncoder().encode(`transfer 1 SOL ${randomBytes(8).toString("hex")}`);
  const sealed = c.prepareSign({ wallet, keyType: "ed25519", message: msg });
  const r = await c.sendSign(sealed, { approvals: approvals(sealed) });
  assert.equal(hex(r.publicKey), hex(edPk));
  assert.equal(r.signature.length, 64);
  assert.ok(r.signers.length >= 2);
  assert.ok(opensslEd25519(r.signature, msg, edPk));
  assert.ok(!opensslEd25519(r.signature, new TextEncoder().encode("other"), edPk));
});

test("resubmission: a sign JetStream lost is published again and signed once; with resubmitMs 0 it times out", async () => {
  // test_ts_client.sh starts every node with MPC_NODE_TEST_LOSE_FIRST=ts-lost-1,ts-lost-0:
  // each node acks and drops the first copy of those requests, as the stream once did.
  const msg = new TextEncoder().encode(`resubmitted ${randomBytes(8).toString("hex")}`);
  const sealed = c.prepareSign({ wallet, keyType: "ed25519", message: msg }, { requestId: "ts-lost-1" });
  const r = await c.sendSign(sealed, { approvals: approvals(sealed), resubmitMs: 1000 });
  assert.ok(r.resubmissions >= 1, `resubmissions ${r.resubmissions}`);
  assert.ok(opensslEd25519(r.signature, msg, edPk));
  const sigs = new Set(r.copies.filter((x) => x.result.statusCode === 0).map((x) => hex(x.result.eddsaSignature)));
  assert.equal(sigs.size, 1);
  for (const n of [1, 2, 3]) {
    const log = readFileSync(join(env.dir, `node-${n}.log`), "utf8");
    assert.equal(log.split("event=fault_request_lost request=ts-lost-1\n").length - 1, 1, `node-${n} lost the first copy`);
    assert.ok(log.split("event=request_started request=ts-lost-1 ").length - 1 <= 1, `node-${n} ran it at most once`);
  }
  const lost = c.prepareSign({ wallet, keyType: "ed25519", message: msg }, { requestId: "ts-lost-0" });
  await refused(c.sendSign(lost, { approvals: approvals(lost), resubmitMs: 0, timeoutMs: 5000 }), "TIMEOUT");
});

test("sign secp256k1 digest: low S, recovery id recovers the group key, OpenSSL verifies DER", async () => {
  const msg = new TextEncoder().encode(`payload ${randomBytes(8).toString("hex")}`);
  const digest = sha256(msg);
  const sealed = c.prepareSign({ wallet, keyType: "secp256k1", message: digest });
  const r = await c.sendSign(sealed, { approvals: approvals(sealed) });
  assert.equal(hex(r.publicKey), hex(k1Pk));
  assert.ok(r.recoveryId !== undefined && r.recoveryId <= 3);
  const rec = secp256k1.recoverPublicKey(Uint8Array.of(r.recoveryId!, ...r.signature), digest, { prehash: false });
  assert.equal(hex(rec), hex(k1Pk));
  assert.ok(opensslEcdsa(r.signature, msg, k1Pk));
});

test("a request saved by mpc-cli, approved once by mpc-cli and once here, is sent by this client", async () => {
  const req = join(env.dir, "cli-sign.req");
  const ap = join(env.dir, "cli-sign.ap");
  const rid = newRequestId();
  const cliEnv = { ...process.env };
  execFileSync(env.cli, ["sign", "--wallet", wallet, "--message", "from mpc-cli", "--request-id", rid,
    "--client-id", "ts-test", "--key", env.initiatorKey, "--out-request", req], { env: cliEnv, stdio: "pipe" });
  execFileSync(env.cli, ["approve", "--key", env.authKeys[2] as string, "--out", ap, req], { env: cliEnv, stdio: "pipe" });
  const sealed = new Uint8Array(readFileSync(req));
  const both = [new Uint8Array(readFileSync(ap)), ...approvals(sealed, [0])];
  const r = await c.sendSign(sealed, { approvals: both });
  assert.equal(r.requestId, rid);
  assert.ok(opensslEd25519(r.signature, new TextEncoder().encode("from mpc-cli"), edPk));
});

test("idempotent ids: the same request again gets the same result; another request under a used id is refused", async () => {
  const rid = newRequestId();
  const msg = new TextEncoder().encode("once");
  const sealed = c.prepareSign({ wallet, keyType: "ed25519", message: msg }, { requestId: rid, expiresInMs: 120000 });
  const ap = approvals(sealed);
  const a = await c.sendSign(sealed, { approvals: ap });
  const b = await c.sendSign(sealed, { approvals: ap });
  assert.equal(hex(b.signature), hex(a.signature));
  const other = c.prepareSign({ wallet, keyType: "ed25519", message: new TextEncoder().encode("twice") }, { requestId: rid });
  const e = await refused(c.sendSign(other, { approvals: approvals(other), timeoutMs: 30000 }), "NODE_ERROR", "MPC_ERR_REQ_ID_REUSED");
  assert.equal(e.status, 518);
});

test("node-side refusals carry their status: stale request, unknown wallet", async () => {
  const tenMinAgo = sealRequest(
    signRequest({ clientId: "ts-test", nowMs: Date.now() - 600_000 }, { wallet, keyType: "ed25519", message: new Uint8Array([1]) }),
    SigningKey.fromFile(env.initiatorKey),
  );
  await refused(c.sendSign(tenMinAgo, { approvals: approvals(tenMinAgo) }), "NODE_ERROR", "MPC_ERR_REQ_STALE");
  const unknown = c.prepareSign({ wallet: `${wallet}-none`, keyType: "ed25519", message: new Uint8Array([1]) });
  const e = await refused(c.sendSign(unknown, { approvals: approvals(unknown) }), "NODE_ERROR");
  assert.match(e.statusName ?? "", /^MPC_ERR_/);
  assert.ok((e.status ?? 0) > 0);
});

test("forged results with node-1's stolen NATS password are refused and never shown", async () => {
  const msg = new TextEncoder().encode("forgery target");
  const sealed = c.prepareSign({ wallet, keyType: "ed25519", message: msg });
  const fake = await forgeFirst(sealed, "node-1", { msgIdOfRealCopy: false });
  const r = await c.sendSign(sealed, { approvals: approvals(sealed) });
  assert.equal(hex(r.publicKey), hex(edPk));
  assert.notEqual(hex(r.publicKey), hex(fake.publicKey));
  assert.notEqual(hex(r.signature), hex(fake.signature));
  // The forged copy was stored before the call: the client's consumer (deliver "new")
  // never hands it to this call, and no accepted copy carries its key.
  assert.ok(!r.copies.some((x) => hex(x.result.publicKey) === hex(fake.publicKey)));
  assert.ok(opensslEd25519(r.signature, msg, edPk));

  // The forger takes node-1's Nats-Msg-Id for a keygen: the real copy is dropped as a
  // duplicate, so the keygen cannot succeed; node-1 is named rejected and missing.
  const kg = c.prepareKeygen({ wallet: `${wallet}-f`, keyTypes: ["secp256k1"], threshold: 2 });
  await forgeFirst(kg, "node-1", { msgIdOfRealCopy: true });
  const e = await refused(c.sendKeys(kg, { approvals: approvals(kg), timeoutMs: 30000 }), "TIMEOUT");
  assert.deepEqual(e.missing, ["node-1"]);
  // A timed-out call reads its stored copies once more: the forgery is named.
  assert.ok(e.rejected.some((x) => x.node === "node-1" && /does not verify/.test(x.reason)), JSON.stringify(e.rejected));

  // node-1's password cannot publish on node-2's subject: the server refuses.
  assert.equal(await forgePermissionDenied(kg, "node-2"), true);
});

test("reshare to 3-of-3, then both key types sign under the same keys", async () => {
  for (const kt of ["ed25519", "secp256k1"] as const) {
    const sealed = c.prepareReshare({ wallet, keyType: kt, newParticipants: ["node-1", "node-2", "node-3"], newThreshold: 3 });
    const r = await c.sendKeys(sealed, { approvals: approvals(sealed) });
    reshareIds[kt] = r.requestId;
    assert.equal(r.keys[0]?.threshold, 3);
    assert.ok((r.keys[0]?.keyVersion ?? 0) >= 2);
    assert.equal(hex(r.keys[0]!.publicKey), hex(kt === "ed25519" ? edPk : k1Pk));
  }
  const msg = new TextEncoder().encode("after reshare");
  const s1 = c.prepareSign({ wallet, keyType: "ed25519", message: msg });
  const e1 = await c.sendSign(s1, { approvals: approvals(s1) });
  assert.equal(e1.signers.length, 3);
  assert.ok(opensslEd25519(e1.signature, msg, edPk));
  const s2 = c.prepareSign({ wallet, keyType: "secp256k1", message: sha256(msg) });
  const e2 = await c.sendSign(s2, { approvals: approvals(s2) });
  assert.ok(opensslEcdsa(e2.signature, msg, k1Pk));
});

/** mpc-cli's xpub (the node-side C derivation and serialization) for the same request. */
function cliXpub(requestId: string, path: string): string {
  const out = execFileSync(env.cli, ["xpub", "--wallet", wallet, "--request-id", requestId, "--key-type", "secp256k1",
    "--client-id", "ts-test", "--path", path, "--peers", env.peers],
  { env: { ...process.env, MPC_NATS_URL: env.url, MPC_NATS_USER: "client", MPC_NATS_PASSWORD: env.clientPass }, stdio: "pipe" }).toString();
  const line = out.split("\n").find((l) => l.startsWith("xpub:"));
  assert.ok(line !== undefined, out);
  return line.split(/\s+/)[1] as string;
}

test("xpub: the same from the keygen's and the reshare's signed results, from the nodes (no request id), here and in mpc-cli, byte for byte", async () => {
  const a = await c.xpub({ wallet, requestId: keygenId, keyType: "secp256k1" });
  assert.equal(a.xpub, k1Xpub);
  assert.equal(a.nodes.length, 3);
  const b = await c.xpub({ wallet, requestId: reshareIds["secp256k1"] as string, keyType: "secp256k1" });
  assert.equal(b.xpub, a.xpub, "the reshare kept the chain code");
  const w = await c.xpub({ wallet, keyType: "secp256k1" }); // no request id: the nodes asked (mpc.n.<node>.keyinfo)
  assert.equal(w.xpub, a.xpub, "the nodes' signed key-info replies state the same key and chain code");
  assert.deepEqual([...w.nodes].sort(), ["node-1", "node-2", "node-3"]);
  const wc = await c.xpub({ wallet, keyType: "secp256k1", path: "m/0/5", nodes: ["node-1", "node-2", "node-3"] });
  assert.equal(cliXpub(keygenId, "m"), a.xpub);
  const child = await c.xpub({ wallet, requestId: keygenId, keyType: "secp256k1", path: "m/0/5" });
  assert.equal(cliXpub(keygenId, "m/0/5"), child.xpub);
  assert.equal(wc.xpub, child.xpub);
  assert.equal(hex(child.childPublicKey), hex(HDKey.fromExtendedKey(k1Xpub).derive("m/0/5").publicKey as Uint8Array));
  const ed = await c.xpub({ wallet, requestId: reshareIds["ed25519"] as string, keyType: "ed25519", path: "m/0/5" });
  assert.equal(hex(ed.chainCode), hex(edChain));
  assert.equal(ed.xpub, undefined);
});

test("HD: both key types sign under children at depth 1, 2 and 5 that this client derives itself", async () => {
  const msg = new TextEncoder().encode("child key message");
  for (const path of ["m/7", "m/0/5", "m/1/2/3/4/5"]) {
    const k1Child = HDKey.fromExtendedKey(k1Xpub).derive(path).publicKey as Uint8Array; // @scure/bip32
    const s1 = c.prepareSign({ wallet, keyType: "secp256k1", message: sha256(msg), derivationPath: path });
    const r1 = await c.sendSign(s1, { approvals: approvals(s1) });
    assert.equal(r1.derivationPath, path);
    assert.equal(hex(r1.verifyKey), hex(k1Child));
    assert.ok(opensslEcdsa(r1.signature, msg, k1Child), `openssl, secp256k1 ${path}`);
    assert.ok(!opensslEcdsa(r1.signature, msg, k1Pk), "not under the root key");
    const edChild = deriveEd25519(edPk, edChain, parsePath(path)); // hd.ts, the spec's scheme
    const s2 = c.prepareSign({ wallet, keyType: "ed25519", message: msg, derivationPath: path });
    const r2 = await c.sendSign(s2, { approvals: approvals(s2) });
    assert.equal(hex(r2.verifyKey), hex(edChild));
    assert.ok(opensslEd25519(r2.signature, msg, edChild), `openssl, ed25519 ${path}`);
    if (path === "m/0/5") { // a sibling's key does not verify it
      const sib = HDKey.fromExtendedKey(k1Xpub).derive("m/0/6").publicKey as Uint8Array;
      assert.ok(!opensslEcdsa(r1.signature, msg, sib));
      assert.ok(!opensslEd25519(r2.signature, msg, deriveEd25519(edPk, edChain, [0, 6])));
    }
  }
  assert.throws(() => c.prepareSign({ wallet, keyType: "secp256k1", message: sha256(msg), derivationPath: "m/0'/5" }),
    (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT" && /hardened/.test(e.message));
});

test("batch: one request signs many messages, every signature verified here and by OpenSSL", async () => {
  const eds = ["a", "bb", "ccc", "dddd"].map((t) => new TextEncoder().encode(`batch ${t}`));
  const s1 = c.prepareSign({ wallet, keyType: "ed25519", messages: eds });
  const r1 = await c.sendSign(s1, { approvals: approvals(s1) });
  assert.equal(r1.signatures?.length, eds.length);
  eds.forEach((m, i) => assert.ok(opensslEd25519(r1.signatures![i] as Uint8Array, m, edPk), `entry ${i}`));
  const digests = eds.map((m) => sha256(m));
  const s2 = c.prepareSign({ wallet, keyType: "secp256k1", messages: digests, derivationPath: "m/0/5" });
  const r2 = await c.sendSign(s2, { approvals: approvals(s2) });
  const child = HDKey.fromExtendedKey(k1Xpub).derive("m/0/5").publicKey as Uint8Array;
  assert.equal(r2.recoveryIds?.length, digests.length);
  eds.forEach((m, i) => assert.ok(opensslEcdsa(r2.signatures![i] as Uint8Array, m, child), `ECDSA entry ${i}`));
  const tooMany = Array.from({ length: 65 }, (_, i) => sha256(Uint8Array.of(i)));
  assert.throws(() => c.prepareSign({ wallet, keyType: "secp256k1", messages: tooMany }), (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT");
  const short = [sha256(eds[0] as Uint8Array), new Uint8Array(31).fill(1)];
  assert.throws(() => c.prepareSign({ wallet, keyType: "secp256k1", messages: short }), (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT");
  // The nodes refuse a bad entry too (a client that skipped the check): the whole batch, with its status.
  const raw = signRequest({ clientId: "ts-test" }, { wallet, keyType: "ed25519", messages: eds });
  if (raw.body.case === "sign") raw.body.value.messages = [...eds, new Uint8Array(0)];
  const bad = sealRequest(raw, SigningKey.fromFile(env.initiatorKey));
  await refused(c.sendSign(bad, { approvals: approvals(bad) }), "NODE_ERROR", "MPC_ERR_BATCH_ENTRY_INVALID");
});

test("Taproot: a secp256k1-tr key signs BIP340 under the output key this client recomputes (BIP86 and a script root)", async () => {
  const tw = `${wallet}-tr`;
  const sealed = c.prepareKeygen({ wallet: tw, keyTypes: ["secp256k1-tr"], threshold: 2 });
  const k = (await c.sendKeys(sealed, { approvals: approvals(sealed) })).keys[0]!;
  assert.equal(k.publicKey.length, 33);
  const sighash = sha256(new TextEncoder().encode("a BIP341 sighash stand-in"));
  const root = sha256(new TextEncoder().encode("script tree"));
  const modes: { opt: { taprootMerkleRoot?: Uint8Array; taprootUntweaked?: boolean }; tweak: TaprootTweak }[] = [
    { opt: {}, tweak: {} },
    { opt: { taprootMerkleRoot: root }, tweak: { merkleRoot: root } },
    { opt: { taprootUntweaked: true }, tweak: { untweaked: true } },
  ];
  for (const { opt, tweak } of modes) {
    const s = c.prepareSign({ wallet: tw, keyType: "secp256k1-tr", message: sighash, ...opt });
    const r = await c.sendSign(s, { approvals: approvals(s) });
    const q = outputKey(k.publicKey, tweak);
    assert.equal(hex(r.taprootOutputKey as Uint8Array), hex(q));
    assert.ok(schnorr.verify(r.signature, sighash, q), JSON.stringify(Object.keys(opt)));
    assert.ok(!schnorr.verify(r.signature, sha256(sighash), q));
  }
  assert.throws(() => c.prepareSign({ wallet: tw, keyType: "secp256k1-tr", messages: [sighash] }),
    (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT");
});
