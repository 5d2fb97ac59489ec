import { OPERATION_PHASES, type LabelSelector, type VeleroObject } from "./meta.js";

export const EXISTING_RESOURCE_POLICIES = ["none", "update", "recreate"] as const;
export type ExistingResourcePolicy = (typeof EXISTING_RESOURCE_POLICIES)[number];

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
