import assert from "node:assert/strict";
import { test } from "node:test";
import type { V1ClusterRoleBinding, V1CustomResourceDefinition } from "@kubernetes/client-node";
import { veleroCrds } from "../../src/api/crds/index.js";
import { uninstallPlan } from "../../src/install/uninstall.js";

function binding(name: string, namespace: string, labelled = true): V1ClusterRoleBinding {
  return {
    metadata: { name, ...(labelled ? { labels: { component: "velero" } } : {}) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", name: "velero", namespace }],
  };
}

const CRDS = veleroCrds();
const NAMES = CRDS.map((c) => c.metadata!.name!).sort();

test("the only install: its namespace, its ClusterRoleBinding and every velero.io CRD", () => {
  const plan = uninstallPlan("staging", [binding("velero-staging", "staging")], CRDS, new Set(["default"]));
  assert.deepEqual(plan, {
    namespace: "staging",
    clusterRoleBinding: "velero-staging",
    crds: NAMES,
    otherInstalls: [],
  });
});

test("the default namespace's binding is called velero, as Velero names it", () => {
  assert.equal(uninstallPlan("velero", [], CRDS, new Set()).clusterRoleBinding, "velero");
});

test("another install that still exists keeps the CRDs, and is named", () => {
  const plan = uninstallPlan(
    "staging",
    [binding("velero", "velero"), binding("velero-staging", "staging")],
    CRDS,
    new Set(["velero"]),
  );
  assert.deepEqual(plan.crds, []);
  assert.deepEqual(plan.otherInstalls, ["velero"]);
});

test("a binding left over from an install whose namespace is gone does not keep the CRDs", () => {
  const plan = uninstallPlan("staging", [binding("velero-old", "old")], CRDS, new Set(["velero"]));
  assert.deepEqual(plan.crds, NAMES);
  assert.deepEqual(plan.otherInstalls, []);
});

test("bindings and CRDs that are not velero's are never touched or counted", () => {
  const foreign: V1CustomResourceDefinition = {
    metadata: { name: "widgets.example.com", labels: { component: "velero" } },
    spec: {
      group: "example.com",
      names: { kind: "Widget", plural: "widgets" },
      scope: "Namespaced",
      versions: [],
    },
  };
  const unlabelled = { ...CRDS[0]!, metadata: { name: "backups.velero.io" } };
  const plan = uninstallPlan(
    "staging",
    [binding("someone-else", "tools", false)],
    [foreign, unlabelled, CRDS[1]!],
    new Set(["tools"]),
  );
  assert.deepEqual(plan.crds, [CRDS[1]!.metadata!.name!]);
  assert.deepEqual(plan.otherInstalls, []);
});
