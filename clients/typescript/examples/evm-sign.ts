// evm-sign.ts — an EVM-style signature: keygen a secp256k1 wallet, sign the
// Keccak-256 digest of a message, and check it as an EVM node would: ecrecover
// (recovery id) gives the wallet's address. Usage: node dist/examples/evm-sign.js WALLET
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { connectFromEnv, approvalsFromEnv } from "./common.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const address = (compressed: Uint8Array) =>
  "0x" + hex(keccak_256(secp256k1.Point.fromBytes(compressed).toBytes(false).subarray(1)).subarray(12));

const wallet = process.argv[2] ?? `evm-${Date.now()}`;
const client = await connectFromEnv("ts-example");
try {
  const kg = client.prepareKeygen({ wallet, keyTypes: ["secp256k1"], threshold: 2 });
  const key = (await client.sendKeys(kg, { approvals: approvalsFromEnv(kg) })).keys[0]!;
  const digest = keccak_256(new TextEncoder().encode("\x19Ethereum Signed Message:\n5hello"));
  const req = client.prepareSign({ wallet, keyType: "secp256k1", message: digest });
  const sig = await client.sendSign(req, { approvals: approvalsFromEnv(req) });
  const recovered = secp256k1.recoverPublicKey(Uint8Array.of(sig.recoveryId!, ...sig.signature), digest, { prehash: false });
  const ok = address(recovered) === address(key.publicKey);
  console.log(JSON.stringify({ wallet, address: address(key.publicKey), r: hex(sig.signature.subarray(0, 32)),
    s: hex(sig.signature.subarray(32)), v: 27 + sig.recoveryId!, ecrecover_matches: ok }));
  process.exitCode = ok ? 0 : 1;
} finally {
  await client.close();
}
