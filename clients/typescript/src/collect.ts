// collect.ts — the client rule (proto/result.proto "CLIENT RULE"; mpc-cli's
// node/cli/cli_results*.c): which result copies are accepted, when enough have
// arrived, and whether the accepted ones agree. Pure: fed (subject, bytes) pairs.
import { fromBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { KeyType, Op } from "./gen/proto/request_pb.js";
import { ResultSchema, type Result } from "./gen/proto/result_pb.js";
import { MpcError, type NodeFailure, type RejectedCopy } from "./errors.js";
import { equal, toHex } from "./bytes.js";
import type { Peers } from "./peers.js";
import { NODE_ID_RE } from "./peers.js";
import { resultTranscript } from "./transcript.js";
import { keyTypeName } from "./request.js";
import { verifyFor } from "./verify.js";
import { deriveChild, formatPath, parsePath } from "./hd.js";
import { taprootResultOk, type TaprootTweak } from "./taproot.js";

export const STATUS_NOT_SELECTED = 521; // MPC_ERR_NOT_SELECTED: a holder the cluster did not choose
export const QUIET_MS = 1500; // an errors-only answer ends after this long without a copy

export interface CollectParams {
  op: Op;
  peers: Peers;
  requestDigest: Uint8Array; // SHA-256 of the Request bytes sent
  keyTypes: KeyType[]; // keygen: every key type asked for; else the one
  expected?: string[]; // nodes that must answer (default: the committee the copies name, else every peer)
  message?: Uint8Array; // sign: what was signed
  messages?: Uint8Array[]; // batch sign: what was signed, in order
  derivationPath?: string; // sign: the path requested ("" or absent: the key itself)
  taproot?: TaprootTweak; // secp256k1-tr sign: the request's tweak
  publicKey?: Uint8Array; // sign: verify against this key (the root, before any path) instead of the reported one
}

/** One accepted copy. */
export interface Copy {
  node: string;
  result: Result;
  arrivedMs: number;
}

/** Returns why a copy is not accepted (rule 1), or undefined. */
export function acceptCopy(r: Result, subjectNode: string, peers: Peers): string | undefined {
  const signer = r.signerNodeId;
  if (r.nodeSignature.length === 0 || !NODE_ID_RE.test(signer)) return "unsigned copy";
  if (subjectNode !== "" && subjectNode !== signer) return "signer is not the node of the subject it was published on";
  if (r.nodeId !== "" && r.nodeId !== signer) return "signer is not the node named in the result";
  const pk = peers.get(signer);
  if (pk === undefined) return "signer is not in the peers file";
  if (r.nodeSignature.length !== 64) return "node signature does not verify under the node's identity key";
  let ok = false;
  try {
    ok = ed25519.verify(r.nodeSignature, resultTranscript(r), pk, { zip215: false });
  } catch {
    ok = false;
  }
  return ok ? undefined : "node signature does not verify under the node's identity key";
}

/** What two successful copies of one key type disagree on, or undefined. */
export function disagreement(a: Result, b: Result): string | undefined {
  if (!equal(a.publicKey, b.publicKey)) return "public key";
  if (a.keyVersion !== b.keyVersion) return "key version";
  if (a.op !== b.op || !equal(a.requestDigest, b.requestDigest)) return "request";
  if (
    a.op === Op.SIGN &&
    (!equal(a.eddsaSignature, b.eddsaSignature) || !equal(a.ecdsaCompact, b.ecdsaCompact) ||
      !equal(a.schnorrSignature, b.schnorrSignature) || !equal(a.taprootOutputKey, b.taprootOutputKey) ||
      a.signatures.length !== b.signatures.length || a.signatures.some((x, i) => !equal(x, b.signatures[i] as Uint8Array)) ||
      a.recoveryIds.length !== b.recoveryIds.length || a.recoveryIds.some((x, i) => x !== b.recoveryIds[i]))
  ) {
    return "signature";
  }
  if (!equal(a.chainCode, b.chainCode)) return "chain code";
  if (a.derivationPath !== b.derivationPath || !equal(a.childPublicKey, b.childPublicKey)) return "derived key";
  if (
    a.op !== Op.SIGN &&
    (a.threshold !== b.threshold ||
      a.participants.length !== b.participants.length ||
      a.participants.some((p, i) => p !== b.participants[i]))
  ) {
    return "participants or threshold";
  }
  return undefined;
}

/** A batch result: one signature per message, in order, each verifying under pk (ECDSA: with its recovery id). */
export function batchOk(r: Result, messages: Uint8Array[], pk: Uint8Array): boolean {
  const n = messages.length;
  if (r.signatures.length !== n || r.eddsaSignature.length !== 0 || r.ecdsaCompact.length !== 0) return false;
  if (r.keyType === KeyType.ED25519) {
    return messages.every((m, i) => verifyFor(r.keyType, { eddsa: r.signatures[i] as Uint8Array, ecdsaRs: new Uint8Array(0), recid: 0 }, m, pk));
  }
  if (r.keyType !== KeyType.SECP256K1 || r.recoveryIds.length !== n) return false;
  return messages.every((m, i) =>
    verifyFor(r.keyType, { eddsa: new Uint8Array(0), ecdsaRs: r.signatures[i] as Uint8Array, recid: r.recoveryIds[i] as number }, m, pk));
}

export function subjectNode(subject: string): string {
  const t = subject.split(".");
  return t.length === 5 && t[0] === "mpc" && t[1] === "res" ? (t[4] as string) : "?";
}

export class Collector {
  readonly copies: Copy[] = [];
  readonly rejected: RejectedCopy[] = [];
  duplicates = 0;
  foreign = 0; // copies answering another request with the same id
  badSignature?: { node: string; keyType: KeyType };
  lastArrivalMs = 0;
  timedOut = false; // set by the caller when its wait ended before done()

  private readonly verified = new Set<string>(); // signed contents whose signatures verified

  constructor(private readonly p: CollectParams) {}

  add(subject: string, data: Uint8Array, arrivedMs: number): void {
    const node = subjectNode(subject);
    let r: Result;
    try {
      r = fromBinary(ResultSchema, data);
    } catch {
      this.rejected.push({ node, reason: "copy does not decode" });
      return;
    }
    const why = acceptCopy(r, node, this.p.peers);
    if (why !== undefined) {
      this.rejected.push({ node, reason: why });
      return;
    }
    this.lastArrivalMs = arrivedMs;
    if (r.requestDigest.length === 32 && !equal(r.requestDigest, this.p.requestDigest)) {
      this.foreign++;
      return;
    }
    if (this.copies.some((c) => c.node === r.signerNodeId && c.result.keyType === r.keyType)) {
      this.duplicates++;
      return;
    }
    this.copies.push({ node: r.signerNodeId, result: r, arrivedMs });
    if (r.statusCode === 0 && r.op === Op.SIGN && this.badSignature === undefined && !this.signatureOkOnce(r)) {
      this.badSignature = { node: r.signerNodeId, keyType: r.keyType };
    }
  }

  /**
   * The key a sign result must verify under: the group key (ours if given) for
   * no path; else the child this client derives itself (hd.ts) from it, the
   * result's chain code and the requested path — the result must name that
   * same path and child key.
   */
  private verifyKey(r: Result): Uint8Array | undefined {
    const root = this.p.publicKey ?? r.publicKey;
    let want = "";
    let idx: number[] = [];
    if (this.p.derivationPath !== undefined && this.p.derivationPath !== "") {
      idx = parsePath(this.p.derivationPath);
      want = formatPath(idx);
    }
    if (r.derivationPath !== want) return undefined;
    if (want === "") return r.childPublicKey.length === 0 || equal(r.childPublicKey, root) ? root : undefined;
    if (r.chainCode.length !== 32) return undefined;
    try {
      const child = deriveChild(r.keyType === KeyType.ED25519 ? "ed25519" : "secp256k1", root, r.chainCode, idx);
      return equal(r.childPublicKey, child) ? child : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * signatureOk, computed once per distinct signed content: copies that agree
   * carry the same signature fields, and a signature that verified once
   * verifies again (the check is a pure function of these fields and p).
   */
  private signatureOkOnce(r: Result): boolean {
    const k = [
      r.keyType, toHex(r.publicKey), toHex(r.eddsaSignature), toHex(r.ecdsaCompact), toHex(r.ecdsaR), toHex(r.ecdsaS),
      r.recoveryId, toHex(r.schnorrSignature), toHex(r.taprootOutputKey), toHex(r.taprootInternalKey),
      r.signatures.map(toHex).join(","), r.recoveryIds.join(","), r.derivationPath, toHex(r.childPublicKey),
      toHex(r.chainCode),
    ].join("|");
    if (this.verified.has(k)) return true;
    const ok = this.signatureOk(r);
    if (ok) this.verified.add(k);
    return ok;
  }

  private signatureOk(r: Result): boolean {
    const pk = this.verifyKey(r);
    if (pk === undefined) return false;
    const batch = this.p.messages;
    if (batch !== undefined && batch.length > 0) return batchOk(r, batch, pk);
    const msg = this.p.message;
    if (msg === undefined || r.signatures.length > 0) return false;
    if (r.keyType === KeyType.SECP256K1_TR) return taprootResultOk(r, pk, msg, this.p.taproot ?? {});
    return verifyFor(r.keyType, { eddsa: r.eddsaSignature, ecdsaRs: r.ecdsaCompact.subarray(0, 64), recid: r.recoveryId }, msg, pk) &&
      (r.keyType !== KeyType.SECP256K1 ||
        (r.ecdsaCompact.length === 65 && r.ecdsaCompact[64] === r.recoveryId &&
          equal(r.ecdsaR, r.ecdsaCompact.subarray(0, 32)) && equal(r.ecdsaS, r.ecdsaCompact.subarray(32, 64))));
  }

  private firstOk(): Copy | undefined {
    return this.copies.find((c) => c.result.statusCode === 0);
  }

  private isError(c: Copy): boolean {
    return c.result.statusCode !== 0 && c.result.statusCode !== STATUS_NOT_SELECTED;
  }

  /** The nodes whose answer is awaited. */
  expectedSet(): string[] {
    if (this.p.expected !== undefined && this.p.expected.length > 0) return this.p.expected;
    const ok = this.firstOk();
    if (ok !== undefined && ok.result.participants.length > 0) return ok.result.participants;
    return [...this.p.peers.keys()];
  }

  private complete(set: string[]): boolean {
    return set.every((n) => this.p.keyTypes.every((kt) => this.copies.some((c) => c.node === n && c.result.keyType === kt)));
  }

  /** 1 when nothing more is awaited. */
  done(): boolean {
    return this.complete([...this.p.peers.keys()]) || this.complete(this.expectedSet());
  }

  /** Only errors arrived so far (the answer may end after QUIET_MS without a copy). */
  errorsOnly(): boolean {
    return this.copies.length > 0 && this.copies.every((c) => this.isError(c));
  }

  failures(): NodeFailure[] {
    return this.copies.filter((c) => this.isError(c)).map((c) => ({
      node: c.node,
      status: c.result.statusCode,
      statusName: c.result.statusName,
      errorText: c.result.errorText,
      failedRound: c.result.failedRound,
      failedPeer: c.result.failedPeer,
      disputed: [...c.result.disputed],
    }));
  }

  /** The accepted successful copies per key type, after the agreement check. Throws MpcError otherwise. */
  finish(timedOut: boolean): Map<KeyType, Copy[]> {
    const extra = { rejected: this.rejected, failures: this.failures() };
    if (this.badSignature !== undefined) {
      const b = this.badSignature;
      throw new MpcError("BAD_SIGNATURE", `${b.node}: the ${keyTypeName(b.keyType)} signature does not verify`, extra);
    }
    const byType = new Map<KeyType, Copy[]>();
    for (const c of this.copies) {
      if (c.result.statusCode !== 0) continue;
      const list = byType.get(c.result.keyType) ?? [];
      const first = list[0];
      if (first !== undefined) {
        const what = disagreement(first.result, c.result);
        if (what !== undefined) {
          throw new MpcError("DISAGREEMENT", `${first.node} and ${c.node} disagree on the ${what}`, {
            ...extra,
            sides: [first.node, c.node],
          });
        }
      }
      list.push(c);
      byType.set(c.result.keyType, list);
    }
    const missing = new Set<string>();
    let quorum = this.p.keyTypes.length > 0;
    for (const kt of this.p.keyTypes) {
      const ok = byType.get(kt) ?? [];
      const first = ok[0];
      const set = this.p.expected !== undefined && this.p.expected.length > 0 ? this.p.expected
        : first !== undefined && first.result.participants.length > 0 ? first.result.participants
        : [...this.p.peers.keys()];
      const done = set.filter((n) => ok.some((c) => c.node === n));
      for (const n of set) if (!done.includes(n)) missing.add(n);
      if (first === undefined) quorum = false;
      else if (this.p.op === Op.SIGN) quorum &&= first.result.threshold > 0 && done.length >= first.result.threshold;
      else quorum &&= done.length === set.length;
    }
    if (quorum) return byType;
    const failures = this.failures();
    const all = { ...extra, missing: [...missing] };
    if (failures.length > 0) {
      const f = failures[0] as NodeFailure;
      throw new MpcError("NODE_ERROR", `${f.node}: ${f.statusName} (${f.status}): ${f.errorText}`, all);
    }
    if (this.foreign > 0) {
      throw new MpcError("OTHER_REQUEST", "the nodes answered another request that used this request id", all);
    }
    throw new MpcError(
      "TIMEOUT",
      `${timedOut ? "timed out" : "incomplete"}: no valid result from ${[...missing].join(", ") || "any node"}`,
      all,
    );
  }
}

export function hex(b: Uint8Array): string {
  return toHex(b);
}
