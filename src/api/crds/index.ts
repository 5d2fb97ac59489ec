import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { backupRepositoryCrd } from "./backup-repository.js";
import { backupStorageLocationCrd } from "./backup-storage-location.js";
import { backupCrd } from "./backup.js";
import { dataDownloadCrd, dataUploadCrd } from "./data-movement.js";
import { deleteBackupRequestCrd } from "./delete-backup-request.js";
import { downloadRequestCrd } from "./download-request.js";
import { podVolumeBackupCrd, podVolumeRestoreCrd } from "./pod-volume.js";
import { restoreCrd } from "./restore.js";
import { scheduleCrd } from "./schedule.js";
import { serverStatusRequestCrd } from "./server-status-request.js";
import { volumeSnapshotLocationCrd } from "./volume-snapshot-location.js";

export {
  backupCrd,
  backupRepositoryCrd,
  backupStorageLocationCrd,
  dataDownloadCrd,
  dataUploadCrd,
  deleteBackupRequestCrd,
  downloadRequestCrd,
  podVolumeBackupCrd,
  podVolumeRestoreCrd,
  restoreCrd,
  scheduleCrd,
  serverStatusRequestCrd,
  volumeSnapshotLocationCrd,
};

/** Every velero.io CRD velero-ts serves, in install order. */
export function veleroCrds(): V1CustomResourceDefinition[] {
  return [
    backupCrd(),
    backupRepositoryCrd(),
    backupStorageLocationCrd(),
    dataDownloadCrd(),
    dataUploadCrd(),
    deleteBackupRequestCrd(),
    downloadRequestCrd(),
    podVolumeBackupCrd(),
    podVolumeRestoreCrd(),
    restoreCrd(),
    scheduleCrd(),
    serverStatusRequestCrd(),
    volumeSnapshotLocationCrd(),
  ];
}
