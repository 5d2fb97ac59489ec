/**
 * The two vocabularies of restoring volume data into claims that exist, read as one: velero-ts's
 * data-only restore (`dataOnly`, `dataOnlyMode`, `dataOnlyIncludePaths`, `runningPods`) and
 * Velero's newer `existingVolumeDataPolicy` with `uploaderConfig.deleteExtraFiles`. Velero's
 * `full` and `incremental` are in-place writes into the claims that exist, whether or not the
 * restore is data-only; `incremental` leaves the files that already match the backup's alone.
 */
import path from "node:path";
import {
  DATA_ONLY_MODES,
  EXISTING_VOLUME_DATA_POLICIES,
  RUNNING_POD_POLICIES,
  type DataOnlyMode,
  type RestoreSpec,
  type RunningPodPolicy,
} from "../api/v1/index.js";

export interface VolumeDataOptions {
  /** Only volume data: every other item is left as it is. */
  dataOnly: boolean;
  mode: DataOnlyMode;
  /** full writes every file of the backup; incremental only those that differ or are missing. */
  policy: "full" | "incremental";
  deleteExtraFiles: boolean;
  /** Paths inside each volume to restore; empty for the whole volume. */
  includePaths: string[];
  runningPods: RunningPodPolicy;
  /** Replace: the class each class's new volumes are made in (spec, then Velero's ConfigMap). */
  storageClassMapping: Record<string, string>;
}

/** What the restore does with the data of claims that exist, or undefined when it leaves them. */
export function volumeDataOptions(spec: RestoreSpec): VolumeDataOptions | undefined {
  const policy = spec.existingVolumeDataPolicy;
  const inPlacePolicy = policy === "full" || policy === "incremental";
  if (!spec.dataOnly && !inPlacePolicy) return undefined;
  return {
    dataOnly: spec.dataOnly === true,
    mode: spec.dataOnlyMode ?? "in-place",
    policy: policy === "incremental" ? "incremental" : "full",
    deleteExtraFiles: spec.uploaderConfig?.deleteExtraFiles === true,
    includePaths: spec.dataOnlyIncludePaths ?? [],
    runningPods: spec.runningPods ?? "refuse",
    storageClassMapping: spec.storageClassMapping ?? {},
  };
}

const oneOf = (values: readonly string[]) => values.join(", ");

/** Every problem with the spec's volume data fields, each saying what to change. */
export function validateVolumeDataSpec(spec: RestoreSpec): string[] {
  const errors: string[] = [];
  const policy = spec.existingVolumeDataPolicy;
  if (policy && !(EXISTING_VOLUME_DATA_POLICIES as readonly string[]).includes(policy))
    errors.push(
      `existing volume data policy ${JSON.stringify(policy)} is not one of ${oneOf(EXISTING_VOLUME_DATA_POLICIES)}`,
    );
  if (spec.dataOnlyMode && !(DATA_ONLY_MODES as readonly string[]).includes(spec.dataOnlyMode))
    errors.push(
      `data-only mode ${JSON.stringify(spec.dataOnlyMode)} is not one of ${oneOf(DATA_ONLY_MODES)}`,
    );
  if (spec.runningPods && !(RUNNING_POD_POLICIES as readonly string[]).includes(spec.runningPods))
    errors.push(
      `running pods policy ${JSON.stringify(spec.runningPods)} is not one of ${oneOf(RUNNING_POD_POLICIES)}`,
    );
  const options = volumeDataOptions(spec);
  if (!options) {
    const stray = [
      spec.dataOnlyMode ? "dataOnlyMode (--data-only-mode)" : "",
      spec.dataOnlyIncludePaths?.length ? "dataOnlyIncludePaths (--include-paths)" : "",
      spec.runningPods ? "runningPods (--stop-workloads, --allow-running-pods)" : "",
      spec.uploaderConfig?.deleteExtraFiles ? "uploaderConfig.deleteExtraFiles (--delete-extra-files)" : "",
      Object.keys(spec.storageClassMapping ?? {}).length
        ? "storageClassMapping (--storage-class-mapping)"
        : "",
    ].filter(Boolean);
    if (stray.length)
      errors.push(
        `${stray.join(", ")} only apply to a restore of volume data into existing claims: add --data-only, or --existing-volume-data-policy full|incremental`,
      );
    return errors;
  }
  if (options.mode === "replace") {
    if (policy === "full" || policy === "incremental")
      errors.push(
        `existing volume data policy ${policy} writes into the existing volumes, which replace does not: drop --existing-volume-data-policy, or use --data-only-mode in-place`,
      );
    if (options.includePaths.length)
      errors.push(
        "--include-paths restores parts of a volume in place: use it with --data-only-mode in-place",
      );
    if (options.runningPods === "allow")
      errors.push(
        "--allow-running-pods applies to in-place writes; a replace always stops the workloads using a claim to re-point them: drop it",
      );
    if (options.deleteExtraFiles)
      errors.push(
        "--delete-extra-files applies to in-place writes (a replaced volume holds only the backup's files): drop it, or use --data-only-mode in-place",
      );
  }
  if (options.mode !== "replace" && Object.keys(options.storageClassMapping).length)
    errors.push(
      "storageClassMapping (--storage-class-mapping) makes the new volumes of a replace in other classes: use it with --data-only-mode replace",
    );
  for (const p of options.includePaths) {
    const normal = path.posix.normalize(p);
    if (!p || path.posix.isAbsolute(p) || normal === "." || normal.startsWith(".."))
      errors.push(
        `include path ${JSON.stringify(p)} must be a path inside the volume, relative to its root, such as data/2026`,
      );
  }
  if (options.dataOnly && spec.existingResourcePolicy && spec.existingResourcePolicy !== "none")
    errors.push(
      `a data-only restore changes no object, so existing resource policy ${spec.existingResourcePolicy} does not apply: drop --existing-resource-policy`,
    );
  if (options.dataOnly && spec.prune) errors.push("a data-only restore deletes no object: drop --prune");
  return errors;
}

/** Include paths as kopia and the volume see them: normalized, without a trailing slash. */
export function normalIncludePaths(paths: readonly string[]): string[] {
  return paths.map((p) => path.posix.normalize(p).replace(/\/+$/, ""));
}
