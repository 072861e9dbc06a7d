// taproot.ts — BIP340/BIP341 checks for secp256k1-tr results, by @noble/curves:
// the output key a signature must verify under is recomputed here from the
// group key (or the child key of the request's path) and the request's tweak.
import { schnorr } from "@noble/curves/secp256k1.js";
import { badInput } from "./errors.js";
import { concat, equal } from "./bytes.js";

export interface TaprootTweak {
  merkleRoot?: Uint8Array; // 32 bytes: that script tree's root; absent: key-path-only output (BIP86)
  untweaked?: boolean; // sign under the internal key itself (plain BIP340)
}

function bytesToInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** x-only internal key (32 bytes) of a compressed key (33 bytes). */
export function internalKey(key33: Uint8Array): Uint8Array {
  if (key33.length !== 33 || (key33[0] !== 2 && key33[0] !== 3)) throw badInput("taproot: a 33-byte compressed key");
  return key33.subarray(1);
}

/** The x-only output key (32 bytes) BIP341 makes from the internal key and the tweak. */
export function outputKey(key33: Uint8Array, t: TaprootTweak): Uint8Array {
  const px = internalKey(key33);
  if (t.untweaked === true) return px;
  const root = t.merkleRoot ?? new Uint8Array(0);
  if (root.length !== 0 && root.length !== 32) throw badInput("taproot merkle root: 32 bytes");
  const tw = bytesToInt(schnorr.utils.taggedHash("TapTweak", concat(px, root)));
  const P = schnorr.utils.lift_x(bytesToInt(px)); // even Y
  const Q = P.add(schnorr.Point.BASE.multiply(tw));
  return schnorr.utils.pointToBytes(Q);
}

/** BIP340: sig (64 B) over msg (32 B) under the x-only key q (32 B). */
export function verifyBip340(sig: Uint8Array, msg: Uint8Array, q: Uint8Array): boolean {
  try {
    return sig.length === 64 && q.length === 32 && schnorr.verify(sig, msg, q);
  } catch {
    return false;
  }
}

/** Returns: true if the result's output key is ours and its signature verifies under it. */
export function taprootResultOk(
  r: { schnorrSignature: Uint8Array; taprootOutputKey: Uint8Array; taprootInternalKey: Uint8Array },
  key33: Uint8Array,
  msg: Uint8Array,
  t: TaprootTweak,
): boolean {
  let q: Uint8Array;
  try {
    q = outputKey(key33, t);
  } catch {
    return false;
  }
  return equal(r.taprootOutputKey, q) && equal(r.taprootInternalKey, internalKey(key33)) &&
    verifyBip340(r.schnorrSignature, msg, q);
}
