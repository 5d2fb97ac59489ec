import assert from "node:assert/strict";
import { test } from "node:test";
import { WatchedObjects } from "../../src/kube/watched-objects.js";

const snapshot = (name: string, ready: boolean) => ({ metadata: { name }, status: { readyToUse: ready } });

test("watched objects hold each object's latest version until it is deleted", () => {
  const seen = new WatchedObjects<ReturnType<typeof snapshot>>();
  seen.event("ADDED", snapshot("a", false));
  seen.event("ADDED", snapshot("b", false));
  seen.event("MODIFIED", snapshot("a", true));
  seen.event("DELETED", snapshot("b", false));
  assert.equal(seen.get("a")?.status.readyToUse, true);
  assert.equal(seen.get("b"), undefined);
});

test("watched objects are forgotten when their watch ends, and an error event files nothing", () => {
  const seen = new WatchedObjects();
  seen.event("ADDED", { metadata: { name: "a" } });
  seen.event("ERROR", { metadata: { name: "status" } });
  assert.equal(seen.get("status"), undefined);
  seen.clear();
  assert.equal(seen.get("a"), undefined);
});
