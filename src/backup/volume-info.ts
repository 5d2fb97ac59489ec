import type { KubernetesObject, V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { quantityToBytes } from "../api/quantity.js";
import type {
  BackupVolumeRecords,
  CsiSnapshotRecord,
  DataUploadRecord,
  NativeSnapshotRecord,
  PodVolumeBackupRecord,
} from "../volumes/backup-volume-records.js";

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

/** Why a volume no method took has no data in the backup, when no method said why. */
export const NO_VOLUME_DATA_REASON =
  "no volume data backup was taken: no volume snapshot or file-system backup applies to this volume";

/** Gathers the backed-up PVs and PVCs and pairs them into volume info entries. */
export class VolumeInfoCollector {
  private readonly pvs = new Map<string, V1PersistentVolume>();
  private readonly pvcs: V1PersistentVolumeClaim[] = [];

  add(object: KubernetesObject): void {
    if (object.apiVersion !== "v1") return;
    if (object.kind === "PersistentVolume") this.pvs.set(object.metadata!.name!, object);
    if (object.kind === "PersistentVolumeClaim") this.pvcs.push(object);
  }

  entries(records: BackupVolumeRecords): BackupVolumeInfo[] {
    const entries: BackupVolumeInfo[] = [];
    const paired = new Set<string>();
    for (const pvc of this.pvcs) {
      const pvName = pvc.spec?.volumeName;
      const pv = pvName ? this.pvs.get(pvName) : undefined;
      if (pv) paired.add(pvName!);
      entries.push(entry(pvc, pvName, pv, records));
    }
    for (const [name, pv] of this.pvs)
      if (!paired.has(name)) entries.push(entry(undefined, name, pv, records));
    // Pod volumes of no claim (emptyDir and the like) have an entry of their own, as in Velero.
    for (const r of records.podVolumeBackups) if (!r.pvcName) entries.push(podVolumeEntry(r));
    return entries;
  }
}

function entry(
  pvc: V1PersistentVolumeClaim | undefined,
  pvName: string | undefined,
  pv: V1PersistentVolume | undefined,
  records: BackupVolumeRecords,
): BackupVolumeInfo {
  const pvInfo = pv
    ? { reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "", labels: pv.metadata?.labels ?? null }
    : undefined;
  const names = {
    pvcName: pvc?.metadata?.name ?? pv?.spec?.claimRef?.name,
    pvcNamespace: pvc?.metadata?.namespace ?? pv?.spec?.claimRef?.namespace,
    pvName,
  };
  const fs = records.podVolumeBackups.find(
    (r) => r.pvcName && r.pvcName === names.pvcName && r.pvcNamespace === names.pvcNamespace,
  );
  if (fs) return { ...names, ...podVolumeEntry(fs), pvInfo };
  const moved = records.dataUploads.find(
    (r) => r.pvcName === names.pvcName && r.pvcNamespace === names.pvcNamespace,
  );
  const csi = pvName ? records.csiSnapshots.find((r) => r.pvName === pvName && r.succeeded) : undefined;
  if (moved) return { ...names, backupMethod: "CSISnapshot", ...movedEntry(moved, csi), pvInfo };
  if (csi) return { ...names, backupMethod: "CSISnapshot", ...csiEntry(csi), pvInfo };
  const native = pvName
    ? records.nativeSnapshots.find(
        (r) => r.snapshot.spec.persistentVolumeName === pvName && r.snapshot.status.phase === "Completed",
      )
    : undefined;
  if (native) return { ...names, backupMethod: "NativeSnapshot", ...nativeEntry(native), pvInfo };
  return {
    ...names,
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: true,
    skippedReason: (pvName && records.skipReason(pvName)) || NO_VOLUME_DATA_REASON,
    pvInfo,
  };
}

/** Velero's metav1.Time: RFC 3339 in whole seconds. */
const goTime = (iso: string) => iso.replace(/\.\d+Z$/, "Z");

function csiEntry(
  r: CsiSnapshotRecord,
): Omit<BackupVolumeInfo, "pvcName" | "pvcNamespace" | "pvName" | "backupMethod"> {
  return {
    snapshotDataMoved: false,
    // The snapshot stays on the storage, as Velero says of a CSI snapshot that is not moved.
    preserveLocalSnapshot: true,
    skipped: false,
    startTimestamp: goTime(r.startTimestamp),
    ...(r.completionTimestamp ? { completionTimestamp: goTime(r.completionTimestamp) } : {}),
    result: "succeeded",
    csiSnapshotInfo: {
      snapshotHandle: r.content?.status?.snapshotHandle ?? "",
      size: r.content?.status?.restoreSize ?? quantityToBytes(r.snapshot.status?.restoreSize),
      driver: r.driver,
      vscName: r.snapshot.status?.boundVolumeSnapshotContentName ?? "",
      ReadyToUse: r.snapshot.status?.readyToUse ?? null,
    },
  };
}

/** What Velero's volume info says of a CSI field it does not know, for a snapshot whose data was moved. */
const UNKNOWN = "unknown";

/**
 * A moved snapshot's entry, as Velero's once the DataUpload has ended: snapshotDataMovementInfo
 * from it; with the snapshot kept too (preserveLocalSnapshot), csiSnapshotInfo from that.
 */
function movedEntry(
  r: DataUploadRecord,
  kept: CsiSnapshotRecord | undefined,
): Omit<BackupVolumeInfo, "pvcName" | "pvcNamespace" | "pvName" | "backupMethod"> {
  const { spec, status } = r.dataUpload;
  const phase = status?.phase ?? "New";
  return {
    snapshotDataMoved: true,
    preserveLocalSnapshot: kept !== undefined,
    skipped: false,
    ...(status?.startTimestamp ? { startTimestamp: goTime(status.startTimestamp) } : {}),
    ...(status?.completionTimestamp ? { completionTimestamp: goTime(status.completionTimestamp) } : {}),
    result: phase === "Completed" ? "succeeded" : "failed",
    csiSnapshotInfo: kept
      ? csiEntry(kept).csiSnapshotInfo!
      : {
          snapshotHandle: UNKNOWN,
          size: 0,
          driver: r.driver,
          vscName: UNKNOWN,
          operationID: UNKNOWN,
          ReadyToUse: null,
        },
    snapshotDataMovementInfo: {
      dataMover: spec.datamover || "velero",
      uploaderType: "kopia",
      retainedSnapshot: spec.csiSnapshot?.volumeSnapshot ?? "",
      snapshotHandle: status?.snapshotID ?? "",
      operationID: r.operationId,
      size: status?.progress?.totalBytes ?? 0,
      Phase: phase,
    },
  };
}

/** A file-system backup's entry: pvbInfo from the PodVolumeBackup's last state. */
function podVolumeEntry(r: PodVolumeBackupRecord): BackupVolumeInfo {
  const { spec, status } = r.podVolumeBackup;
  const phase = status?.phase ?? "New";
  return {
    backupMethod: "PodVolumeBackup",
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    ...(status?.startTimestamp ? { startTimestamp: goTime(status.startTimestamp) } : {}),
    ...(status?.completionTimestamp ? { completionTimestamp: goTime(status.completionTimestamp) } : {}),
    result: phase === "Completed" ? "succeeded" : "failed",
    pvbInfo: {
      snapshotHandle: status?.snapshotID ?? "",
      size: status?.progress?.totalBytes ?? 0,
      ...(status?.incrementalBytes !== undefined ? { incrementalSize: status.incrementalBytes } : {}),
      uploaderType: spec.uploaderType || "kopia",
      volumeName: spec.volume,
      podName: spec.pod.name ?? "",
      podNamespace: spec.pod.namespace ?? "",
      nodeName: spec.node,
      Phase: phase,
    },
  };
}

function nativeEntry(
  r: NativeSnapshotRecord,
): Omit<BackupVolumeInfo, "pvcName" | "pvcNamespace" | "pvName" | "backupMethod"> {
  const { spec, status } = r.snapshot;
  return {
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    startTimestamp: goTime(r.startTimestamp),
    ...(r.completionTimestamp ? { completionTimestamp: goTime(r.completionTimestamp) } : {}),
    result: "succeeded",
    nativeSnapshotInfo: {
      snapshotHandle: status.providerSnapshotID ?? "",
      volumeType: spec.volumeType,
      volumeAZ: spec.volumeAZ ?? "",
      iops: spec.volumeIOPS !== undefined ? String(spec.volumeIOPS) : "",
      Phase: status.phase,
    },
  };
}
