import assert from "node:assert/strict";
import { test } from "node:test";
import type { BackupVolumeInfo } from "../../src/backup/volume-info.js";
import { describeBackupVolumes, describeRestoreVolumes } from "../../src/cli/volume-describe.js";
import type { RestoreVolumeInfo } from "../../src/restore/volume-info.js";

test("a backup's CSI and native snapshots are described as Velero does, its skipped volume not at all", () => {
  const volumes: BackupVolumeInfo[] = [
    {
      pvcName: "data",
      pvcNamespace: "app",
      pvName: "pvc-1",
      backupMethod: "CSISnapshot",
      snapshotDataMoved: false,
      preserveLocalSnapshot: true,
      skipped: false,
      result: "succeeded",
      csiSnapshotInfo: {
        snapshotHandle: "snap-handle-1",
        size: 1073741824,
        driver: "hostpath.csi.k8s.io",
        vscName: "snapcontent-1",
        ReadyToUse: true,
      },
    },
    {
      pvcName: "logs",
      pvcNamespace: "app",
      pvName: "pv-ebs",
      backupMethod: "NativeSnapshot",
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: false,
      result: "succeeded",
      nativeSnapshotInfo: {
        snapshotHandle: "snap-0abc",
        volumeType: "gp3",
        volumeAZ: "us-east-1a",
        iops: "3000",
        Phase: "Completed",
      },
    },
    {
      pvcName: "cache",
      pvcNamespace: "app",
      pvName: "pvc-3",
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: true,
      skippedReason: "no volume data backup was taken",
    },
  ];
  assert.deepEqual(describeBackupVolumes(volumes), [
    "Backup Volumes:",
    "  Velero-Native Snapshots:",
    "    pv-ebs:",
    "      Snapshot ID:        snap-0abc",
    "      Type:               gp3",
    "      Availability Zone:  us-east-1a",
    "      IOPS:               3000",
    "      Result:             succeeded",
    "",
    "  CSI Snapshots:",
    "    app/data:",
    "      Snapshot:",
    "        Snapshot Content Name: snapcontent-1",
    "        Storage Snapshot ID: snap-handle-1",
    "        Snapshot Size (bytes): 1073741824",
    "        CSI Driver: hostpath.csi.k8s.io",
    "        Result: succeeded",
    "",
    "  Pod Volume Backups: <none included>",
  ]);
});

test("a backup with no volumes has none included under every method", () => {
  assert.deepEqual(describeBackupVolumes([]), [
    "Backup Volumes:",
    "  Velero-Native Snapshots: <none included>",
    "",
    "  CSI Snapshots: <none included>",
    "",
    "  Pod Volume Backups: <none included>",
  ]);
});

test("a restore from a CSI snapshot lists the claim and the snapshot it came from", () => {
  const volumes: RestoreVolumeInfo[] = [
    {
      pvcName: "data",
      pvcNamespace: "app-clone",
      restoreMethod: "CSISnapshot",
      snapshotDataMoved: false,
      csiSnapshotInfo: {
        snapshotHandle: "snap-handle-1",
        size: 1073741824,
        driver: "hostpath.csi.k8s.io",
        vscName: "velero-snapcontent-1-x7k2p",
      },
    },
  ];
  assert.deepEqual(describeRestoreVolumes(volumes), [
    "",
    "CSI Snapshot Restores:",
    "  app-clone/data:",
    "    Snapshot:",
    "      Snapshot Content Name: velero-snapcontent-1-x7k2p",
    "      Storage Snapshot ID: snap-handle-1",
    "      CSI Driver: hostpath.csi.k8s.io",
  ]);
});

test("a restore with no volume info file has no volume section, as Velero prints none", () => {
  assert.deepEqual(describeRestoreVolumes(undefined), []);
});

test("a backup with no volume info file reads as Velero reads one with no snapshots recorded", () => {
  assert.deepEqual(describeBackupVolumes(undefined), [
    "Backup Volumes:",
    "  Velero-Native Snapshots: <none included>",
    "",
    "  CSI Snapshots: <none included or not detectable>",
    "",
    "  Pod Volume Backups: <none included>",
  ]);
});

const podVolume = (pod: string, volume: string, Phase: string, size?: number, incrementalSize?: number) => ({
  uploaderType: "kopia",
  volumeName: volume,
  podName: pod,
  podNamespace: "app",
  Phase,
  ...(size !== undefined ? { size } : {}),
  ...(incrementalSize !== undefined ? { incrementalSize } : {}),
});

test("a backup's pod volume backups are listed by phase, then pod, with sizes once completed", () => {
  const volumes: BackupVolumeInfo[] = [
    ["web-1", "data", "Completed", 4096, 1024],
    ["web-0", "logs", "Completed", 2048, 0],
    ["web-0", "data", "Completed", 8192, 8192],
    ["web-2", "data", "Failed", 0],
    ["web-3", "data", "InProgress", 0],
  ].map(([pod, volume, phase, size, incremental]) => ({
    pvcName: `${volume}-${pod}`,
    pvcNamespace: "app",
    backupMethod: "PodVolumeBackup",
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    pvbInfo: podVolume(
      pod as string,
      volume as string,
      phase as string,
      size as number,
      incremental as number,
    ),
  }));
  assert.deepEqual(describeBackupVolumes(volumes).slice(5), [
    "  Pod Volume Backups - kopia:",
    "    Completed:",
    "      app/web-0: data (size: 8192, incremental size: 8192), logs (size: 2048)",
    "      app/web-1: data (size: 4096, incremental size: 1024)",
    "    Failed:",
    "      app/web-2: data",
    "    In Progress:",
    "      app/web-3: data",
  ]);
});

test("a restore's pod volume restores come before its CSI snapshot restores, by phase", () => {
  const volumes: RestoreVolumeInfo[] = [
    ["web-0", "data", "Completed", 8192],
    ["web-1", "data", "Canceled", 4096],
  ].map(([pod, volume, phase, size]) => ({
    pvcName: `${volume}-${pod}`,
    pvcNamespace: "app",
    restoreMethod: "PodVolumeRestore",
    snapshotDataMoved: false,
    pvrInfo: podVolume(pod as string, volume as string, phase as string, size as number),
  }));
  assert.deepEqual(describeRestoreVolumes(volumes), [
    "",
    "kopia Restores:",
    "  Completed:",
    "    app/web-0: data (size: 8192)",
    "  Canceled:",
    "    app/web-1: data",
    "",
    "CSI Snapshot Restores: <none included>",
  ]);
});

test("a restore of volume data in place lists each claim with its mode, method, volume and the workloads it stopped", () => {
  const volumes: RestoreVolumeInfo[] = [
    {
      pvcName: "data",
      pvcNamespace: "shop",
      pvName: "pvc-1234",
      restoreMethod: "PodVolumeRestore",
      snapshotDataMoved: false,
      pvrInfo: { ...podVolume("data-restore-x7", "data", "Completed", 1048610), nodeName: "local-node-1" },
      volumeDataRestoreInfo: {
        mode: "in-place",
        policy: "incremental",
        backupMethod: "PodVolumeBackup",
        includePaths: ["reports"],
        deleteExtraFiles: true,
        stoppedWorkloads: ["Deployment app (2 replicas)"],
      },
    },
  ];
  assert.deepEqual(describeRestoreVolumes(volumes).slice(-11), [
    "Volume Data Restored Into Existing Claims:",
    "  shop/data:",
    "    Mode:                       in-place (incremental)",
    "    Backed Up By:               PodVolumeBackup",
    "    Volume:                     pvc-1234",
    "    Phase:                      Completed",
    "    Bytes:                      1048610",
    "    Node:                       local-node-1",
    "    Paths:                      reports",
    "    Extra Files:                deleted",
    "    Stopped And Started Again:  Deployment app (2 replicas)",
  ]);
});

test("a replace lists old and new volume, and the rollback state the cluster shows", () => {
  const volumes: RestoreVolumeInfo[] = [
    {
      pvcName: "data",
      pvcNamespace: "shop",
      pvName: "pv-new",
      restoreMethod: "CSISnapshot",
      snapshotDataMoved: false,
      volumeDataRestoreInfo: {
        mode: "replace",
        backupMethod: "CSISnapshot",
        oldVolume: "pv-old",
        newVolume: "pv-new",
        bytes: 1024,
      },
    },
  ];
  const kept = { kept: new Set(["pv-old"]), rolledBack: new Set<string>() };
  assert.deepEqual(describeRestoreVolumes(volumes, kept).slice(-7), [
    "  shop/data:",
    "    Mode:          replace",
    "    Backed Up By:  CSISnapshot",
    "    Old Volume:    pv-old",
    "    New Volume:    pv-new",
    "    Bytes:         1024",
    "    Rollback:      available (velero-ts restore rollback)",
  ]);
  const rolledBack = { kept: new Set<string>(), rolledBack: new Set(["pv-new"]) };
  assert.equal(
    describeRestoreVolumes(volumes, rolledBack).at(-1),
    "    Rollback:      rolled back: the claim is bound to pv-old again",
  );
});
