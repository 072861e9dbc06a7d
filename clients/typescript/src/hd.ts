// hd.ts — public key derivation as docs/specs/hd-derivation.md defines it,
// done here independently of the nodes: secp256k1 with @scure/bip32 (BIP32
// CKDpub), Ed25519 with the spec's additive scheme (@noble/hashes HMAC-SHA512,
// @noble/curves points). A client derives the child key a signature must verify
// under itself, from the group key and the chain code in the signed results.
import { HDKey } from "@scure/bip32";
import { ed25519 } from "@noble/curves/ed25519.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { badInput } from "./errors.js";
import { concat } from "./bytes.js";

export const PATH_DEPTH_MAX = 32;
const HARDENED = 0x80000000;
const ED_DOMAIN = new TextEncoder().encode("MPC-HD-Ed25519-v1");

/**
 * Parses "m/i/j/..." (non-hardened indices, decimal without leading zeros, at
 * most 32 components). Throws BAD_INPUT for anything else, naming a hardened
 * index as such (the nodes refuse it with MPC_ERR_HD_HARDENED).
 */
export function parsePath(text: string): number[] {
  const parts = text.split("/");
  if (parts[0] !== "m" || parts.length - 1 > PATH_DEPTH_MAX) throw badInput(`bad derivation path ${JSON.stringify(text)}`);
  return parts.slice(1).map((p) => {
    if (/^[0-9]+['hH]$/.test(p)) throw badInput(`hardened index ${p} refused (public derivation only)`);
    if (!/^(0|[1-9][0-9]{0,9})$/.test(p)) throw badInput(`bad derivation index ${JSON.stringify(p)}`);
    const i = Number(p);
    if (i >= HARDENED) throw badInput(`hardened index ${p} refused (public derivation only)`);
    return i;
  });
}

/** The canonical text of a path ("m/0/5"; "m" for depth 0), as results carry it. */
export function formatPath(idx: number[]): string {
  return idx.length === 0 ? "m" : `m/${idx.join("/")}`;
}

function ser32(i: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i, false);
  return b;
}

function leInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let k = b.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k] as number);
  return v;
}

/** One Ed25519 step of the spec (§2): returns the child key and chain code. */
function ed25519Step(a: Uint8Array, c: Uint8Array, i: number): { key: Uint8Array; chain: Uint8Array } {
  const tail = concat(a, ser32(i));
  const iT = hmac(sha512, c, concat(ED_DOMAIN, Uint8Array.of(0), tail));
  const iC = hmac(sha512, c, concat(ED_DOMAIN, Uint8Array.of(1), tail));
  const tau = leInt(iT) % ed25519.Point.Fn.ORDER;
  if (tau === 0n) throw badInput(`derivation index ${i} yields no valid child key`);
  const child = ed25519.Point.fromBytes(a).add(ed25519.Point.BASE.multiply(tau));
  if (child.is0()) throw badInput(`derivation index ${i} yields no valid child key`);
  return { key: child.toBytes(), chain: iC.subarray(0, 32) };
}

/** The Ed25519 child key (32 bytes) at path under (key, chain code). */
export function deriveEd25519(key: Uint8Array, chain: Uint8Array, path: number[]): Uint8Array {
  if (key.length !== 32 || chain.length !== 32) throw badInput("ed25519 derivation needs a 32-byte key and chain code");
  let k = key;
  let c = chain;
  for (const i of path) ({ key: k, chain: c } = ed25519Step(k, c, i));
  return k;
}

/** The secp256k1 root extended public key (BIP32, depth 0) of a group key and chain code. */
export function rootHDKey(key33: Uint8Array, chain: Uint8Array): HDKey {
  if (key33.length !== 33 || chain.length !== 32) throw badInput("secp256k1 derivation needs a 33-byte key and chain code");
  return new HDKey({ publicKey: key33, chainCode: chain });
}

/** The BIP32 xpub (Base58Check) of a secp256k1 group key and its chain code. */
export function xpubOf(key33: Uint8Array, chain: Uint8Array): string {
  return rootHDKey(key33, chain).publicExtendedKey;
}

/** The secp256k1 child key (33 bytes, compressed) at path, by @scure/bip32. */
export function deriveSecp256k1(key33: Uint8Array, chain: Uint8Array, path: number[]): Uint8Array {
  const child = path.length === 0 ? rootHDKey(key33, chain) : rootHDKey(key33, chain).derive(formatPath(path));
  if (child.publicKey === null) throw badInput("derivation gave no public key");
  return child.publicKey;
}

/** The child key for a key type's curve ("ed25519": 32 bytes, else 33-byte secp256k1). */
export function deriveChild(curve: "ed25519" | "secp256k1", key: Uint8Array, chain: Uint8Array, path: number[]): Uint8Array {
  return curve === "ed25519" ? deriveEd25519(key, chain, path) : deriveSecp256k1(key, chain, path);
}
