/** Every Velero label and annotation name velero-ts reads or writes, in one place. */

/** On a Backup: the name of its BackupStorageLocation. */
export const STORAGE_LOCATION_LABEL = "velero.io/storage-location";
/** On restored objects and on a Backup's related objects: the backup's name. */
export const BACKUP_NAME_LABEL = "velero.io/backup-name";
/** On restored objects: the restore's name. */
export const RESTORE_NAME_LABEL = "velero.io/restore-name";
/** On a DeleteBackupRequest: the backup's uid. */
export const BACKUP_UID_LABEL = "velero.io/backup-uid";
/** On any object: "true" keeps it out of every backup. */
export const EXCLUDE_FROM_BACKUP_LABEL = "velero.io/exclude-from-backup";
/** Marks the VolumeSnapshotClass Velero uses for a CSI driver. */
export const CSI_VOLUMESNAPSHOT_CLASS_LABEL = "velero.io/csi-volumesnapshot-class";
/** On objects velero-ts itself installs (namespace, CRDs, deployment), as Velero's install does. */
export const COMPONENT_LABEL = "component";
export const COMPONENT_VELERO = "velero";

/**
 * A label value must be at most 63 characters: longer ones become the first 57
 * characters and the first 6 hex characters of the value's sha256, as Velero does.
 */
export const LABEL_VALUE_MAX = 63;
