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
}
