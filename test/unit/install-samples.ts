// Full velero.io objects for the CRD schema tests: every field of the TS types (Required<> makes
// the compiler insist when a field is added), plus fields only Velero itself writes.
import type {
  BackupRepositorySpec,
  BackupRepositoryStatus,
  BackupSpec,
  BackupStatus,
  BackupStorageLocationSpec,
  BackupStorageLocationStatus,
  DeleteBackupRequestSpec,
  DeleteBackupRequestStatus,
  DownloadRequestSpec,
  DownloadRequestStatus,
  PodVolumeBackupSpec,
  PodVolumeBackupStatus,
  PodVolumeRestoreSpec,
  PodVolumeRestoreStatus,
  RestoreSpec,
  RestoreStatus,
  ScheduleSpec,
  ScheduleStatus,
  ServerStatusRequestStatus,
  VolumeSnapshotLocationSpec,
  VolumeSnapshotLocationStatus,
} from "../../src/api/v1/index.js";
import type {
  DataDownloadSpec,
  DataDownloadStatus,
  DataUploadSpec,
  DataUploadStatus,
} from "../../src/api/v2alpha1/data-movement.js";

export interface Sample {
  /** velero.io/v1 unless said. */
  apiVersion?: string;
  kind: string;
  resource: string;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
}

const selector = {
  matchLabels: { app: "web" },
  matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }],
};
const T0 = "2026-01-02T03:04:05Z";
const T1 = "2026-01-02T03:14:05Z";

const backupSpec: Required<BackupSpec> = {
  includedNamespaces: ["app"],
  excludedNamespaces: ["kube-system"],
  includedResources: ["*"],
  excludedResources: ["events"],
  includedClusterScopedResources: ["storageclasses"],
  excludedClusterScopedResources: ["clusterroles"],
  includedNamespaceScopedResources: ["*"],
  excludedNamespaceScopedResources: ["secrets"],
  includeClusterResources: null,
  labelSelector: selector,
  orLabelSelectors: [{ matchLabels: { app: "db" } }],
  snapshotVolumes: true,
  ttl: "720h0m0s",
  storageLocation: "default",
  volumeSnapshotLocations: ["default"],
  defaultVolumesToRestic: false,
  defaultVolumesToFsBackup: false,
  snapshotMoveData: false,
  datamover: "velero",
  preserveLocalSnapshot: false,
  csiSnapshotTimeout: "10m0s",
  itemOperationTimeout: "4h0m0s",
  orderedResources: { pods: "app/web-0,app/web-1" },
  metadata: { labels: { team: "blue" } },
  hooks: {},
  volumeGroupSnapshotLabelKey: "velero.io/volume-group",
};

const backupStatus: Required<BackupStatus> = {
  version: 1,
  formatVersion: "1.1.0",
  expiration: T1,
  phase: "Completed",
  validationErrors: ["none really"],
  startTimestamp: T0,
  completionTimestamp: T1,
  volumeSnapshotsAttempted: 1,
  volumeSnapshotsCompleted: 1,
  csiVolumeSnapshotsAttempted: 2,
  csiVolumeSnapshotsCompleted: 2,
  failureReason: "",
  warnings: 3,
  errors: 0,
  progress: { totalItems: 10, itemsBackedUp: 10 },
  backupItemOperationsAttempted: 1,
  backupItemOperationsCompleted: 1,
  backupItemOperationsFailed: 0,
  hookStatus: {},
};

const execHook = { exec: { container: "app", command: ["sync"], onError: "Fail", timeout: "30s" } };

const restoreSpec: Required<RestoreSpec> = {
  backupName: "nightly",
  scheduleName: "",
  includedNamespaces: ["app"],
  excludedNamespaces: [],
  includedResources: ["*"],
  excludedResources: ["nodes"],
  includeClusterResources: false,
  namespaceMapping: { app: "app-copy" },
  labelSelector: selector,
  orLabelSelectors: [{ matchLabels: { app: "db" } }],
  restorePVs: true,
  restoreStatus: { includedResources: ["deployments.apps"], excludedResources: [] },
  preserveNodePorts: true,
  existingResourcePolicy: "update",
  existingResourcePolicyOverrides: { none: { includedResources: ["secrets"] } },
  prune: false,
  itemOperationTimeout: "4h0m0s",
  dataOnly: false,
  dataOnlyMode: "in-place",
  dataOnlyIncludePaths: ["reports/2026"],
  runningPods: "stop-workloads",
  storageClassMapping: { standard: "fast" },
  existingVolumeDataPolicy: "incremental",
  uploaderConfig: { deleteExtraFiles: true, writeSparseFiles: false, parallelFilesDownload: 4 },
};

const restoreStatus: Required<RestoreStatus> = {
  phase: "PartiallyFailed",
  validationErrors: [],
  warnings: 1,
  errors: 2,
  failureReason: "",
  startTimestamp: T0,
  completionTimestamp: T1,
  progress: { totalItems: 10, itemsRestored: 8 },
  restoreItemOperationsAttempted: 2,
  restoreItemOperationsCompleted: 1,
  restoreItemOperationsFailed: 1,
};

const bslSpec: Required<BackupStorageLocationSpec> = {
  provider: "aws",
  objectStorage: { bucket: "backups", prefix: "cluster-a", caCert: Buffer.from("PEM").toString("base64") },
  config: { region: "us-east-1", s3Url: "http://minio:9000", s3ForcePathStyle: "true" },
  credential: { name: "cloud-credentials", key: "cloud", optional: false },
  default: false,
  accessMode: "ReadOnly",
  backupSyncPeriod: "1m0s",
  validationFrequency: "0s",
};

const bslStatus: Required<BackupStorageLocationStatus> = {
  phase: "Available",
  lastSyncedTime: T0,
  lastValidationTime: T1,
  message: "",
};

const vslSpec: Required<VolumeSnapshotLocationSpec> = {
  provider: "aws",
  config: { region: "us-east-1" },
  credential: { name: "cloud-credentials", key: "cloud" },
};
const vslStatus: Required<VolumeSnapshotLocationStatus> = { phase: "Unavailable" };

const dbrSpec: Required<DeleteBackupRequestSpec> = { backupName: "nightly" };
const dbrStatus: Required<DeleteBackupRequestStatus> = { phase: "Processed", errors: ["one file was gone"] };

const scheduleSpec: Required<ScheduleSpec> = {
  template: backupSpec,
  schedule: "0 1 * * *",
  useOwnerReferencesInBackup: false,
  paused: true,
  skipImmediately: null,
};
const scheduleStatus: Required<ScheduleStatus> = {
  phase: "Enabled",
  lastBackup: T0,
  lastSkipped: T1,
  validationErrors: [],
};
const drSpec: Required<DownloadRequestSpec> = { target: { kind: "BackupLog", name: "nightly" } };
const drStatus: Required<DownloadRequestStatus> = {
  phase: "Processed",
  downloadURL: "https://s3.example.com/b/backups/nightly/nightly-logs.gz?X-Amz-Signature=0",
  expiration: T1,
};
const ssrStatus: Required<ServerStatusRequestStatus> = {
  phase: "Processed",
  processedTimestamp: T0,
  serverVersion: "v1.18.0",
  plugins: [{ name: "velero.io/aws", kind: "ObjectStore" }],
};

const pod = { kind: "Pod", namespace: "app", name: "web-0", uid: "6f1c0c8e-1111-4a55-9d5e-000000000001" };

const pvbSpec: Required<PodVolumeBackupSpec> = {
  node: "node-1",
  pod,
  volume: "data",
  backupStorageLocation: "default",
  repoIdentifier: "",
  uploaderType: "kopia",
  tags: {
    backup: "b1",
    "backup-uid": "u1",
    pod: "web-0",
    "pod-uid": pod.uid,
    ns: "app",
    volume: "data",
    "pvc-uid": "p1",
  },
  uploaderSettings: { parallelFilesUpload: "4" },
  cancel: false,
};

const pvbStatus: Required<PodVolumeBackupStatus> = {
  phase: "Completed",
  path: "/host_pods/6f1c0c8e/volumes/kubernetes.io~csi/pvc-1/mount",
  snapshotID: "k3d92c207255c64548fcecc4b65949975",
  message: "",
  startTimestamp: T0,
  completionTimestamp: T1,
  acceptedTimestamp: T0,
  progress: { totalBytes: 1024, bytesDone: 1024 },
  incrementalBytes: 512,
};

const pvrSpec: Required<PodVolumeRestoreSpec> = {
  pod,
  volume: "data",
  backupStorageLocation: "default",
  repoIdentifier: "",
  uploaderType: "kopia",
  snapshotID: "k3d92c207255c64548fcecc4b65949975",
  sourceNamespace: "app",
  uploaderSettings: { writeSparseFiles: "true" },
  cancel: false,
  snapshotSize: 1024,
};

const pvrStatus: Required<PodVolumeRestoreStatus> = {
  phase: "Completed",
  message: "",
  startTimestamp: T0,
  completionTimestamp: T1,
  acceptedTimestamp: T0,
  progress: { totalBytes: 1024, bytesDone: 1024 },
  node: "node-2",
};

const duSpec: Required<DataUploadSpec> = {
  snapshotType: "CSI",
  csiSnapshot: {
    volumeSnapshot: "velero-data-x7k2p",
    storageClass: "standard",
    snapshotClass: "local-snapclass",
    driver: "local.csi.velero-ts.io",
  },
  sourcePVC: "data",
  datamover: "velero",
  backupStorageLocation: "default",
  sourceNamespace: "app",
  dataMoverConfig: { writeSparseFiles: "true" },
  cancel: false,
  operationTimeout: "10m0s",
};

const duStatus: Required<DataUploadStatus> = {
  phase: "Completed",
  path: "/host_pods/uid-1/volumes/kubernetes.io~csi/pvc-1/mount",
  snapshotID: "k3d92c207255c64548fcecc4b65949975",
  dataMoverResult: {},
  message: "",
  startTimestamp: T0,
  completionTimestamp: T1,
  progress: { totalBytes: 1024, bytesDone: 1024 },
  node: "node-1",
  nodeOS: "linux",
  acceptedByNode: "node-1",
  acceptedTimestamp: T0,
};

const ddSpec: Required<DataDownloadSpec> = {
  targetVolume: { pvc: "data", pv: "", namespace: "app" },
  backupStorageLocation: "default",
  datamover: "velero",
  snapshotID: "k3d92c207255c64548fcecc4b65949975",
  sourceNamespace: "app",
  dataMoverConfig: { writeSparseFiles: "true" },
  cancel: false,
  operationTimeout: "10m0s",
  nodeOS: "linux",
  snapshotSize: 1024,
};

const ddStatus: Required<DataDownloadStatus> = {
  phase: "Completed",
  message: "",
  startTimestamp: T0,
  completionTimestamp: T1,
  progress: { totalBytes: 1024, bytesDone: 1024 },
  node: "node-2",
  acceptedByNode: "node-2",
  acceptedTimestamp: T0,
};

const repoSpec: Required<BackupRepositorySpec> = {
  volumeNamespace: "app",
  backupStorageLocation: "default",
  repositoryType: "kopia",
  resticIdentifier: "",
  maintenanceFrequency: "1h0m0s",
  repositoryConfig: { cacheLimitMB: "1000" },
};

const repoStatus: Required<BackupRepositoryStatus> = {
  phase: "Ready",
  message: "",
  lastMaintenanceTime: T1,
  recentMaintenance: [{ startTimestamp: T0, completeTimestamp: T1, result: "Succeeded", message: "" }],
};

export const SAMPLES: Sample[] = [
  {
    kind: "Backup",
    resource: "backups.velero.io",
    spec: {
      ...backupSpec,
      hooks: {
        resources: [{ name: "freeze", includedNamespaces: ["app"], pre: [execHook], post: [execHook] }],
      },
      resourcePolicy: { kind: "configmap", name: "policies" },
      uploaderConfig: { parallelFilesUpload: 4 },
      volumeGroupSnapshotLabelKey: "group",
    },
    status: {
      ...backupStatus,
      hookStatus: { hooksAttempted: 2, hooksFailed: 0 },
      backupItemOperationsAttempted: 1,
    },
  },
  {
    kind: "Restore",
    resource: "restores.velero.io",
    spec: {
      ...restoreSpec,
      hooks: {
        resources: [
          {
            name: "warm-up",
            labelSelector: selector,
            postHooks: [
              { exec: { command: ["warm"], waitForReady: true, execTimeout: "1m0s", waitTimeout: "5m0s" } },
              {
                init: {
                  initContainers: [{ name: "seed", image: "busybox", command: ["true"] }],
                  timeout: "1m0s",
                },
              },
            ],
          },
        ],
      },
      resourceModifier: { kind: "configmap", name: "modifiers" },
      uploaderConfig: { writeSparseFiles: true, parallelFilesDownload: 2 },
    },
    status: { ...restoreStatus, restoreItemOperationsAttempted: 0 },
  },
  {
    kind: "BackupStorageLocation",
    resource: "backupstoragelocations.velero.io",
    spec: bslSpec,
    status: bslStatus,
  },
  {
    kind: "VolumeSnapshotLocation",
    resource: "volumesnapshotlocations.velero.io",
    spec: vslSpec,
    status: vslStatus,
  },
  {
    kind: "DeleteBackupRequest",
    resource: "deletebackuprequests.velero.io",
    spec: dbrSpec,
    status: dbrStatus,
  },
  { kind: "Schedule", resource: "schedules.velero.io", spec: scheduleSpec, status: scheduleStatus },
  { kind: "DownloadRequest", resource: "downloadrequests.velero.io", spec: drSpec, status: drStatus },
  { kind: "ServerStatusRequest", resource: "serverstatusrequests.velero.io", spec: {}, status: ssrStatus },
  { kind: "PodVolumeBackup", resource: "podvolumebackups.velero.io", spec: pvbSpec, status: pvbStatus },
  { kind: "PodVolumeRestore", resource: "podvolumerestores.velero.io", spec: pvrSpec, status: pvrStatus },
  {
    kind: "BackupRepository",
    resource: "backuprepositories.velero.io",
    spec: repoSpec,
    status: repoStatus,
  },
  {
    apiVersion: "velero.io/v2alpha1",
    kind: "DataUpload",
    resource: "datauploads.velero.io",
    spec: duSpec,
    status: duStatus,
  },
  {
    apiVersion: "velero.io/v2alpha1",
    kind: "DataDownload",
    resource: "datadownloads.velero.io",
    spec: ddSpec,
    status: ddStatus,
  },
];

/** Objects of the right shape but a wrong field, each with the field the API server must name. */
export const INVALID: { kind: string; spec: Record<string, unknown>; field: string }[] = [
  { kind: "Backup", spec: { ttl: 5 }, field: "spec.ttl" },
  { kind: "Backup", spec: { includeClusterResources: "yes" }, field: "spec.includeClusterResources" },
  {
    kind: "Backup",
    spec: { labelSelector: { matchLabels: { app: 1 } } },
    field: "spec.labelSelector.matchLabels.app",
  },
  { kind: "Restore", spec: { namespaceMapping: ["a:b"] }, field: "spec.namespaceMapping" },
  {
    kind: "BackupStorageLocation",
    spec: { provider: "aws", objectStorage: {} },
    field: "spec.objectStorage.bucket",
  },
  {
    kind: "BackupStorageLocation",
    spec: { provider: "aws", objectStorage: { bucket: "b" }, accessMode: "Sometimes" },
    field: "spec.accessMode",
  },
  { kind: "VolumeSnapshotLocation", spec: { config: {} }, field: "spec.provider" },
  { kind: "DeleteBackupRequest", spec: {}, field: "spec.backupName" },
  { kind: "Schedule", spec: { template: {} }, field: "spec.schedule" },
  { kind: "Schedule", spec: { schedule: "@daily", template: { ttl: 5 } }, field: "spec.template.ttl" },
  { kind: "DownloadRequest", spec: { target: { kind: "Everything", name: "b" } }, field: "spec.target.kind" },
  {
    kind: "PodVolumeBackup",
    spec: { ...pvbSpec, uploaderType: "rsync" },
    field: "spec.uploaderType",
  },
  { kind: "PodVolumeRestore", spec: { ...pvrSpec, snapshotID: undefined }, field: "spec.snapshotID" },
  {
    kind: "BackupRepository",
    spec: { ...repoSpec, maintenanceFrequency: 3600 },
    field: "spec.maintenanceFrequency",
  },
];
