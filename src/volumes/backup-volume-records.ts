/**
 * What the volume methods of one backup did to each volume, kept while the backup runs: the
 * backupper writes the CSI side files and the volume info from it once the items are written.
 * A volume with no method recorded is written to volume info as skipped, with the last reason
 * a method gave for passing it over.
 */
import type { VolumeSnapshot, VolumeSnapshotClass, VolumeSnapshotContent } from "../api/csi-snapshots.js";
import type { PodVolumeBackup } from "../api/v1/index.js";
import type { DataUpload } from "../api/v2alpha1/data-movement.js";
import type { NativeVolumeSnapshot } from "./native-snapshots.js";

/** A CSI snapshot a backup took of a claim. */
export interface CsiSnapshotRecord {
  pvcNamespace: string;
  pvcName: string;
  pvName: string;
  driver: string;
  /** The VolumeSnapshot as the backup holds it (with Velero's annotations). */
  snapshot: VolumeSnapshot;
  /** Its content as it was when the snapshot was ready (with the deletion policy its class gave it). */
  content?: VolumeSnapshotContent;
  /** The content was set to Retain when it was read; releasing the snapshot only deletes it. */
  contentRetained?: boolean;
  snapshotClass?: VolumeSnapshotClass;
  startTimestamp: string;
  completionTimestamp?: string;
  succeeded: boolean;
  /** Its content set to Retain and the VolumeSnapshot deleted (see releaseSnapshots). */
  released?: boolean;
}

/** A native snapshot a backup took (or tried to) of a PV. */
export interface NativeSnapshotRecord {
  snapshot: NativeVolumeSnapshot;
  startTimestamp: string;
  completionTimestamp?: string;
}

/** A PodVolumeBackup a backup made, and the claim of its volume (none for an emptyDir). */
export interface PodVolumeBackupRecord {
  /** As created; its last state once the backup has waited for it. */
  podVolumeBackup: PodVolumeBackup;
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
}

/** A DataUpload a backup made of a claim's snapshot (snapshotMoveData); its last state once the backup has polled it. */
export interface DataUploadRecord {
  pvcNamespace: string;
  pvcName: string;
  pvName: string;
  driver: string;
  operationId: string;
  dataUpload: DataUpload;
}

export class BackupVolumeRecords {
  readonly csiSnapshots: CsiSnapshotRecord[] = [];
  readonly dataUploads: DataUploadRecord[] = [];
  readonly podVolumeBackups: PodVolumeBackupRecord[] = [];
  readonly nativeSnapshots: NativeSnapshotRecord[] = [];
  private readonly skipReasons = new Map<string, string>();

  /** A method passed the volume over (named by PV), and why. */
  skip(pvName: string, reason: string): void {
    this.skipReasons.set(pvName, reason);
  }

  skipReason(pvName: string): string | undefined {
    return this.skipReasons.get(pvName);
  }
}
