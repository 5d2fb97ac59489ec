/**
 * The data mover in a backup (`snapshotMoveData`), as Velero's CSI claim action starts it. The
 * claim's VolumeSnapshot is taken as for any CSI backup, but the backup does not keep it: it asks
 * for the snapshot's data to be moved, with a DataUpload that a node agent exposes and uploads
 * with kopia into the backup repository of the claim's namespace. The DataUpload is the claim's
 * item operation; once it has ended the backup holds it (a post-operation item), which is where a
 * restore finds the repository snapshot. A DataUpload that fails or runs out of time leaves no
 * VolumeSnapshot of the claim behind.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import {
  ASYNC_OPERATION_ID_LABEL,
  BACKUP_NAME_LABEL,
  BACKUP_UID_LABEL,
  DATA_UPLOAD_NAME_ANNOTATION,
  MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION,
  PVC_UID_LABEL,
  VOLUME_SNAPSHOT_LABEL,
} from "../api/labels.js";
import { controllerReference, type Backup } from "../api/v1/index.js";
import { VELERO_V2ALPHA1_API_VERSION, type DataUpload } from "../api/v2alpha1/data-movement.js";
import { labelValue } from "../filters/label-value.js";
import type { BackupItemActionOutput } from "../items/backup-item-action.js";
import type { OperationProgress } from "../items/item-operation.js";
import type { Item } from "../items/item.js";
import { isNotFound } from "../kube/errors.js";
import type { WatchedCollection } from "../kube/change-watch.js";
import type { WatchedObjects } from "../kube/watched-objects.js";
import { VeleroClient, veleroPath } from "../kube/velero-client.js";
import type { VolumeSnapshot } from "../api/csi-snapshots.js";
import type { CsiSnapshotRecord } from "./backup-volume-records.js";
import type { CsiBackupContext } from "./csi-snapshot-backup-actions.js";
import { snapshotsPath } from "./csi-paths.js";

export const DATA_UPLOADS = "datauploads.velero.io";
/**
 * In a DataUpload's dataMoverConfig (velero-ts, preserveLocalSnapshot): the kept snapshot's
 * content, which the exposer clones from and never deletes.
 */
export const PRESERVED_CONTENT_CONFIG = "velero-ts.io/preserved-volume-snapshot-content";

/** Velero's operation ID of a claim's DataUpload: `du-<backup uid>.<claim uid>`, as a valid label value. */
export function dataUploadOperationId(backupUid: string, pvcUid: string): string {
  return labelValue(`du-${backupUid}.${pvcUid}`);
}

/** The DataUpload Velero makes for a claim's snapshot (spec and labels as Velero's CSI action writes them). */
export function dataUploadFor(
  backup: Backup,
  pvc: V1PersistentVolumeClaim,
  snapshot: { name: string; className: string; driver: string },
): DataUpload {
  return {
    apiVersion: VELERO_V2ALPHA1_API_VERSION,
    kind: "DataUpload",
    metadata: {
      generateName: `${backup.metadata.name}-`,
      namespace: backup.metadata.namespace!,
      labels: {
        [BACKUP_NAME_LABEL]: labelValue(backup.metadata.name!),
        [BACKUP_UID_LABEL]: backup.metadata.uid ?? "",
        [PVC_UID_LABEL]: pvc.metadata?.uid ?? "",
        [ASYNC_OPERATION_ID_LABEL]: dataUploadOperationId(backup.metadata.uid ?? "", pvc.metadata?.uid ?? ""),
      },
      ownerReferences: [controllerReference(backup)],
    },
    spec: {
      snapshotType: "CSI",
      csiSnapshot: {
        volumeSnapshot: snapshot.name,
        storageClass: pvc.spec?.storageClassName ?? "",
        snapshotClass: snapshot.className,
        driver: snapshot.driver,
      },
      sourcePVC: pvc.metadata!.name!,
      datamover: backup.spec.datamover ?? "",
      backupStorageLocation: backup.spec.storageLocation ?? "default",
      sourceNamespace: pvc.metadata!.namespace!,
      operationTimeout: backup.spec.csiSnapshotTimeout ?? "10m0s",
    },
  };
}

/**
 * Starts moving the data of the claim's snapshot once the storage has cut it (not once it is
 * ready to use: the exposer waits for that): the claim goes into the backup with the DataUpload's
 * name, its volume with it, and the DataUpload once its operation has ended.
 */
export async function moveSnapshotData(
  ctx: CsiBackupContext,
  claim: { pvc: V1PersistentVolumeClaim; pv: V1PersistentVolume; driver: string },
  takeSnapshot: () => Promise<VolumeSnapshot | { error: string }>,
): Promise<BackupItemActionOutput> {
  const { pvc, pv, driver } = claim;
  const namespace = pvc.metadata!.namespace!;
  await ensureRepository(ctx, namespace);
  const snapshot = await takeSnapshot();
  if ("error" in snapshot) return { errors: [snapshot.error] };
  const vsName = snapshot.metadata!.name!;
  let started: { upload: DataUpload; operationId: string };
  try {
    started = await startDataUpload(ctx, { pvc, pvName: pv.metadata!.name!, driver }, snapshot);
  } catch (err) {
    await ctx.client.request("DELETE", `${snapshotsPath(namespace)}/${vsName}`).catch(() => undefined);
    throw err;
  }
  const labelled = structuredClone(pvc) as Item;
  labelled.metadata!.labels = { ...labelled.metadata?.labels, [VOLUME_SNAPSHOT_LABEL]: vsName };
  labelled.metadata!.annotations = { ...labelled.metadata?.annotations, [VOLUME_SNAPSHOT_LABEL]: vsName };
  return withDataUpload(
    {
      item: labelled,
      additionalItems: [{ groupResource: "persistentvolumes", name: pv.metadata!.name!, item: pv as Item }],
    },
    started,
  );
}

/**
 * preserveLocalSnapshot: the claim's snapshot is taken, waited for and kept as a plain CSI backup
 * keeps it (`kept`, the CSI action's output), and its data moved as well. The exposer clones it
 * from its content (the snapshot itself is let go of at once) and leaves the storage's snapshot.
 */
export async function moveKeptSnapshotData(
  ctx: CsiBackupContext,
  record: CsiSnapshotRecord,
  kept: BackupItemActionOutput,
): Promise<BackupItemActionOutput> {
  await ensureRepository(ctx, record.pvcNamespace);
  const pvc = kept.item as V1PersistentVolumeClaim;
  const started = await startDataUpload(
    ctx,
    { pvc, pvName: record.pvName, driver: record.driver },
    record.snapshot,
    {
      [PRESERVED_CONTENT_CONFIG]: record.content?.metadata?.name ?? "",
    },
  );
  return withDataUpload(kept, started);
}

/** The data goes into the repository of the claim's namespace, which the server makes. */
async function ensureRepository(ctx: CsiBackupContext, namespace: string): Promise<void> {
  if (!ctx.repositories)
    throw new Error("the server has no kopia to make the namespace's backup repository with");
  await ctx.repositories.ensure(ctx.backup.spec.storageLocation ?? "default", namespace);
}

async function startDataUpload(
  ctx: CsiBackupContext,
  claim: { pvc: V1PersistentVolumeClaim; pvName: string; driver: string },
  snapshot: VolumeSnapshot,
  dataMoverConfig?: Record<string, string>,
): Promise<{ upload: DataUpload; operationId: string }> {
  const { pvc, pvName, driver } = claim;
  const velero = new VeleroClient(ctx.client, ctx.backup.metadata.namespace!);
  const body = dataUploadFor(ctx.backup, pvc, {
    name: snapshot.metadata!.name!,
    className: snapshot.spec?.volumeSnapshotClassName ?? "",
    driver,
  });
  if (dataMoverConfig) body.spec.dataMoverConfig = dataMoverConfig;
  const upload = await velero.create<DataUpload>("datauploads", body);
  const operationId = upload.metadata.labels![ASYNC_OPERATION_ID_LABEL]!;
  ctx.volumes.dataUploads.push({
    pvcNamespace: pvc.metadata!.namespace!,
    pvcName: pvc.metadata!.name!,
    pvName,
    driver,
    operationId,
    dataUpload: upload,
  });
  return { upload, operationId };
}

/** The claim action's output once the claim's data is being moved: the claim names its DataUpload, which the backup takes when it ends. */
function withDataUpload(
  output: BackupItemActionOutput,
  { upload, operationId }: { upload: DataUpload; operationId: string },
): BackupItemActionOutput {
  const item = output.item!;
  item.metadata!.annotations = {
    ...item.metadata?.annotations,
    [MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION]: "true",
    [DATA_UPLOAD_NAME_ANNOTATION]: `${upload.metadata.namespace}/${upload.metadata.name}`,
  };
  return {
    ...output,
    operationId,
    postOperationItems: [
      { groupResource: DATA_UPLOADS, namespace: upload.metadata.namespace!, name: upload.metadata.name! },
    ],
  };
}

/**
 * The backup's DataUploads, for its operations to watch: a change asks after its own operation
 * alone, and the DataUploads the watch brings are kept in `seen`.
 */
export function dataUploadsWatch(backup: Backup, seen: WatchedObjects<DataUpload>): WatchedCollection {
  return {
    path: veleroPath(backup.metadata.namespace!, "datauploads"),
    labelSelector: `${BACKUP_NAME_LABEL}=${labelValue(backup.metadata.name!)}`,
    keyLabel: ASYNC_OPERATION_ID_LABEL,
    seen,
  };
}

/** How a claim's DataUpload is going; one that failed takes the claim's snapshot with it, if the exposer left it. */
export async function dataUploadProgress(
  ctx: CsiBackupContext,
  operationId: string,
  seen: WatchedObjects<DataUpload>,
): Promise<OperationProgress> {
  const record = ctx.volumes.dataUploads.find((r) => r.operationId === operationId);
  if (!record) throw new Error(`no DataUpload of this backup has operation ID ${operationId}`);
  const name = record.dataUpload.metadata.name!;
  const du =
    seen.get(name) ??
    (await new VeleroClient(ctx.client, ctx.backup.metadata.namespace!).get<DataUpload>("datauploads", name));
  if (!du) throw new Error(`DataUpload ${name} no longer exists`);
  record.dataUpload = du;
  const phase = du.status?.phase ?? "New";
  const bytes = {
    ...(du.status?.progress?.bytesDone !== undefined ? { nCompleted: du.status.progress.bytesDone } : {}),
    ...(du.status?.progress?.totalBytes !== undefined ? { nTotal: du.status.progress.totalBytes } : {}),
    operationUnits: "Bytes",
    description: phase,
    ...(du.status?.startTimestamp ? { started: du.status.startTimestamp } : {}),
  };
  if (phase === "Completed") return { ...bytes, completed: true };
  if (phase === "Failed" || phase === "Canceled") {
    await deleteClaimSnapshot(ctx, record.pvcNamespace, du);
    return {
      ...bytes,
      completed: true,
      error: `DataUpload ${du.metadata.name} of claim ${record.pvcNamespace}/${record.pvcName} ended ${phase}: ${du.status?.message ?? "no reason given"}`,
    };
  }
  return { ...bytes, completed: false };
}

/** The item operation ran out of time: the DataUpload is canceled, and its node agent cleans up. */
export async function cancelDataUpload(
  ctx: CsiBackupContext,
  operationId: string,
): Promise<string | undefined> {
  const record = ctx.volumes.dataUploads.find((r) => r.operationId === operationId);
  if (!record) return undefined;
  const velero = new VeleroClient(ctx.client, ctx.backup.metadata.namespace!);
  const name = record.dataUpload.metadata.name!;
  const last = (await velero.get<DataUpload>("datauploads", name)) ?? record.dataUpload;
  await velero.patch("datauploads", name, { spec: { cancel: true } }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  await deleteClaimSnapshot(ctx, record.pvcNamespace, record.dataUpload);
  const phase = last.status?.phase ?? "New";
  const state =
    phase === "New"
      ? "New: no node agent accepted it (is one running? velero-ts node-agent, or install --use-node-agent)"
      : `${phase}${last.status?.message ? `, ${last.status.message}` : ""}`;
  return `DataUpload ${name} of claim ${record.pvcNamespace}/${record.pvcName} was still ${state}; it was canceled: the node agent stops it and deletes what it made to expose the snapshot`;
}

/**
 * Deletes the claim's VolumeSnapshot if it is still there (the exposer deletes it once it has
 * taken the snapshot over); a kept one (preserveLocalSnapshot) is the backup's, and stays.
 */
async function deleteClaimSnapshot(ctx: CsiBackupContext, namespace: string, du: DataUpload): Promise<void> {
  const name = du.spec.csiSnapshot?.volumeSnapshot;
  if (!name || du.spec.dataMoverConfig?.[PRESERVED_CONTENT_CONFIG]) return;
  await ctx.client.request("DELETE", `${snapshotsPath(namespace)}/${name}`).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}
