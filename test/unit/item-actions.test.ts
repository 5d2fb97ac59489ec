import assert from "node:assert/strict";
import { test } from "node:test";
import type { Item } from "../../src/items/item.js";
import { storedIdentifier, type BackupOperation } from "../../src/items/item-operation.js";
import { operationCounts, pollOperations } from "../../src/items/operation-poller.js";
import { ItemActionRegistry } from "../../src/items/registry.js";
import type { RestoreItemAction } from "../../src/items/restore-item-action.js";
import { KIND_RESTORE_ACTIONS } from "../../src/restore/actions/index.js";
import { backupItemActions } from "../../src/backup/actions/index.js";
import { BackupVolumeRecords } from "../../src/volumes/backup-volume-records.js";
import type { KubeClient } from "../../src/kube/client.js";
import { none, planner } from "./planner.js";

const action = (name: string, appliesTo: string[]): RestoreItemAction => ({
  name,
  appliesTo,
  execute: () => undefined,
});

const configMap = (name: string): Item => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "app" },
  data: { k: "v" },
});

test("registry: the actions named for a resource come first, then those for *, each in registration order", () => {
  const registry = new ItemActionRegistry([
    action("all", ["*"]),
    action("pods-1", ["pods"]),
    action("pods-and-jobs", ["jobs.batch", "pods"]),
  ]);
  assert.deepEqual(
    registry.for("pods").map((a) => a.name),
    ["pods-1", "pods-and-jobs", "all"],
  );
  assert.deepEqual(
    registry.for("configmaps").map((a) => a.name),
    ["all"],
  );
});

test("registry: two actions of one name are refused", () => {
  assert.throws(
    () => new ItemActionRegistry([action("velero.io/pod", ["pods"]), action("velero.io/pod", ["*"])]),
    /item action velero.io\/pod is registered twice/,
  );
});

test("the built-in actions: Velero's per-kind restore rules and the claims, volumes and CRDs a backup takes along", () => {
  assert.deepEqual(
    KIND_RESTORE_ACTIONS.map((a) => a.name),
    [
      "velero.io/pod",
      "velero.io/job",
      "velero.io/service",
      "velero.io/service-account",
      "velero.io/secret",
      "velero-ts.io/endpoints",
      "velero-ts.io/endpointslices",
      "velero.io/role-bindings",
      "velero.io/cluster-role-bindings",
    ],
  );
  assert.deepEqual(
    backupItemActions({
      client: {} as KubeClient,
      backup: { apiVersion: "velero.io/v1", kind: "Backup", metadata: { name: "b" }, spec: {} },
      volumes: new BackupVolumeRecords(),
      snapshotLocations: [],
    }).map((a) => a.name),
    [
      "velero.io/pod",
      "velero.io/pod-volume-backup",
      "velero.io/csi-pvc-backupper",
      "velero.io/csi-volumesnapshot-backupper",
      "velero.io/csi-volumesnapshotcontent-backupper",
      "velero.io/native-pv-snapshotter",
      "velero.io/pv",
      "velero-ts.io/custom-resource-definitions",
    ],
  );
});

test("a registered restore action that skips an item: the plan says skip, with the action's reason", () => {
  const skipper: RestoreItemAction = {
    name: "test/skip-marked",
    appliesTo: ["configmaps"],
    execute: ({ item }) => (item.metadata?.name === "marked" ? { skip: "marked by the test" } : undefined),
  };
  const p = planner({}, { actions: [skipper] });
  const marked = p.planItem("configmaps", { namespace: "app", name: "marked" }, configMap("marked"), none)!;
  const other = p.planItem("configmaps", { namespace: "app", name: "other" }, configMap("other"), none)!;
  assert.equal(marked.entry.action, "skip");
  assert.equal(marked.entry.reason, "marked by the test");
  assert.equal(other.entry.action, "create");
});

test("a registered restore action that changes the item: the plan's body is the changed item", () => {
  const changer: RestoreItemAction = {
    name: "test/annotate",
    appliesTo: ["*"],
    execute: ({ item }) => {
      (item.metadata!.annotations ??= {})["example.com/restored"] = "yes";
      return { warnings: ["annotated"] };
    },
  };
  const planned = planner({}, { actions: [changer] }).planItem(
    "configmaps",
    { namespace: "app", name: "c" },
    configMap("c"),
    none,
  )!;
  assert.equal(planned.body?.metadata?.annotations?.["example.com/restored"], "yes");
  assert.deepEqual(planned.entry.warnings, ["annotated"]);
});

test("a registered restore action that asks for an operation: the planned item carries it, by the action's name", () => {
  const starter: RestoreItemAction = {
    name: "test/operation",
    appliesTo: ["configmaps"],
    execute: () => ({ operation: { input: { volume: "v1" } } }),
  };
  const planned = planner({}, { actions: [starter] }).planItem(
    "configmaps",
    { namespace: "app", name: "c" },
    configMap("c"),
    none,
  )!;
  assert.deepEqual(planned.operations, [{ action: "test/operation", input: { volume: "v1" } }]);
});

test("a restore action's answer for an existing object takes the place of the existing-resource policy", () => {
  const keeper: RestoreItemAction = {
    name: "test/keep-existing",
    appliesTo: ["configmaps"],
    execute: ({ inCluster }) => (inCluster ? { existing: { reason: "kept by the test" } } : undefined),
  };
  const inCluster = { ...configMap("c"), data: { k: "other" } };
  const planned = planner({ existingResourcePolicy: "update" }, { actions: [keeper] }).planItem(
    "configmaps",
    { namespace: "app", name: "c" },
    configMap("c"),
    () => inCluster,
  )!;
  assert.equal(planned.entry.action, "skip");
  assert.equal(planned.entry.reason, "kept by the test");
});

test("item operations name their item as Velero's ResourceIdentifier encodes: Group, Resource, Namespace, Name", () => {
  assert.deepEqual(storedIdentifier({ groupResource: "deployments.apps", namespace: "app", name: "web" }), {
    Group: "apps",
    Resource: "deployments",
    Namespace: "app",
    Name: "web",
  });
  assert.deepEqual(storedIdentifier({ groupResource: "persistentvolumes", name: "pv-1" }), {
    Group: "",
    Resource: "persistentvolumes",
    Namespace: "",
    Name: "pv-1",
  });
});

function operation(id: string): BackupOperation {
  return {
    spec: {
      backupName: "b1",
      backupUID: "u1",
      backupItemAction: "test/action",
      ResourceIdentifier: storedIdentifier({ groupResource: "pods", namespace: "app", name: id }),
      OperationID: id,
      PostOperationItems: null,
    },
    status: { phase: "New", created: "2026-12-02T00:00:00.000Z" },
  };
}

test("polling: each operation is polled until it ends, completed or failed with the action's error", async () => {
  const ops = [operation("quick"), operation("slow"), operation("broken")];
  const polls = new Map<string, number>();
  await pollOperations(
    ops,
    (op) => {
      const n = (polls.get(op.spec.OperationID) ?? 0) + 1;
      polls.set(op.spec.OperationID, n);
      if (op.spec.OperationID === "broken") return Promise.resolve({ completed: false, error: "disk gone" });
      const done = op.spec.OperationID === "quick" || n >= 3;
      return Promise.resolve({ completed: done, nCompleted: n, nTotal: 3 });
    },
    { timeoutMs: 60_000, intervalMs: 1 },
  );
  assert.deepEqual(
    ops.map((op) => [op.spec.OperationID, op.status.phase, op.status.error]),
    [
      ["quick", "Completed", undefined],
      ["slow", "Completed", undefined],
      ["broken", "Failed", "disk gone"],
    ],
  );
  assert.deepEqual(Object.fromEntries(polls), { quick: 1, slow: 3, broken: 1 });
  assert.equal(ops[1]!.status.nCompleted, 3);
  assert.deepEqual(operationCounts(ops), { attempted: 3, completed: 2, failed: 1 });
});

test("polling: an operation still going when the time is up fails with Velero's timeout message", async () => {
  let clock = 0;
  const ops = [operation("stuck")];
  await pollOperations(
    ops,
    () => {
      clock += 1000;
      return Promise.resolve({ completed: false });
    },
    { timeoutMs: 2500, intervalMs: 1, now: () => clock },
  );
  assert.equal(ops[0]!.status.phase, "Failed");
  assert.equal(ops[0]!.status.error, "Asynchronous action timed out");
});

test("polling: an operation that ran out of time is cancelled, and what the cancel undid is in its error", async () => {
  let clock = 0;
  const ops = [operation("done"), operation("stuck")];
  const cancelled: string[] = [];
  await pollOperations(
    ops,
    (op) => {
      clock += 1000;
      return Promise.resolve({ completed: op.spec.OperationID === "done" });
    },
    {
      timeoutMs: 2500,
      intervalMs: 1,
      now: () => clock,
      onTimeout: (op) => {
        cancelled.push(op.spec.OperationID);
        return Promise.resolve("deleted VolumeSnapshot ns/x");
      },
    },
  );
  assert.deepEqual(cancelled, ["stuck"]);
  assert.equal(ops[0]!.status.phase, "Completed");
  assert.equal(ops[1]!.status.error, "Asynchronous action timed out; deleted VolumeSnapshot ns/x");
});

test("polling: an action whose progress cannot be read fails that operation, saying why", async () => {
  const ops = [operation("lost")];
  await pollOperations(ops, () => Promise.reject(new Error("connection refused")), {
    timeoutMs: 60_000,
    intervalMs: 1,
  });
  assert.equal(ops[0]!.status.phase, "Failed");
  assert.equal(ops[0]!.status.error, "could not get the operation's progress: connection refused");
});
