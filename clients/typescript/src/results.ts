// results.ts — reading result copies from the MPC_RES stream.
//
// ResultsFeed: one ordered consumer per client, filtered on
// mpc.res.<client_id>.>, created (deliver "new") before the first request is
// published, that hands each copy to the call waiting for its request id —
// one consumer for all calls instead of one per call (each costs JetStream API
// round trips). A call whose publish JetStream reports as a duplicate (the same
// sealed request sent again: the nodes do not publish again) reads its old
// copies with readStored: a per-request ordered consumer from the start.
import { DeliverPolicy, type JetStreamClient } from "@nats-io/jetstream";
import { QUIET_MS, type Collector } from "./collect.js";
import { MpcError } from "./errors.js";

export const RESULTS_STREAM = "MPC_RES";

type Listener = (subject: string, data: Uint8Array) => void;

export class ResultsFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private stopped = false;
  private stopFn: (() => void) | undefined;

  private constructor() {}

  /** Starts the client's consumer; resolves once it exists on the server. */
  static async start(js: JetStreamClient, clientId: string): Promise<ResultsFeed> {
    const feed = new ResultsFeed();
    const consumer = await js.consumers
      .get(RESULTS_STREAM, { filter_subjects: `mpc.res.${clientId}.>`, deliver_policy: DeliverPolicy.New })
      .catch((e: unknown) => {
        throw new MpcError("NOT_CONNECTED", `results consumer: ${(e as Error).message}`, { cause: e });
      });
    const messages = await consumer.consume({ max_messages: 256 });
    feed.stopFn = () => {
      messages.stop();
      void consumer.delete().catch(() => undefined);
    };
    void (async () => {
      try {
        for await (const m of messages) {
          const rid = m.subject.split(".")[3];
          for (const l of (rid !== undefined ? feed.listeners.get(rid) : undefined) ?? []) l(m.subject, m.data);
        }
      } catch {
        /* the feed ends; calls fall back to readStored on their timeout */
      } finally {
        feed.stopped = true;
      }
    })();
    return feed;
  }

  get alive(): boolean {
    return !this.stopped;
  }

  /** Registers a listener for one request id; returns its removal. */
  listen(requestId: string, l: Listener): () => void {
    let set = this.listeners.get(requestId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(requestId, set);
    }
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0) this.listeners.delete(requestId);
    };
  }

  stop(): void {
    this.stopFn?.();
  }
}

/**
 * Resolves when the collector is done, has had only errors for QUIET_MS, or
 * the timeout passed (then col.timedOut is set). `poke` is what a listener
 * calls after adding a copy.
 */
export function waitCollected(col: Collector, timeoutMs: number): { done: Promise<void>; poke: () => void } {
  const t0 = Date.now();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    const timer = setInterval(() => check(), 100);
    finish = () => {
      clearInterval(timer);
      resolve();
    };
  });
  const check = (): void => {
    const now = Date.now();
    if (col.done()) return finish();
    if (col.errorsOnly() && now - col.lastArrivalMs >= QUIET_MS) return finish();
    if (now - t0 >= timeoutMs) {
      col.timedOut = true;
      finish();
    }
  };
  return { done, poke: check };
}

/** Reads the stored copies of one request (an ordered consumer from the stream's start) into col. */
export async function readStored(js: JetStreamClient, subject: string, col: Collector, timeoutMs: number): Promise<void> {
  const consumer = await js.consumers.get(RESULTS_STREAM, { filter_subjects: subject }).catch((e: unknown) => {
    throw new MpcError("NOT_CONNECTED", `results consumer: ${(e as Error).message}`, { cause: e });
  });
  const messages = await consumer.consume({ max_messages: 64 });
  const w = waitCollected(col, timeoutMs);
  void w.done.then(() => messages.stop());
  try {
    for await (const m of messages) {
      col.add(m.subject, m.data, Date.now());
      w.poke();
    }
  } finally {
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
  await w.done;
}

/** Every stored copy on subject (an ordered consumer from the start), until quiet for QUIET_MS or timeoutMs. */
export async function readCopies(
  js: JetStreamClient,
  subject: string,
  timeoutMs: number,
): Promise<{ subject: string; data: Uint8Array }[]> {
  const consumer = await js.consumers.get(RESULTS_STREAM, { filter_subjects: subject }).catch((e: unknown) => {
    throw new MpcError("NOT_CONNECTED", `results consumer: ${(e as Error).message}`, { cause: e });
  });
  const out: { subject: string; data: Uint8Array }[] = [];
  const messages = await consumer.consume({ max_messages: 64 });
  const t0 = Date.now();
  let last = t0;
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - t0 >= timeoutMs || now - last >= QUIET_MS) messages.stop();
  }, 100);
  try {
    for await (const m of messages) {
      out.push({ subject: m.subject, data: m.data });
      last = Date.now();
    }
  } finally {
    clearInterval(timer);
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
  return out;
}
