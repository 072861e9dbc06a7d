// verify.ts — signature checks by independent libraries (@noble/curves):
// Ed25519 per RFC 8032 (strict, not ZIP-215), ECDSA secp256k1 over a 32-byte
// digest with low S and the recovery id recovering the group key.
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { KeyType } from "./gen/proto/request_pb.js";
import { concat, equal } from "./bytes.js";

/** Ed25519: sig (64 B R||S) over msg under pk (32 B). */
export function verifyEd25519(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  try {
    return sig.length === 64 && pk.length === 32 && ed25519.verify(sig, msg, pk, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * ECDSA secp256k1: rs (64 B r||s, low S) over the 32-byte digest under the
 * compressed key pk (33 B); recid (0..3) must recover pk.
 */
export function verifyEcdsa(rs: Uint8Array, recid: number, digest: Uint8Array, pk: Uint8Array): boolean {
  try {
    if (rs.length !== 64 || digest.length !== 32 || pk.length !== 33 || recid < 0 || recid > 3) return false;
    if (!secp256k1.verify(rs, digest, pk, { prehash: false, lowS: true, format: "compact" })) return false;
    const rec = secp256k1.recoverPublicKey(concat(Uint8Array.of(recid), rs), digest, { prehash: false });
    return equal(rec, pk);
  } catch {
    return false;
  }
}

/** The check for a key type: signature bytes as carried in a Result. */
export function verifyFor(
  keyType: KeyType,
  sig: { eddsa: Uint8Array; ecdsaRs: Uint8Array; recid: number },
  msg: Uint8Array,
  pk: Uint8Array,
): boolean {
  if (keyType === KeyType.ED25519) return verifyEd25519(sig.eddsa, msg, pk);
  if (keyType === KeyType.SECP256K1) return verifyEcdsa(sig.ecdsaRs, sig.recid, msg, pk);
  return false;
}
