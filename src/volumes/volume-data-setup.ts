/**
 * What a restore of volume data into existing claims needs before its first item, read and
 * checked before anything is written: the options (with Velero's change-storage-class ConfigMap
 * under the spec's mapping, for a replace), the matched claims, and the pre-flight, whose errors
 * end the restore as FailedValidation. Undefined for a restore that leaves existing claims alone.
 */
import type { Restore } from "../api/v1/index.js";
import { CHANGE_STORAGE_CLASS_LABEL } from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import type { BackupIndex } from "../restore/backup-index.js";
import type { RestoreScope } from "../restore/scope.js";
import { RestoreValidationError } from "../restore/validation.js";
import { volumeDataOptions } from "./data-only-options.js";
import { volumeDataProblems, volumeDataTargets } from "./data-only-targets.js";
import type { VolumeRestoreState } from "./restore-setup.js";
import type { VolumeDataState } from "./volume-data-restore-actions.js";

export async function volumeDataState(
  client: KubeClient,
  index: BackupIndex,
  scope: RestoreScope,
  restore: Restore,
  volumes: VolumeRestoreState,
): Promise<VolumeDataState | undefined> {
  const spec = volumeDataOptions(restore.spec);
  if (!spec) return undefined;
  const options =
    spec.mode === "replace"
      ? {
          ...spec,
          storageClassMapping: {
            ...(await changeStorageClassConfig(client, restore.metadata.namespace ?? "velero")),
            ...spec.storageClassMapping,
          },
        }
      : spec;
  // The pre-flight of a restore of volume data: refused before anything is written.
  const targets = await volumeDataTargets(client, index, scope, volumes);
  let classes = new Set<string>();
  if (options.mode === "replace") {
    for (const t of targets) {
      const mapped = options.storageClassMapping[t.claim?.spec?.storageClassName ?? ""];
      if (mapped) t.mappedClass = mapped;
    }
    const listed = await client.get<{ items: { metadata?: { name?: string } }[] }>(
      "/apis/storage.k8s.io/v1/storageclasses",
    );
    classes = new Set(listed.items.map((c) => c.metadata?.name ?? ""));
  }
  const { errors, warnings } = volumeDataProblems(targets, options, restore.spec.backupName ?? "", classes);
  if (errors.length)
    throw new RestoreValidationError(
      `the volume data of backup ${restore.spec.backupName} cannot be restored: ${errors.join("; ")}`,
      errors,
    );
  return {
    options,
    targets,
    warnings,
    writeTimeoutMs: volumes.podVolumeTimeoutMs,
    volumes: volumes.volumes,
    snapshotters: volumes.snapshotters,
  };
}

/** Velero's change-storage-class ConfigMap of the server's namespace: old class to new, if there is one. */
async function changeStorageClassConfig(
  client: KubeClient,
  namespace: string,
): Promise<Record<string, string>> {
  const { items } = await client.get<{ items: { data?: Record<string, string> }[] }>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
    { labelSelector: `${CHANGE_STORAGE_CLASS_LABEL}=RestoreItemAction` },
  );
  return Object.assign({}, ...items.map((c) => c.data ?? {})) as Record<string, string>;
}
