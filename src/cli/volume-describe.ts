// The volume sections of `backup describe --details` and `restore describe --details`, as Velero
// 1.18 prints them (pkg/cmd/util/output/backup_describer.go and restore_describer.go), from the
// volume info files alone. The rule: a volume is listed under the method that took its data
// (native snapshot, CSI snapshot, pod volume backup or restore); skipped volumes are not listed, as
// Velero lists none. A missing file (undefined) reads as Velero reads it: for a backup, "none
// included" under every method; for a restore, no section at all. Velero indents with tabs through
// a tabwriter (padding 2), so each level is two spaces and a run of "label:\tvalue" lines is
// aligned two spaces past its longest label.
import type { BackupVolumeInfo, PodVolumeInfo } from "../backup/volume-info.js";
import { DownloadNotFoundError } from "../kube/download-request.js";
import type { RestoreVolumeInfo, VolumeDataRestoreInfo } from "../restore/volume-info.js";

/** The download's value, or undefined when the server has no such file (an older backup or restore). */
export function unlessNotFound<T>(download: Promise<T>): Promise<T | undefined> {
  return download.catch((err: unknown) => {
    if (err instanceof DownloadNotFoundError) return undefined;
    throw err;
  });
}

/** "Backup Volumes:" and its native snapshot, CSI snapshot and pod volume backup sections. */
export function describeBackupVolumes(infos: BackupVolumeInfo[] | undefined): string[] {
  const of = (method: BackupVolumeInfo["backupMethod"]) =>
    (infos ?? []).filter((info) => info.backupMethod === method);
  return [
    "Backup Volumes:",
    ...nativeSnapshots(of("NativeSnapshot")),
    "",
    // Velero says "or not detectable" when it had to look for CSI snapshots without the file.
    ...csiSnapshots(of("CSISnapshot"), infos === undefined),
    "",
    ...podVolumeBackups(of("PodVolumeBackup")),
  ];
}

/** Velero's lines when the backup's volume info could not be read. */
export function backupVolumeError(message: string): string[] {
  return ["Backup Volumes:", `  <error getting backup volume info: ${message}>`];
}

/**
 * The pod volume restores and CSI snapshot restores, each section opening with its blank line, to
 * follow the "Restore PVs:" line; nothing when the restore has no volume info file.
 */
/** A replace's old volumes, as the cluster holds them now: kept for a rollback, or the claims' again. */
export interface RollbackState {
  /** Old volumes still kept for a rollback. */
  kept: Set<string>;
  /** New volumes a rollback took the claims away from. */
  rolledBack: Set<string>;
}

export function describeRestoreVolumes(
  infos: RestoreVolumeInfo[] | undefined,
  rollback?: RollbackState,
): string[] {
  if (infos === undefined) return [];
  const pvrs = infos.filter((info) => info.restoreMethod === "PodVolumeRestore" && info.pvrInfo);
  const lines = pvrs.length ? ["", ...podVolumeRestores(pvrs.map((info) => info.pvrInfo!))] : [];
  const intoExisting = infos.filter((info) => info.volumeDataRestoreInfo);
  return [
    ...lines,
    "",
    ...csiSnapshotRestores(infos.filter((info) => info.restoreMethod === "CSISnapshot")),
    ...(intoExisting.length ? ["", ...volumeDataRestores(intoExisting, rollback)] : []),
  ];
}

/** velero-ts's section: the claims whose data was restored into them as they were (data-only, or existingVolumeDataPolicy). */
function volumeDataRestores(infos: RestoreVolumeInfo[], rollback: RollbackState | undefined): string[] {
  return [
    "Volume Data Restored Into Existing Claims:",
    ...infos.flatMap((info) => {
      const d = info.volumeDataRestoreInfo!;
      const rows: [string, string][] = [
        ["Mode:", d.mode + (d.policy ? ` (${d.policy})` : "")],
        ["Backed Up By:", d.backupMethod],
        ["Volume:", info.pvName ?? ""],
      ];
      if (d.mode === "replace") {
        rows.splice(2, 1, ["Old Volume:", d.oldVolume ?? ""], ["New Volume:", d.newVolume ?? ""]);
        if (d.storageClass) rows.push(["New Storage Class:", d.storageClass]);
        if (d.bytes) rows.push(["Bytes:", String(d.bytes)]);
        rows.push(["Rollback:", rollbackText(d, rollback)]);
      }
      if (info.pvrInfo) {
        rows.push(["Phase:", info.pvrInfo.Phase ?? ""], ["Bytes:", String(info.pvrInfo.size ?? 0)]);
        if (info.pvrInfo.nodeName) rows.push(["Node:", info.pvrInfo.nodeName]);
      }
      if (d.includePaths?.length) rows.push(["Paths:", d.includePaths.join(", ")]);
      if (d.deleteExtraFiles) rows.push(["Extra Files:", "deleted"]);
      if (d.stoppedWorkloads?.length)
        rows.push(["Stopped And Started Again:", d.stoppedWorkloads.join(", ")]);
      if (d.runningPods?.length) rows.push(["Kept Running:", d.runningPods.join(", ")]);
      return [indent(1, `${claimOf(info)}:`), ...aligned(2, rows)];
    }),
  ];
}

function rollbackText(d: VolumeDataRestoreInfo, rollback: RollbackState | undefined): string {
  if (!rollback) return "<unknown: the cluster's volumes could not be read>";
  if (d.newVolume && rollback.rolledBack.has(d.newVolume))
    return `rolled back: the claim is bound to ${d.oldVolume} again`;
  if (d.oldVolume && rollback.kept.has(d.oldVolume)) return "available (velero-ts restore rollback)";
  return d.newVolume ? "not available: the old volume is no longer kept" : "not replaced";
}

/** Velero's line, right after "Restore PVs:", when the restore's volume info could not be read. */
export function restoreVolumeError(message: string): string[] {
  return [`  <error getting restore volume info: ${message}>`];
}

const indent = (level: number, text: string) => `${"  ".repeat(level)}${text}`;

/** "label:\tvalue" lines at one level, aligned as a tabwriter aligns one block of cells. */
function aligned(level: number, rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => indent(level, `${label.padEnd(width)}${value}`));
}

function nativeSnapshots(infos: BackupVolumeInfo[]): string[] {
  if (!infos.length) return [indent(1, "Velero-Native Snapshots: <none included>")];
  return [
    indent(1, "Velero-Native Snapshots:"),
    ...infos.flatMap((info) => {
      const snapshot = info.nativeSnapshotInfo;
      return [
        indent(2, `${info.pvName ?? ""}:`),
        ...aligned(3, [
          ["Snapshot ID:", snapshot?.snapshotHandle ?? ""],
          ["Type:", snapshot?.volumeType ?? ""],
          ["Availability Zone:", snapshot?.volumeAZ ?? ""],
          ["IOPS:", snapshot?.iops ?? ""],
          ["Result:", info.result ?? ""],
        ]),
      ];
    }),
  ];
}

function csiSnapshots(infos: BackupVolumeInfo[], noFile: boolean): string[] {
  if (!infos.length)
    return [indent(1, `CSI Snapshots: <none included${noFile ? " or not detectable" : ""}>`)];
  return [indent(1, "CSI Snapshots:"), ...infos.flatMap(csiSnapshot)];
}

function csiSnapshot(info: BackupVolumeInfo): string[] {
  const lines = [indent(2, `${claimOf(info)}:`)];
  const csi = info.csiSnapshotInfo;
  if (info.preserveLocalSnapshot) {
    lines.push(indent(3, "Snapshot:"));
    if (!info.snapshotDataMoved && csi?.operationID)
      lines.push(indent(4, `Operation ID: ${csi.operationID}`));
    lines.push(
      indent(4, `Snapshot Content Name: ${csi?.vscName ?? ""}`),
      indent(4, `Storage Snapshot ID: ${csi?.snapshotHandle ?? ""}`),
      indent(4, `Snapshot Size (bytes): ${csi?.size ?? 0}`),
      indent(4, `CSI Driver: ${csi?.driver ?? ""}`),
      indent(4, `Result: ${info.result ?? ""}`),
    );
  }
  const moved = info.snapshotDataMovementInfo;
  if (info.snapshotDataMoved) {
    lines.push(
      indent(3, "Data Movement:"),
      indent(4, `Operation ID: ${moved?.operationID ?? ""}`),
      indent(4, `Data Mover: ${moved?.dataMover || "velero"}`),
      indent(4, `Uploader Type: ${moved?.uploaderType ?? ""}`),
      indent(4, `Moved data Size (bytes): ${moved?.size ?? 0}`),
    );
    if ((moved?.incrementalSize ?? 0) > 0)
      lines.push(indent(4, `Incremental data Size (bytes): ${moved!.incrementalSize}`));
    lines.push(indent(4, `Result: ${info.result ?? ""}`));
  }
  return lines;
}

const claimOf = (info: { pvcNamespace?: string; pvcName?: string }) =>
  `${info.pvcNamespace ?? ""}/${info.pvcName ?? ""}`;

function podVolumeBackups(infos: BackupVolumeInfo[]): string[] {
  const pvbs = infos.flatMap((info) => (info.pvbInfo ? [info.pvbInfo] : []));
  if (!pvbs.length) return [indent(1, "Pod Volume Backups: <none included>")];
  return [
    indent(1, `Pod Volume Backups - ${pvbs[0]!.uploaderType}:`),
    ...byPhase(2, pvbs, BACKUP_PHASES, true),
  ];
}

function podVolumeRestores(pvrs: PodVolumeInfo[]): string[] {
  return [`${pvrs[0]!.uploaderType} Restores:`, ...byPhase(1, pvrs, RESTORE_PHASES, false)];
}

function csiSnapshotRestores(infos: RestoreVolumeInfo[]): string[] {
  if (!infos.length) return ["CSI Snapshot Restores: <none included>"];
  // Velero lists the restores from snapshots first, then those from moved data.
  const ordered = [...infos.filter((i) => !i.snapshotDataMoved), ...infos.filter((i) => i.snapshotDataMoved)];
  return [
    "CSI Snapshot Restores:",
    ...ordered.flatMap((info) => {
      const head = indent(1, `${claimOf(info)}:`);
      if (info.snapshotDataMoved) {
        const moved = info.snapshotDataMovementInfo;
        return [
          head,
          indent(2, "Data Movement:"),
          indent(3, `Operation ID: ${moved?.operationID ?? ""}`),
          indent(3, `Data Mover: ${moved?.dataMover ?? ""}`),
          indent(3, `Uploader Type: ${moved?.uploaderType ?? ""}`),
        ];
      }
      const csi = info.csiSnapshotInfo;
      return [
        head,
        indent(2, "Snapshot:"),
        indent(3, `Snapshot Content Name: ${csi?.vscName ?? ""}`),
        indent(3, `Storage Snapshot ID: ${csi?.snapshotHandle ?? ""}`),
        indent(3, `CSI Driver: ${csi?.driver ?? ""}`),
      ];
    }),
  ];
}

/** The phases Velero prints pod volume backups and restores under, in its order. */
const BACKUP_PHASES = [
  "Completed",
  "Failed",
  "Canceled",
  "In Progress",
  "Canceling",
  "Prepared",
  "Accepted",
  "New",
];
const RESTORE_PHASES = ["Completed", "Canceled", "Failed", "In Progress", "Prepared", "Accepted", "New"];

/**
 * Pod volumes under their phase, then their pod ("ns/pod: vol-a, vol-b"), pods and volumes sorted.
 * A phase Velero does not list is not printed, as Velero prints it nowhere.
 */
function byPhase(level: number, volumes: PodVolumeInfo[], phases: string[], incremental: boolean): string[] {
  const groupOf = (phase: string) => (phase === "InProgress" ? "In Progress" : phase || "New");
  return phases.flatMap((phase) => {
    const pods = new Map<string, string[]>();
    for (const v of volumes.filter((v) => groupOf(v.Phase) === phase)) {
      const pod = `${v.podNamespace}/${v.podName}`;
      pods.set(pod, [...(pods.get(pod) ?? []), volumeLabel(v, phase, incremental)]);
    }
    if (!pods.size) return [];
    return [
      indent(level, `${phase}:`),
      ...[...pods.keys()]
        .sort()
        .map((pod) => indent(level + 1, `${pod}: ${pods.get(pod)!.sort().join(", ")}`)),
    ];
  });
}

/** The volume's name, with its sizes once completed (Velero's in-progress percentage needs the CR). */
function volumeLabel(v: PodVolumeInfo, phase: string, incremental: boolean): string {
  const size = v.size ?? 0;
  if (phase !== "Completed") return v.volumeName;
  if (incremental && (v.incrementalSize ?? 0) > 0)
    return `${v.volumeName} (size: ${size}, incremental size: ${v.incrementalSize})`;
  return size > 0 ? `${v.volumeName} (size: ${size})` : v.volumeName;
}
