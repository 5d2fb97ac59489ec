/**
 * Native volume snapshots in a backup: the records of `<b>-volumesnapshots.json.gz` in Velero's
 * format (volume.Snapshot), and the VolumeSnapshotLocations a backup takes them with.
 */
import type { V1PersistentVolume } from "@kubernetes/client-node";
import type { VolumeSnapshotLocation } from "../api/v1/index.js";
import type { VeleroClient } from "../kube/velero-client.js";
import { volumeSnapshotterFor, type VolumeSnapshotter } from "./snapshotters/volume-snapshotter.js";

export interface NativeVolumeSnapshot {
  spec: {
    backupName: string;
    backupUID: string;
    location: string;
    persistentVolumeName: string;
    providerVolumeID: string;
    volumeType: string;
    volumeAZ?: string;
    volumeIOPS?: number;
  };
  status: { providerSnapshotID?: string; phase: "New" | "Completed" | "Failed" };
}

/** A VolumeSnapshotLocation with its provider's snapshotter. */
export interface NativeLocation {
  name: string;
  snapshotter: VolumeSnapshotter;
}

/** The first location whose provider handles this PV, with the PV's disk ID there. */
export function nativeLocationFor(
  locations: readonly NativeLocation[],
  pv: V1PersistentVolume,
): { location: NativeLocation; volumeID: string } | undefined {
  for (const location of locations) {
    const volumeID = location.snapshotter.getVolumeID(pv);
    if (volumeID) return { location, volumeID };
  }
  return undefined;
}

/** The PV's availability zone, from its node affinity's zone label, as Velero reads it. */
export function volumeAZ(pv: V1PersistentVolume): string {
  for (const term of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of term.matchExpressions ?? []) {
      if (e.key === "topology.kubernetes.io/zone" && e.values?.length) return e.values[0]!;
    }
  }
  return pv.metadata?.labels?.["topology.kubernetes.io/zone"] ?? "";
}

/**
 * The named locations, each with its snapshotter; every problem (a location that does not
 * exist, a provider velero-ts has no snapshotter for, a bad config) is a sentence in `errors`.
 */
export async function resolveSnapshotLocations(
  velero: VeleroClient,
  names: readonly string[],
): Promise<{ locations: NativeLocation[]; errors: string[] }> {
  const locations: NativeLocation[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const vsl = await velero.get<VolumeSnapshotLocation>("volumesnapshotlocations", name);
    if (!vsl) {
      errors.push(
        `a VolumeSnapshotLocation CRD with the name ${name} specified in the backup spec needs to be created before this snapshot can be executed (velero-ts snapshot-location create ${name} --provider ...)`,
      );
      continue;
    }
    try {
      locations.push({ name, snapshotter: volumeSnapshotterFor(vsl) });
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { locations, errors };
}

/**
 * What `backup delete` does to the backup's native snapshots: each completed one is deleted
 * through its location's provider. Returns an error for each that could not be (its location
 * gone, say), which keeps the backup so the deletion can be tried again.
 */
export async function deleteNativeSnapshots(
  velero: VeleroClient,
  snapshots: readonly NativeVolumeSnapshot[],
): Promise<string[]> {
  const errors: string[] = [];
  for (const { spec, status } of snapshots) {
    if (status.phase !== "Completed" || !status.providerSnapshotID) continue;
    try {
      const vsl = await velero.get<VolumeSnapshotLocation>("volumesnapshotlocations", spec.location);
      if (!vsl)
        throw new Error(
          `volume snapshot location ${spec.location} does not exist: create it again, or delete the snapshot with the provider's tools`,
        );
      await volumeSnapshotterFor(vsl).deleteSnapshot(status.providerSnapshotID);
    } catch (err) {
      errors.push(
        `error deleting native snapshot ${status.providerSnapshotID} of persistent volume ${spec.persistentVolumeName}: ${(err as Error).message}`,
      );
    }
  }
  return errors;
}
