import type { V1LabelSelector, V1ObjectMeta, V1OwnerReference } from "@kubernetes/client-node";

export const VELERO_GROUP = "velero.io";
export const VELERO_V1 = "v1";
export const VELERO_API_VERSION = `${VELERO_GROUP}/${VELERO_V1}`;

export type ObjectMeta = V1ObjectMeta;
export type LabelSelector = V1LabelSelector;

/** The shape every velero.io custom resource shares. */
export interface VeleroObject<Kind extends string, Spec, Status> {
  apiVersion: typeof VELERO_API_VERSION;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/**
 * The owner reference Velero puts on what one of its objects makes (a Backup's PodVolumeBackups,
 * a DataUpload's exposer pod), so it goes when its owner does.
 */
export function controllerReference(owner: {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; uid?: string };
}): V1OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
  };
}

/** A reference to one key of a Secret in the object's namespace. */
export interface SecretKeySelector {
  name: string;
  key: string;
  optional?: boolean;
}

/** The phases Velero's Backups and Restores share (a Backup adds "Deleting"). */
export const OPERATION_PHASES = [
  "New",
  "FailedValidation",
  "InProgress",
  "WaitingForPluginOperations",
  "WaitingForPluginOperationsPartiallyFailed",
  "Finalizing",
  "FinalizingPartiallyFailed",
  "Completed",
  "PartiallyFailed",
  "Failed",
] as const;

/** The time now in RFC 3339 with whole seconds, as Kubernetes writes a metav1.Time. */
export function metaTimeNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
