import type { KubernetesObject, V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";

/** How a volume's data was backed up or restored, as Velero names the methods. */
export type VolumeMethod = "NativeSnapshot" | "PodVolumeBackup" | "CSISnapshot" | "PodVolumeRestore";

/** Velero's nested volume info objects; fields that have no JSON tag in Velero are capitalised. */
export interface CSISnapshotInfo {
  snapshotHandle: string;
  size: number;
  driver: string;
  vscName: string;
  operationID?: string;
  ReadyToUse?: boolean | null;
  volumeGroupSnapshotHandle?: string;
}

export interface SnapshotDataMovementInfo {
  dataMover: string;
  uploaderType: string;
  retainedSnapshot?: string;
  snapshotHandle: string;
  operationID: string;
  size: number;
  incrementalSize?: number;
  Phase: string;
}

export interface NativeSnapshotInfo {
  snapshotHandle: string;
  volumeType: string;
  volumeAZ: string;
  /** A string in Velero's file. */
  iops: string;
  Phase: string;
}

/** A pod volume backup's (pvbInfo) or restore's (pvrInfo) part. */
export interface PodVolumeInfo {
  snapshotHandle?: string;
  size?: number;
  incrementalSize?: number;
  uploaderType: string;
  volumeName: string;
  podName: string;
  podNamespace: string;
  nodeName?: string;
  Phase: string;
}

/**
 * One entry of `<backup>-volumeinfo.json.gz`, with Velero's field names (BackupVolumeInfo), in
 * Velero's order; the fields without `?` are always written, as Velero's have no omitempty.
 */
export interface BackupVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod?: Exclude<VolumeMethod, "PodVolumeRestore">;
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  result?: "succeeded" | "failed";
  csiSnapshotInfo?: CSISnapshotInfo;
  snapshotDataMovementInfo?: SnapshotDataMovementInfo;
  nativeSnapshotInfo?: NativeSnapshotInfo;
  pvbInfo?: PodVolumeInfo;
  /** The PV's labels are null when it has none, as Go writes a nil map. */
  pvInfo?: { reclaimPolicy: string; labels: Record<string, string> | null };
}

export const NO_VOLUME_DATA_REASON =
  "no volume data backup was taken: velero-ts backed up the PV and PVC objects only (volume snapshots and file-system backup are not available yet)";

/** Gathers the backed-up PVs and PVCs and pairs them into volume info entries. */
export class VolumeInfoCollector {
  private readonly pvs = new Map<string, V1PersistentVolume>();
  private readonly pvcs: V1PersistentVolumeClaim[] = [];

  add(object: KubernetesObject): void {
    if (object.apiVersion !== "v1") return;
    if (object.kind === "PersistentVolume") this.pvs.set(object.metadata!.name!, object);
    if (object.kind === "PersistentVolumeClaim") this.pvcs.push(object);
  }

  entries(): BackupVolumeInfo[] {
    const entries: BackupVolumeInfo[] = [];
    const paired = new Set<string>();
    for (const pvc of this.pvcs) {
      const pvName = pvc.spec?.volumeName;
      const pv = pvName ? this.pvs.get(pvName) : undefined;
      if (pv) paired.add(pvName!);
      entries.push(entry(pvc, pvName, pv));
    }
    for (const [name, pv] of this.pvs) if (!paired.has(name)) entries.push(entry(undefined, name, pv));
    return entries;
  }
}

function entry(
  pvc: V1PersistentVolumeClaim | undefined,
  pvName: string | undefined,
  pv: V1PersistentVolume | undefined,
): BackupVolumeInfo {
  return {
    pvcName: pvc?.metadata?.name ?? pv?.spec?.claimRef?.name,
    pvcNamespace: pvc?.metadata?.namespace ?? pv?.spec?.claimRef?.namespace,
    pvName,
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: true,
    skippedReason: NO_VOLUME_DATA_REASON,
    pvInfo: pv
      ? { reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "", labels: pv.metadata?.labels ?? null }
      : undefined,
  };
}
