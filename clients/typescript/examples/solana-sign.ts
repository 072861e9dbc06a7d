// solana-sign.ts — a Solana-style signature: keygen an Ed25519 wallet, sign a
// message, check it with @noble/curves under the wallet's address (the base58
// public key). Usage: node dist/examples/solana-sign.js WALLET
import { ed25519 } from "@noble/curves/ed25519.js";
import { base58 } from "@scure/base";
import { connectFromEnv, approvalsFromEnv } from "./common.js";

const wallet = process.argv[2] ?? `sol-${Date.now()}`;
const client = await connectFromEnv("ts-example");
try {
  const kg = client.prepareKeygen({ wallet, keyTypes: ["ed25519"], threshold: 2 });
  const key = (await client.sendKeys(kg, { approvals: approvalsFromEnv(kg) })).keys[0]!;
  const message = new TextEncoder().encode("transfer 0.5 SOL to 9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin");
  const req = client.prepareSign({ wallet, keyType: "ed25519", message });
  const sig = await client.sendSign(req, { approvals: approvalsFromEnv(req) });
  const ok = ed25519.verify(sig.signature, message, key.publicKey);
  console.log(JSON.stringify({ wallet, address: base58.encode(key.publicKey), signature: base58.encode(sig.signature), verified: ok }));
  process.exitCode = ok ? 0 : 1;
} finally {
  await client.close();
}
