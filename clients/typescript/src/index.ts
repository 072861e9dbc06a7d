// index.ts — the public API of @mpc-node/client.
export { MpcClient, type ConnectOptions, type CallOptions, type KeygenResult, type SignResult, type ReshareResult, type KeyInfo } from "./client.js";
export { RESULTS_STREAM } from "./results.js";
export { MpcError, type MpcErrorCode, type NodeFailure, type RejectedCopy } from "./errors.js";
export { SigningKey } from "./keys.js";
export { loadPeers, peersFromList, type Peers } from "./peers.js";
export { approve, attachApprovals, openSealed, newRequestId, type KeyTypeName } from "./request.js";
export { verifyEd25519, verifyEcdsa } from "./verify.js";
export { resultTranscript } from "./transcript.js";
export { Collector, acceptCopy } from "./collect.js";
