// resubmit.ts — publishing a request again when no result for it comes
// (docs/DESIGN.md §4, "Client resubmission"; the same rule as mpc-cli's
// node/cli/cli_resubmit.h). JetStream may acknowledge a request and never
// deliver it to any node; the client then publishes the SAME sealed bytes
// again, under a new Nats-Msg-Id `<hash>.r<N>` (the stream's duplicate window
// would drop the same id). The nodes run a request once and answer every copy
// from their request log, so a resubmission never makes a second signature
// or key. A resubmission is due when `intervalMs` passed since the last
// publish and since the last copy that arrived, at most `max` times.
import { badInput } from "./errors.js";

export const RESUBMIT_DEF_MS = 10000; // default quiet time before a resubmission
export const RESUBMIT_DEF_MAX = 5; // default bound per request
const RESUBMIT_MS_MAX = 3600000;
const RESUBMIT_MAX_MAX = 100;

export class ResubmitSchedule {
  /** Resubmissions made so far. */
  count = 0;
  private last: number;

  /** intervalMs 0 turns resubmission off. Throws BAD_INPUT for values out of range. */
  constructor(readonly intervalMs: number, readonly max: number, nowMs: number) {
    if (!Number.isInteger(intervalMs) || intervalMs < 0 || intervalMs > RESUBMIT_MS_MAX) {
      throw badInput(`resubmitMs must be an integer in [0, ${RESUBMIT_MS_MAX}]`);
    }
    if (!Number.isInteger(max) || max < 0 || max > RESUBMIT_MAX_MAX) {
      throw badInput(`resubmitMax must be an integer in [0, ${RESUBMIT_MAX_MAX}]`);
    }
    this.last = nowMs;
  }

  /** A copy of the request arrived (or it was published): the quiet time starts again. */
  heard(nowMs: number): void {
    this.last = nowMs;
  }

  /** True if a resubmission is due at nowMs. */
  due(nowMs: number): boolean {
    return this.intervalMs > 0 && this.count < this.max && nowMs >= this.last && nowMs - this.last >= this.intervalMs;
  }

  /** A resubmission was published (or tried): counts it. Returns its number N (1, 2, ...). */
  sent(nowMs: number): number {
    this.count++;
    this.last = nowMs;
    return this.count;
  }
}

/** The Nats-Msg-Id of resubmission n (>= 1) of the request first published as base. */
export function resubmitMsgId(base: string, n: number): string {
  if (base === "" || !Number.isInteger(n) || n < 1) throw badInput("resubmitMsgId: empty id or n < 1");
  return `${base}.r${n}`;
}
