// errors.ts — the typed errors of the client. Every failure is an MpcError with
// a stable `code`; errors that come from the nodes also carry the node status
// (common/status.h numbers and names) and, when the cluster names one, the culprit.

/** What went wrong, as a stable string a program can switch on. */
export type MpcErrorCode =
  | "BAD_INPUT" // an argument of the call is invalid (nothing was sent)
  | "BAD_KEY_FILE" // the initiator/authorizer key file cannot be read
  | "BAD_PEERS_FILE" // the peers file cannot be read
  | "NOT_CONNECTED" // NATS is not reachable or the connection closed
  | "TIMEOUT" // the required results did not all arrive in time
  | "NODE_ERROR" // a node answered with an error status
  | "DISAGREEMENT" // accepted copies disagree (key, version, signature, committee)
  | "BAD_SIGNATURE" // a reported signature does not verify under the (derived) key
  | "OTHER_REQUEST" // the nodes answered another request that used the same id
  | "PUBLISH_FAILED"; // JetStream did not take the request

/** One node's error copy, as the node signed it. */
export interface NodeFailure {
  node: string;
  status: number; // Result.status_code (common/status.h)
  statusName: string; // e.g. "MPC_ERR_PEER_UNAVAILABLE"
  errorText: string;
  failedRound: number;
  failedPeer: string; // culprit named with signed evidence, or ""
  disputed: string[]; // MPC_ERR_DISPUTED: the two parties a failed check points at
}

export class MpcError extends Error {
  readonly code: MpcErrorCode;
  /** The first node error (status, culprit), when the error came from the nodes. */
  readonly status?: number;
  readonly statusName?: string;
  readonly culprit?: string;
  readonly disputed?: string[];
  /** Every node's error copy (NODE_ERROR), the two sides (DISAGREEMENT), the missing nodes (TIMEOUT). */
  readonly failures: NodeFailure[];
  readonly missing: string[];
  readonly rejected: RejectedCopy[];
  readonly sides?: [string, string];

  constructor(
    code: MpcErrorCode,
    message: string,
    extra: {
      failures?: NodeFailure[];
      missing?: string[];
      rejected?: RejectedCopy[];
      sides?: [string, string];
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = "MpcError";
    this.code = code;
    this.failures = extra.failures ?? [];
    this.missing = extra.missing ?? [];
    this.rejected = extra.rejected ?? [];
    if (extra.sides !== undefined) this.sides = extra.sides;
    const first = this.failures[0];
    if (first !== undefined) {
      this.status = first.status;
      this.statusName = first.statusName;
      const culprit = this.failures.find((f) => f.failedPeer !== "")?.failedPeer;
      if (culprit !== undefined) this.culprit = culprit;
      const disputed = this.failures.find((f) => f.disputed.length > 0)?.disputed;
      if (disputed !== undefined) this.disputed = disputed;
    }
  }
}

/** A result copy that was not accepted (client rule 1): never shown as a result. */
export interface RejectedCopy {
  node: string; // the <node> token of the subject it arrived on
  reason: string;
}

export function badInput(message: string): MpcError {
  return new MpcError("BAD_INPUT", message);
}
