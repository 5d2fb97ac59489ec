import { BACKUP_NAME_LABEL, BACKUP_UID_LABEL } from "../api/labels.js";
import { VELERO_API_VERSION, type Backup, type DeleteBackupRequest } from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";

/** The DeleteBackupRequest that asks to delete a backup, labelled as Velero labels it. */
export function deleteBackupRequestFor(backup: Backup): DeleteBackupRequest {
  const name = backup.metadata.name!;
  return {
    apiVersion: VELERO_API_VERSION,
    kind: "DeleteBackupRequest",
    metadata: {
      generateName: `${name}-`,
      labels: { [BACKUP_NAME_LABEL]: labelValue(name), [BACKUP_UID_LABEL]: backup.metadata.uid ?? "" },
    },
    spec: { backupName: name },
  };
}
