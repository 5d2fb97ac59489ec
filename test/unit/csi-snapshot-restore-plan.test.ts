import assert from "node:assert/strict";
import { SharedReads } from "../../src/kube/shared-reads.js";
import { test } from "node:test";
import type { Item } from "../../src/items/item.js";
import {
  backedUpSnapshot,
  restoredSnapshotName,
  VOLUME_SNAPSHOT_CONTENTS,
  VOLUME_SNAPSHOTS,
  type BackedUpSnapshot,
} from "../../src/volumes/csi-snapshot-restore-actions.js";
import { planner } from "./planner.js";

const none = () => undefined;

/** A VolumeSnapshot as a Velero backup holds it: of claim app/data, with Velero's annotations. */
const backedUpVs: Item = {
  apiVersion: "snapshot.storage.k8s.io/v1",
  kind: "VolumeSnapshot",
  metadata: {
    name: "velero-data-abcde",
    namespace: "app",
    annotations: {
      "velero.io/csi-volumesnapshot-handle": "snap-1",
      "velero.io/csi-driver-name": "d",
      "velero.io/csi-volumesnapshot-restore-size": "2Gi",
      "velero.io/csi-vsc-deletion-policy": "Delete",
    },
  },
  spec: { source: { persistentVolumeClaimName: "data" }, volumeSnapshotClassName: "snapclass" },
  status: { boundVolumeSnapshotContentName: "snapcontent-1", readyToUse: true },
};
const snapshot = backedUpSnapshot(backedUpVs)!;

const backedUpContent: Item = {
  apiVersion: "snapshot.storage.k8s.io/v1",
  kind: "VolumeSnapshotContent",
  metadata: { name: "snapcontent-1" },
  spec: {
    deletionPolicy: "Delete",
    driver: "d",
    source: { volumeHandle: "disk-1" },
    volumeSnapshotClassName: "snapclass",
    volumeSnapshotRef: { namespace: "app", name: "velero-data-abcde", uid: "u1" },
  },
  status: { snapshotHandle: "snap-1", readyToUse: true },
};

const claim: Item = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: {
    name: "data",
    namespace: "app",
    annotations: { "velero.io/volume-snapshot-name": "velero-data-abcde" },
  },
  spec: { volumeName: "pvc-1", resources: { requests: { storage: "1Gi" } } },
};

const pv: Item = {
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name: "pvc-1" },
  spec: {
    persistentVolumeReclaimPolicy: "Retain",
    csi: { driver: "d", volumeHandle: "disk-1" },
    claimRef: { namespace: "app", name: "data", uid: "old" },
  },
};

function csiPlanner(spec: Parameters<typeof planner>[0], classes = ["snapclass"]) {
  const snapshots = new Map<string, BackedUpSnapshot>([["app/velero-data-abcde", snapshot]]);
  return planner(spec, {
    restoreUID: "uid-1",
    restoredClaims: new Set(["app/data"]),
    snapshots,
    claimSnapshots: new Map([["app/data", snapshot]]),
    dataRestoredClaims: new Map([
      ["app/data", "its data is restored from CSI snapshot app/velero-data-abcde"],
    ]),
    availableClasses: new Set(classes),
    reads: new SharedReads(),
  });
}

const restoredName = restoredSnapshotName("uid-1", "velero-data-abcde");

test("restored snapshots are named hex sha256 of <restore UID>/<snapshot>, as Velero names them", () => {
  // echo -n "uid-1/velero-data-abcde" | sha256sum
  assert.equal(restoredName, "c67f1c7b8b8c63622cbbdcf18a505146cf7cd48fd7d1b7fa599f622f8b6de277");
});

test("the content becomes a pre-provisioned one with the snapshot handle and policy Retain, bound to the renamed snapshot", () => {
  const p = csiPlanner({ namespaceMapping: { app: "copy" } });
  const planned = p.planItem(VOLUME_SNAPSHOT_CONTENTS, { name: "snapcontent-1" }, backedUpContent, none)!;
  assert.equal(planned.entry.action, "create");
  assert.equal(planned.entry.name, restoredName);
  assert.equal(planned.entry.sourceName, "snapcontent-1");
  assert.deepEqual(planned.body?.spec, {
    deletionPolicy: "Retain",
    driver: "d",
    source: { snapshotHandle: "snap-1" },
    volumeSnapshotClassName: "snapclass",
    volumeSnapshotRef: {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshot",
      namespace: "copy",
      name: restoredName,
    },
  });
  assert.equal(planned.body?.status, undefined);
});

test("the VolumeSnapshot is renamed, points at its content, and asks for an operation that waits until it is ready", () => {
  const p = csiPlanner({ namespaceMapping: { app: "copy" } });
  const planned = p.planItem(
    VOLUME_SNAPSHOTS,
    { namespace: "app", name: "velero-data-abcde" },
    backedUpVs,
    none,
  )!;
  assert.equal(planned.entry.namespace, "copy");
  assert.equal(planned.entry.name, restoredName);
  assert.deepEqual(planned.body?.spec, {
    source: { volumeSnapshotContentName: restoredName },
    volumeSnapshotClassName: "snapclass",
  });
  assert.deepEqual(
    planned.operations?.map((o) => o.action),
    ["velero.io/csi-volumesnapshot-restorer"],
  );
});

test("a VolumeSnapshotClass neither in the cluster nor in the restore is dropped, with a warning naming the volume", () => {
  const p = csiPlanner({}, []);
  const planned = p.planItem(
    VOLUME_SNAPSHOTS,
    { namespace: "app", name: "velero-data-abcde" },
    backedUpVs,
    none,
  )!;
  assert.equal(planned.body?.spec?.volumeSnapshotClassName, undefined);
  assert.deepEqual(planned.entry.warnings, [
    `VolumeSnapshotClass snapclass of VolumeSnapshot app/${restoredName} is neither in the cluster nor in the restore: the snapshot is restored without a class; create the class (driver d) if the driver needs one`,
  ]);
});

test("the claim is provisioned from the restored snapshot: dataSource set, volumeName cleared, request raised to the snapshot's size", () => {
  const p = csiPlanner({});
  const planned = p.planItem("persistentvolumeclaims", { namespace: "app", name: "data" }, claim, none)!;
  const source = { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: restoredName };
  assert.deepEqual(planned.body?.spec, {
    resources: { requests: { storage: "2Gi" } },
    dataSource: source,
    dataSourceRef: source,
  });
  assert.match(
    planned.entry.reason,
    /provisioned from VolumeSnapshot [0-9a-f]{64} \(the backup's app\/velero-data-abcde\)/,
  );
  assert.deepEqual(planned.entry.warnings, []);
});

test("the PV of a snapshotted claim is not restored: the claim gets a new one", () => {
  const p = csiPlanner({});
  const planned = p.planItem("persistentvolumes", { name: "pvc-1" }, pv, none)!;
  assert.equal(planned.entry.action, "skip");
  assert.equal(
    planned.entry.reason,
    "its data is restored from CSI snapshot app/velero-data-abcde: its claim is provisioned anew",
  );
});

test("with restorePVs false no snapshot object is restored", () => {
  const p = planner(
    { restorePVs: false },
    { snapshots: new Map([["app/velero-data-abcde", snapshot]]), restorePVs: false },
  );
  const planned = p.planItem(
    VOLUME_SNAPSHOTS,
    { namespace: "app", name: "velero-data-abcde" },
    backedUpVs,
    none,
  )!;
  assert.equal(planned.entry.action, "skip");
  assert.equal(planned.entry.reason, "restorePVs is false: no volume data is restored");
});

test("a snapshot the restore's claims need comes even when the resource filter leaves snapshots out", () => {
  const p = csiPlanner({ includedResources: ["persistentvolumeclaims"] });
  const planned = p.planItem(
    VOLUME_SNAPSHOTS,
    { namespace: "app", name: "velero-data-abcde" },
    backedUpVs,
    none,
  );
  assert.equal(planned?.entry.action, "create");
});
