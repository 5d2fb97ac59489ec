/**
 * The asynchronous operations of item actions, as Velero stores them in `<b>-itemoperations.json.gz`
 * and `restore-<r>-itemoperations.json.gz`. Field names are Velero's; its resource identifiers have
 * no JSON tags, so their fields are capitalised.
 */
export interface ResourceIdentifier {
  Group: string;
  Resource: string;
  Namespace: string;
  Name: string;
}

export type OperationPhase = "New" | "InProgress" | "Completed" | "Failed";

export interface OperationStatus {
  phase?: OperationPhase;
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
    resourceIdentifier: ResourceIdentifier;
    operationID: string;
    postOperationItems: ResourceIdentifier[] | null;
  };
  status: OperationStatus;
}

export interface RestoreOperation {
  spec: {
    restoreName: string;
    restoreUID: string;
    restoreItemAction: string;
    resourceIdentifier: ResourceIdentifier;
    operationID: string;
  };
  status: OperationStatus;
}
