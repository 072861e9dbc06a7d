// keyinfo.ts — the key-info query of proto/keyinfo.proto (subject
// mpc.n.<node>.keyinfo), as node/client/keyquery.h specifies it: the query is
// signed with the initiator key over "mpc-node/keyinfo-query/v1\0" || query
// bytes; each node's reply is signed with its identity key over
// "mpc-node/keyinfo-reply/v1\0" || reply bytes, names the node, echoes the
// nonce and carries SHA-256 of the query. decideKeyInfo is the client rule of
// `mpc-cli xpub --wallet`: at least max(threshold, 2) verified replies state
// the key identically and no verified reply states another.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, equal } from "./bytes.js";
import { MpcError, badInput } from "./errors.js";
import type { KeyType } from "./gen/proto/request_pb.js";
import {
  KeyInfoQuerySchema,
  KeyInfoReplySchema,
  KeyInfoSignedQuerySchema,
  KeyInfoSignedReplySchema,
} from "./gen/proto/keyinfo_pb.js";
import type { SigningKey } from "./keys.js";

const enc = new TextEncoder();
export const KEYINFO_QUERY_DOMAIN = enc.encode("mpc-node/keyinfo-query/v1\0");
export const KEYINFO_REPLY_DOMAIN = enc.encode("mpc-node/keyinfo-reply/v1\0");
export const KEYINFO_MAX_TTL_MS = 60000;
const WALLET_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** A query as sent: what a reply must answer. */
export interface KeyInfoQuery {
  keyType: KeyType;
  wallet: string;
  nonce: Uint8Array;
  sha256: Uint8Array; // SHA-256 of the KeyInfoQuery bytes
  bytes: Uint8Array; // the KeyInfoSignedQuery to send
}

/** A key as one node states it. */
export interface KeyFacts {
  keyType: KeyType;
  wallet: string;
  publicKey: Uint8Array;
  chainCode: Uint8Array; // 32 bytes, or empty (a key made before chain codes)
  activeVersion: number;
  threshold: number;
  committee: string[];
}

/** A verified reply: the facts, or the node's refusal status (common/status.h). */
export interface KeyInfoAnswer {
  node: string;
  statusCode: number;
  facts?: KeyFacts;
}

/** Builds and signs a query valid ttlMs from nowMs. */
export function keyInfoQuery(
  client: SigningKey,
  keyType: KeyType,
  wallet: string,
  nonce: Uint8Array,
  nowMs: number,
  ttlMs: number,
): KeyInfoQuery {
  if (!WALLET_RE.test(wallet)) throw badInput(`bad wallet id ${JSON.stringify(wallet)}`);
  if (nonce.length < 16 || nonce.length > 32) throw badInput("the nonce is 16 to 32 bytes");
  if (!(ttlMs > 0 && ttlMs <= KEYINFO_MAX_TTL_MS)) throw badInput(`the validity is 1 to ${KEYINFO_MAX_TTL_MS} ms`);
  const q = toBinary(KeyInfoQuerySchema, create(KeyInfoQuerySchema, {
    format: 1,
    keyType,
    walletId: wallet,
    nonce,
    createdAtMs: BigInt(nowMs),
    expiresAtMs: BigInt(nowMs + ttlMs),
  }));
  const bytes = toBinary(KeyInfoSignedQuerySchema, create(KeyInfoSignedQuerySchema, {
    query: q,
    clientPublicKey: client.publicKey,
    signature: client.sign(concat(KEYINFO_QUERY_DOMAIN, q)),
  }));
  return { keyType, wallet, nonce: Uint8Array.from(nonce), sha256: sha256(q), bytes };
}

function factsValid(f: KeyFacts, node: string): boolean {
  const len = f.keyType === 1 ? 32 : 33;
  const ids = new Set(f.committee);
  return f.publicKey.length === len && (f.chainCode.length === 0 || f.chainCode.length === 32) &&
    f.activeVersion >= 1 && f.threshold >= 2 && f.committee.length >= f.threshold &&
    f.committee.length <= 64 && ids.size === f.committee.length && ids.has(node);
}

/**
 * Checks node's reply to q under its identity key nodeKey (peers file).
 * Throws MpcError BAD_SIGNATURE (not signed by the node), OTHER_REQUEST (another
 * query, nonce, node, wallet or key type) or NODE_ERROR (undecodable, impossible facts).
 */
export function verifyKeyInfo(reply: Uint8Array, node: string, nodeKey: Uint8Array, q: KeyInfoQuery): KeyInfoAnswer {
  let s, r;
  try {
    s = fromBinary(KeyInfoSignedReplySchema, reply);
  } catch {
    throw new MpcError("NODE_ERROR", `${node}: key-info reply does not decode`);
  }
  if (s.signature.length !== 64 || !ed25519.verify(s.signature, concat(KEYINFO_REPLY_DOMAIN, s.reply), nodeKey)) {
    throw new MpcError("BAD_SIGNATURE", `${node}: key-info reply not signed by its identity key`);
  }
  try {
    r = fromBinary(KeyInfoReplySchema, s.reply);
  } catch {
    throw new MpcError("NODE_ERROR", `${node}: key-info reply does not decode`);
  }
  if (r.format !== 1) throw new MpcError("NODE_ERROR", `${node}: key-info reply format ${r.format}`);
  if (r.nodeId !== node || !equal(r.querySha256, q.sha256) || !equal(r.nonce, q.nonce) ||
      r.keyType !== q.keyType || r.walletId !== q.wallet) {
    throw new MpcError("OTHER_REQUEST", `${node}: key-info reply answers another query`);
  }
  if (r.statusCode !== 0) return { node, statusCode: r.statusCode };
  const facts: KeyFacts = {
    keyType: r.keyType,
    wallet: r.walletId,
    publicKey: r.publicKey,
    chainCode: r.chainCode,
    activeVersion: r.activeVersion,
    threshold: r.threshold,
    committee: [...r.committee],
  };
  if (!factsValid(facts, node)) throw new MpcError("NODE_ERROR", `${node}: key-info reply states an impossible key`);
  return { node, statusCode: 0, facts };
}

function sameFacts(a: KeyFacts, b: KeyFacts): boolean {
  return a.keyType === b.keyType && a.wallet === b.wallet && equal(a.publicKey, b.publicKey) &&
    equal(a.chainCode, b.chainCode) && a.activeVersion === b.activeVersion && a.threshold === b.threshold &&
    a.committee.length === b.committee.length && a.committee.every((id, i) => id === b.committee[i]);
}

/**
 * The client rule over verified answers: the key stated by at least
 * max(threshold, 2) of them, none stating another. Throws DISAGREEMENT (naming
 * the nodes outside the largest agreeing group) or TIMEOUT (too few).
 */
export function decideKeyInfo(answers: KeyInfoAnswer[]): { facts: KeyFacts; nodes: string[] } {
  const ok = answers.filter((a) => a.statusCode === 0 && a.facts !== undefined);
  let best: KeyInfoAnswer[] = [];
  for (const a of ok) {
    const group = ok.filter((b) => sameFacts(a.facts as KeyFacts, b.facts as KeyFacts));
    if (group.length > best.length) best = group;
  }
  if (best.length < ok.length) {
    const others = ok.filter((a) => !best.includes(a)).map((a) => a.node);
    throw new MpcError("DISAGREEMENT", `${others.join(", ")} state another key than ${best.map((a) => a.node).join(", ")}`, {
      sides: [others[0] as string, (best[0] as KeyInfoAnswer).node],
    });
  }
  const first = best[0];
  const quorum = Math.max(2, first?.facts?.threshold ?? 2);
  if (first === undefined || best.length < quorum) {
    const refused = answers.filter((a) => a.statusCode !== 0).map((a) => `${a.node}: status ${a.statusCode}`);
    throw new MpcError("TIMEOUT", `${best.length} verified key-info replies, ${quorum} needed${refused.length > 0 ? ` (${refused.join("; ")})` : ""}`);
  }
  return { facts: first.facts as KeyFacts, nodes: best.map((a) => a.node) };
}
