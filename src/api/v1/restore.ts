import { OPERATION_PHASES, type LabelSelector, type VeleroObject } from "./meta.js";

export type ExistingResourcePolicy = "none" | "update";

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
}

export type Restore = VeleroObject<"Restore", RestoreSpec, RestoreStatus>;

/** Phases after which a restore does nothing more. */
export const FINISHED_RESTORE_PHASES: readonly RestorePhase[] = [
  "Completed",
  "PartiallyFailed",
  "Failed",
  "FailedValidation",
];
