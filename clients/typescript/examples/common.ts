// common.ts — what the examples read from the environment: the cluster's NATS
// URL and client password, the peers file, the initiator key, and (when the
// nodes require approvals) the authorizer key files, comma-separated.
import { MpcClient, SigningKey, approve } from "../src/index.js";

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") {
    console.error(`set ${name} (see clients/typescript/README.md)`);
    process.exit(2);
  }
  return v;
}

export async function connectFromEnv(clientId: string): Promise<MpcClient> {
  return MpcClient.connect({
    servers: need("MPC_NATS_URL"),
    user: process.env["MPC_NATS_USER"] ?? "client",
    pass: need("MPC_NATS_PASSWORD"),
    clientId,
    peers: need("MPC_PEERS"),
    initiator: SigningKey.fromFile(need("MPC_INITIATOR_KEY")),
  });
}

/** Approvals by every key in MPC_AUTHORIZER_KEYS (none when unset). */
export function approvalsFromEnv(sealed: Uint8Array): Uint8Array[] {
  const files = (process.env["MPC_AUTHORIZER_KEYS"] ?? "").split(",").filter((f) => f !== "");
  return files.map((f) => approve(sealed, SigningKey.fromFile(f)));
}
