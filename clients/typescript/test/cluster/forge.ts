// forge.ts — the forger of the trust-boundary tests, in TypeScript: it holds
// node-1's NATS password (not its identity key) and publishes fake Result
// copies for a request before the client sends it.
import { create, toBinary } from "@bufbuild/protobuf";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { ed25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "node:crypto";
import { KeyType, Op } from "../../src/gen/proto/request_pb.js";
import { ResultSchema } from "../../src/gen/proto/result_pb.js";
import { openSealed } from "../../src/request.js";
import { resultTranscript } from "../../src/transcript.js";
import { env } from "./env.js";

async function forger() {
  return connect({ servers: env.url, user: "node-1", pass: env.node1Pass, inboxPrefix: "_INBOX.node-1", name: "forger" });
}

function fakeCopy(sealed: Uint8Array, claim: string) {
  const { request } = openSealed(sealed);
  const b = request.body;
  const op = b.case === "keygen" ? Op.KEYGEN : b.case === "sign" ? Op.SIGN : Op.RESHARE;
  const kt = b.case === "keygen" ? (b.value.keyTypes[0] as KeyType) : (b.value as { keyType: KeyType }).keyType;
  const outsider = randomBytes(32);
  const r = create(ResultSchema, {
    requestId: request.requestId, op, keyType: kt, walletId: b.value?.walletId ?? "",
    publicKey: kt === KeyType.ED25519 ? ed25519.getPublicKey(outsider) : new Uint8Array(randomBytes(33)),
    eddsaSignature: op === Op.SIGN ? new Uint8Array(randomBytes(64)) : new Uint8Array(0),
    keyVersion: 1, participants: ["node-1", "node-2", "node-3"], threshold: 2,
    nodeId: claim, signerNodeId: claim, requestDigest: new Uint8Array(randomBytes(32)),
  });
  r.nodeSignature = ed25519.sign(resultTranscript(r), outsider);
  return { r, kt, request };
}

/**
 * Stores a fake copy on `node`'s result subject of the request, signed by an
 * outsider key; with msgIdOfRealCopy it takes the Nats-Msg-Id the node's real
 * copy will use (<request id>/<node>/<key type>), so the stream drops the real one.
 */
export async function forgeFirst(sealed: Uint8Array, node: string, o: { msgIdOfRealCopy: boolean }) {
  const { r, kt, request } = fakeCopy(sealed, node);
  const nc = await forger();
  try {
    const js = jetstream(nc);
    const ktName = kt === KeyType.ED25519 ? "ed25519" : "secp256k1";
    const msgID = o.msgIdOfRealCopy ? `${request.requestId}/${node}/${ktName}` : `forged-${request.requestId}`;
    const ack = await js.publish(`mpc.res.${request.clientId}.${request.requestId}.${node}`, toBinary(ResultSchema, r), { msgID });
    if (ack.stream !== "MPC_RES") throw new Error(`forged copy not stored: ${JSON.stringify(ack)}`);
  } finally {
    await nc.close();
  }
  return { publicKey: r.publicKey, signature: r.eddsaSignature };
}

/** true if the server refuses node-1's user a publish on `other`'s result subject. */
export async function forgePermissionDenied(sealed: Uint8Array, other: string): Promise<boolean> {
  const { r, request } = fakeCopy(sealed, other);
  const nc = await forger();
  let denied = false;
  const watch = (async () => {
    for await (const s of nc.status()) {
      if (s.type === "error" && /permission/i.test(String((s as { error?: unknown }).error ?? ""))) {
        denied = true;
        return;
      }
    }
  })();
  try {
    nc.publish(`mpc.res.${request.clientId}.${request.requestId}.${other}`, toBinary(ResultSchema, r));
    await nc.flush();
    for (let i = 0; i < 50 && !denied; i++) await new Promise((res) => setTimeout(res, 100));
  } finally {
    await nc.close();
    await watch.catch(() => undefined);
  }
  return denied;
}
