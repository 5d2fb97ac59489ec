import { BACKUP_NAME_LABEL, RESTORE_NAME_LABEL } from "../api/labels.js";
import { FINISHED_POD_VOLUME_PHASES, type PodVolumeBackup, type PodVolumeRestore } from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";
import type { VeleroClient } from "../kube/velero-client.js";

/**
 * What `--wait` adds while a backup's or restore's pod volumes move: "pod volumes 12.0 MiB of
 * 40.0 MiB (1 of 3 done)", summed over its PodVolumeBackups or PodVolumeRestores; undefined
 * when it has none.
 */
export async function podVolumeProgress(
  velero: VeleroClient,
  of: { backup: string } | { restore: string },
): Promise<string | undefined> {
  const items =
    "backup" in of
      ? await velero.list<PodVolumeBackup>(
          "podvolumebackups",
          `${BACKUP_NAME_LABEL}=${labelValue(of.backup)}`,
        )
      : await velero.list<PodVolumeRestore>(
          "podvolumerestores",
          `${RESTORE_NAME_LABEL}=${labelValue(of.restore)}`,
        );
  if (!items.length) return undefined;
  const sum = (f: (p: { bytesDone?: number; totalBytes?: number }) => number | undefined) =>
    items.reduce((n, i) => n + (f(i.status?.progress ?? {}) ?? 0), 0);
  const finished = items.filter((i) => FINISHED_POD_VOLUME_PHASES.includes(i.status?.phase ?? "")).length;
  return `pod volumes ${mib(sum((p) => p.bytesDone))} of ${mib(sum((p) => p.totalBytes))} (${finished} of ${items.length} done)`;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
