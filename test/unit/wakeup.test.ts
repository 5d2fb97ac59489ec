import assert from "node:assert/strict";
import { test } from "node:test";
import { Wakeup } from "../../src/concurrency/wakeup.js";
import { watchedCollections } from "../../src/items/operation-poller.js";

const HOUR_MS = 3_600_000;

test("a sleep told of a change ends then, not at its hour", async () => {
  const wakeup = new Wakeup();
  const sleeping = wakeup.sleep(HOUR_MS).then(() => "woken");
  setTimeout(() => wakeup.notify(), 20);
  const timer = new Promise((resolve) => setTimeout(() => resolve("an hour"), 10_000).unref());
  assert.equal(await Promise.race([sleeping, timer]), "woken");
});

test("a change told between two sleeps ends the next sleep at once", async () => {
  const wakeup = new Wakeup();
  wakeup.notify();
  const timer = new Promise((resolve) => setTimeout(() => resolve("an hour"), 10_000).unref());
  assert.equal(await Promise.race([wakeup.sleep(HOUR_MS).then(() => "woken"), timer]), "woken");
});

test("a sleep woken by changes that name what changed says those, for a poller to look at them alone", async () => {
  const wakeup = new Wakeup();
  wakeup.notify("du-1");
  wakeup.notify("du-2");
  assert.deepEqual(await wakeup.sleep(HOUR_MS), new Set(["du-1", "du-2"]));
});

test("a sleep woken by a change that names nothing says all", async () => {
  const wakeup = new Wakeup();
  wakeup.notify("du-1");
  wakeup.notify();
  assert.equal(await wakeup.sleep(HOUR_MS), "all");
});

test("a sleep that runs its whole interval says all, whatever it was told before", async () => {
  const wakeup = new Wakeup();
  assert.equal(await wakeup.sleep(10), "all");
  wakeup.notify("du-1");
  assert.deepEqual(await wakeup.sleep(HOUR_MS), new Set(["du-1"]));
  assert.equal(await wakeup.sleep(10), "all");
});

test("each action is asked for its watches once, with the IDs of its own operations", () => {
  const asked: [string, string[]][] = [];
  const op = (id: string, action: string) => ({
    spec: { OperationID: id, action },
    status: { phase: "New" as const },
  });
  const collections = watchedCollections(
    [op("a", "csi"), op("b", "pvr"), op("c", "csi")],
    (o) => o.spec.action,
    (action, ids) => {
      asked.push([action, ids]);
      return action === "csi" ? [{ path: "/snapshots", labelSelector: "r=1" }] : undefined;
    },
  );
  assert.deepEqual(asked, [
    ["csi", ["a", "c"]],
    ["pvr", ["b"]],
  ]);
  assert.deepEqual(collections, [{ path: "/snapshots", labelSelector: "r=1" }]);
});
