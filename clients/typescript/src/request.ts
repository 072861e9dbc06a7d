// request.ts — building, sealing and approving requests (proto/request.proto;
// node/client/request.c is the node side). The initiator signs the encoded
// Request bytes: Ed25519("mpc-node/request/v1\0" || bytes); an authorizer signs
// the same bytes with the prefix "mpc-node/approval/v1\0". The node checks
// everything again: these checks only keep a bad call from being sent.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "node:crypto";
import {
  ApprovalSchema,
  KeyType,
  Op,
  RequestSchema,
  SignedRequestSchema,
  type Approval,
  type Request,
  type SignedRequest,
} from "./gen/proto/request_pb.js";
import { parsePath } from "./hd.js";
import { badInput } from "./errors.js";
import { concat, toHex } from "./bytes.js";
import type { SigningKey } from "./keys.js";
import { NODE_ID_RE } from "./peers.js";

const enc = new TextEncoder();
export const REQUEST_DOMAIN = enc.encode("mpc-node/request/v1\0");
export const APPROVAL_DOMAIN = enc.encode("mpc-node/approval/v1\0");

export const TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/; // request id, client id
export const WALLET_RE = /^[A-Za-z0-9._-]{1,64}$/;
export const MESSAGE_MAX = 16 * 1024; // node/client/request.h NODE_CLIENT_REQUEST_MSG_MAX
export const PARTIES_MAX = 64;
export const REQUEST_MAX_BYTES = 64 * 1024;

/** Key types by their mpc-cli names. */
export type KeyTypeName = "ed25519" | "secp256k1" | "secp256k1-tr";
const KEY_TYPES: Record<KeyTypeName, KeyType> = {
  ed25519: KeyType.ED25519,
  secp256k1: KeyType.SECP256K1,
  "secp256k1-tr": KeyType.SECP256K1_TR,
};
export const BATCH_MAX = 64; // node/client/request.h NODE_CLIENT_REQUEST_BATCH_MAX (sign.max_batch may be lower)

export function keyTypeOf(name: string): KeyType {
  const kt = KEY_TYPES[name as KeyTypeName];
  if (kt === undefined) throw badInput(`unknown key type ${JSON.stringify(name)} (ed25519, secp256k1 or secp256k1-tr)`);
  return kt;
}

export function keyTypeName(kt: KeyType): string {
  const e = Object.entries(KEY_TYPES).find(([, v]) => v === kt);
  return e !== undefined ? e[0] : `key type ${kt}`;
}

export function opName(op: Op): "keygen" | "sign" | "reshare" {
  if (op === Op.KEYGEN) return "keygen";
  if (op === Op.SIGN) return "sign";
  if (op === Op.RESHARE) return "reshare";
  throw badInput(`unknown op ${op}`);
}

/** A random request id (24 characters of [A-Za-z0-9_-]). */
export function newRequestId(): string {
  return randomBytes(18).toString("base64url");
}

export interface Envelope {
  requestId?: string; // default random
  clientId: string;
  expiresInMs?: number; // default: no expiry
  nowMs?: number; // default Date.now()
}

function checkIds(ids: string[] | undefined, what: string, min: number): string[] {
  const v = ids ?? [];
  if (v.length > PARTIES_MAX) throw badInput(`${what}: more than ${PARTIES_MAX} node ids`);
  for (const id of v) if (!NODE_ID_RE.test(id)) throw badInput(`${what}: bad node id ${JSON.stringify(id)}`);
  if (new Set(v).size !== v.length) throw badInput(`${what}: a node id is listed twice`);
  if (v.length > 0 && v.length < min) throw badInput(`${what}: at least ${min} node ids`);
  return v;
}

function checkThreshold(k: number, n: number, what: string): void {
  if (!Number.isInteger(k) || k < 2 || (n > 0 && k > n)) {
    throw badInput(`${what} ${k} outside 2 <= k <= ${n > 0 ? n : "n"}`);
  }
}

function envelope(e: Envelope): Pick<Request, "requestId" | "clientId" | "createdAtMs" | "expiresAtMs"> {
  const requestId = e.requestId ?? newRequestId();
  if (!TOKEN_RE.test(requestId)) throw badInput(`bad request id ${JSON.stringify(requestId)} ([A-Za-z0-9_-]{1,64})`);
  if (!TOKEN_RE.test(e.clientId)) throw badInput(`bad client id ${JSON.stringify(e.clientId)} ([A-Za-z0-9_-]{1,64})`);
  const now = e.nowMs ?? Date.now();
  let expires = 0;
  if (e.expiresInMs !== undefined) {
    if (!Number.isInteger(e.expiresInMs) || e.expiresInMs <= 0) throw badInput("expiresInMs must be a positive integer");
    expires = now + e.expiresInMs;
  }
  return { requestId, clientId: e.clientId, createdAtMs: BigInt(now), expiresAtMs: BigInt(expires) };
}

export interface KeygenParams {
  wallet: string;
  keyTypes: KeyTypeName[];
  participants?: string[]; // default: every peer
  threshold: number;
}

export function keygenRequest(e: Envelope, p: KeygenParams, nPeers: number): Request {
  if (!WALLET_RE.test(p.wallet)) throw badInput(`bad wallet id ${JSON.stringify(p.wallet)}`);
  if (p.keyTypes.length < 1 || new Set(p.keyTypes).size !== p.keyTypes.length) {
    throw badInput("keyTypes: one or both key types, each once");
  }
  const kts = p.keyTypes.map(keyTypeOf);
  const parts = checkIds(p.participants, "participants", 2);
  checkThreshold(p.threshold, parts.length > 0 ? parts.length : nPeers, "threshold");
  return create(RequestSchema, {
    ...envelope(e),
    body: { case: "keygen", value: { walletId: p.wallet, keyTypes: kts, participants: parts, threshold: p.threshold } },
  });
}

export interface SignParams {
  wallet: string;
  keyType: KeyTypeName;
  /** Ed25519: the message; secp256k1: the 32-byte digest; secp256k1-tr: the 32-byte BIP341 sighash. */
  message?: Uint8Array;
  /** A batch instead of `message`: 1..64 entries, one session, one signature each, in order. */
  messages?: Uint8Array[];
  /** Sign with the child key at this non-hardened path ("m/0/5"; docs/specs/hd-derivation.md). */
  derivationPath?: string;
  /** secp256k1-tr: the 32-byte script tree root of the output key (default: key-path only, BIP86). */
  taprootMerkleRoot?: Uint8Array;
  /** secp256k1-tr: sign under the internal key itself (no BIP341 tweak). */
  taprootUntweaked?: boolean;
  signers?: string[]; // default: the cluster chooses threshold live holders
  keyVersion?: number; // default: the active version
}

/** Checks one message for a key type (what the nodes refuse, refused here first). */
function checkMessage(kt: KeyType, m: unknown, what: string): Uint8Array {
  if (!(m instanceof Uint8Array) || m.length === 0 || m.length > MESSAGE_MAX) {
    throw badInput(`${what}: 1..${MESSAGE_MAX} bytes`);
  }
  if (kt !== KeyType.ED25519) {
    if (m.length !== 32) throw badInput(`${what}: ${keyTypeName(kt)} signs a 32-byte digest`);
    if (kt === KeyType.SECP256K1 && m.every((b) => b === 0)) throw badInput(`${what}: the all-zero digest is refused`);
  }
  return m;
}

export function signRequest(e: Envelope, p: SignParams): Request {
  if (!WALLET_RE.test(p.wallet)) throw badInput(`bad wallet id ${JSON.stringify(p.wallet)}`);
  const kt = keyTypeOf(p.keyType);
  const tr = kt === KeyType.SECP256K1_TR;
  if ((p.message === undefined) === (p.messages === undefined)) throw badInput("give message or messages (a batch), not both");
  let message: Uint8Array = new Uint8Array(0);
  let messages: Uint8Array[] = [];
  if (p.messages !== undefined) {
    if (tr) throw badInput("secp256k1-tr signs one message per request (no batch)");
    if (!Array.isArray(p.messages) || p.messages.length === 0 || p.messages.length > BATCH_MAX) {
      throw badInput(`messages: 1..${BATCH_MAX} entries`);
    }
    messages = p.messages.map((m, i) => checkMessage(kt, m, `messages[${i}]`));
  } else {
    message = checkMessage(kt, p.message, "message");
  }
  let path = "";
  if (p.derivationPath !== undefined && p.derivationPath !== "") {
    parsePath(p.derivationPath);
    path = p.derivationPath;
  }
  const root = p.taprootMerkleRoot ?? new Uint8Array(0);
  const untweaked = p.taprootUntweaked ?? false;
  if (!tr && (root.length > 0 || untweaked)) throw badInput("taproot options need key type secp256k1-tr");
  if (root.length !== 0 && root.length !== 32) throw badInput("taprootMerkleRoot: 32 bytes");
  if (untweaked && root.length > 0) throw badInput("taprootUntweaked excludes a merkle root");
  const signers = checkIds(p.signers, "signers", 2);
  const v = p.keyVersion ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw badInput("keyVersion: a u32");
  return create(RequestSchema, {
    ...envelope(e),
    body: {
      case: "sign",
      value: {
        walletId: p.wallet, keyType: kt, message, messages, signers, keyVersion: v,
        derivationPath: path, taprootMerkleRoot: root, taprootUntweaked: untweaked,
      },
    },
  });
}

export interface ReshareParams {
  wallet: string;
  keyType: KeyTypeName;
  newParticipants: string[];
  newThreshold: number;
}

export function reshareRequest(e: Envelope, p: ReshareParams): Request {
  if (!WALLET_RE.test(p.wallet)) throw badInput(`bad wallet id ${JSON.stringify(p.wallet)}`);
  const kt = keyTypeOf(p.keyType);
  const parts = checkIds(p.newParticipants, "newParticipants", 2);
  if (parts.length === 0) throw badInput("newParticipants: the new committee");
  checkThreshold(p.newThreshold, parts.length, "newThreshold");
  return create(RequestSchema, {
    ...envelope(e),
    body: {
      case: "reshare",
      value: { walletId: p.wallet, keyType: kt, newParticipants: parts, newThreshold: p.newThreshold },
    },
  });
}

/** The initiator's seal: the encoded SignedRequest (no approvals yet). */
export function sealRequest(req: Request, initiator: SigningKey): Uint8Array {
  const bytes = toBinary(RequestSchema, req);
  const sr = create(SignedRequestSchema, {
    request: bytes,
    initiatorPublicKey: initiator.publicKey,
    signature: initiator.sign(concat(REQUEST_DOMAIN, bytes)),
  });
  const out = toBinary(SignedRequestSchema, sr);
  if (out.length > REQUEST_MAX_BYTES) throw badInput(`the signed request is ${out.length} bytes (max ${REQUEST_MAX_BYTES})`);
  return out;
}

/** Decodes a sealed request (a file of `mpc-cli ... --out-request` or sealRequest's bytes). */
export function openSealed(sealed: Uint8Array): { signed: SignedRequest; request: Request } {
  let signed: SignedRequest;
  let request: Request;
  try {
    signed = fromBinary(SignedRequestSchema, sealed);
    request = fromBinary(RequestSchema, signed.request);
  } catch (e) {
    throw badInput(`not a sealed request (${(e as Error).message})`);
  }
  if (signed.request.length === 0 || request.body.case === undefined) throw badInput("not a sealed request (empty)");
  return { signed, request };
}

/** An authorizer's approval of a sealed request: encoded Approval bytes (what `mpc-cli approve` writes). */
export function approve(sealed: Uint8Array, authorizer: SigningKey): Uint8Array {
  const { signed } = openSealed(sealed);
  const a = create(ApprovalSchema, {
    publicKey: authorizer.publicKey,
    signature: authorizer.sign(concat(APPROVAL_DOMAIN, signed.request)),
    requestSha256: sha256(signed.request),
  });
  return toBinary(ApprovalSchema, a);
}

/** The sealed request with approvals attached (encoded Approval bytes each). */
export function attachApprovals(sealed: Uint8Array, approvals: Uint8Array[]): Uint8Array {
  const { signed } = openSealed(sealed);
  const list: Approval[] = approvals.map((b, i) => {
    try {
      return fromBinary(ApprovalSchema, b);
    } catch {
      throw badInput(`approval ${i}: does not decode`);
    }
  });
  signed.approvals = [...signed.approvals, ...list];
  return toBinary(SignedRequestSchema, signed);
}

/** The Nats-Msg-Id of a sealed request: hex SHA-256 of its bytes (node/client/request.c). */
export function msgId(sealed: Uint8Array): string {
  return toHex(sha256(sealed));
}

/** request_digest the nodes put in their results: SHA-256 of the Request bytes. */
export function requestDigest(sealed: Uint8Array): Uint8Array {
  return sha256(openSealed(sealed).signed.request);
}
