// env.ts — what tests/integration/test_ts_client.sh hands the cluster tests:
// the NATS URL and passwords of the local cluster it started, the peers file,
// the initiator key, the authorizer keys (the nodes require 2 of 3 approvals),
// and mpc-cli for the interoperability checks.
import { MpcClient, SigningKey, approve } from "../../src/index.js";

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set: run tests/integration/test_ts_client.sh`);
  return v;
}

export const env = {
  url: need("MPC_TS_NATS_URL"),
  clientPass: need("MPC_TS_CLIENT_PASS"),
  node1Pass: need("MPC_TS_NODE1_PASS"),
  peers: need("MPC_TS_PEERS"),
  initiatorKey: need("MPC_TS_INITIATOR_KEY"),
  authKeys: need("MPC_TS_AUTH_KEYS").split(","),
  dir: need("MPC_TS_DIR"),
  cli: need("MPC_TS_CLI"),
};

export const authorizers = env.authKeys.map((f) => SigningKey.fromFile(f));

export async function client(clientId = "ts-test"): Promise<MpcClient> {
  return MpcClient.connect({
    servers: env.url,
    user: "client",
    pass: env.clientPass,
    clientId,
    peers: env.peers,
    initiator: SigningKey.fromFile(env.initiatorKey),
    timeoutMs: 90000,
  });
}

/** Approvals of authorizers 0 and 1 (the nodes require 2 of 3). */
export function approvals(sealed: Uint8Array, who: number[] = [0, 1]): Uint8Array[] {
  return who.map((i) => approve(sealed, authorizers[i] as SigningKey));
}
