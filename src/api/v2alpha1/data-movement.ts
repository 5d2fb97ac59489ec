import type { ObjectMeta } from "../v1/meta.js";
import { VELERO_GROUP } from "../v1/meta.js";
import { POD_VOLUME_PHASES, type DataMoveProgress } from "../v1/pod-volume.js";

/**
 * velero.io/v2alpha1 DataUpload and DataDownload: one CSI snapshot's data moved into the backup
 * repository by the data mover (`snapshotMoveData`), and back into a restored claim's volume
 * (Velero 1.18's spec, status and phases).
 */
export const VELERO_V2ALPHA1 = "v2alpha1";
export const VELERO_V2ALPHA1_API_VERSION = `${VELERO_GROUP}/${VELERO_V2ALPHA1}`;

export interface VeleroV2Alpha1Object<Kind extends string, Spec, Status> {
  apiVersion: typeof VELERO_V2ALPHA1_API_VERSION;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** Velero's phases of a data movement: those of a pod volume backup or restore. */
export const DATA_MOVEMENT_PHASES = POD_VOLUME_PHASES;
export type DataMovementPhase = (typeof DATA_MOVEMENT_PHASES)[number];

export const NODE_OS = ["auto", "linux", "windows"] as const;
export type NodeOS = (typeof NODE_OS)[number];

export interface CSISnapshotSpec {
  volumeSnapshot: string;
  storageClass: string;
  snapshotClass?: string;
  driver?: string;
}

export interface DataUploadSpec {
  snapshotType: "CSI";
  csiSnapshot?: CSISnapshotSpec | null;
  sourcePVC: string;
  /** "" or "velero": the built-in data mover. */
  datamover?: string;
  backupStorageLocation: string;
  sourceNamespace: string;
  dataMoverConfig?: Record<string, string> | null;
  cancel?: boolean;
  /** A Go duration, such as "10m0s". */
  operationTimeout: string;
}

export interface DataUploadStatus {
  phase?: DataMovementPhase;
  path?: string;
  snapshotID?: string;
  dataMoverResult?: Record<string, string> | null;
  message?: string | null;
  startTimestamp?: string | null;
  completionTimestamp?: string | null;
  progress?: DataMoveProgress;
  node?: string;
  nodeOS?: NodeOS;
  acceptedByNode?: string;
  acceptedTimestamp?: string | null;
}

export type DataUpload = VeleroV2Alpha1Object<"DataUpload", DataUploadSpec, DataUploadStatus>;

export interface TargetVolumeSpec {
  pvc: string;
  pv: string;
  namespace: string;
}

export interface DataDownloadSpec {
  targetVolume: TargetVolumeSpec;
  backupStorageLocation: string;
  datamover?: string;
  snapshotID: string;
  /** The namespace the volume was backed up from (before any namespace mapping). */
  sourceNamespace: string;
  dataMoverConfig?: Record<string, string>;
  cancel?: boolean;
  operationTimeout: string;
  nodeOS?: NodeOS;
  snapshotSize?: number;
}

export interface DataDownloadStatus {
  phase?: DataMovementPhase;
  message?: string | null;
  startTimestamp?: string | null;
  completionTimestamp?: string | null;
  progress?: DataMoveProgress;
  node?: string;
  acceptedByNode?: string;
  acceptedTimestamp?: string | null;
}

export type DataDownload = VeleroV2Alpha1Object<"DataDownload", DataDownloadSpec, DataDownloadStatus>;
