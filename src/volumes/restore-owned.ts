import { RESTORE_NAME_LABEL, RESTORE_UID_LABEL } from "../api/labels.js";
import { controllerReference, type ObjectMeta, type Restore } from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";
import type { WatchedCollection } from "../kube/change-watch.js";
import { veleroPath, type VeleroPlural } from "../kube/velero-client.js";

/**
 * The metadata of what a restore makes in the server's namespace to restore a volume's data (a
 * PodVolumeRestore, a DataDownload), as Velero's: named after the restore, labelled with its name
 * and UID, and owned by it, so it goes when the restore is deleted.
 */
export function restoreOwnedMetadata(restore: Restore, labels: Record<string, string>): ObjectMeta {
  return {
    generateName: `${restore.metadata.name}-`,
    namespace: restore.metadata.namespace!,
    labels: {
      [RESTORE_NAME_LABEL]: labelValue(restore.metadata.name!),
      [RESTORE_UID_LABEL]: restore.metadata.uid ?? "",
      ...labels,
    },
    ownerReferences: [controllerReference(restore)],
  };
}

/** What a restore made of one kind in the server's namespace, for its operations to watch. */
export function restoreOwnedWatch(restore: Restore, plural: VeleroPlural): WatchedCollection {
  return {
    path: veleroPath(restore.metadata.namespace!, plural),
    labelSelector: `${RESTORE_NAME_LABEL}=${labelValue(restore.metadata.name!)}`,
  };
}
