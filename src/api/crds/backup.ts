import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { BACKUP_PHASES } from "../v1/backup.js";
import { veleroCrd } from "./crd.js";
import {
  HOOK_ON_ERROR,
  duration,
  hookSelection,
  hookStatus,
  integer,
  labelSelector,
  listOf,
  object,
  oneOf,
  optionalBoolean,
  string,
  stringList,
  stringMap,
  timestamp,
  typedLocalObjectReference,
  type JsonSchema,
} from "./schema.js";

const execHook = object(
  "A command run in a container of the pod.",
  {
    exec: object(
      "The command to run.",
      {
        container: string("The container to run it in; the pod's first container when empty."),
        command: {
          type: "array",
          items: { type: "string" },
          minItems: 1,
          description: "The command and its arguments.",
        },
        onError: oneOf(HOOK_ON_ERROR, "Whether a failure of the command fails the backup."),
        timeout: duration("How long to wait for the command."),
      },
      { required: ["command"] },
    ),
  },
  { required: ["exec"] },
);

/** The spec of a Backup, and of a Schedule's backup template. */
export const backupSpecSchema: JsonSchema = object("What to back up, and how.", {
  metadata: object("Metadata for the backup's restores.", {
    labels: stringMap("Labels copied onto restores of this backup."),
  }),
  includedNamespaces: stringList("Namespaces to back up; empty or * means all."),
  excludedNamespaces: stringList("Namespaces not to back up."),
  includedResources: stringList("Resources to back up; empty or * means all."),
  excludedResources: stringList("Resources not to back up."),
  includedClusterScopedResources: stringList("Cluster-scoped resources to back up."),
  excludedClusterScopedResources: stringList("Cluster-scoped resources not to back up."),
  includedNamespaceScopedResources: stringList("Namespaced resources to back up."),
  excludedNamespaceScopedResources: stringList("Namespaced resources not to back up."),
  labelSelector: labelSelector("Only objects with these labels."),
  orLabelSelectors: listOf(labelSelector("One selector."), "Objects matching any of these selectors."),
  snapshotVolumes: optionalBoolean("Whether to take snapshots of persistent volumes."),
  ttl: duration("How long the backup is kept before it expires."),
  includeClusterResources: optionalBoolean(
    "true: every cluster-scoped resource; false: none; unset: those the namespaced items need.",
  ),
  hooks: object("Commands run in pods around their backup.", {
    resources: listOf(
      object(
        "Hooks for the pods a selection matches.",
        { ...hookSelection(), pre: listOf(execHook, "Run before."), post: listOf(execHook, "Run after.") },
        { required: ["name"] },
      ),
      "The hooks, per selection.",
    ),
  }),
  storageLocation: string("The BackupStorageLocation to store the backup in."),
  volumeSnapshotLocations: stringList("The VolumeSnapshotLocations to take volume snapshots with."),
  defaultVolumesToRestic: optionalBoolean("Deprecated: use defaultVolumesToFsBackup."),
  defaultVolumesToFsBackup: optionalBoolean("Back up every pod volume with file-system backup by default."),
  orderedResources: stringMap(
    "Resource name to a comma list of ns/name items backed up first, in order.",
    true,
  ),
  csiSnapshotTimeout: duration("How long to wait for a CSI snapshot to be ready."),
  itemOperationTimeout: duration("How long to wait for asynchronous item operations."),
  resourcePolicy: typedLocalObjectReference("A ConfigMap of resource policies."),
  snapshotMoveData: optionalBoolean("Move snapshot data to the backup storage location."),
  datamover: string("The data mover moving snapshot data; empty means velero's own."),
  preserveLocalSnapshot: optionalBoolean(
    "velero-ts: with snapshotMoveData, keep the CSI snapshot as well once its data is moved.",
  ),
  uploaderConfig: object(
    "Settings of the file-system uploader.",
    { parallelFilesUpload: integer("Files uploaded at once.") },
    { nullable: true },
  ),
  volumeGroupSnapshotLabelKey: string("The label whose value groups volumes into one group snapshot."),
});

const status: JsonSchema = object("How the backup went.", {
  version: integer("Deprecated: the backup format's major version."),
  formatVersion: string("The version of the backup's format, e.g. 1.1.0."),
  expiration: timestamp("When the backup expires and is deleted."),
  phase: oneOf(BACKUP_PHASES, "Where the backup is in its lifecycle."),
  validationErrors: stringList("Why the spec was refused."),
  startTimestamp: timestamp("When the backup started."),
  completionTimestamp: timestamp("When the backup finished."),
  volumeSnapshotsAttempted: integer("Native volume snapshots attempted."),
  volumeSnapshotsCompleted: integer("Native volume snapshots completed."),
  csiVolumeSnapshotsAttempted: integer("CSI volume snapshots attempted."),
  csiVolumeSnapshotsCompleted: integer("CSI volume snapshots completed."),
  backupItemOperationsAttempted: integer("Asynchronous item operations attempted."),
  backupItemOperationsCompleted: integer("Asynchronous item operations completed."),
  backupItemOperationsFailed: integer("Asynchronous item operations failed."),
  failureReason: string("Why the backup failed."),
  warnings: integer("Warnings during the backup."),
  errors: integer("Errors during the backup."),
  progress: object(
    "Items backed up so far.",
    { totalItems: integer("Items to back up."), itemsBackedUp: integer("Items backed up.") },
    { nullable: true },
  ),
  hookStatus: hookStatus(),
  queuePosition: integer("The backup's place in the queue of backups waiting to run."),
});

/** backups.velero.io */
export function backupCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "Backup",
    plural: "backups",
    description: "A backup of resources and volumes of the cluster.",
    spec: backupSpecSchema,
    status,
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Where the backup is." },
      { name: "Errors", type: "integer", jsonPath: ".status.errors" },
      { name: "Warnings", type: "integer", jsonPath: ".status.warnings" },
      { name: "Storage Location", type: "string", jsonPath: ".spec.storageLocation" },
    ],
  });
}
