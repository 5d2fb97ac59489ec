import { OPERATION_PHASES, type LabelSelector, type VeleroObject } from "./meta.js";

/** velero.io/v1 Backup: what to back up, and how it went. Field names are Velero's. */
export interface BackupSpec {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  /** The scoped filters; they cannot be mixed with included/excludedResources and includeClusterResources. */
  includedClusterScopedResources?: string[];
  excludedClusterScopedResources?: string[];
  includedNamespaceScopedResources?: string[];
  excludedNamespaceScopedResources?: string[];
  /** true: all cluster-scoped resources; false: none; unset: only those namespaced items need. */
  includeClusterResources?: boolean | null;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  snapshotVolumes?: boolean | null;
  /** A Go duration such as "720h0m0s"; the backup expires this long after it was created. */
  ttl?: string;
  storageLocation?: string;
  volumeSnapshotLocations?: string[];
  /** Deprecated by Velero: a true value is carried over to defaultVolumesToFsBackup. */
  defaultVolumesToRestic?: boolean | null;
  defaultVolumesToFsBackup?: boolean | null;
  snapshotMoveData?: boolean | null;
  /** The data mover that moves snapshot data; empty means Velero's own. */
  datamover?: string;
  /**
   * velero-ts: with snapshotMoveData, the CSI snapshot is kept too (as a plain CSI backup keeps
   * it), so a restore in this cluster could use it; Velero deletes it once its data is moved.
   */
  preserveLocalSnapshot?: boolean | null;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  /** Resource name (e.g. "pods") to a comma list of "ns/name" (or, cluster-scoped, "name") items backed up first. */
  orderedResources?: Record<string, string>;
  /** Labels copied onto restores of this backup. */
  metadata?: { labels?: Record<string, string> };
  /** Commands run in pods around their backup; Velero writes `{}` when there are none. */
  hooks?: { resources?: unknown[] };
  /** The label whose value groups volumes into one VolumeGroupSnapshot. */
  volumeGroupSnapshotLabelKey?: string;
}

export const BACKUP_PHASES = [...OPERATION_PHASES, "Deleting"] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

export interface BackupProgress {
  totalItems?: number;
  itemsBackedUp?: number;
}

export interface BackupStatus {
  /** Deprecated by Velero in favour of formatVersion; still written as 1. */
  version?: number;
  formatVersion?: string;
  expiration?: string;
  phase?: BackupPhase;
  validationErrors?: string[];
  startTimestamp?: string;
  completionTimestamp?: string;
  volumeSnapshotsAttempted?: number;
  volumeSnapshotsCompleted?: number;
  csiVolumeSnapshotsAttempted?: number;
  csiVolumeSnapshotsCompleted?: number;
  failureReason?: string;
  warnings?: number;
  errors?: number;
  progress?: BackupProgress;
  backupItemOperationsAttempted?: number;
  backupItemOperationsCompleted?: number;
  backupItemOperationsFailed?: number;
  /** Velero writes `{}` when no hook ran (its counts are left out when zero). */
  hookStatus?: { hooksAttempted?: number; hooksFailed?: number };
}

export type Backup = VeleroObject<"Backup", BackupSpec, BackupStatus>;

/** Phases after which a backup never changes again (except by deletion). */
export const FINISHED_BACKUP_PHASES: readonly BackupPhase[] = [
  "Completed",
  "PartiallyFailed",
  "Failed",
  "FailedValidation",
];
