import type { SecretKeySelector, VeleroObject } from "./meta.js";

/** velero.io/v1 VolumeSnapshotLocation: where native volume snapshots are taken. */
export interface VolumeSnapshotLocationSpec {
  provider: string;
  config?: Record<string, string>;
  credential?: SecretKeySelector;
}

export interface VolumeSnapshotLocationStatus {
  phase?: "Available" | "Unavailable";
}

export type VolumeSnapshotLocation = VeleroObject<
  "VolumeSnapshotLocation",
  VolumeSnapshotLocationSpec,
  VolumeSnapshotLocationStatus
>;
