/**
 * Native snapshots in a restore, as Velero restores them: a PV whose backup holds a completed
 * native snapshot is restored onto a new disk made from it by its location's provider, just
 * before the PV is created (never at planning, so a dry run makes nothing). The PV points at the
 * new disk, so the original's disk is never touched or shared; when a mapped restore finds the
 * PV's name taken, the claim-volume action has already renamed it (`velero-clone-<uuid>`).
 */
import type { Item } from "../items/item.js";
import { errorMessage } from "../kube/errors.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import type { NativeVolumeSnapshot } from "./native-snapshots.js";
import type { RestoreVolumeRecords } from "./restore-volume-records.js";
import type { VolumeSnapshotter } from "./snapshotters/volume-snapshotter.js";

export interface NativeRestoreState {
  /** Completed native snapshots of the backup the restore restores, by PV name. */
  nativeSnapshots: Map<string, NativeVolumeSnapshot>;
  /** The snapshotter of each location those snapshots name, or why there is none. */
  snapshotters: Map<string, VolumeSnapshotter | Error>;
  volumes: RestoreVolumeRecords;
}

export function nativeSnapshotRestoreAction(state: NativeRestoreState): RestoreItemAction {
  return {
    name: "velero.io/native-pv-restorer",
    appliesTo: ["persistentvolumes"],
    execute({ item, itemFromBackup }) {
      const snapshot = state.nativeSnapshots.get(itemFromBackup.metadata?.name ?? "");
      if (!snapshot) return undefined;
      const renamed = item.metadata?.name !== itemFromBackup.metadata?.name;
      return {
        createReason:
          `created on a new disk from native snapshot ${snapshot.status.providerSnapshotID} (volume snapshot location ${snapshot.spec.location})` +
          (renamed
            ? `; renamed from ${itemFromBackup.metadata?.name}: its claim's namespace is mapped and the name is taken`
            : ""),
        beforeCreate: { input: snapshot },
      };
    },
    async beforeCreate(item: Item, input: unknown): Promise<Item> {
      const { spec, status } = input as NativeVolumeSnapshot;
      const snapshotter = state.snapshotters.get(spec.location);
      if (!snapshotter || snapshotter instanceof Error)
        throw new Error(
          `cannot restore volume ${spec.persistentVolumeName} from native snapshot ${status.providerSnapshotID}: ${snapshotter?.message ?? `volume snapshot location ${spec.location} does not exist: create it (velero-ts snapshot-location create ${spec.location} --provider ...)`}`,
        );
      let volumeID: string;
      try {
        volumeID = await snapshotter.createVolumeFromSnapshot(
          status.providerSnapshotID!,
          spec.volumeType,
          spec.volumeAZ ?? "",
          spec.volumeIOPS,
        );
      } catch (err) {
        throw new Error(
          `could not make a disk from native snapshot ${status.providerSnapshotID} of volume ${spec.persistentVolumeName}: ${errorMessage(err)}; the volume is not restored and its claim stays Pending: restore the claim from another backup`,
          { cause: err },
        );
      }
      const pv = snapshotter.setVolumeID(item, volumeID);
      const claim = pv.spec?.claimRef;
      if (claim?.namespace && claim.name) {
        state.volumes.record({
          pvcName: claim.name,
          pvcNamespace: claim.namespace,
          restoreMethod: "NativeSnapshot",
          snapshotDataMoved: false,
          nativeSnapshotInfo: {
            snapshotHandle: status.providerSnapshotID!,
            volumeType: spec.volumeType,
            volumeAZ: spec.volumeAZ ?? "",
            iops: spec.volumeIOPS !== undefined ? String(spec.volumeIOPS) : "",
            Phase: status.phase,
          },
        });
      }
      return pv as Item;
    },
  };
}
