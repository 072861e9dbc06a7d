// index.ts — the public API of @mpc-node/client.
export { MpcClient, type ConnectOptions, type CallOptions, type KeygenResult, type SignResult, type ReshareResult, type KeyInfo, type XpubResult } from "./client.js";
export { RESULTS_STREAM } from "./results.js";
export { ResubmitSchedule, resubmitMsgId, RESUBMIT_DEF_MS, RESUBMIT_DEF_MAX } from "./resubmit.js";
export { MpcError, type MpcErrorCode, type NodeFailure, type RejectedCopy } from "./errors.js";
export { SigningKey } from "./keys.js";
export { loadPeers, peersFromList, type Peers } from "./peers.js";
export { approve, attachApprovals, openSealed, newRequestId, type KeyTypeName } from "./request.js";
export { verifyEd25519, verifyEcdsa } from "./verify.js";
export { resultTranscript } from "./transcript.js";
export { Collector, acceptCopy } from "./collect.js";
export { parsePath, formatPath, deriveEd25519, deriveSecp256k1, deriveChild, xpubOf } from "./hd.js";
export { outputKey, internalKey, verifyBip340, type TaprootTweak } from "./taproot.js";
export { keyInfoQuery, verifyKeyInfo, decideKeyInfo, type KeyInfoQuery, type KeyInfoAnswer, type KeyFacts } from "./keyinfo.js";
