// A restore item action registered alongside the built-in ones (as a plugin would be) that starts an
// asynchronous operation: the engine, run in the test against the test cluster, starts it once the
// item exists, waits in WaitingForPluginOperations until it ends, and stores it as Velero does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Restore, RestorePhase } from "../../src/api/v1/index.js";
import { backupAndStore } from "../../src/cli/backup/store-of.js";
import type { Item } from "../../src/items/item.js";
import type { RestoreOperation } from "../../src/items/item-operation.js";
import type { RestoreItemAction } from "../../src/items/restore-item-action.js";
import { KubeClient } from "../../src/kube/client.js";
import { VeleroClient } from "../../src/kube/velero-client.js";
import { restoreItemActions } from "../../src/restore/actions/index.js";
import { DEFAULT_RESTORE_LIMITS } from "../../src/restore/limits.js";
import { DEFAULT_RESTORE_PRIORITIES } from "../../src/restore/priorities.js";
import { runRestore } from "../../src/restore/restorer.js";
import { id } from "./restores.js";
import { jsonOf, kubeConfig, kubectl, testNamespace, waitUntil } from "./support.js";
import { storageDir, velero } from "./velero.js";

const DONE = "example.com/operation-done";

/**
 * For ConfigMaps labelled `operation=yes`: an operation that "finishes" when someone annotates the
 * restored ConfigMap with example.com/operation-done, and fails when the annotation says "failed".
 */
function annotationOperation(client: KubeClient): RestoreItemAction {
  const pathOf = (key: string) => {
    const [ns, name] = key.split("/");
    return `/api/v1/namespaces/${ns}/configmaps/${name}`;
  };
  return {
    name: "example.com/annotation-operation",
    appliesTo: ["configmaps"],
    execute: ({ item }) =>
      item.metadata?.labels?.operation === "yes" ? { operation: { input: "watch" } } : undefined,
    startOperation: (_client, created: Item) =>
      Promise.resolve(`${created.metadata?.namespace}/${created.metadata?.name}`),
    async progress(operationId) {
      const cm = await client.get<Item>(pathOf(operationId));
      const done = cm.metadata?.annotations?.[DONE];
      return done === "failed"
        ? { completed: true, error: "the test failed it" }
        : { completed: done === "yes", description: done ? "done" : "waiting for the annotation" };
    },
  };
}

test("an item operation holds the restore in WaitingForPluginOperations until it ends, and is stored as Velero's", async (t) => {
  const ns = await testNamespace(t, "ops");
  await kubectl(["create", "configmap", "slow", "-n", ns, "--from-literal=v=1"]);
  await kubectl(["label", "configmap", "slow", "-n", ns, "operation=yes"]);
  await kubectl(["create", "configmap", "broken", "-n", ns, "--from-literal=v=2"]);
  await kubectl(["label", "configmap", "broken", "-n", ns, "operation=yes"]);
  await kubectl(["create", "configmap", "plain", "-n", ns, "--from-literal=v=3"]);
  const backup = `ops-${id()}`;
  assert.equal((await velero(["backup", "create", backup, "--include-namespaces", ns, "--wait"])).code, 0);
  const target = `${ns}-copy`;
  t.after(() => kubectl(["delete", "namespace", target, "--ignore-not-found", "--wait=false"]));

  const client = new KubeClient(kubeConfig());
  t.after(() => client.close());
  const { store } = await backupAndStore(new VeleroClient(client, "velero"), backup);
  const restore: Restore = {
    apiVersion: "velero.io/v1",
    kind: "Restore",
    metadata: { name: `ops-${id()}`, namespace: "velero", uid: "uid-of-the-test" },
    spec: { backupName: backup, includedNamespaces: [ns], namespaceMapping: { [ns]: target } },
  };
  const phases: RestorePhase[] = [];
  const running = runRestore(restore, {
    client,
    store,
    priorities: DEFAULT_RESTORE_PRIORITIES,
    limits: DEFAULT_RESTORE_LIMITS,
    concurrency: 4,
    terminatingTimeoutMs: 10_000,
    operationPollMs: 200,
    actions: (state) => [...restoreItemActions(state), annotationOperation(client)],
    onPhase: (phase) => Promise.resolve(void phases.push(phase)),
  });
  await waitUntil("the restore to wait for its operations", 60_000, () =>
    Promise.resolve(phases.includes("WaitingForPluginOperations")),
  );
  // Both items exist before their operations are waited for; the restore is not over yet.
  const slow = await jsonOf<Item>(["get", "configmap", "slow", "-n", target]);
  assert.equal(slow.metadata?.labels?.operation, "yes");
  await kubectl(["annotate", "configmap", "slow", "-n", target, `${DONE}=yes`]);
  await kubectl(["annotate", "configmap", "broken", "-n", target, `${DONE}=failed`]);
  const status = await running;

  assert.equal(status.phase, "PartiallyFailed");
  assert.equal(status.restoreItemOperationsAttempted, 2);
  assert.equal(status.restoreItemOperationsCompleted, 1);
  assert.equal(status.restoreItemOperationsFailed, 1);
  const file = path.join(
    storageDir(),
    "restores",
    restore.metadata.name!,
    `restore-${restore.metadata.name}-itemoperations.json.gz`,
  );
  const stored = JSON.parse(gunzipSync(await fs.readFile(file)).toString()) as RestoreOperation[];
  const byName = new Map(stored.map((op) => [op.spec.ResourceIdentifier.Name, op]));
  assert.deepEqual(byName.get("slow")?.spec, {
    restoreName: restore.metadata.name,
    restoreUID: "uid-of-the-test",
    restoreItemAction: "example.com/annotation-operation",
    ResourceIdentifier: { Group: "", Resource: "configmaps", Namespace: target, Name: "slow" },
    OperationID: `${target}/slow`,
  });
  assert.equal(byName.get("slow")?.status.phase, "Completed");
  assert.equal(byName.get("broken")?.status.phase, "Failed");
  assert.equal(byName.get("broken")?.status.error, "the test failed it");
  assert.equal(byName.has("plain"), false);
});
