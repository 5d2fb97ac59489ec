import type { KubernetesObject } from "@kubernetes/client-node";

export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";
export const SNAPSHOT_VERSION = "v1";

/** The snapshot.storage.k8s.io/v1 objects the CSI snapshot driver works with (the fields it reads and writes). */
export interface VolumeSnapshot extends KubernetesObject {
  spec?: {
    source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string };
    volumeSnapshotClassName?: string;
  };
  status?: {
    boundVolumeSnapshotContentName?: string;
    creationTime?: string;
    readyToUse?: boolean;
    restoreSize?: string;
    error?: { message?: string; time?: string };
  };
}

export interface VolumeSnapshotContent extends KubernetesObject {
  spec?: {
    deletionPolicy?: "Delete" | "Retain";
    driver?: string;
    source?: { volumeHandle?: string; snapshotHandle?: string };
    volumeSnapshotClassName?: string;
    volumeSnapshotRef?: {
      apiVersion?: string;
      kind?: string;
      name?: string;
      namespace?: string;
      uid?: string;
    };
  };
  status?: {
    snapshotHandle?: string;
    creationTime?: number;
    readyToUse?: boolean;
    restoreSize?: number;
    error?: { message?: string; time?: string };
  };
}

export interface VolumeSnapshotClass extends KubernetesObject {
  driver: string;
  deletionPolicy: "Delete" | "Retain";
  parameters?: Record<string, string>;
}
