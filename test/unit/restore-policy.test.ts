import assert from "node:assert/strict";
import { test } from "node:test";
import type { RestoreSpec } from "../../src/api/v1/index.js";
import {
  ExistingPolicies,
  INVALID_POLICY_MESSAGE,
  parsePolicyOverrides,
  validateExistingResourcePolicy,
} from "../../src/restore/existing-policy.js";
import type { Item } from "../../src/items/item.js";
import { emptyRestoreActionState, restoreItemActions } from "../../src/restore/actions/index.js";
import { RestorePlanner } from "../../src/restore/plan.js";
import { RestoreScope } from "../../src/restore/scope.js";

function planner(spec: RestoreSpec): RestorePlanner {
  const full = { backupName: "b2", ...spec };
  return new RestorePlanner({
    scope: new RestoreScope(full),
    backupName: "b2",
    restoreName: "r2",
    preserveNodePorts: false,
    policies: new ExistingPolicies(full),
    actions: restoreItemActions(emptyRestoreActionState("r2")),
  });
}

function configMap(value: string, labels: Record<string, string> = {}): Item {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "app", labels },
    data: { a: value },
  };
}

function plan(spec: RestoreSpec, backedUp: Item, inCluster: Item, gr = "configmaps") {
  return planner(spec).planItem(gr, { namespace: "app", name: "c" }, backedUp, () => inCluster)!;
}

const earlierRestore = { "velero.io/backup-name": "b1", "velero.io/restore-name": "r1" };
const restoreLabels = { "velero.io/backup-name": "b2", "velero.io/restore-name": "r2" };

test("none skips an existing object; identical says so, different warns", () => {
  const same = plan({}, configMap("1"), configMap("1", earlierRestore));
  assert.equal(same.entry.action, "skip");
  assert.equal(same.entry.existing, "identical");
  assert.deepEqual(same.entry.warnings, []);
  const changed = plan({ existingResourcePolicy: "none" }, configMap("1"), configMap("2"));
  assert.equal(changed.entry.existing, "differs");
  assert.match(changed.entry.warnings[0]!, /ConfigMap "c" already exists/);
  assert.deepEqual(changed.entry.changes, [{ path: "data.a", inCluster: "2", inBackup: "1" }]);
});

test("update patches the restore labels of an identical object and the whole difference of a changed one", () => {
  const same = plan({ existingResourcePolicy: "update" }, configMap("1"), configMap("1", earlierRestore));
  assert.equal(same.entry.action, "update");
  assert.deepEqual(same.body, { metadata: { labels: restoreLabels } });
  const changed = plan({ existingResourcePolicy: "update" }, configMap("1"), configMap("2", earlierRestore));
  assert.equal(changed.entry.action, "update");
  assert.deepEqual(changed.body, { data: { a: "1" }, metadata: { labels: restoreLabels } });
  assert.deepEqual(changed.entry.labelsFallback, { metadata: { labels: restoreLabels } });
});

test("recreate deletes and creates a changed object, labels an identical one, and never deletes a claim", () => {
  const changed = plan({ existingResourcePolicy: "recreate" }, configMap("1"), {
    ...configMap("2"),
    metadata: { ...configMap("2").metadata, uid: "u-old" },
  });
  assert.equal(changed.entry.action, "recreate");
  assert.equal(changed.entry.uid, "u-old");
  assert.equal(changed.body?.data?.["a" as never], "1");
  assert.equal(
    plan({ existingResourcePolicy: "recreate" }, configMap("1"), configMap("1")).entry.action,
    "update",
  );

  const claim = (size: string): Item => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "c", namespace: "app" },
    spec: { resources: { requests: { storage: size } } },
  });
  const p = plan(
    { existingResourcePolicy: "recreate" },
    claim("2Gi"),
    claim("1Gi"),
    "persistentvolumeclaims",
  );
  assert.equal(p.entry.action, "update");
  assert.match(p.entry.warnings.join(), /PersistentVolumeClaim "app\/c" was updated, not recreated/);
});

test("overrides pick the policy per resource; the default covers the rest", () => {
  const spec: RestoreSpec = {
    existingResourcePolicy: "update",
    existingResourcePolicyOverrides: { none: { includedResources: ["configmaps"] } },
  };
  assert.equal(plan(spec, configMap("1"), configMap("2")).entry.action, "skip");
  const secret = (v: string): Item => ({ ...configMap(v), kind: "Secret" });
  const s = plan(spec, secret("1"), secret("2"), "secrets");
  assert.equal(s.entry.action, "update");
  assert.deepEqual(s.entry.changes, [{ path: "data.a", inCluster: "<masked>", inBackup: "<masked>" }]);
});

test("an object an earlier restore made is pruned only when asked, and never a namespace", () => {
  const p = planner({});
  const cm = {
    ...configMap("1", earlierRestore),
    metadata: { ...configMap("1", earlierRestore).metadata, uid: "u1" },
  };
  assert.equal(p.planAbsent("configmaps", cm, false).action, "skip");
  const pruned = p.planAbsent("configmaps", cm, true);
  assert.equal(pruned.action, "prune");
  assert.equal(pruned.uid, "u1");
  assert.match(pruned.reason, /restore r1 made it and backup b2 no longer holds it/);
  const ns: Item = { apiVersion: "v1", kind: "Namespace", metadata: { name: "old", labels: earlierRestore } };
  assert.equal(p.planAbsent("namespaces", ns, true).action, "skip");
});

test("policy values and overrides are validated; the CLI form parses", () => {
  assert.deepEqual(validateExistingResourcePolicy({ existingResourcePolicy: "replace" as never }), [
    INVALID_POLICY_MESSAGE,
  ]);
  assert.equal(
    INVALID_POLICY_MESSAGE,
    "existing-resource-policy has invalid value, it accepts only none, update, recreate as value",
  );
  assert.match(
    validateExistingResourcePolicy({
      existingResourcePolicyOverrides: {
        none: { includedResources: ["secrets"] },
        update: { includedResources: ["secrets"] },
      },
    }).join(),
    /names secrets twice \(none and update\)/,
  );
  assert.deepEqual(parsePolicyOverrides(["secrets=none", "deployments.apps=recreate", "configmaps=none"]), {
    none: { includedResources: ["secrets", "configmaps"] },
    recreate: { includedResources: ["deployments.apps"] },
  });
  assert.throws(() => parsePolicyOverrides(["secrets"]), /is not RESOURCE=POLICY/);
  assert.throws(() => parsePolicyOverrides(["secrets=replace"]), /accepts only none, update, recreate/);
});
