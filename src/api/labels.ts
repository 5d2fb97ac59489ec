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

/** On any object: "true" makes a restore put back its status too. */
export const RESTORE_STATUS_ANNOTATION = "velero.io/restore-status";
/** On a mirror pod: the kubelet made it from a static manifest; restoring it is pointless. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
/** What `kubectl apply` last sent: the fields the user set explicitly. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
/** Job controller labels, tied to the uid of a Job that a restore does not bring back. */
export const JOB_CONTROLLER_UID_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid"];
/** On a claim whose class binds on first use: the node the scheduler chose for its first pod. */
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
/** Binding and provisioning annotations of a claim, which belong to the claim's old life. */
export const PVC_BINDING_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  "volume.kubernetes.io/storage-provisioner",
  "volume.beta.kubernetes.io/storage-provisioner",
  SELECTED_NODE_ANNOTATION,
];
/** On a PV a restore renamed (cloning a namespace whose volume's name is taken): the name it had. */
export const ORIGINAL_PV_NAME_ANNOTATION = "velero.io/original-pv-name";
/** Binding annotations of a volume, removed with its claimRef's uid. */
export const PV_BINDING_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
];
/** On a service-account token Secret: the uid of the ServiceAccount it was made for. */
export const SERVICE_ACCOUNT_UID_ANNOTATION = "kubernetes.io/service-account.uid";
/** On a Backup made by a Schedule: the schedule's name. */
export const SCHEDULE_NAME_LABEL = "velero.io/schedule-name";
/** On every Namespace, set by the API server: the namespace's own name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** On a Backup: the API server's version (`/version` gitVersion, major, minor) of the backed-up cluster. */
export const SOURCE_CLUSTER_K8S_GIT_VERSION_ANNOTATION = "velero.io/source-cluster-k8s-gitversion";
export const SOURCE_CLUSTER_K8S_MAJOR_VERSION_ANNOTATION = "velero.io/source-cluster-k8s-major-version";
export const SOURCE_CLUSTER_K8S_MINOR_VERSION_ANNOTATION = "velero.io/source-cluster-k8s-minor-version";
/** On a Backup: the server's timeout for waiting on resources, a Go duration. */
export const RESOURCE_TIMEOUT_ANNOTATION = "velero.io/resource-timeout";
/** The label whose value groups a backup's volumes into one VolumeGroupSnapshot, unless the backup names another. */
export const DEFAULT_VOLUME_GROUP_SNAPSHOT_LABEL_KEY = "velero.io/volume-group";

// CSI snapshots (Velero's CSI item actions).
/** On a backed-up claim and its VolumeSnapshot: the VolumeSnapshot made of the claim. */
export const VOLUME_SNAPSHOT_LABEL = "velero.io/volume-snapshot-name";
/** On a claim: the VolumeSnapshotClass to snapshot it with. */
export const CSI_VOLUMESNAPSHOT_CLASS_ANNOTATION = "velero.io/csi-volumesnapshot-class";
/** On a Backup, with `_<driver>` appended: the VolumeSnapshotClass for that driver. */
export const BACKUP_VOLUMESNAPSHOT_CLASS_ANNOTATION_PREFIX = "velero.io/csi-volumesnapshot-class_";
/** On a VolumeSnapshotClass: the cluster's default class for its driver. */
export const DEFAULT_VOLUMESNAPSHOT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";
/** On an item: "true" takes the items its actions add even when the backup's filters exclude them. */
export const MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION = "backup.velero.io/must-include-additional-items";
/** On a VolumeSnapshot Velero made: what its content was at backup time. */
export const CSI_VSC_DELETION_POLICY_ANNOTATION = "velero.io/csi-vsc-deletion-policy";
export const CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION = "velero.io/csi-volumesnapshot-handle";
export const CSI_DRIVER_NAME_ANNOTATION = "velero.io/csi-driver-name";
export const CSI_VOLUMESNAPSHOT_RESTORE_SIZE_ANNOTATION = "velero.io/csi-volumesnapshot-restore-size";

// File-system backups (PodVolumeBackup, PodVolumeRestore, BackupRepository).
/** On a PodVolumeBackup: the uid of the claim whose volume it backs up. */
export const PVC_UID_LABEL = "velero.io/pvc-uid";
/** On a PodVolumeBackup: the name of that claim (kopia's source names it, not the pod's volume). */
export const PVC_NAME_ANNOTATION = "velero.io/pvc-name";
/** On a PodVolumeRestore: the uid of the pod it writes into. */
export const POD_UID_LABEL = "velero.io/pod-uid";
/** On a PodVolumeRestore: the uid of its restore, which also names the restore helper's done marker. */
export const RESTORE_UID_LABEL = "velero.io/restore-uid";
/** On a BackupRepository: the namespace of the volumes it holds. */
export const VOLUME_NAMESPACE_LABEL = "velero.io/volume-namespace";
/** On a BackupRepository: its type ("kopia"). */
export const REPOSITORY_TYPE_LABEL = "velero.io/repository-type";
/** On a pod: the volumes to back up with the node agent (opt-in), a comma list. */
export const BACKUP_VOLUMES_ANNOTATION = "backup.velero.io/backup-volumes";
/** On a pod: the volumes never to back up with the node agent (with --default-volumes-to-fs-backup). */
export const BACKUP_VOLUMES_EXCLUDES_ANNOTATION = "backup.velero.io/backup-volumes-excludes";
/** On a Backup: how long each pod volume backup may take (a Go duration), over the server's flag. */
export const POD_VOLUME_TIMEOUT_ANNOTATION = "velero.io/pod-volume-timeout";

// The data mover (DataUpload, DataDownload).
/** On a DataUpload or DataDownload: the id of the backup's or restore's item operation it is. */
export const ASYNC_OPERATION_ID_LABEL = "velero.io/async-operation-id";
/** On a backed-up claim whose snapshot's data was moved: its DataUpload, `<namespace>/<name>`. */
export const DATA_UPLOAD_NAME_ANNOTATION = "velero.io/data-upload-name";
/** On a DataUpload while a node agent exposes its snapshot: "true". */
export const EXPOSE_ON_GOING_LABEL = "velero.io/expose-on-going";
/** On the pod that exposes a DataUpload's snapshot: the DataUpload's name. */
export const DATA_UPLOAD_LABEL = "velero.io/data-upload";
/** On the pod that exposes a DataDownload's volume: the DataDownload's name. */
export const DATA_DOWNLOAD_LABEL = "velero.io/data-download";
/** On the pods the data mover exposes volumes with: which kind of exposer made them. */
export const EXPOSER_POD_GROUP_LABEL = "velero.io/exposer-pod-group";
/** On a restored claim waiting for its moved data, and on the volume it binds to: `<ns>.<claim>.<random>`. */
export const DYNAMIC_PV_RESTORE_LABEL = "velero.io/dynamic-pv-restore";
/** On the ConfigMap a restore makes of a backed-up DataUpload: `<namespace>.<claim>` it is for. */
export const PVC_NAMESPACE_NAME_LABEL = "velero.io/pvc-namespace-name";
/** On the ConfigMap a restore makes of a backed-up DataUpload: "DataUpload". */
export const RESOURCE_USAGE_LABEL = "velero.io/resource-usage";

/** velero-ts: on a workload a restore of volume data scaled to 0: the replicas it had, to scale back to. */
export const STOPPED_REPLICAS_ANNOTATION = "velero-ts.io/replicas-before-data-restore";
/** velero-ts: on the temporary pod that mounts a claim for a write in place: the claim's name. */
export const DATA_RESTORE_CLAIM_LABEL = "velero-ts.io/data-restore-claim";
/** velero-ts: on a DaemonSet a restore of volume data stopped: its node selector before (JSON), to put back. */
export const STOPPED_NODE_SELECTOR_ANNOTATION = "velero-ts.io/node-selector-before-data-restore";
/** velero-ts: on a volume a data-only restore by replace took a claim away from (its rollback): the restore's name. */
export const REPLACED_BY_RESTORE_LABEL = "velero-ts.io/replaced-by-restore";
/** velero-ts: on such a volume: the claim it belonged to, `<namespace>/<name>`, and its reclaim policy before. */
export const REPLACED_CLAIM_ANNOTATION = "velero-ts.io/replaced-claim";
export const REPLACED_RECLAIM_POLICY_ANNOTATION = "velero-ts.io/reclaim-policy-before-replace";
/** velero-ts: on a volume a data-only restore by replace made for a claim: the restore's name. */
export const REPLACEMENT_BY_RESTORE_LABEL = "velero-ts.io/replacement-by-restore";
/** Velero's: on the ConfigMap (in Velero's namespace) that maps storage classes at restore: old class to new. */
export const CHANGE_STORAGE_CLASS_LABEL = "velero.io/change-storage-class";
/** velero-ts: on a volume a replace made that `restore rollback` took the claim away from again: the restore's name. */
export const ROLLED_BACK_FROM_RESTORE_LABEL = "velero-ts.io/rolled-back-from-restore";
