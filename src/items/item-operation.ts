/**
 * Asynchronous item operations: work an item action starts and the controller polls until it
 * ends (a snapshot becoming ready, a data upload), as Velero's plugin operations. The stored
 * forms are Velero's `itemoperation.BackupOperation` and `RestoreOperation`, field for field, so
 * Velero's `backup describe --details` reads our `-itemoperations.json.gz` files. Some of
 * Velero's spec fields carry malformed JSON tags, so Go writes them under their Go names
 * (`ResourceIdentifier`, `OperationID`, `PostOperationItems`): we write them the same way.
 */
import type { ResourceIdentifier } from "./item.js";

export type OperationPhase = "New" | "InProgress" | "Completed" | "Failed" | "Canceled";

/** What an action says of its operation when polled (Velero's OperationProgress). */
export interface OperationProgress {
  completed: boolean;
  /** Set when the operation failed: why. */
  error?: string;
  nCompleted?: number;
  nTotal?: number;
  operationUnits?: string;
  description?: string;
  started?: string;
  updated?: string;
}

/** Velero's ResourceIdentifier as Go encodes it: an embedded GroupResource, no JSON tags. */
export interface StoredResourceIdentifier {
  Group: string;
  Resource: string;
  Namespace: string;
  Name: string;
}

export interface OperationStatus {
  phase: OperationPhase;
  error?: string;
  nCompleted?: number;
  nTotal?: number;
  operationUnits?: string;
  description?: string;
  created?: string;
  started?: string;
  updated?: string;
}

export interface BackupOperation {
  spec: {
    backupName: string;
    backupUID: string;
    backupItemAction: string;
    ResourceIdentifier: StoredResourceIdentifier;
    OperationID: string;
    /** `null` when there are none, as Go writes an empty slice without omitempty. */
    PostOperationItems: StoredResourceIdentifier[] | null;
  };
  status: OperationStatus;
}

export interface RestoreOperation {
  spec: {
    restoreName: string;
    restoreUID: string;
    restoreItemAction: string;
    ResourceIdentifier: StoredResourceIdentifier;
    OperationID: string;
  };
  status: OperationStatus;
}

export function storedIdentifier(id: ResourceIdentifier): StoredResourceIdentifier {
  const dot = id.groupResource.indexOf(".");
  return {
    Group: dot < 0 ? "" : id.groupResource.slice(dot + 1),
    Resource: dot < 0 ? id.groupResource : id.groupResource.slice(0, dot),
    Namespace: id.namespace ?? "",
    Name: id.name,
  };
}

/** The status an operation moves to after a poll. */
export function polledStatus(
  before: OperationStatus,
  progress: OperationProgress,
  now: string,
): OperationStatus {
  const phase: OperationPhase = progress.error ? "Failed" : progress.completed ? "Completed" : "InProgress";
  return {
    ...before,
    phase,
    ...(progress.error ? { error: progress.error } : {}),
    ...(progress.nCompleted !== undefined ? { nCompleted: progress.nCompleted } : {}),
    ...(progress.nTotal !== undefined ? { nTotal: progress.nTotal } : {}),
    ...(progress.operationUnits ? { operationUnits: progress.operationUnits } : {}),
    ...(progress.description ? { description: progress.description } : {}),
    ...(progress.started ? { started: progress.started } : {}),
    updated: progress.updated ?? now,
  };
}

/** What the results say of an operation that did not complete. */
export function unfinishedMessage(
  op: {
    spec: { OperationID: string; ResourceIdentifier: StoredResourceIdentifier };
    status: OperationStatus;
  },
  action: string,
): string {
  const id = op.spec.ResourceIdentifier;
  const item = `${id.Resource}${id.Group ? `.${id.Group}` : ""} ${id.Namespace ? `${id.Namespace}/` : ""}${id.Name}`;
  return `operation ${op.spec.OperationID} of item action ${action} for ${item} ended ${op.status.phase}: ${op.status.error ?? "no reason given"}`;
}

/** Whether an operation has ended, one way or the other. */
export function operationEnded(status: OperationStatus): boolean {
  return status.phase === "Completed" || status.phase === "Failed" || status.phase === "Canceled";
}
