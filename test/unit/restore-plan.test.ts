import assert from "node:assert/strict";
import { test } from "node:test";
import type { Item } from "../../src/items/item.js";
import { none, planner } from "./planner.js";

function configMap(name: string, namespace: string, labels?: Record<string, string>): Item {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    data: { a: "1" },
  };
}

function pv(name: string, policy: "Retain" | "Delete", claim?: string, handle = name): Item {
  const [namespace, claimName] = claim?.split("/") ?? [];
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name },
    spec: {
      persistentVolumeReclaimPolicy: policy,
      csi: { driver: "d", volumeHandle: handle },
      ...(claim ? { claimRef: { namespace, name: claimName, uid: "old" } } : {}),
    },
  };
}

function pvc(name: string, namespace: string, volumeName: string): Item {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace },
    spec: { volumeName },
  };
}

test("an item not in the cluster is created in its mapped namespace, with the restore labels", () => {
  const p = planner({ namespaceMapping: { src: "dst" } });
  const planned = p.planItem("configmaps", { namespace: "src", name: "c" }, configMap("c", "src"), none)!;
  assert.equal(planned.entry.action, "create");
  assert.equal(planned.entry.namespace, "dst");
  assert.equal(planned.entry.sourceNamespace, "src");
  assert.equal(planned.body?.metadata?.namespace, "dst");
  assert.equal(planned.body?.metadata?.labels?.["velero.io/restore-name"], "r1");
});

test("filters: namespaces, resources and label selectors leave items out of the plan", () => {
  const p = planner({
    includedNamespaces: ["keep"],
    excludedResources: ["secrets"],
    labelSelector: { matchLabels: { app: "a" } },
  });
  assert.equal(
    p.planItem("configmaps", { namespace: "other", name: "c" }, configMap("c", "other", { app: "a" }), none),
    undefined,
  );
  assert.equal(
    p.planItem(
      "secrets",
      { namespace: "keep", name: "s" },
      { metadata: { name: "s", namespace: "keep", labels: { app: "a" } } },
      none,
    ),
    undefined,
  );
  assert.equal(
    p.planItem("configmaps", { namespace: "keep", name: "c" }, configMap("c", "keep", { app: "b" }), none),
    undefined,
  );
  assert.equal(
    p.planItem("configmaps", { namespace: "keep", name: "c" }, configMap("c", "keep", { app: "a" }), none)
      ?.entry.action,
    "create",
  );
  assert.equal(
    p.planItem("nodes", { name: "n1" }, { metadata: { name: "n1" } }, none),
    undefined,
    "never restored",
  );
});

test("cluster-scoped items: only with every namespace, unless a restored item needs them", () => {
  const claims = new Set(["app/data"]);
  const p = planner(
    { includedNamespaces: ["app"] },
    { restoredClaims: claims, restoredGroupResources: new Set(["widgets.example.com"]) },
  );
  assert.equal(
    p.planItem("clusterroles.rbac.authorization.k8s.io", { name: "r" }, { metadata: { name: "r" } }, none),
    undefined,
  );
  assert.equal(
    p.planItem("persistentvolumes", { name: "pv1" }, pv("pv1", "Retain", "app/data"), none)?.entry.action,
    "create",
  );
  assert.equal(
    p.planItem("persistentvolumes", { name: "pv2" }, pv("pv2", "Retain", "other/x"), none),
    undefined,
  );
  assert.equal(
    p.planItem(
      "customresourcedefinitions.apiextensions.k8s.io",
      { name: "widgets.example.com" },
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "widgets.example.com" },
      },
      none,
    )?.entry.action,
    "create",
  );
  const all = planner({ includeClusterResources: false }, { restoredClaims: claims });
  assert.equal(
    all.planItem("persistentvolumes", { name: "pv1" }, pv("pv1", "Retain", "app/data"), none),
    undefined,
  );
});

test("an existing object is skipped; a warning in Velero's words when it differs (no policy named: Kind:name)", () => {
  const p = planner({});
  const backedUp = configMap("c", "ns");
  const same = p.planItem("configmaps", { namespace: "ns", name: "c" }, backedUp, () => ({
    ...configMap("c", "ns"),
    metadata: {
      name: "c",
      namespace: "ns",
      uid: "x",
      resourceVersion: "9",
      labels: { "velero.io/backup-name": "old", "velero.io/restore-name": "old" },
    },
  }))!;
  assert.equal(same.entry.action, "skip");
  assert.deepEqual(same.entry.warnings, []);
  const changed = p.planItem("configmaps", { namespace: "ns", name: "c" }, backedUp, () => ({
    ...configMap("c", "ns"),
    data: { a: "2" },
  }))!;
  assert.equal(changed.entry.action, "skip");
  assert.deepEqual(changed.entry.warnings, [
    "could not restore, ConfigMap:c already exists. Warning: the in-cluster version is different than the backed-up version",
  ]);
});

test("an existing ServiceAccount gets the backup's secrets and labels merged in", () => {
  const p = planner({});
  const planned = p.planItem(
    "serviceaccounts",
    { namespace: "ns", name: "sa" },
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "sa", namespace: "ns", labels: { team: "a" } },
      imagePullSecrets: [{ name: "pull" }],
    },
    () => ({ metadata: { name: "sa", namespace: "ns" }, imagePullSecrets: [{ name: "mine" }] }),
  )!;
  assert.equal(planned.entry.action, "update");
  assert.deepEqual(planned.body?.imagePullSecrets, [{ name: "mine" }, { name: "pull" }]);
  assert.equal(planned.body?.metadata?.labels?.team, "a");
});

test("an item that is not valid JSON fails alone", () => {
  const planned = planner({}).planItem(
    "configmaps",
    { namespace: "ns", name: "bad" },
    Buffer.from("{not json"),
    none,
  )!;
  assert.equal(planned.entry.action, "fail");
  assert.match(planned.entry.reason, /not valid JSON/);
});

test("completed pods are planned as skipped, with the reason", () => {
  const planned = planner({}).planItem(
    "pods",
    { namespace: "ns", name: "p" },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "ns" },
      status: { phase: "Succeeded" },
    },
    none,
  )!;
  assert.equal(planned.entry.action, "skip");
  assert.match(planned.entry.reason, /Succeeded/);
});

test("a Retain volume is restored and its claim keeps it; a Delete volume is not and its claim is provisioned anew", () => {
  const p = planner({ namespaceMapping: { app: "app2" } });
  const retained = p.planItem("persistentvolumes", { name: "keep" }, pv("keep", "Retain", "app/a"), none)!;
  assert.equal(retained.entry.action, "create");
  assert.deepEqual(retained.body?.spec?.claimRef, { namespace: "app2", name: "a" });
  const deleted = p.planItem("persistentvolumes", { name: "gone" }, pv("gone", "Delete", "app/b"), none)!;
  assert.equal(deleted.entry.action, "skip");
  const a = p.planItem(
    "persistentvolumeclaims",
    { namespace: "app", name: "a" },
    pvc("a", "app", "keep"),
    none,
  )!;
  assert.equal(a.body?.spec?.volumeName, "keep");
  const b = p.planItem(
    "persistentvolumeclaims",
    { namespace: "app", name: "b" },
    pvc("b", "app", "gone"),
    none,
  )!;
  assert.equal(b.body?.spec?.volumeName, undefined);
  assert.match(b.entry.reason, /provisioned anew/);
});

test("never two PVs for one disk, never a claim bound to a volume another claim holds", () => {
  const clusterVolumes = [pv("live", "Retain", "app/a", "disk-1"), pv("held", "Retain", "app/c", "disk-2")];
  const p = planner({ namespaceMapping: { app: "copy" } }, { clusterVolumes });
  const twin = p.planItem(
    "persistentvolumes",
    { name: "old-name" },
    pv("old-name", "Retain", "app/a", "disk-1"),
    none,
  )!;
  assert.equal(twin.entry.action, "skip");
  assert.match(
    twin.entry.warnings[0] ?? "",
    /persistent volume old-name was not restored: volume live in the cluster already uses the same storage/,
  );
  const claimOfTwin = p.planItem(
    "persistentvolumeclaims",
    { namespace: "app", name: "a" },
    pvc("a", "app", "old-name"),
    none,
  )!;
  assert.equal(claimOfTwin.body?.spec?.volumeName, undefined);
  // "held" exists in the cluster, bound to app/c; the restored claim lands in "copy".
  const heldPv = p.planItem(
    "persistentvolumes",
    { name: "held" },
    pv("held", "Retain", "app/c", "disk-2"),
    (_, name) => clusterVolumes.find((v) => v.metadata?.name === name),
  )!;
  assert.equal(heldPv.entry.action, "skip");
  const claim = p.planItem(
    "persistentvolumeclaims",
    { namespace: "app", name: "c" },
    pvc("c", "app", "held"),
    none,
  )!;
  assert.equal(claim.body?.spec?.volumeName, undefined);
  assert.deepEqual(heldPv.entry.warnings, [
    "persistent volume held was not restored: volume held in the cluster already uses the same storage (csi d disk-2); its claim is provisioned anew",
  ]);
});

test("a released volume whose old claim is restored in place is freed for it", () => {
  const released: Item = { ...pv("v", "Retain", "app/a"), status: { phase: "Released" } };
  const p = planner({}, { clusterVolumes: [released] });
  const planned = p.planItem("persistentvolumes", { name: "v" }, pv("v", "Retain", "app/a"), () => released)!;
  assert.equal(planned.entry.action, "update");
  assert.deepEqual(planned.body, { spec: { claimRef: { uid: null, resourceVersion: null } } });
  const claim = p.planItem(
    "persistentvolumeclaims",
    { namespace: "app", name: "a" },
    pvc("a", "app", "v"),
    none,
  )!;
  assert.equal(claim.body?.spec?.volumeName, "v");
});

test("namespaces: created from the backup under the mapped name, waited for when terminating, kept when present", () => {
  const p = planner({ namespaceMapping: { src: "dst" } });
  const backedUp: Item = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "src", labels: { team: "a" }, uid: "u" },
  };
  const created = p.planNamespace("dst", backedUp, undefined, "src");
  assert.equal(created.entry.action, "create");
  assert.equal(created.body?.metadata?.name, "dst");
  assert.equal(created.body?.metadata?.labels?.team, "a");
  const waiting = p.planNamespace(
    "dst",
    backedUp,
    { metadata: { name: "dst", deletionTimestamp: "t" } },
    "src",
  );
  assert.match(waiting.entry.reason, /terminating/);
  assert.equal(p.planNamespace("dst", backedUp, { metadata: { name: "dst" } }, "src").entry.action, "skip");
});

test("a namespace made for a backup whose name is over 63 characters gets Velero's shortened label", () => {
  const long = `nightly-${"a".repeat(62)}`;
  const p = planner({ backupName: long }, { backupName: long });
  const planned = p.planNamespace("dst", undefined, undefined, "src");
  const label = planned.body?.metadata?.labels?.["velero.io/backup-name"] ?? "";
  assert.equal(label.length, 63);
  assert.equal(label.slice(0, 57), long.slice(0, 57));
  assert.deepEqual(
    planned.body?.metadata?.labels,
    planner({ backupName: long }, { backupName: long }).planItem(
      "configmaps",
      { namespace: "src", name: "c" },
      configMap("c", "src"),
      none,
    )?.body?.metadata?.labels,
    "the same restore labels as every other item",
  );
});

/**
 * A clone of namespace app into copy, where the cluster's pv-1 is on `clusterDisk`: plans the
 * backup's pv-1 (on disk-1), then its claim app/a.
 */
function planClone(clusterDisk: string) {
  const clusterVolumes = [pv("pv-1", "Retain", "app/a", clusterDisk)];
  const p = planner(
    { namespaceMapping: { app: "copy" } },
    { clusterVolumes, restoredClaims: new Set(["app/a"]) },
  );
  const planned = p.planItem(
    "persistentvolumes",
    { name: "pv-1" },
    pv("pv-1", "Retain", "app/a", "disk-1"),
    (_, name) => clusterVolumes.find((v) => v.metadata?.name === name),
  )!;
  const claim = p.planItem(
    "persistentvolumeclaims",
    { namespace: "app", name: "a" },
    pvc("a", "app", "pv-1"),
    none,
  )!;
  return { planned, claim };
}

test("cloning a namespace whose volume's name is taken renames the restored PV, and its claim follows", () => {
  // The cluster's pv-1 now holds other storage than the backup's pv-1 (disk-1).
  const { planned, claim } = planClone("disk-9");
  assert.equal(planned.entry.action, "create");
  assert.match(planned.entry.name, /^velero-clone-[0-9a-f-]{36}$/);
  assert.equal(planned.entry.sourceName, "pv-1");
  assert.equal(planned.body?.metadata?.annotations?.["velero.io/original-pv-name"], "pv-1");
  assert.equal(
    planned.entry.reason,
    "renamed from pv-1: its claim's namespace is mapped and volume pv-1 exists in the cluster",
  );
  assert.equal(claim.body?.spec?.volumeName, planned.entry.name);
});

test("cloning a namespace never shares a disk: a taken name with the same storage provisions the claim anew", () => {
  const { planned, claim } = planClone("disk-1");
  assert.equal(planned.entry.action, "skip");
  assert.equal(claim.body?.spec?.volumeName, undefined);
});
