/**
 * The volume data a backup or restore is moving, read from the cluster while it runs: its
 * PodVolumeBackups or PodVolumeRestores and its DataUploads or DataDownloads, each with the bytes
 * done so far. `--wait` shows their sum, `describe` one line each.
 */
import { mebibytes } from "../api/quantity.js";
import { BACKUP_NAME_LABEL, RESTORE_NAME_LABEL } from "../api/labels.js";
import { FINISHED_POD_VOLUME_PHASES, type PodVolumeBackup, type PodVolumeRestore } from "../api/v1/index.js";
import type { DataDownload, DataUpload } from "../api/v2alpha1/data-movement.js";
import { labelValue } from "../filters/label-value.js";
import type { VeleroClient } from "../kube/velero-client.js";

/** One volume being moved. */
export interface VolumeTransfer {
  /** What is moved: `pod ns/pod volume data` or `claim ns/name`. */
  volume: string;
  /** The object moving it: `PodVolumeBackup name`, `DataUpload name`... */
  by: string;
  phase: string;
  bytesDone: number;
  totalBytes: number;
  node?: string;
}

type Movement = PodVolumeBackup | PodVolumeRestore | DataUpload | DataDownload;

export async function volumeTransfers(
  velero: VeleroClient,
  of: { backup: string } | { restore: string },
): Promise<VolumeTransfer[]> {
  const [plurals, selector] =
    "backup" in of
      ? ([["podvolumebackups", "datauploads"], `${BACKUP_NAME_LABEL}=${labelValue(of.backup)}`] as const)
      : ([
          ["podvolumerestores", "datadownloads"],
          `${RESTORE_NAME_LABEL}=${labelValue(of.restore)}`,
        ] as const);
  const lists = await Promise.all(plurals.map((p) => velero.list<Movement>(p, selector)));
  return lists.flat().map(transferOf);
}

function transferOf(m: Movement): VolumeTransfer {
  const volume =
    m.kind === "PodVolumeBackup" || m.kind === "PodVolumeRestore"
      ? `pod ${m.spec.pod.namespace}/${m.spec.pod.name} volume ${m.spec.volume}`
      : m.kind === "DataUpload"
        ? `claim ${m.spec.sourceNamespace}/${m.spec.sourcePVC}`
        : `claim ${m.spec.targetVolume.namespace}/${m.spec.targetVolume.pvc}`;
  const node = m.kind === "PodVolumeBackup" ? m.spec.node : m.status?.node;
  return {
    volume,
    by: `${m.kind} ${m.metadata.name}`,
    phase: m.status?.phase ?? "New",
    bytesDone: m.status?.progress?.bytesDone ?? 0,
    totalBytes: m.status?.progress?.totalBytes ?? 0,
    ...(node ? { node } : {}),
  };
}

/** What `--wait` adds: "volume data 12.0 MiB of 40.0 MiB (1 of 3 done)"; undefined when nothing moves. */
export function transfersSummary(transfers: VolumeTransfer[]): string | undefined {
  if (!transfers.length) return undefined;
  const done = transfers.reduce((n, t) => n + t.bytesDone, 0);
  const total = transfers.reduce((n, t) => n + t.totalBytes, 0);
  const finished = transfers.filter((t) => FINISHED_POD_VOLUME_PHASES.includes(t.phase)).length;
  return `volume data ${mebibytes(done)} of ${mebibytes(total)} (${finished} of ${transfers.length} done)`;
}

/** What `describe` shows of a backup or restore still running: a line per volume. */
export function transferLines(transfers: VolumeTransfer[]): string[] {
  if (!transfers.length) return [];
  return [
    "Volume Data Moving:",
    ...transfers.map(
      (t) =>
        `  ${t.volume}: ${t.by} ${t.phase}, ${mebibytes(t.bytesDone)} of ${mebibytes(t.totalBytes)}${t.node ? ` on node ${t.node}` : ""}`,
    ),
  ];
}
