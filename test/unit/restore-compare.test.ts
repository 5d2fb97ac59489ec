import assert from "node:assert/strict";
import { test } from "node:test";
import { compareExisting, mergePatch } from "../../src/restore/compare.js";
import type { Item } from "../../src/items/item.js";
import { restoredItem } from "./planner.js";

const ctx = {
  backupName: "b2",
  restoreName: "r2",
  mapNamespace: (ns: string) => ns,
  restoreStatus: false,
  preserveNodePorts: false,
};

/** A Service as the API server returns it: defaults and allocated values that no manager owns. */
function listedService(
  extra: { spec?: Record<string, unknown>; owned?: Record<string, unknown> } = {},
): Item {
  const service: unknown = {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "web",
      namespace: "app",
      uid: "u1",
      resourceVersion: "7",
      creationTimestamp: "2026-11-01T00:00:00Z",
      labels: { app: "web", "velero.io/backup-name": "b1", "velero.io/restore-name": "r1" },
      managedFields: [
        {
          manager: "kubectl",
          operation: "Update",
          fieldsV1: {
            "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
            "f:spec": {
              "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:protocol": {} } },
              "f:selector": {},
              "f:type": {},
              ...extra.owned,
            },
          },
        },
      ],
    },
    spec: {
      type: "NodePort",
      selector: { app: "web" },
      clusterIP: "10.0.0.12",
      clusterIPs: ["10.0.0.12"],
      ports: [{ port: 80, protocol: "TCP", targetPort: 80, nodePort: 31234 }],
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ...extra.spec,
    },
    status: { loadBalancer: {} },
  };
  return service as Item;
}

test("an object restored onto the cluster it came from is identical: allocated and defaulted fields do not count", () => {
  const backedUp = listedService();
  // Restored here before: the cluster allocated other values, and a newer server added a default.
  const inCluster = listedService({
    spec: {
      clusterIP: "10.0.0.99",
      clusterIPs: ["10.0.0.99"],
      ports: [{ port: 80, protocol: "TCP", targetPort: 80, nodePort: 30001 }],
      ipFamilies: ["IPv4"],
    },
  });
  const c = compareExisting(restoredItem("services", backedUp, ctx), inCluster, backedUp);
  assert.equal(c.identical, true, JSON.stringify(c.changes));
  assert.deepEqual(c.patch, {
    metadata: { labels: { "velero.io/backup-name": "b2", "velero.io/restore-name": "r2" } },
  });
});

test("a changed field is listed with both values and patched; a default the backup lacks is left alone", () => {
  const backedUp = listedService({ spec: { type: "ClusterIP" } });
  const inCluster = listedService({ spec: { sessionAffinity: "None", newDefault: "x" } });
  const prepared = restoredItem("services", backedUp, ctx);
  delete (prepared.spec as Record<string, unknown>).sessionAffinity;
  const c = compareExisting(prepared, inCluster, backedUp);
  assert.equal(c.identical, false);
  assert.deepEqual(c.changes, [{ path: "spec.type", inCluster: "NodePort", inBackup: "ClusterIP" }]);
  assert.equal((c.patch.spec as Record<string, unknown>).type, "ClusterIP");
  assert.equal("newDefault" in (c.patch.spec as object), false);
});

test("a field a manager owns that the backup lacks is a change, and the patch removes it", () => {
  const backedUp = listedService();
  const inCluster = listedService({
    spec: { externalTrafficPolicy: "Local" },
    owned: { "f:externalTrafficPolicy": {} },
  });
  const c = compareExisting(restoredItem("services", backedUp, ctx), inCluster, backedUp);
  assert.deepEqual(c.changes, [{ path: "spec.externalTrafficPolicy", inCluster: "Local" }]);
  assert.equal((c.patch.spec as Record<string, unknown>).externalTrafficPolicy, null);
});

test("a list element's field that its manager owns counts: a changed target port is a change", () => {
  const backedUp = listedService();
  const inCluster = listedService({
    spec: { ports: [{ port: 80, protocol: "TCP", targetPort: 8080, nodePort: 30001 }] },
  });
  const c = compareExisting(restoredItem("services", backedUp, ctx), inCluster, backedUp);
  assert.deepEqual(c.changes, [{ path: "spec.ports[0].targetPort", inCluster: 8080, inBackup: 80 }]);
});

test("the merge patch nulls removed keys, recurses into objects and replaces lists whole", () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1, 2] }, { b: { c: 1, d: 3 }, l: [1] }), {
    a: null,
    b: { d: 3 },
    l: [1],
  });
  assert.equal(mergePatch({ a: { b: 1 } }, { a: { b: 1 } }), undefined);
});
