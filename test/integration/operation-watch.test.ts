// Item operations are polled with a back-off up to the server's interval; a watch of what they
// wait on ends the wait between two polls as soon as it changes.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { KubeClient } from "../../src/kube/client.js";
import { pollOperations, type PolledOperation } from "../../src/items/operation-poller.js";
import { kubeConfig, testNamespace } from "./support.js";

const HOUR_MS = 3_600_000;

test("an operation ends as soon as a watched object changes, not at the next poll an hour later", async (t) => {
  const ns = await testNamespace(t, "op-watch");
  const client = new KubeClient(kubeConfig());
  t.after(() => client.close());
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  await client.request("POST", path, {
    body: { metadata: { name: "progress", labels: { op: "watched" } }, data: { done: "no" } },
  });
  const op: PolledOperation = { spec: { OperationID: "op-1" }, status: { phase: "New" } };
  // Made done 10 s in, when the poller has backed off to waiting 8 s (polls at 0, 0.25, 0.75,
  // 1.75, 3.75 and 7.75 s): unwoken, its next poll would come at 15.75 s.
  let changedAt = 0;
  const finishLater = setTimeout(() => {
    changedAt = Date.now();
    void client.request("PATCH", `${path}/progress`, {
      body: { data: { done: "yes" } },
      contentType: "application/merge-patch+json",
    });
  }, 10_000);
  t.after(() => clearTimeout(finishLater));

  await pollOperations(
    [op],
    async () => {
      const cm = await client.get<V1ConfigMap>(`${path}/progress`);
      return { completed: cm.data?.done === "yes" };
    },
    {
      timeoutMs: HOUR_MS,
      intervalMs: HOUR_MS,
      watch: { kubeConfig: kubeConfig(), collections: [{ path, labelSelector: "op=watched" }] },
    },
  );
  const secondsAfterChange = (Date.now() - changedAt) / 1000;

  assert.equal(op.status.phase, "Completed");
  assert.ok(changedAt > 0 && secondsAfterChange < 4, `seen ${secondsAfterChange}s after the change`);
});
