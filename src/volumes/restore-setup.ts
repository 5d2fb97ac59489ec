import type { VolumeSnapshot } from "../api/csi-snapshots.js";
import { SharedReads } from "../kube/shared-reads.js";
import type { Restore } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import { groupResource, type ApiResource } from "../kube/discovery.js";
import { listAll } from "../kube/list.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import type { Item } from "../items/item.js";
import type { BackupIndex } from "../restore/backup-index.js";
import type { RestoreScope } from "../restore/scope.js";
import type { ClaimVolumeState } from "./claim-volume-restore-actions.js";
import {
  backedUpSnapshot,
  seenSnapshots,
  VOLUME_SNAPSHOT_CLASSES,
  VOLUME_SNAPSHOTS,
  type BackedUpSnapshot,
  type CsiRestoreState,
} from "./csi-snapshot-restore-actions.js";
import { RestoreVolumeRecords } from "./restore-volume-records.js";
import type { PodVolumeBackup, VolumeSnapshotLocation } from "../api/v1/index.js";
import { VeleroClient } from "../kube/velero-client.js";
import type { NativeVolumeSnapshot } from "./native-snapshots.js";
import type { NativeRestoreState } from "./native-snapshot-restore-action.js";
import {
  fsRestoredClaims,
  podVolumeBackupsByPod,
  type PodVolumeRestoreState,
} from "./pod-volume-restore-actions.js";
import { DEFAULT_POD_VOLUME_TIMEOUT } from "./pod-volume-backup-actions.js";
import { parseDuration } from "../api/duration.js";
import { volumeSnapshotterFor, type VolumeSnapshotter } from "./snapshotters/volume-snapshotter.js";
import type { DataUpload } from "../api/v2alpha1/data-movement.js";
import { DATA_UPLOADS } from "./data-upload-backup.js";
import {
  movedSnapshotOf,
  type DataMoverRestoreState,
  type MovedSnapshot,
} from "./data-download-restore-actions.js";

/** The backup's VolumeSnapshots read from the spool at once. */
const SPOOL_READS = 16;

/** The backup's files of volume data: its native snapshots and its pod volume backups. */
export interface BackupVolumeFiles {
  volumeSnapshots: readonly NativeVolumeSnapshot[];
  podVolumeBackups: readonly PodVolumeBackup[];
}

/** What the volume actions of one restore need to know before its first item. */
export type VolumeRestoreState = ClaimVolumeState &
  CsiRestoreState &
  DataMoverRestoreState &
  NativeRestoreState &
  PodVolumeRestoreState;

/**
 * Reads it from the backup's index and files and the target cluster: the claims the restore
 * takes, the backup's Velero-made VolumeSnapshots and native snapshots (with their locations'
 * snapshotters), and the cluster's PersistentVolumes and VolumeSnapshotClasses (one LIST each,
 * only for a backup that holds such items).
 */
export async function volumeRestoreState(
  client: KubeClient,
  resources: ApiResource[],
  index: BackupIndex,
  scope: RestoreScope,
  restore: Restore,
  files: BackupVolumeFiles,
  podVolumeTimeoutMs = parseDuration(DEFAULT_POD_VOLUME_TIMEOUT),
): Promise<VolumeRestoreState> {
  const restoredClaims = new Set(
    [...index.claims]
      .filter(
        ([key, labels]) =>
          scope.includesNamespace(key.split("/")[0]!) &&
          scope.includesResource("persistentvolumeclaims") &&
          scope.matchesLabels(labels),
      )
      .map(([key]) => key),
  );
  const restorePVs = restore.spec.restorePVs !== false;
  const backedUp = restorePVs ? index.byResource.get(VOLUME_SNAPSHOTS) : undefined;
  const listed = async (gr: string, needed: boolean) => {
    const r = resources.find((x) => groupResource(x) === gr);
    return needed && r ? listAll<Item>(client, r) : [];
  };
  // Read while the backup's snapshots are.
  const clusterLists = Promise.all([
    listed(
      "persistentvolumes",
      index.byResource.has("persistentvolumes") || index.byResource.has("persistentvolumeclaims"),
    ),
    listed(VOLUME_SNAPSHOT_CLASSES, backedUp !== undefined),
  ]);
  clusterLists.catch(() => undefined); // awaited below
  const snapshots = new Map<string, BackedUpSnapshot>();
  const claimSnapshots = new Map<string, BackedUpSnapshot>();
  // Read at once: one after another, each read from the spool waits its turn on a busy machine.
  const bodies: (VolumeSnapshot | undefined)[] = [];
  await forEachConcurrently(Array.from({ length: backedUp?.length ?? 0 }).keys(), SPOOL_READS, async (i) => {
    const ns = backedUp!.namespaceAt(i);
    if (ns === undefined || !scope.includesNamespace(ns)) return;
    try {
      bodies[i] = JSON.parse((await backedUp!.read(i)).body.toString("utf8")) as VolumeSnapshot;
    } catch {
      // the plan reports it as failed
    }
  });
  for (let i = 0; i < bodies.length; i++) {
    const vs = bodies[i];
    const ns = vs && backedUp!.namespaceAt(i);
    if (!vs || ns === undefined) continue;
    const snapshot = backedUpSnapshot(vs);
    if (!snapshot) continue;
    const claim = snapshot.claim ? `${ns}/${snapshot.claim}` : undefined;
    const forClaim = claim !== undefined && restoredClaims.has(claim);
    const taken = scope.includesResource(VOLUME_SNAPSHOTS) && scope.matchesLabels(vs.metadata?.labels);
    if (!forClaim && !taken) continue;
    snapshots.set(`${ns}/${snapshot.name}`, snapshot);
    if (forClaim && !claimSnapshots.has(claim)) claimSnapshots.set(claim, snapshot);
  }

  const [clusterVolumes, clusterClasses] = await clusterLists;
  const availableClasses = new Set(clusterClasses.map((c) => c.metadata?.name ?? ""));
  const backupClasses = index.byResource.get(VOLUME_SNAPSHOT_CLASSES);
  for (let i = 0; backupClasses && i < backupClasses.length; i++) {
    if (scope.includesClusterItem(VOLUME_SNAPSHOT_CLASSES, true))
      availableClasses.add(await backupClasses.nameAt(i));
  }

  const nativeSnapshots = new Map(
    files.volumeSnapshots
      .filter((s) => restorePVs && s.status.phase === "Completed" && s.status.providerSnapshotID)
      .map((s) => [s.spec.persistentVolumeName, s]),
  );
  const snapshotters = new Map<string, VolumeSnapshotter | Error>();
  const velero = new VeleroClient(client, restore.metadata.namespace ?? "velero");
  for (const location of new Set([...nativeSnapshots.values()].map((s) => s.spec.location))) {
    const vsl = await velero.get<VolumeSnapshotLocation>("volumesnapshotlocations", location);
    try {
      if (!vsl)
        throw new Error(
          `volume snapshot location ${location} does not exist in this cluster: create it (velero-ts snapshot-location create ${location} --provider ...)`,
        );
      snapshotters.set(location, volumeSnapshotterFor(vsl));
    } catch (err) {
      snapshotters.set(location, err as Error);
    }
  }
  const newDiskVolumes = new Map(
    [...nativeSnapshots].map(([pv, s]) => [
      pv,
      `its data is restored from native snapshot ${s.status.providerSnapshotID}`,
    ]),
  );

  const dataRestoredClaims = new Map(
    [...claimSnapshots].map(([claim, s]) => [
      claim,
      `its data is restored from CSI snapshot ${s.namespace}/${s.name}`,
    ]),
  );
  const movedData = await movedSnapshots(index, restoredClaims, restorePVs);
  for (const [claim, moved] of movedData) {
    dataRestoredClaims.set(
      claim,
      `its data is restored from moved snapshot data (DataUpload ${moved.dataUpload})`,
    );
    // A snapshot the backup kept too (preserveLocalSnapshot) is restored as an item, not as the claim's data.
    claimSnapshots.delete(claim);
    for (const [key, s] of snapshots)
      if (s.claim && `${s.namespace}/${s.claim}` === claim) snapshots.set(key, { ...s, claim: undefined });
  }
  const podVolumeBackups = podVolumeBackupsByPod(
    files.podVolumeBackups.filter((b) => scope.includesNamespace(b.spec.pod.namespace ?? "")),
  );
  for (const [claim, how] of fsRestoredClaims(podVolumeBackups))
    if (restoredClaims.has(claim)) dataRestoredClaims.set(claim, how);
  return {
    restoredClaims,
    clusterVolumes,
    dataRestoredClaims,
    newDiskVolumes,
    nativeSnapshots,
    snapshotters,
    restoreUID: restore.metadata.uid ?? restore.metadata.name ?? "",
    restorePVs,
    snapshots,
    claimSnapshots,
    movedData,
    podVolumeBackups,
    podVolumeTimeoutMs,
    availableClasses,
    reads: new SharedReads(),
    seen: seenSnapshots(),
    volumes: new RestoreVolumeRecords(),
  };
}

/**
 * The moved snapshot data of the claims the restore takes, from the backup's completed DataUploads
 * (in the server's namespace, whatever the restore's namespace filters say: they are the claims' data).
 */
async function movedSnapshots(
  index: BackupIndex,
  restoredClaims: Set<string>,
  restorePVs: boolean,
): Promise<Map<string, MovedSnapshot>> {
  const moved = new Map<string, MovedSnapshot>();
  const uploads = index.byResource.get(DATA_UPLOADS);
  for (let i = 0; restorePVs && uploads && i < uploads.length; i++) {
    let du: DataUpload;
    try {
      du = JSON.parse((await uploads.read(i)).body.toString("utf8")) as DataUpload;
    } catch {
      continue; // the plan reports it as failed
    }
    const claim = `${du.spec?.sourceNamespace}/${du.spec?.sourcePVC}`;
    const snapshot = restoredClaims.has(claim) ? movedSnapshotOf(du) : undefined;
    if (snapshot) moved.set(claim, snapshot);
  }
  return moved;
}
