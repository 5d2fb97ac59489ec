import type {
  CSISnapshotInfo,
  NativeSnapshotInfo,
  PodVolumeInfo,
  SnapshotDataMovementInfo,
  VolumeMethod,
} from "../backup/volume-info.js";

/**
 * One entry of a restore's `<r>-volumeinfo.json.gz`, with Velero's field names (RestoreVolumeInfo).
 * Velero lists the volumes restored from data (pod volume restores, snapshots, data downloads); a
 * restore that restored no volume data writes `[]`.
 */
export interface RestoreVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  restoreMethod?: Exclude<VolumeMethod, "PodVolumeBackup">;
  /** Always written. */
  snapshotDataMoved: boolean;
  csiSnapshotInfo?: CSISnapshotInfo;
  snapshotDataMovementInfo?: SnapshotDataMovementInfo;
  nativeSnapshotInfo?: NativeSnapshotInfo;
  pvrInfo?: PodVolumeInfo;
  /** velero-ts: how a restore of volume data into an existing claim went (data-only, or Velero's existingVolumeDataPolicy). */
  volumeDataRestoreInfo?: VolumeDataRestoreInfo;
}

export interface VolumeDataRestoreInfo {
  mode: "in-place" | "replace";
  /** In place: full writes every file of the backup, incremental only those that differ. */
  policy?: "full" | "incremental";
  /** How the data was backed up. */
  backupMethod: "PodVolumeBackup" | "DataMover" | "CSISnapshot" | "NativeSnapshot";
  deleteExtraFiles?: boolean;
  includePaths?: string[];
  /** Workloads scaled to 0 for the write and back: `Deployment app (1 replicas)`. */
  stoppedWorkloads?: string[];
  /** Pods that kept running while the data was written (--allow-running-pods). */
  runningPods?: string[];
  /** Replace: the volume the claim had, kept for a rollback, and the one it has now. */
  oldVolume?: string;
  newVolume?: string;
  /** Replace: the size of the backed-up data (a kopia snapshot's bytes, a CSI snapshot's restore size). */
  bytes?: number;
  /** Replace: the class the new volume was made in, when mapped. */
  storageClass?: string;
}
