/**
 * Native snapshots in a backup, as Velero takes them: a PV that a VolumeSnapshotLocation named
 * on the backup (`--volume-snapshot-locations`) handles is snapshotted through that location's
 * provider, and the snapshot recorded in `<b>-volumesnapshots.json.gz`. Our choice where Velero
 * needs its CSI feature turned off: naming a location on the backup takes the volumes its
 * provider handles natively, and CSI snapshots the rest. A snapshot that fails is an error of
 * that volume alone.
 */
import type { V1PersistentVolume } from "@kubernetes/client-node";
import type { Backup } from "../api/v1/index.js";
import type { BackupItemAction } from "../items/backup-item-action.js";
import { errorMessage } from "../kube/errors.js";
import type { BackupVolumeRecords } from "./backup-volume-records.js";
import type { FsBackupClaims } from "./pod-volume-backup-actions.js";
import { nativeLocationFor, volumeAZ, type NativeLocation } from "./native-snapshots.js";

export interface NativeBackupContext {
  backup: Backup;
  volumes: BackupVolumeRecords;
  /** The backup's VolumeSnapshotLocations, resolved. */
  snapshotLocations: readonly NativeLocation[];
  /** The claims file-system backup takes: their volumes are not snapshotted. */
  fsBackupClaims: FsBackupClaims;
}

export function nativeSnapshotBackupAction(ctx: NativeBackupContext): BackupItemAction {
  return {
    name: "velero.io/native-pv-snapshotter",
    appliesTo: ["persistentvolumes"],
    async execute({ item }) {
      const pv = item as V1PersistentVolume;
      const pvName = pv.metadata!.name!;
      const found = nativeLocationFor(ctx.snapshotLocations, pv);
      if (!found || ctx.backup.spec.snapshotVolumes === false) return undefined;
      const claim = pv.spec?.claimRef;
      if (claim?.namespace && claim.name && (await ctx.fsBackupClaims.takes(claim.namespace, claim.name)))
        return undefined;
      const { location, volumeID } = found;
      const az = volumeAZ(pv);
      const startTimestamp = new Date().toISOString();
      const spec = {
        backupName: ctx.backup.metadata.name!,
        backupUID: ctx.backup.metadata.uid ?? "",
        location: location.name,
        persistentVolumeName: pvName,
        providerVolumeID: volumeID,
        volumeType: "",
        ...(az ? { volumeAZ: az } : {}),
      };
      try {
        const info = await location.snapshotter.getVolumeInfo(volumeID, az);
        spec.volumeType = info.volumeType;
        const snapshotID = await location.snapshotter.createSnapshot(volumeID, az, {
          "velero.io/backup": ctx.backup.metadata.name!,
          "velero.io/pv": pvName,
        });
        ctx.volumes.nativeSnapshots.push({
          snapshot: {
            spec: { ...spec, ...(info.iops !== undefined ? { volumeIOPS: info.iops } : {}) },
            status: { providerSnapshotID: snapshotID, phase: "Completed" },
          },
          startTimestamp,
          completionTimestamp: new Date().toISOString(),
        });
        return undefined;
      } catch (err) {
        const why = errorMessage(err);
        ctx.volumes.nativeSnapshots.push({ snapshot: { spec, status: { phase: "Failed" } }, startTimestamp });
        ctx.volumes.skip(
          pvName,
          `native snapshot with volume snapshot location ${location.name} failed: ${why}`,
        );
        return {
          errors: [
            `error taking a native snapshot of persistent volume ${pvName} with volume snapshot location ${location.name}: ${why}`,
          ],
        };
      }
    },
  };
}
