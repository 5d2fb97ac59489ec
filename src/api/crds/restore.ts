import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { RESTORE_PHASES } from "../v1/restore.js";
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

const postHook = object("A hook run in a restored pod.", {
  exec: object(
    "A command run in a container once the pod runs.",
    {
      container: string("The container to run it in; the pod's first container when empty."),
      command: {
        type: "array",
        items: { type: "string" },
        minItems: 1,
        description: "The command and its arguments.",
      },
      onError: oneOf(HOOK_ON_ERROR, "Whether a failure of the command fails the restore."),
      execTimeout: duration("How long to wait for the command."),
      waitTimeout: duration("How long to wait for the container to be ready."),
      waitForReady: optionalBoolean("Wait for the container to be ready before running the command."),
    },
    { required: ["command"] },
  ),
  init: object("Init containers added to the restored pod.", {
    // Whole Container objects: free-form here, as in Velero's schema.
    initContainers: {
      type: "array",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      "x-kubernetes-preserve-unknown-fields": true,
      description: "The init containers.",
    },
    timeout: duration("How long to wait for them."),
  }),
});

const spec: JsonSchema = object("What to restore from which backup, and how.", {
  backupName: string("The backup to restore from."),
  scheduleName: string("Restore the schedule's latest completed backup."),
  includedNamespaces: stringList("Namespaces to restore; empty or * means all."),
  excludedNamespaces: stringList("Namespaces not to restore."),
  includedResources: stringList("Resources to restore; empty or * means all."),
  excludedResources: stringList("Resources not to restore."),
  namespaceMapping: stringMap("Namespace in the backup to the namespace to restore into."),
  labelSelector: labelSelector("Only objects with these labels."),
  orLabelSelectors: listOf(labelSelector("One selector."), "Objects matching any of these selectors."),
  restorePVs: optionalBoolean("Whether to restore persistent volumes from snapshots."),
  restoreStatus: object(
    "Resources whose status is restored too.",
    {
      includedResources: stringList("Resources whose status is restored."),
      excludedResources: stringList("Resources whose status is not restored."),
    },
    { nullable: true },
  ),
  preserveNodePorts: optionalBoolean("Keep the node ports of services."),
  includeClusterResources: optionalBoolean(
    "true: every cluster-scoped resource; false: none; unset: those the namespaced items need.",
  ),
  hooks: object("Hooks run in restored pods.", {
    resources: listOf(
      object(
        "Hooks for the pods a selection matches.",
        { ...hookSelection(), postHooks: listOf(postHook, "The hooks.") },
        { required: ["name"] },
      ),
      "The hooks, per selection.",
    ),
  }),
  // Not an enum: the server refuses an unknown policy with FailedValidation and a message.
  existingResourcePolicy: {
    ...string("What to do with objects that already exist: none, update or recreate."),
    nullable: true,
  },
  existingResourcePolicyOverrides: {
    type: "object",
    description: "Policies for some resources, overriding existingResourcePolicy: policy to resources.",
    additionalProperties: object("The resources this policy applies to.", {
      includedResources: stringList("Resources, e.g. secrets or deployments.apps."),
    }),
    nullable: true,
  },
  prune: optionalBoolean(
    "Delete the objects in the restore's scope that an earlier restore created and this backup no longer holds.",
  ),
  itemOperationTimeout: duration("How long to wait for asynchronous item operations."),
  resourceModifier: typedLocalObjectReference("A ConfigMap of resource modifier rules.", true),
  // Not enums: the server refuses an unknown value with FailedValidation and a message.
  dataOnly: optionalBoolean(
    "velero-ts: restore volume data only; no other object is created, updated or deleted.",
  ),
  dataOnlyMode: string("velero-ts: in-place (into the existing volumes) or replace (into new ones)."),
  dataOnlyIncludePaths: stringList("velero-ts: with in-place, only these paths of each volume."),
  runningPods: string("velero-ts: refuse, stop-workloads or allow: what to do about pods using a claim."),
  storageClassMapping: stringMap("velero-ts: with replace, the class each class's new volumes are made in."),
  existingVolumeDataPolicy: string(
    "What to do with the data of a claim that exists: none, full or incremental.",
  ),
  uploaderConfig: object(
    "Settings of the file-system restore.",
    {
      deleteExtraFiles: optionalBoolean("Delete the files of the volume that the backup does not hold."),
      writeSparseFiles: optionalBoolean("Write files sparsely."),
      parallelFilesDownload: integer("Files downloaded at once."),
    },
    { nullable: true },
  ),
});

const status: JsonSchema = object("How the restore went.", {
  phase: oneOf(RESTORE_PHASES, "Where the restore is in its lifecycle."),
  validationErrors: stringList("Why the spec was refused."),
  restoreItemOperationsAttempted: integer("Asynchronous item operations attempted."),
  restoreItemOperationsCompleted: integer("Asynchronous item operations completed."),
  restoreItemOperationsFailed: integer("Asynchronous item operations failed."),
  warnings: integer("Warnings during the restore."),
  errors: integer("Errors during the restore."),
  failureReason: string("Why the restore failed."),
  startTimestamp: timestamp("When the restore started."),
  completionTimestamp: timestamp("When the restore finished."),
  progress: object(
    "Items restored so far.",
    { totalItems: integer("Items to restore."), itemsRestored: integer("Items restored.") },
    { nullable: true },
  ),
  hookStatus: hookStatus(),
});

/** restores.velero.io */
export function restoreCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "Restore",
    plural: "restores",
    description: "A restore of (part of) a backup into the cluster.",
    spec,
    status,
    printerColumns: [
      { name: "Backup", type: "string", jsonPath: ".spec.backupName" },
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Where the restore is." },
      { name: "Errors", type: "integer", jsonPath: ".status.errors" },
      { name: "Warnings", type: "integer", jsonPath: ".status.warnings" },
    ],
  });
}
