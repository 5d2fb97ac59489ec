import assert from "node:assert/strict";
import { test } from "node:test";
import { BackupScope, validateBackupSpec } from "../../src/backup/scope.js";
import { resolveResource, type ApiResource } from "../../src/kube/discovery.js";

function resource(
  group: string,
  resourceName: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
): ApiResource {
  return {
    group,
    version: group === "" ? "v1" : "v1",
    resource: resourceName,
    kind,
    namespaced,
    verbs: ["get", "list"],
    shortNames,
    singularName: kind.toLowerCase(),
  };
}

const RESOURCES = [
  resource("", "pods", "Pod", true, ["po"]),
  resource("", "persistentvolumes", "PersistentVolume", false, ["pv"]),
  resource("", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"]),
  resource("apps", "deployments", "Deployment", true, ["deploy"]),
  resource("extensions.example.io", "deployments", "Deployment", true),
  resource("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false),
];

test("resource names resolve as kubectl resolves them, the core group first", () => {
  for (const name of ["pods", "pod", "po", "Pod"])
    assert.equal(resolveResource(RESOURCES, name)?.resource, "pods");
  assert.equal(resolveResource(RESOURCES, "deploy")?.group, "apps");
  assert.equal(
    resolveResource(RESOURCES, "deployments.extensions.example.io")?.group,
    "extensions.example.io",
  );
  assert.equal(resolveResource(RESOURCES, "widgets"), undefined);
});

test("includeClusterResources: true takes all, false none, unset only with every namespace", () => {
  const clusterRoles = RESOURCES[5]!;
  const all = (spec: object) => new BackupScope({ includedNamespaces: ["*"], ...spec }, RESOURCES);
  const some = (spec: object) => new BackupScope({ includedNamespaces: ["shop"], ...spec }, RESOURCES);
  assert.equal(all({}).includesClusterScoped(clusterRoles), true);
  assert.equal(some({}).includesClusterScoped(clusterRoles), false);
  assert.equal(some({ includeClusterResources: true }).includesClusterScoped(clusterRoles), true);
  assert.equal(all({ includeClusterResources: false }).includesClusterScoped(clusterRoles), false);
  assert.equal(all({ excludedNamespaces: ["kube-system"] }).includesClusterScoped(clusterRoles), false);
  assert.equal(some({}).takesRelatedClusterItems, true, "a namespaced backup still takes its PVs and CRDs");
  assert.equal(some({ includeClusterResources: false }).takesRelatedClusterItems, false);
});

test("resource filters work on resolved names; unknown names are reported", () => {
  const scope = new BackupScope({ includedResources: ["po", "pvc", "gadgets"] }, RESOURCES);
  assert.equal(scope.includesResource(RESOURCES[0]!), true);
  assert.equal(scope.includesResource(RESOURCES[2]!), true);
  assert.equal(scope.includesResource(RESOURCES[3]!), false);
  assert.deepEqual(scope.unresolved, ["gadgets"]);
});

test("named namespaces are listed one by one; globs are not", () => {
  assert.deepEqual(
    new BackupScope({ includedNamespaces: ["a", "b"], excludedNamespaces: ["b"] }, RESOURCES).namedNamespaces,
    ["a"],
  );
  assert.equal(new BackupScope({ includedNamespaces: ["app-*"] }, RESOURCES).namedNamespaces, undefined);
  assert.equal(new BackupScope({}, RESOURCES).namedNamespaces, undefined);
});

test("selectors become LIST queries: one per or-selector, none without", () => {
  assert.deepEqual(new BackupScope({}, RESOURCES).selectors, [undefined]);
  assert.deepEqual(new BackupScope({ labelSelector: { matchLabels: { app: "web" } } }, RESOURCES).selectors, [
    "app=web",
  ]);
  const or = new BackupScope(
    { orLabelSelectors: [{ matchLabels: { a: "1" } }, { matchLabels: { b: "2" } }] },
    RESOURCES,
  );
  assert.deepEqual(or.selectors, ["a=1", "b=2"]);
});

test("validation lists every problem of a spec in words that say what to change", () => {
  assert.deepEqual(validateBackupSpec({ includedNamespaces: ["*"] }), []);
  const errors = validateBackupSpec({
    includedNamespaces: ["a"],
    excludedNamespaces: ["a"],
    labelSelector: { matchLabels: { x: "y" } },
    orLabelSelectors: [{ matchExpressions: [{ key: "k", operator: "Near", values: ["v"] }] }],
  });
  assert.equal(errors.length, 3);
  assert.match(errors[0]!, /Invalid included\/excluded namespace lists: .*a/);
  assert.match(
    errors[1]!,
    /encountered labelSelector as well as orLabelSelectors in backup spec, only one can be specified/,
  );
  assert.match(errors[2]!, /"Near" is not a valid label selector operator/);
});

const [pods, pvs, claims, deployments, , clusterRoles] = RESOURCES as [
  ApiResource,
  ApiResource,
  ApiResource,
  ApiResource,
  ApiResource,
  ApiResource,
];
const storageClasses = resource("storage.k8s.io", "storageclasses", "StorageClass", false, ["sc"]);
const namespacesResource = resource("", "namespaces", "Namespace", false, ["ns"]);
const SCOPED = [...RESOURCES, storageClasses, namespacesResource];
const scoped = (spec: object) => new BackupScope({ includedNamespaces: ["*"], ...spec }, SCOPED);

test("scoped filters: only the named cluster-scoped resources are listed; namespaced ones as filtered", () => {
  const scope = scoped({ includedClusterScopedResources: ["sc"], excludedNamespaceScopedResources: ["*"] });
  assert.equal(scope.includesClusterScoped(storageClasses), true);
  assert.equal(scope.includesClusterScoped(clusterRoles), false);
  assert.equal(scope.includesClusterScoped(pvs), false);
  assert.equal(scope.includesResource(pods), false);
  assert.equal(scope.includesResource(deployments), false);
  assert.equal(scope.resources.shouldInclude("namespaces"), true, "Namespace objects come by default");
});

test("scoped filters: a namespaced filter alone lists no cluster-scoped resource, but related ones are taken", () => {
  const scope = scoped({ includedNamespaceScopedResources: ["pods", "pvc"] });
  assert.equal(scope.includesResource(pods), true);
  assert.equal(scope.includesResource(claims), true);
  assert.equal(scope.includesResource(deployments), false);
  assert.equal(scope.includesClusterScoped(clusterRoles), false, "not a backup of everything");
  assert.equal(scope.includesResource(pvs), true, "a claim's PV is still taken");
  assert.equal(scope.takesRelatedClusterItems, true);
});

test("scoped filters: excluded cluster-scoped resources are neither listed nor taken as related items", () => {
  const scope = scoped({ excludedClusterScopedResources: ["persistentvolumes"] });
  assert.equal(scope.includesResource(pvs), false);
  assert.equal(scope.includesClusterScoped(pvs), false);
  assert.equal(
    scope.includesClusterScoped(clusterRoles),
    false,
    "any cluster-scoped filter ends the full backup",
  );
  assert.equal(scope.includesResource(pods), true);
  const none = scoped({ excludedClusterScopedResources: ["*"] });
  assert.equal(none.resources.shouldInclude("namespaces"), false);
});

test("scoped filters: with none given, a backup of every namespace lists every cluster-scoped resource", () => {
  assert.equal(scoped({}).includesClusterScoped(clusterRoles), true);
  const some = new BackupScope({ includedNamespaces: ["shop"] }, SCOPED);
  assert.equal(some.includesClusterScoped(clusterRoles), false);
});

test("a scoped list naming a resource of the other scope leaves it out, reported", () => {
  const scope = scoped({ includedClusterScopedResources: ["pods", "sc"] });
  assert.deepEqual(scope.misplaced, ["pods"]);
  assert.equal(scope.includesClusterScoped(storageClasses), true);
});

test("validation: mixed filter generations, bad scoped lists and bad durations; snapshotVolumes true is valid", () => {
  const errors = validateBackupSpec({
    includedNamespaces: ["*"],
    includeClusterResources: true,
    includedNamespaceScopedResources: ["pods"],
    csiSnapshotTimeout: "soon",
    itemOperationTimeout: "4h",
    snapshotVolumes: true,
  });
  assert.equal(errors.length, 2, errors.join("\n"));
  assert.match(
    errors[0]!,
    /old filter parameters\.\n.*new filter parameters\.\nThey cannot be used together$/,
  );
  assert.match(errors[1]!, /^spec\.csiSnapshotTimeout: invalid duration "soon"/);
  assert.deepEqual(
    validateBackupSpec({
      excludedNamespaceScopedResources: ["*", "pods"],
      includedClusterScopedResources: ["a"],
      excludedClusterScopedResources: ["a"],
    }),
    [
      "Invalid cluster-scoped included/excluded resource lists: excludes list cannot contain an item in the includes list: a",
      "Invalid namespace-scoped included/excluded resource lists: excludes list must either contain '*' only, or a non-empty list of items",
    ],
  );
  assert.deepEqual(validateBackupSpec({ snapshotVolumes: false, excludedClusterScopedResources: ["*"] }), []);
});
