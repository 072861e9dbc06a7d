// Unit tests: the resubmission schedule (resubmit.ts) — when a resubmission
// is due, its bound, off at 0, the Nats-Msg-Id of each copy, bad values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ResubmitSchedule, resubmitMsgId, RESUBMIT_DEF_MS, RESUBMIT_DEF_MAX } from "../../src/resubmit.js";
import { MpcError } from "../../src/errors.js";

const T0 = 1_000_000;

/** Resubmission times (relative) of a call waiting waitMs, polling every 100 ms, a copy every heardEvery ms (0: none). */
function simulate(interval: number, max: number, waitMs: number, heardEvery = 0): number[] {
  const s = new ResubmitSchedule(interval, max, T0);
  const at: number[] = [];
  for (let t = 0; t <= waitMs; t += 100) {
    if (heardEvery > 0 && t > 0 && t % heardEvery === 0) s.heard(T0 + t);
    if (s.due(T0 + t)) {
      s.sent(T0 + t);
      at.push(t);
    }
  }
  assert.equal(s.count, at.length);
  return at;
}

test("resubmit: due after the quiet interval since the last publish or copy", () => {
  const s = new ResubmitSchedule(10000, 5, T0);
  assert.equal(s.due(T0 + 9999), false);
  assert.equal(s.due(T0 + 10000), true);
  assert.equal(s.sent(T0 + 10000), 1);
  assert.equal(s.due(T0 + 19999), false);
  s.heard(T0 + 15000);
  assert.equal(s.due(T0 + 20000), false);
  assert.equal(s.due(T0 + 25000), true);
  assert.equal(s.due(T0 + 1000), false); // a clock reading before the last event
});

test("resubmit: bounded, off at 0, never while copies keep coming", () => {
  assert.deepEqual(simulate(10000, 5, 60000), [10000, 20000, 30000, 40000, 50000]);
  assert.equal(simulate(10000, 5, 600000).length, 5);
  assert.equal(simulate(10000, 0, 600000).length, 0);
  assert.equal(simulate(0, 5, 600000).length, 0);
  assert.equal(simulate(1000, 100, 60000, 500).length, 0);
  assert.ok(RESUBMIT_DEF_MS < 60000 && RESUBMIT_DEF_MAX > 0); // well inside the default timeout
});

test("resubmit: each copy its own Nats-Msg-Id; bad values refused", () => {
  const base = "ab".repeat(32);
  assert.equal(resubmitMsgId(base, 1), `${base}.r1`);
  assert.notEqual(resubmitMsgId(base, 1), resubmitMsgId(base, 2));
  const bad = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof MpcError && e.code === "BAD_INPUT");
  bad(() => resubmitMsgId(base, 0));
  bad(() => resubmitMsgId("", 1));
  bad(() => new ResubmitSchedule(-1, 5, T0));
  bad(() => new ResubmitSchedule(1.5, 5, T0));
  bad(() => new ResubmitSchedule(1000, 101, T0));
});
