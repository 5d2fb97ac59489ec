/**
 * The `local-cluster` provider: native snapshots of the simulated cloud's disks (the block
 * storage behind local-cluster's CSI driver), taken and restored through its block storage API
 * as a cloud provider's snapshotter uses the cloud's. Config: `clusterDir`, the directory the
 * cluster was started with (`local-cluster up --dir`).
 */
import path from "node:path";
import type { V1PersistentVolume } from "@kubernetes/client-node";
import { BlockStorage } from "../../local-cluster/block-storage.js";
import { ClusterLayout } from "../../local-cluster/layout.js";
import { CSI_DRIVER } from "../../local-cluster/simulator/names.js";
import type { VolumeSnapshotter } from "./volume-snapshotter.js";

const VOLUME_TYPE = "local-disk";

export function localClusterSnapshotter(config: Record<string, string>): VolumeSnapshotter {
  const dir = config["clusterDir"];
  if (!dir || !path.isAbsolute(dir))
    throw new Error(
      "provider local-cluster needs config clusterDir, the absolute directory of `local-cluster up --dir`: set --config clusterDir=/path",
    );
  const storage = new BlockStorage(new ClusterLayout(dir).blockStorageDir);
  const requireSnapshot = async (id: string) => {
    const snapshot = await storage.getSnapshot(id);
    if (!snapshot) throw new Error(`snapshot ${id} does not exist in the block storage of ${dir}`);
    return snapshot;
  };
  return {
    getVolumeID: (pv) => (pv.spec?.csi?.driver === CSI_DRIVER ? pv.spec.csi.volumeHandle : undefined),
    setVolumeID(pv: V1PersistentVolume, volumeID: string) {
      return { ...pv, spec: { ...pv.spec, csi: { ...pv.spec!.csi!, volumeHandle: volumeID } } };
    },
    async getVolumeInfo(volumeID) {
      if (!(await storage.volumeExists(volumeID)))
        throw new Error(`volume ${volumeID} does not exist in the block storage of ${dir}`);
      return { volumeType: VOLUME_TYPE };
    },
    async createSnapshot(volumeID) {
      return (await storage.createSnapshot(volumeID)).id;
    },
    async createVolumeFromSnapshot(snapshotID) {
      const snapshot = await requireSnapshot(snapshotID);
      return storage.createVolumeFromSnapshot(snapshotID, snapshot.sizeBytes);
    },
    deleteSnapshot: (snapshotID) => storage.deleteSnapshot(snapshotID),
  };
}
