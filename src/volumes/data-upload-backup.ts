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
import { VeleroClient } from "../kube/velero-client.js";
import type { VolumeSnapshot } from "../api/csi-snapshots.js";
import type { CsiBackupContext } from "./csi-snapshot-backup-actions.js";
import { snapshotsPath } from "./csi-paths.js";

export const DATA_UPLOADS = "datauploads.velero.io";

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
 * Starts moving the data of the claim's snapshot, just made (not waited for: the exposer waits
 * until it is ready): the claim goes into the backup with the DataUpload's name, its volume with
 * it, and the DataUpload once its operation has ended.
 */
export async function moveSnapshotData(
  ctx: CsiBackupContext,
  claim: { pvc: V1PersistentVolumeClaim; pv: V1PersistentVolume; driver: string },
  takeSnapshot: () => Promise<VolumeSnapshot>,
): Promise<BackupItemActionOutput> {
  const { pvc, pv, driver } = claim;
  const namespace = pvc.metadata!.namespace!;
  if (!ctx.repositories)
    throw new Error("the server has no kopia to make the namespace's backup repository with");
  // The data goes into the repository of the claim's namespace, which the server makes.
  await ctx.repositories.ensure(ctx.backup.spec.storageLocation ?? "default", namespace);
  const snapshot = await takeSnapshot();
  const vsName = snapshot.metadata!.name!;
  const velero = new VeleroClient(ctx.client, ctx.backup.metadata.namespace!);
  let upload: DataUpload;
  try {
    upload = await velero.create<DataUpload>(
      "datauploads",
      dataUploadFor(ctx.backup, pvc, {
        name: vsName,
        className: snapshot.spec?.volumeSnapshotClassName ?? "",
        driver,
      }),
    );
  } catch (err) {
    await ctx.client.request("DELETE", `${snapshotsPath(namespace)}/${vsName}`).catch(() => undefined);
    throw err;
  }
  const operationId = upload.metadata.labels![ASYNC_OPERATION_ID_LABEL]!;
  ctx.volumes.dataUploads.push({
    pvcNamespace: namespace,
    pvcName: pvc.metadata!.name!,
    pvName: pv.metadata!.name!,
    driver,
    operationId,
    dataUpload: upload,
  });
  const labelled = structuredClone(pvc) as Item;
  labelled.metadata!.labels = { ...labelled.metadata?.labels, [VOLUME_SNAPSHOT_LABEL]: vsName };
  labelled.metadata!.annotations = {
    ...labelled.metadata?.annotations,
    [VOLUME_SNAPSHOT_LABEL]: vsName,
    [MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION]: "true",
    [DATA_UPLOAD_NAME_ANNOTATION]: `${upload.metadata.namespace}/${upload.metadata.name}`,
  };
  return {
    item: labelled,
    additionalItems: [{ groupResource: "persistentvolumes", name: pv.metadata!.name!, item: pv as Item }],
    operationId,
    postOperationItems: [
      { groupResource: DATA_UPLOADS, namespace: upload.metadata.namespace!, name: upload.metadata.name! },
    ],
  };
}

/** How a claim's DataUpload is going; one that failed takes the claim's snapshot with it, if the exposer left it. */
export async function dataUploadProgress(
  ctx: CsiBackupContext,
  operationId: string,
): Promise<OperationProgress> {
  const record = ctx.volumes.dataUploads.find((r) => r.operationId === operationId);
  if (!record) throw new Error(`no DataUpload of this backup has operation ID ${operationId}`);
  const velero = new VeleroClient(ctx.client, ctx.backup.metadata.namespace!);
  const du = await velero.get<DataUpload>("datauploads", record.dataUpload.metadata.name!);
  if (!du) throw new Error(`DataUpload ${record.dataUpload.metadata.name} no longer exists`);
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

/** Deletes the claim's VolumeSnapshot if it is still there (the exposer deletes it once it has taken the snapshot over). */
async function deleteClaimSnapshot(ctx: CsiBackupContext, namespace: string, du: DataUpload): Promise<void> {
  const name = du.spec.csiSnapshot?.volumeSnapshot;
  if (!name) return;
  await ctx.client.request("DELETE", `${snapshotsPath(namespace)}/${name}`).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}
