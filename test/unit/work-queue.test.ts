import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { WorkQueue, type Outcome } from "../../src/kube/work-queue.js";

const silent = pino({ level: "silent" });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a key added while it is being worked is worked once more afterwards, never concurrently", async () => {
  let concurrent = 0;
  let maxConcurrent = 0;
  let calls = 0;
  const queue = new WorkQueue(
    "t",
    async (): Promise<Outcome> => {
      calls++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await tick(20);
      concurrent--;
      return "done";
    },
    silent,
  );
  queue.add("a");
  await tick(5);
  queue.add("a");
  queue.add("a");
  await tick(80);
  assert.equal(calls, 2);
  assert.equal(maxConcurrent, 1);
});

test("a failing reconcile is retried until it succeeds", async () => {
  let calls = 0;
  const queue = new WorkQueue(
    "t",
    (): Promise<Outcome> => {
      calls++;
      if (calls < 2) return Promise.reject(new Error("boom"));
      return Promise.resolve("done");
    },
    silent,
  );
  queue.add("k");
  await tick(1200);
  assert.equal(calls, 2);
});

test("a reconcile that asks for another look gets it", async () => {
  const seen: number[] = [];
  const queue = new WorkQueue(
    "t",
    (): Promise<Outcome> => {
      seen.push(Date.now());
      return Promise.resolve(seen.length < 3 ? { retryAfterMs: 10 } : "done");
    },
    silent,
  );
  queue.add("k");
  await tick(200);
  assert.equal(seen.length, 3);
});
