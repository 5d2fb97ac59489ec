import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backup } from "../../src/api/v1/index.js";
import type { DataUpload } from "../../src/api/v2alpha1/data-movement.js";
import { VolumeInfoCollector } from "../../src/backup/volume-info.js";
import { discoveryFromAggregated } from "../../src/kube/discovery.js";
import { dataUploadSource } from "../../src/agent/data-upload-controller.js";
import { BackupVolumeRecords } from "../../src/volumes/backup-volume-records.js";
import { dataDownloadOperationId, movedSnapshotOf } from "../../src/volumes/data-download-restore-actions.js";
import { dataUploadFor, dataUploadOperationId } from "../../src/volumes/data-upload-backup.js";

const BACKUP_UID = "bef3ea6a-1935-49f5-9dc1-25562bec8264";
const PVC_UID = "382899a9-cd77-4de5-b50d-7cf9b369a8ad";

const backup: Backup = {
  apiVersion: "velero.io/v1",
  kind: "Backup",
  metadata: { name: "nightly", namespace: "velero", uid: BACKUP_UID },
  spec: { storageLocation: "default", snapshotMoveData: true, csiSnapshotTimeout: "10m0s" },
};
const pvc = {
  metadata: { name: "data", namespace: "shop", uid: PVC_UID },
  spec: { storageClassName: "standard" },
};

test("a DataUpload's operation ID is Velero's du-<backup uid>.<claim uid>, shortened to a valid label value with its hash", () => {
  const id = dataUploadOperationId(BACKUP_UID, PVC_UID);
  assert.equal(id.length, 63);
  assert.equal(id.slice(0, 57), `du-${BACKUP_UID}.${PVC_UID}`.slice(0, 57));
  assert.match(id.slice(57), /^[0-9a-f]{6}$/);
});

test("a DataDownload's operation ID is dd-<restore uid>.<claim uid> in the same valid form", () => {
  const id = dataDownloadOperationId(BACKUP_UID, PVC_UID);
  assert.equal(id.length, 63);
  assert.ok(id.startsWith(`dd-${BACKUP_UID}.`));
});

test("the DataUpload of a claim carries Velero's labels, owner and spec", () => {
  const du = dataUploadFor(backup, pvc, {
    name: "velero-data-x2k9p",
    className: "csi-snapclass",
    driver: "csi.example",
  });
  assert.equal(du.metadata.generateName, "nightly-");
  assert.deepEqual(du.metadata.labels, {
    "velero.io/backup-name": "nightly",
    "velero.io/backup-uid": BACKUP_UID,
    "velero.io/pvc-uid": PVC_UID,
    "velero.io/async-operation-id": dataUploadOperationId(BACKUP_UID, PVC_UID),
  });
  assert.deepEqual(du.metadata.ownerReferences, [
    { apiVersion: "velero.io/v1", kind: "Backup", name: "nightly", uid: BACKUP_UID, controller: true },
  ]);
  assert.deepEqual(du.spec, {
    snapshotType: "CSI",
    csiSnapshot: {
      volumeSnapshot: "velero-data-x2k9p",
      storageClass: "standard",
      snapshotClass: "csi-snapclass",
      driver: "csi.example",
    },
    sourcePVC: "data",
    datamover: "",
    backupStorageLocation: "default",
    sourceNamespace: "shop",
    operationTimeout: "10m0s",
  });
});

const completed: DataUpload = {
  ...dataUploadFor(backup, pvc, {
    name: "velero-data-x2k9p",
    className: "csi-snapclass",
    driver: "csi.example",
  }),
  metadata: { name: "nightly-7fq2d", namespace: "velero" },
  status: {
    phase: "Completed",
    snapshotID: "k1e2f3",
    progress: { totalBytes: 104857600, bytesDone: 104857600 },
    startTimestamp: "2026-12-06T21:42:53Z",
    completionTimestamp: "2026-12-06T21:42:58Z",
  },
};

test("kopia's source of moved snapshot data is Velero's snapshot-data-upload-download/kopia/<namespace>/<claim>", () => {
  assert.equal(dataUploadSource(completed), "default@default:snapshot-data-upload-download/kopia/shop/data");
});

test("a moved snapshot's volume info entry has Velero's fields, from the DataUpload once it ended", () => {
  const collector = new VolumeInfoCollector();
  const claim = { ...pvc, spec: { volumeName: "pv-1" } };
  const pv = { metadata: { name: "pv-1" }, spec: { persistentVolumeReclaimPolicy: "Delete" } };
  collector.add({ apiVersion: "v1", kind: "PersistentVolumeClaim", ...claim });
  collector.add({ apiVersion: "v1", kind: "PersistentVolume", ...pv });
  const records = new BackupVolumeRecords();
  records.dataUploads.push({
    pvcNamespace: "shop",
    pvcName: "data",
    pvName: "pv-1",
    driver: "csi.example",
    operationId: "du-op",
    dataUpload: completed,
  });
  const [entry] = JSON.parse(JSON.stringify(collector.entries(records))) as Record<string, unknown>[];
  assert.deepEqual(entry, {
    pvcName: "data",
    pvcNamespace: "shop",
    pvName: "pv-1",
    backupMethod: "CSISnapshot",
    snapshotDataMoved: true,
    preserveLocalSnapshot: false,
    skipped: false,
    startTimestamp: "2026-12-06T21:42:53Z",
    completionTimestamp: "2026-12-06T21:42:58Z",
    result: "succeeded",
    csiSnapshotInfo: {
      snapshotHandle: "unknown",
      size: 0,
      driver: "csi.example",
      vscName: "unknown",
      operationID: "unknown",
      ReadyToUse: null,
    },
    snapshotDataMovementInfo: {
      dataMover: "velero",
      uploaderType: "kopia",
      retainedSnapshot: "velero-data-x2k9p",
      snapshotHandle: "k1e2f3",
      operationID: "du-op",
      size: 104857600,
      Phase: "Completed",
    },
    pvInfo: { reclaimPolicy: "Delete", labels: null },
  });
});

test("a restore takes a completed DataUpload's snapshot, and none from one that did not complete", () => {
  assert.deepEqual(movedSnapshotOf(completed), {
    dataUpload: "velero/nightly-7fq2d",
    snapshotID: "k1e2f3",
    backupStorageLocation: "default",
    sourceNamespace: "shop",
    sizeBytes: 104857600,
    datamover: "",
    operationTimeout: "10m0s",
  });
  assert.equal(
    movedSnapshotOf({ ...completed, status: { ...completed.status, phase: "Failed" } }),
    undefined,
  );
});

test("discovery keeps a resource that only a group's non-preferred version serves (velero.io's v2alpha1 DataUploads)", () => {
  const resource = (name: string, kind: string) => ({
    resource: name,
    responseKind: { kind },
    scope: "Namespaced" as const,
    verbs: ["get", "list"],
  });
  const { resources } = discoveryFromAggregated([
    {
      metadata: { name: "velero.io" },
      versions: [
        { version: "v1", resources: [resource("backups", "Backup")] },
        {
          version: "v2alpha1",
          resources: [resource("datauploads", "DataUpload"), resource("backups", "Backup")],
        },
      ],
    },
  ]);
  assert.deepEqual(
    resources.map((r) => `${r.resource}.${r.group}/${r.version}`),
    ["backups.velero.io/v1", "datauploads.velero.io/v2alpha1"],
  );
});
