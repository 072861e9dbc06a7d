// Unit tests of hd.ts and taproot.ts against published values: the worked
// example of docs/specs/hd-derivation.md §4 (Ed25519), BIP32 test vector 2
// (public steps), BIP86's first key-path output (BIP341 tweak).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HDKey } from "@scure/bip32";
import { deriveEd25519, deriveSecp256k1, formatPath, parsePath, xpubOf } from "../../src/hd.js";
import { outputKey } from "../../src/taproot.js";
import { MpcError } from "../../src/errors.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

test("Ed25519: the spec's worked example, one step and m/0/5", () => {
  const a = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const c = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  assert.equal(hex(deriveEd25519(a, c, [0])), "a95f0a1a41018518e43c9f8841985185ea953714734eb7c049e6d69f08e346ba");
  assert.equal(hex(deriveEd25519(a, c, [0, 5])), "c0974a3d7adb9e4014eda0a8d57e1510b48f566d745d2f3d9cb8dd502708b13d");
  assert.notEqual(hex(deriveEd25519(a, c, [0, 6])), hex(deriveEd25519(a, c, [0, 5])));
});

test("secp256k1: BIP32 test vector 2, master xpub and its non-hardened child m/0", () => {
  const m = "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB";
  const m0 = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH";
  const k = HDKey.fromExtendedKey(m);
  assert.equal(xpubOf(k.publicKey as Uint8Array, k.chainCode as Uint8Array), m);
  assert.equal(hex(deriveSecp256k1(k.publicKey as Uint8Array, k.chainCode as Uint8Array, [0])), hex(HDKey.fromExtendedKey(m0).publicKey as Uint8Array));
});

test("paths: canonical text; hardened, leading zeros, too deep refused", () => {
  assert.deepEqual(parsePath("m/0/5"), [0, 5]);
  assert.equal(formatPath(parsePath("m")), "m");
  assert.equal(formatPath([1, 2147483647]), "m/1/2147483647");
  for (const bad of ["m/0'", "m/5h", "m/2147483648", "m/01", "0/5", "m//1", "m/-1", `m${"/1".repeat(33)}`]) {
    assert.throws(() => parsePath(bad), (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT", bad);
  }
});

test("Taproot: BIP86's first output key from its internal key", () => {
  const internal = unhex("02cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115");
  assert.equal(hex(outputKey(internal, {})), "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c");
  assert.equal(hex(outputKey(internal, { untweaked: true })), hex(internal.subarray(1)));
});
