/** How a PodVolumeRestore that writes into a volume in use says so, in its uploader settings. */
import { IN_PLACE_RESTORE_SETTINGS as KEYS, type PodVolumeRestore } from "../api/v1/index.js";

export interface InPlaceRestore {
  /** Files that already match the backup's are left alone (Velero's `incremental`). */
  incremental: boolean;
  deleteExtraFiles: boolean;
  /** Paths inside the volume to restore; empty for all of it. */
  includePaths: string[];
}

export function inPlaceSettings(restore: InPlaceRestore): Record<string, string> {
  return {
    [KEYS.restoreType]: restore.incremental ? "InPlaceIncremental" : "InPlaceFull",
    ...(restore.deleteExtraFiles ? { [KEYS.deleteExtraFiles]: "true" } : {}),
    ...(restore.includePaths.length ? { [KEYS.includePaths]: JSON.stringify(restore.includePaths) } : {}),
  };
}

/** The in-place settings of a PodVolumeRestore, or undefined for one that fills a new volume. */
export function inPlaceRestoreOf(pvr: PodVolumeRestore): InPlaceRestore | undefined {
  const settings = pvr.spec.uploaderSettings ?? {};
  const type = settings[KEYS.restoreType];
  if (type !== "InPlaceFull" && type !== "InPlaceIncremental") return undefined;
  const listed = settings[KEYS.includePaths];
  const paths: unknown = listed ? JSON.parse(listed) : [];
  return {
    incremental: type === "InPlaceIncremental",
    deleteExtraFiles: settings[KEYS.deleteExtraFiles] === "true",
    includePaths: Array.isArray(paths) ? paths.filter((p): p is string => typeof p === "string") : [],
  };
}
