import { OPERATION_PHASES, type LabelSelector, type VeleroObject } from "./meta.js";

export const EXISTING_RESOURCE_POLICIES = ["none", "update", "recreate"] as const;
export type ExistingResourcePolicy = (typeof EXISTING_RESOURCE_POLICIES)[number];

/** velero-ts: how a data-only restore brings volume data back (the seed's two ways). */
export const DATA_ONLY_MODES = ["in-place", "replace"] as const;
export type DataOnlyMode = (typeof DATA_ONLY_MODES)[number];

/** Velero's existingVolumeDataPolicy: what a restore does with the data of a claim that exists. */
export const EXISTING_VOLUME_DATA_POLICIES = ["none", "full", "incremental"] as const;
export type ExistingVolumeDataPolicy = (typeof EXISTING_VOLUME_DATA_POLICIES)[number];

/** velero-ts: what a data-only restore does about running pods that use a claim it writes into. */
export const RUNNING_POD_POLICIES = ["refuse", "stop-workloads", "allow"] as const;
export type RunningPodPolicy = (typeof RUNNING_POD_POLICIES)[number];

/** velero.io/v1 Restore: what to restore from which backup, and how it went. Field names are Velero's. */
export interface RestoreSpec {
  backupName?: string;
  scheduleName?: string;
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  includeClusterResources?: boolean | null;
  namespaceMapping?: Record<string, string>;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  restorePVs?: boolean | null;
  restoreStatus?: { includedResources?: string[]; excludedResources?: string[] };
  preserveNodePorts?: boolean | null;
  existingResourcePolicy?: ExistingResourcePolicy;
  /** velero-ts: policies for some resources, overriding existingResourcePolicy for them. */
  existingResourcePolicyOverrides?: Partial<Record<ExistingResourcePolicy, { includedResources?: string[] }>>;
  /** velero-ts: delete objects in scope that an earlier restore made and this backup no longer holds. */
  prune?: boolean | null;
  itemOperationTimeout?: string;
  /** velero-ts: restore volume data only; no other object is created, updated or deleted. */
  dataOnly?: boolean | null;
  /** velero-ts: with dataOnly, write into the existing volumes or into new ones (default in-place). */
  dataOnlyMode?: DataOnlyMode;
  /** velero-ts: with dataOnly in place, restore only these paths of each volume (relative to its root). */
  dataOnlyIncludePaths?: string[];
  /** velero-ts: with dataOnly by replace, the storage class each class's new volumes are made in. */
  storageClassMapping?: Record<string, string>;
  /** velero-ts: with dataOnly, what to do about running pods that use a claim (default refuse). */
  runningPods?: RunningPodPolicy;
  /** Velero's: `full` or `incremental` restores the data of claims that exist in place ("" and none: leave them). */
  existingVolumeDataPolicy?: ExistingVolumeDataPolicy | "";
  uploaderConfig?: {
    /** Velero's: files of the volume that the backup does not hold are deleted. */
    deleteExtraFiles?: boolean;
    writeSparseFiles?: boolean;
    parallelFilesDownload?: number;
  };
}

export const RESTORE_PHASES = [...OPERATION_PHASES] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

export interface RestoreStatus {
  phase?: RestorePhase;
  validationErrors?: string[];
  warnings?: number;
  errors?: number;
  failureReason?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
  progress?: { totalItems?: number; itemsRestored?: number };
  restoreItemOperationsAttempted?: number;
  restoreItemOperationsCompleted?: number;
  restoreItemOperationsFailed?: number;
}

export type Restore = VeleroObject<"Restore", RestoreSpec, RestoreStatus>;

/** Phases after which a restore does nothing more. */
export const FINISHED_RESTORE_PHASES: readonly RestorePhase[] = [
  "Completed",
  "PartiallyFailed",
  "Failed",
  "FailedValidation",
];
