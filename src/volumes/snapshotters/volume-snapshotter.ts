/**
 * Native volume snapshots (Velero's VolumeSnapshotter): what a VolumeSnapshotLocation's provider
 * does with the cloud's disks. One interface with Velero's methods; each provider is one file
 * registered in `PROVIDERS`, so an AWS EBS provider is a file, not a redesign.
 */
import type { V1PersistentVolume } from "@kubernetes/client-node";
import type { VolumeSnapshotLocation } from "../../api/v1/index.js";
import { localClusterSnapshotter } from "./local-cluster.js";

/** What the provider says of a disk, kept in the backup's snapshot record. */
export interface VolumeInfo {
  volumeType: string;
  /** Provisioned IOPS, where the disk type has them. */
  iops?: number;
}

export interface VolumeSnapshotter {
  /** The provider's disk ID of a PV, or undefined when the provider does not handle this PV. */
  getVolumeID(pv: V1PersistentVolume): string | undefined;
  /** The PV pointing at another disk of the provider (a disk made from a snapshot). */
  setVolumeID(pv: V1PersistentVolume, volumeID: string): V1PersistentVolume;
  getVolumeInfo(volumeID: string, volumeAZ: string): Promise<VolumeInfo>;
  /** Snapshots the disk; returns the snapshot's ID. */
  createSnapshot(volumeID: string, volumeAZ: string, tags: Record<string, string>): Promise<string>;
  /** A new disk holding the snapshot's data; returns its ID. */
  createVolumeFromSnapshot(
    snapshotID: string,
    volumeType: string,
    volumeAZ: string,
    iops?: number,
  ): Promise<string>;
  /** Deletes the snapshot; one already gone is no error. */
  deleteSnapshot(snapshotID: string): Promise<void>;
}

/** A provider: makes the snapshotter of a location from its config, or throws saying what to set. */
type Provider = (config: Record<string, string>) => VolumeSnapshotter;

const PROVIDERS: Record<string, Provider> = {
  "local-cluster": localClusterSnapshotter,
};

export const SNAPSHOT_PROVIDERS = Object.keys(PROVIDERS);

/** The snapshotter of a VolumeSnapshotLocation; an unknown provider or bad config throws, naming the location. */
export function volumeSnapshotterFor(location: VolumeSnapshotLocation): VolumeSnapshotter {
  const name = location.metadata.name;
  const provider = PROVIDERS[location.spec.provider];
  if (!provider) {
    throw new Error(
      `volume snapshot location ${name} has provider ${JSON.stringify(location.spec.provider)}, which velero-ts has no volume snapshotter for: use one of ${SNAPSHOT_PROVIDERS.join(", ")}`,
    );
  }
  try {
    return provider(location.spec.config ?? {});
  } catch (err) {
    throw new Error(`volume snapshot location ${name}: ${(err as Error).message}`, { cause: err });
  }
}
