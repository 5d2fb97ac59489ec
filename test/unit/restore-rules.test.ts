import assert from "node:assert/strict";
import { test } from "node:test";
import type { Item } from "../../src/items/item.js";
import { type ItemContext, prepareItem } from "../../src/restore/item-rules.js";
import { restored, restoredItem } from "./planner.js";
import { parseNamespaceMappings, validateNamespaceMapping } from "../../src/restore/namespace-mapping.js";
import {
  DEFAULT_RESTORE_PRIORITIES,
  orderGroupResources,
  parseRestorePriorities,
} from "../../src/restore/priorities.js";
import { validateRestoreSpec } from "../../src/restore/validation.js";

const ctx: ItemContext = {
  backupName: "b1",
  restoreName: "r1",
  mapNamespace: (ns) => (ns === "src" ? "dst" : ns),
  restoreStatus: false,
  preserveNodePorts: false,
};

test("restore order: Velero's high priorities, then the rest alphabetically, then the low ones", () => {
  const present = [
    "services",
    "clusters.cluster.x-k8s.io",
    "deployments.apps",
    "configmaps",
    "customresourcedefinitions.apiextensions.k8s.io",
    "namespaces",
    "widgets.example.com",
    "persistentvolumes",
    "volumesnapshotclasses.snapshot.storage.k8s.io",
  ];
  const canonical = (n: string) =>
    ({
      customresourcedefinitions: "customresourcedefinitions.apiextensions.k8s.io",
      "volumesnapshotclass.snapshot.storage.k8s.io": "volumesnapshotclasses.snapshot.storage.k8s.io",
    })[n] ?? n;
  assert.deepEqual(orderGroupResources(present, DEFAULT_RESTORE_PRIORITIES, canonical), [
    "customresourcedefinitions.apiextensions.k8s.io",
    "namespaces",
    "volumesnapshotclasses.snapshot.storage.k8s.io",
    "persistentvolumes",
    "configmaps",
    "services",
    "deployments.apps",
    "widgets.example.com",
    "clusters.cluster.x-k8s.io",
  ]);
});

test("--restore-resource-priorities: a lone '-' splits high from low", () => {
  assert.deepEqual(parseRestorePriorities("namespaces,secrets,-,services"), {
    high: ["namespaces", "secrets"],
    low: ["services"],
  });
  assert.deepEqual(
    orderGroupResources(
      ["services", "configmaps", "secrets", "namespaces"],
      parseRestorePriorities("namespaces,secrets,-,services"),
    ),
    ["namespaces", "secrets", "configmaps", "services"],
  );
  assert.throws(() => parseRestorePriorities("a,-,b,-,c"), /more than one "-"/);
});

test("metadata is reset, status dropped, restore labels added, namespace mapped", () => {
  const item: Item = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "c",
      namespace: "src",
      uid: "u",
      resourceVersion: "5",
      generation: 2,
      creationTimestamp: "t",
      ownerReferences: [{}],
      labels: { app: "a" },
    },
    status: { x: 1 },
  };
  const out = prepareItem("configmaps", item, ctx);
  assert.deepEqual(out.metadata, {
    name: "c",
    namespace: "dst",
    labels: { app: "a", "velero.io/backup-name": "b1", "velero.io/restore-name": "r1" },
  });
  assert.equal(out.status, undefined);
  assert.equal(item.metadata?.namespace, "src", "the backup's copy is untouched");
  const kept = prepareItem(
    "configmaps",
    { ...item, metadata: { ...item.metadata, annotations: { "velero.io/restore-status": "true" } } },
    ctx,
  );
  assert.deepEqual(kept.status, { x: 1 });
});

test("long backup names become a 63-character label value ending in a hash", () => {
  const out = prepareItem("configmaps", { metadata: { name: "c" } }, { ...ctx, backupName: "b".repeat(80) });
  const value = out.metadata!.labels!["velero.io/backup-name"]!;
  assert.equal(value.length, 63);
  assert.ok(value.startsWith("b".repeat(57)));
});

test("services: cluster IPs cleared unless None; node ports zeroed unless explicit or preserved", () => {
  const service: Item = {
    metadata: {
      name: "s",
      namespace: "src",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
          spec: { ports: [{ port: 81, nodePort: 30081 }] },
        }),
      },
      managedFields: [
        { fieldsV1: { "f:spec": { "f:ports": { 'k:{"port":82,"protocol":"TCP"}': { "f:nodePort": {} } } } } },
      ],
    },
    spec: {
      type: "NodePort",
      clusterIP: "10.0.0.1",
      clusterIPs: ["10.0.0.1"],
      ports: [
        { port: 80, nodePort: 30080 },
        { port: 81, nodePort: 30081 },
        { port: 82, protocol: "TCP", nodePort: 30082 },
      ],
    },
  };
  const out = restoredItem("services", service, ctx);
  assert.equal(out.spec?.clusterIP, undefined);
  assert.equal(out.spec?.clusterIPs, undefined);
  assert.deepEqual(
    (out.spec?.ports as { nodePort?: number }[]).map((p) => p.nodePort),
    [undefined, 30081, 30082],
  );
  const preserved = restoredItem("services", service, { ...ctx, preserveNodePorts: true });
  assert.deepEqual(
    (preserved.spec?.ports as { nodePort?: number }[]).map((p) => p.nodePort),
    [30080, 30081, 30082],
  );
  const headless = restoredItem("services", { metadata: { name: "h" }, spec: { clusterIP: "None" } }, ctx);
  assert.equal(headless.spec?.clusterIP, "None");
});

test("pods: node name, priority and service-account token volumes dropped", () => {
  const out = restoredItem(
    "pods",
    {
      metadata: { name: "p", namespace: "src" },
      spec: {
        nodeName: "n1",
        priority: 5,
        serviceAccountName: "sa",
        volumes: [{ name: "sa-token-abc" }, { name: "data" }],
        containers: [{ name: "c", volumeMounts: [{ name: "sa-token-abc" }, { name: "data" }] }],
      },
    },
    ctx,
  );
  assert.equal(out.spec?.nodeName, undefined);
  assert.equal(out.spec?.priority, undefined);
  assert.deepEqual(out.spec?.volumes, [{ name: "data" }]);
  assert.deepEqual((out.spec?.containers as { volumeMounts: unknown[] }[])[0]!.volumeMounts, [
    { name: "data" },
  ]);
});

test("jobs lose their controller-uid labels; claims their binding annotations", () => {
  const job = restoredItem(
    "jobs.batch",
    {
      metadata: { name: "j" },
      spec: {
        selector: {
          matchLabels: { "controller-uid": "x", "batch.kubernetes.io/controller-uid": "x", keep: "y" },
        },
        template: {
          metadata: {
            labels: { "controller-uid": "x", "batch.kubernetes.io/controller-uid": "x", app: "a" },
          },
        },
      },
    },
    ctx,
  );
  assert.deepEqual(job.spec?.selector, { matchLabels: { keep: "y" } });
  assert.deepEqual((job.spec?.template as { metadata: unknown }).metadata, { labels: { app: "a" } });
  const pvc = restoredItem(
    "persistentvolumeclaims",
    {
      metadata: {
        name: "c",
        annotations: {
          "pv.kubernetes.io/bind-completed": "yes",
          "volume.kubernetes.io/selected-node": "n",
          mine: "1",
        },
      },
    },
    ctx,
  );
  assert.deepEqual(pvc.metadata?.annotations, { mine: "1" });
});

test("references into mapped namespaces follow the mapping: claimRef, ServiceAccount subjects", () => {
  const pv = restoredItem(
    "persistentvolumes",
    {
      metadata: { name: "pv1" },
      spec: { claimRef: { namespace: "src", name: "c", uid: "u", resourceVersion: "1" } },
    },
    ctx,
  );
  assert.deepEqual(pv.spec?.claimRef, { namespace: "dst", name: "c" });
  const binding = restoredItem(
    "clusterrolebindings.rbac.authorization.k8s.io",
    {
      metadata: { name: "b" },
      subjects: [
        { kind: "ServiceAccount", name: "a", namespace: "src" },
        { kind: "ServiceAccount", name: "b", namespace: "other" },
        { kind: "User", name: "u" },
      ],
    },
    ctx,
  );
  assert.deepEqual(binding.subjects, [
    { kind: "ServiceAccount", name: "a", namespace: "dst" },
    { kind: "ServiceAccount", name: "b", namespace: "other" },
    { kind: "User", name: "u" },
  ]);
});

test("Endpoints and EndpointSlices point at the pods of the mapped namespace", () => {
  const pod = (name: string, namespace: string) => ({
    ip: "10.0.0.1",
    targetRef: { kind: "Pod", name, namespace },
  });
  const endpoints = restoredItem(
    "endpoints",
    {
      metadata: { name: "web", namespace: "src" },
      subsets: [{ addresses: [pod("a", "src")], notReadyAddresses: [pod("b", "src"), pod("c", "other")] }],
    },
    ctx,
  );
  assert.deepEqual(endpoints.subsets, [
    { addresses: [pod("a", "dst")], notReadyAddresses: [pod("b", "dst"), pod("c", "other")] },
  ]);
  const slice = restoredItem(
    "endpointslices.discovery.k8s.io",
    {
      metadata: { name: "web-x", namespace: "src" },
      endpoints: [
        { addresses: ["10.0.0.1"], targetRef: { kind: "Pod", name: "a", namespace: "src" } },
        { addresses: ["10.0.0.2"] },
      ],
    },
    ctx,
  );
  assert.deepEqual(slice.endpoints, [
    { addresses: ["10.0.0.1"], targetRef: { kind: "Pod", name: "a", namespace: "dst" } },
    { addresses: ["10.0.0.2"] },
  ]);
});

test("completed pods and jobs and mirror pods are skipped", () => {
  assert.match(restored("pods", { status: { phase: "Succeeded" } }, ctx).skip ?? "", /Succeeded/);
  assert.match(restored("pods", { status: { phase: "Failed" } }, ctx).skip ?? "", /Failed/);
  assert.equal(restored("pods", { status: { phase: "Running" } }, ctx).skip, undefined);
  assert.match(
    restored("pods", { metadata: { annotations: { "kubernetes.io/config.mirror": "x" } } }, ctx).skip ?? "",
    /mirror/,
  );
  assert.match(restored("jobs.batch", { status: { completionTime: "t" } }, ctx).skip ?? "", /completed/);
});

test("namespace mappings: malformed pairs, empty names and two sources to one target are refused", () => {
  assert.deepEqual(parseNamespaceMappings("a:b, c:d"), { a: "b", c: "d" });
  assert.throws(
    () => parseNamespaceMappings("a:b:c"),
    /invalid namespace mapping "a:b:c": write each as source:target/,
  );
  assert.throws(() => parseNamespaceMappings("a:"), /invalid namespace mapping/);
  assert.throws(() => parseNamespaceMappings("a:b,a:c"), /mapped twice/);
  assert.deepEqual(validateNamespaceMapping({ a: "x", b: "x" }), [
    'namespaces "a" and "b" are all mapped to "x": map each source namespace to its own target',
  ]);
  assert.match(validateNamespaceMapping({ a: "Not_Valid" })[0] ?? "", /not a valid namespace name/);
  assert.match(validateNamespaceMapping({ a: "" })[0] ?? "", /empty name/);
});

test("restore spec validation names every problem with Velero's messages", () => {
  assert.deepEqual(validateRestoreSpec({ backupName: "b" }), []);
  assert.deepEqual(validateRestoreSpec({}), [
    "Either a backup or schedule must be specified as a source for the restore, but not both",
  ]);
  assert.deepEqual(validateRestoreSpec({ backupName: "b", scheduleName: "s" }), [
    "Either a backup or schedule must be specified as a source for the restore, but not both",
  ]);
  const errors = validateRestoreSpec(
    {
      backupName: "b",
      includedResources: ["node", "configmaps"],
      labelSelector: { matchLabels: { a: "b" } },
      orLabelSelectors: [{ matchLabels: { c: "d" } }],
      namespaceMapping: { x: "y", z: "y" },
    },
    (n) => (n === "node" ? "nodes" : n),
  );
  assert.deepEqual(errors, [
    "node are non-restorable resources",
    "encountered labelSelector as well as orLabelSelectors in restore spec, only one can be specified",
    'namespaces "x" and "z" are all mapped to "y": map each source namespace to its own target',
  ]);
});
