import type { KubernetesObject, V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";

/** One entry of `<backup>-volumeinfo.json.gz`, with Velero's field names (BackupVolumeInfo). */
export interface BackupVolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod?: "PodVolumeBackup" | "CSISnapshot" | "NativeSnapshot";
  snapshotDataMoved: boolean;
  skipped: boolean;
  skippedReason?: string;
  pvInfo?: { reclaimPolicy?: string; labels?: Record<string, string> };
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
    skipped: true,
    skippedReason: NO_VOLUME_DATA_REASON,
    pvInfo: pv
      ? { reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy, labels: pv.metadata?.labels }
      : undefined,
  };
}
