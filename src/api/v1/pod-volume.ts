import type { VeleroObject } from "./meta.js";

/**
 * velero.io/v1 PodVolumeBackup and PodVolumeRestore: one volume of one pod, uploaded into or
 * written back from the backup repository by the node agent on the pod's node (Velero 1.18's
 * spec, status and phases).
 */
export const POD_VOLUME_PHASES = [
  "New",
  "Accepted",
  "Prepared",
  "InProgress",
  "Canceling",
  "Canceled",
  "Completed",
  "Failed",
] as const;
export type PodVolumePhase = (typeof POD_VOLUME_PHASES)[number];
/** The phases a pod volume backup or restore ends in. */
export const FINISHED_POD_VOLUME_PHASES: readonly string[] = ["Completed", "Failed", "Canceled"];

/** Uploaders Velero names; velero-ts uploads with kopia only (restic is gone from Velero). */
export const UPLOADER_TYPES = ["kopia", "restic", ""] as const;
export type UploaderType = (typeof UPLOADER_TYPES)[number];

/** The pod a volume belongs to (a core ObjectReference, as Velero writes it). */
export interface PodReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** Bytes of a volume and how many are done so far. */
export interface DataMoveProgress {
  totalBytes?: number;
  bytesDone?: number;
}

export interface PodVolumeBackupSpec {
  node: string;
  pod: PodReference;
  volume: string;
  backupStorageLocation: string;
  repoIdentifier: string;
  uploaderType?: UploaderType;
  /** backup, backup-uid, pod, pod-uid, ns, volume, pvc-uid: the kopia snapshot's tags. */
  tags?: Record<string, string>;
  uploaderSettings?: Record<string, string>;
  cancel?: boolean;
}

export interface PodVolumeBackupStatus {
  phase?: PodVolumePhase;
  /** The volume's path as the node agent read it. */
  path?: string;
  snapshotID?: string;
  message?: string;
  startTimestamp?: string | null;
  completionTimestamp?: string | null;
  acceptedTimestamp?: string | null;
  progress?: DataMoveProgress;
  /** Bytes this backup uploaded that the repository did not hold yet. */
  incrementalBytes?: number;
}

export type PodVolumeBackup = VeleroObject<"PodVolumeBackup", PodVolumeBackupSpec, PodVolumeBackupStatus>;

/**
 * velero-ts's uploader settings of a PodVolumeRestore that writes into a volume in use rather
 * than a new one (a restore of volume data in place): `RestoreType` is `InPlaceFull` or
 * `InPlaceIncremental`; `DeleteExtraFiles` is `true` or absent; `IncludePaths` a JSON array.
 */
export const IN_PLACE_RESTORE_SETTINGS = {
  restoreType: "RestoreType",
  deleteExtraFiles: "DeleteExtraFiles",
  includePaths: "IncludePaths",
} as const;

export interface PodVolumeRestoreSpec {
  pod: PodReference;
  volume: string;
  backupStorageLocation: string;
  repoIdentifier: string;
  uploaderType?: UploaderType;
  snapshotID: string;
  /** The namespace the volume was backed up from (before any namespace mapping). */
  sourceNamespace: string;
  uploaderSettings?: Record<string, string>;
  cancel?: boolean;
  snapshotSize?: number;
}

export interface PodVolumeRestoreStatus {
  phase?: PodVolumePhase;
  message?: string;
  startTimestamp?: string | null;
  completionTimestamp?: string | null;
  acceptedTimestamp?: string | null;
  progress?: DataMoveProgress;
  /** The node whose agent restores the volume. */
  node?: string;
}

export type PodVolumeRestore = VeleroObject<"PodVolumeRestore", PodVolumeRestoreSpec, PodVolumeRestoreStatus>;
