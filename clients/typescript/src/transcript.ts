// transcript.ts — the transcript T a node signs for each Result copy
// (proto/result.proto "SIGNED RESULTS"; node/client/results.c is the node side):
//   T = enc("mpc-node/result/v1") || fields 1..22, 24..26 in field-number order
//       (27, 28 when present), integers big-endian, strings/bytes u32-length-prefixed;
//   then each optional block that is present, tagged by its first field number:
//       u32 29 || 29..31 (HD), u32 32 || 32 || u32 33 || 33 (batch),
//       u32 35 || 35..37 (Taproot), u32 38 || 38 (presignature).
import type { Result } from "./gen/proto/result_pb.js";

export const RESULT_DOMAIN = "mpc-node/result/v1";

class Buf {
  private parts: Uint8Array[] = [];
  private size = 0;
  private static enc = new TextEncoder();

  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, false);
    this.push(b);
  }
  u64(v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), false);
    this.push(b);
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.push(b);
  }
  str(s: string): void {
    this.bytes(Buf.enc.encode(s));
  }
  strs(v: string[]): void {
    this.u32(v.length);
    for (const s of v) this.str(s);
  }
  bins(v: Uint8Array[]): void {
    this.u32(v.length);
    for (const b of v) this.bytes(b);
  }
  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  out(): Uint8Array {
    const o = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      o.set(p, off);
      off += p.length;
    }
    return o;
  }
}

/** The bytes a node's identity key signs for `r` (its node_signature excluded). */
export function resultTranscript(r: Result): Uint8Array {
  const b = new Buf();
  b.str(RESULT_DOMAIN);
  b.str(r.requestId); // 1
  b.u32(r.op); // 2
  b.u32(r.keyType); // 3
  b.str(r.walletId); // 4
  b.u32(r.statusCode); // 5
  b.str(r.statusName); // 6
  b.str(r.errorText); // 7
  b.u32(r.failedRound); // 8
  b.str(r.failedPeer); // 9
  b.bytes(r.publicKey); // 10
  b.bytes(r.eddsaSignature); // 11
  b.bytes(r.ecdsaR); // 12
  b.bytes(r.ecdsaS); // 13
  b.u32(r.recoveryId); // 14
  b.bytes(r.ecdsaCompact); // 15
  b.u32(r.keyVersion); // 16
  b.strs(r.participants); // 17
  b.u32(r.threshold); // 18
  b.str(r.nodeId); // 19
  b.u64(r.finishedAtMs); // 20
  b.u64(r.durationMs); // 21
  b.bytes(r.requestDigest); // 22
  b.str(r.signerNodeId); // 24
  b.strs(r.disputed); // 25
  b.bins(r.evidence); // 26
  if (r.evidenceDigest.length > 0 || r.evidenceSize > 0n) {
    b.bytes(r.evidenceDigest); // 27
    b.u64(r.evidenceSize); // 28
  }
  if (r.chainCode.length > 0 || r.derivationPath !== "" || r.childPublicKey.length > 0) {
    b.u32(29);
    b.bytes(r.chainCode); // 29
    b.str(r.derivationPath); // 30
    b.bytes(r.childPublicKey); // 31
  }
  if (r.signatures.length > 0 || r.recoveryIds.length > 0) {
    b.u32(32);
    b.bins(r.signatures); // 32
    b.u32(33);
    b.u32(r.recoveryIds.length); // 33
    for (const v of r.recoveryIds) b.u32(v);
  }
  if (r.schnorrSignature.length > 0 || r.taprootOutputKey.length > 0 || r.taprootInternalKey.length > 0) {
    b.u32(35);
    b.bytes(r.schnorrSignature); // 35
    b.bytes(r.taprootOutputKey); // 36
    b.bytes(r.taprootInternalKey); // 37
  }
  if (r.presigUsed.length > 0) {
    b.u32(38);
    b.bytes(r.presigUsed); // 38
  }
  return b.out();
}
