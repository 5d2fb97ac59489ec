import assert from "node:assert/strict";
import { test } from "node:test";
import type { ApiResource } from "../../src/kube/discovery.js";
import type { Item } from "../../src/items/item.js";
import { none, planner } from "./planner.js";

function served(group: string, resource: string, kind: string, namespaced: boolean): ApiResource {
  return {
    group,
    version: "v1",
    resource,
    kind,
    namespaced,
    verbs: ["create", "list", "get"],
    shortNames: [],
    singularName: "",
  };
}

const CONFIGMAPS = served("", "configmaps", "ConfigMap", true);
const CRBS = served("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false);
const NAMESPACES = served("", "namespaces", "Namespace", false);

const configMap = (metadata: Item["metadata"]): Item => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata,
  data: { a: "1" },
});

const adminBinding: Item = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: "x" },
  roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
  subjects: [{ kind: "ServiceAccount", name: "default", namespace: "hdemo" }],
};

test("an item is restored into the namespace its archive path gives, mapped, whatever its JSON says", () => {
  const p = planner({
    includedNamespaces: ["hdemo"],
    excludedNamespaces: ["kube-system"],
    namespaceMapping: { hdemo: "hdemo-m" },
  });
  const planned = p.planItem(
    "configmaps",
    { namespace: "hdemo", name: "x" },
    configMap({ name: "x", namespace: "kube-system" }),
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "create");
  assert.equal(planned.entry.namespace, "hdemo-m");
  assert.equal(planned.body?.metadata?.namespace, "hdemo-m");
  assert.deepEqual(planned.entry.warnings, [
    'configmaps "hdemo/x": the item names namespace "kube-system", but its archive path files it under "hdemo": restored as the path says',
  ]);
});

test("a cluster-scoped resource filed under namespaces/<ns>/ fails, naming what the cluster serves", () => {
  const planned = planner({ includedNamespaces: ["hdemo"] }).planItem(
    "clusterrolebindings.rbac.authorization.k8s.io",
    { namespace: "hdemo", name: "x" },
    adminBinding,
    none,
    CRBS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.equal(planned.body, undefined);
  assert.equal(
    planned.entry.reason,
    "the cluster serves clusterrolebindings.rbac.authorization.k8s.io as cluster-scoped, but the archive files this item under namespaces/hdemo/",
  );
});

test("a namespaced resource filed under cluster/ fails instead of going to the namespace its JSON names", () => {
  const planned = planner({ excludedNamespaces: ["kube-system"], includeClusterResources: true }).planItem(
    "configmaps",
    { name: "x" },
    configMap({ name: "x", namespace: "kube-system" }),
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.equal(planned.entry.namespace, undefined);
  assert.equal(
    planned.entry.reason,
    "the cluster serves configmaps as namespaced, but the archive files this item under cluster/",
  );
});

test("a kind that is not the kind of the path's resource fails the item", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "hdemo", name: "x" },
    { ...configMap({ name: "x", namespace: "hdemo" }), kind: "Secret" },
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.equal(planned.entry.reason, "its kind Secret is not ConfigMap, the kind of configmaps");
});

test("an apiVersion of another group than the path's resource fails the item", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "hdemo", name: "x" },
    { ...adminBinding, metadata: { name: "x", namespace: "hdemo" } },
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.equal(
    planned.entry.reason,
    'its apiVersion rbac.authorization.k8s.io/v1 is not of group "", which configmaps belongs to',
  );
});

test("the group is checked against the path even when the cluster does not serve the resource", () => {
  const planned = planner({}).planItem(
    "widgets.example.com",
    { namespace: "hdemo", name: "w" },
    { apiVersion: "evil.example.com/v1", kind: "Widget", metadata: { name: "w" } },
    none,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.match(planned.entry.reason, /not of group "example.com", which widgets.example.com belongs to/);
});

test("an apiVersion that is not group/version, such as one with '..', fails the item", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "hdemo", name: "x" },
    { ...configMap({ name: "x" }), apiVersion: "v1/../../apis/rbac.authorization.k8s.io/v1" },
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.match(planned.entry.reason, /is not of the form group\/version or version/);
});

test("the name comes from the archive's file name; a JSON name that disagrees is a warning", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "hdemo", name: "x" },
    configMap({ name: "kube-root-ca.crt", namespace: "hdemo" }),
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "create");
  assert.equal(planned.entry.name, "x");
  assert.equal(planned.body?.metadata?.name, "x");
  assert.match(planned.entry.warnings.join("\n"), /names itself "kube-root-ca.crt", but its archive file/);
});

test("a file name no object can have fails the item", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "hdemo", name: "a%2F.." },
    configMap({ name: "a%2F.." }),
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.equal(planned.entry.reason, 'its archive file gives it the name "a%2F..", which no object can have');
});

test("a namespace directory that is not a namespace name fails the item", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "Kube_System", name: "x" },
    configMap({ name: "x" }),
    none,
    CONFIGMAPS,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.match(planned.entry.reason, /namespace "Kube_System", which is not a valid namespace name/);
});

test("a backed-up Namespace is created under its path's name, mapped, not the name in its JSON", () => {
  const p = planner({ namespaceMapping: { hdemo: "hdemo-m" } });
  const backedUp: Item = { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-public" } };
  const planned = p.planNamespace("hdemo-m", backedUp, undefined, "hdemo", NAMESPACES);
  assert.equal(planned.entry.action, "create");
  assert.equal(planned.body?.metadata?.name, "hdemo-m");
  assert.match(planned.entry.warnings.join("\n"), /names itself "kube-public"/);
});

test("a backed-up Namespace whose JSON is another kind fails", () => {
  const p = planner({});
  const planned = p.planNamespace(
    "hdemo",
    { ...adminBinding, metadata: { name: "hdemo" } },
    undefined,
    "hdemo",
    NAMESPACES,
  );
  assert.equal(planned.entry.action, "fail");
  assert.match(planned.entry.reason, /apiVersion rbac.authorization.k8s.io\/v1 is not of group ""/);
});
