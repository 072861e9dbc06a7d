// bench.ts — N sign requests from this client, C in flight, every result
// checked by the client rule (node signatures, agreement, signature verified).
// Prints one JSON line: throughput and latency percentiles.
// Usage: node dist/examples/bench.js WALLET KEY_TYPE N C
import { randomBytes } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { connectFromEnv, approvalsFromEnv } from "./common.js";
import type { KeyTypeName } from "../src/index.js";

const [wallet, kt, nArg, cArg] = process.argv.slice(2);
if (wallet === undefined || (kt !== "ed25519" && kt !== "secp256k1")) {
  console.error("usage: bench.js WALLET ed25519|secp256k1 N C");
  process.exit(2);
}
const n = Number(nArg ?? 200);
const c = Number(cArg ?? 16);
const client = await connectFromEnv(`ts-bench-${process.pid}`);
const lat: number[] = [];
let ok = 0;
let failed = 0;
let next = 0;
const t0 = performance.now();
async function worker(): Promise<void> {
  while (next < n) {
    next++;
    const msg = kt === "secp256k1" ? sha256(randomBytes(32)) : new Uint8Array(randomBytes(32));
    const req = client.prepareSign({ wallet: wallet!, keyType: kt as KeyTypeName, message: msg });
    const s = performance.now();
    try {
      await client.sendSign(req, { approvals: approvalsFromEnv(req) });
      ok++;
      lat.push(performance.now() - s);
    } catch (e) {
      failed++;
      console.error(String(e), JSON.stringify((e as { rejected?: unknown }).rejected ?? []));
    }
  }
}
await Promise.all(Array.from({ length: Math.max(1, Math.min(c, n)) }, worker));
const secs = (performance.now() - t0) / 1000;
await client.close();
lat.sort((a, b) => a - b);
const pct = (p: number) => lat.length > 0 ? Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! * 10) / 10 : null;
console.log(JSON.stringify({ client: "typescript", key_type: kt, count: n, concurrency: c, ok, failed,
  seconds: Math.round(secs * 100) / 100, per_s: Math.round((ok / secs) * 10) / 10, p50_ms: pct(0.5), p90_ms: pct(0.9), p99_ms: pct(0.99) }));
process.exitCode = failed === 0 ? 0 : 1;
