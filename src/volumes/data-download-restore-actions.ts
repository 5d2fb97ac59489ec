/**
 * Moved snapshot data in a restore (a backup made with `snapshotMoveData`), as Velero's CSI claim
 * action restores it: the claim is created Pending, held back from provisioning by Velero's
 * `velero.io/dynamic-pv-restore` selector, and a DataDownload asks a node agent to fill a new
 * volume from the kopia snapshot in the backup repository; the agent then binds that volume to the
 * claim. The backup's DataUploads say where each claim's data is; they are read, never created.
 * The claim's operation is its DataDownload, so the restore waits for it, and one that fails
 * leaves the claim Pending (never bound to a half-filled volume), as its error says.
 */
import { randomBytes } from "node:crypto";
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { ASYNC_OPERATION_ID_LABEL, DYNAMIC_PV_RESTORE_LABEL } from "../api/labels.js";
import type { Restore } from "../api/v1/index.js";
import {
  VELERO_V2ALPHA1_API_VERSION,
  type DataDownload,
  type DataUpload,
} from "../api/v2alpha1/data-movement.js";
import { labelValue } from "../filters/label-value.js";
import type { OperationProgress } from "../items/item-operation.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import type { KubeClient } from "../kube/client.js";
import { isNotFound } from "../kube/errors.js";
import { VeleroClient } from "../kube/velero-client.js";
import { DATA_UPLOADS } from "./data-upload-backup.js";
import type { RestoreVolumeRecords } from "./restore-volume-records.js";
import { restoreOwnedMetadata, restoreOwnedWatch } from "./restore-owned.js";
import type { SnapshotDataMovementInfo } from "../backup/volume-info.js";

/** Where the data of a claim's snapshot was moved to, as its DataUpload in the backup says. */
export interface MovedSnapshot {
  dataUpload: string;
  snapshotID: string;
  backupStorageLocation: string;
  /** The namespace whose repository holds it: the claim's namespace at backup time. */
  sourceNamespace: string;
  sizeBytes: number;
  datamover: string;
  /** How long the data mover's steps may wait (the backup's csiSnapshotTimeout). */
  operationTimeout: string;
}

export interface DataMoverRestoreState {
  restoreUID: string;
  restorePVs: boolean;
  /** Claims (`ns/name` in the backup) whose snapshot's data was moved and completed. */
  movedData: Map<string, MovedSnapshot>;
  volumes: RestoreVolumeRecords;
}

/** A DataUpload of the backup that completed, as the restore needs it; undefined for one that did not. */
export function movedSnapshotOf(du: DataUpload): MovedSnapshot | undefined {
  if (du.status?.phase !== "Completed" || !du.status.snapshotID) return undefined;
  return {
    dataUpload: `${du.metadata.namespace}/${du.metadata.name}`,
    snapshotID: du.status.snapshotID,
    backupStorageLocation: du.spec.backupStorageLocation,
    sourceNamespace: du.spec.sourceNamespace,
    sizeBytes: du.status.progress?.totalBytes ?? 0,
    datamover: du.spec.datamover ?? "",
    operationTimeout: du.spec.operationTimeout,
  };
}

/** Velero's operation ID of a claim's DataDownload: `dd-<restore uid>.<claim uid>`, as a valid label value. */
export function dataDownloadOperationId(restoreUid: string, pvcUid: string): string {
  return labelValue(`dd-${restoreUid}.${pvcUid}`);
}

interface DownloadInput {
  moved: MovedSnapshot;
}

export function dataDownloadRestoreActions(state: DataMoverRestoreState): RestoreItemAction[] {
  /** The volume info of each DataDownload, whose phase follows it. */
  const infos = new Map<string, SnapshotDataMovementInfo>();
  const uploadAction: RestoreItemAction = {
    name: "velero.io/dataupload-retrieve",
    appliesTo: [DATA_UPLOADS],
    execute: ({ itemFromBackup }) => {
      const du = itemFromBackup as unknown as DataUpload;
      return {
        skip: `it says where the moved data of claim ${du.spec.sourceNamespace}/${du.spec.sourcePVC} is: a DataDownload restores it`,
      };
    },
  };

  const claimAction: RestoreItemAction = {
    name: "velero.io/data-download-pvc-restorer",
    appliesTo: ["persistentvolumeclaims"],
    execute({ item, itemFromBackup, inCluster }) {
      if (inCluster || !state.restorePVs) return undefined;
      const moved = state.movedData.get(
        `${itemFromBackup.metadata?.namespace}/${itemFromBackup.metadata?.name}`,
      );
      if (!moved) return undefined;
      const pvc = item as V1PersistentVolumeClaim;
      const ns = pvc.metadata!.namespace!;
      const name = pvc.metadata!.name!;
      pvc.spec = { ...pvc.spec };
      delete pvc.spec.volumeName;
      delete pvc.spec.dataSource;
      delete pvc.spec.dataSourceRef;
      // Velero's hold on provisioning: no volume carries the label until the DataDownload's does.
      pvc.spec.selector = {
        matchLabels: {
          [DYNAMIC_PV_RESTORE_LABEL]: labelValue(
            `${ns}.${name}.${randomBytes(3).toString("hex").slice(0, 5)}`,
          ),
        },
      };
      const input: DownloadInput = { moved };
      return {
        createReason: `created Pending; a DataDownload fills a new volume from the moved snapshot data (kopia snapshot ${moved.snapshotID}, DataUpload ${moved.dataUpload}) and binds it to the claim`,
        operation: { input },
      };
    },
    async startOperation(client, created, input, restore) {
      const { moved } = input as DownloadInput;
      const pvc = created as V1PersistentVolumeClaim;
      const velero = new VeleroClient(client, restore.metadata.namespace!);
      const operationId = dataDownloadOperationId(state.restoreUID, pvc.metadata!.uid!);
      await velero.create<DataDownload>("datadownloads", dataDownloadFor(restore, pvc, moved, operationId));
      const info = {
        dataMover: moved.datamover || "velero",
        uploaderType: "kopia",
        snapshotHandle: moved.snapshotID,
        operationID: operationId,
        size: moved.sizeBytes,
        Phase: "New",
      };
      infos.set(operationId, info);
      state.volumes.record({
        pvcName: pvc.metadata!.name!,
        pvcNamespace: pvc.metadata!.namespace!,
        restoreMethod: "CSISnapshot",
        snapshotDataMoved: true,
        snapshotDataMovementInfo: info,
      });
      return operationId;
    },
    async progress(operationId, restore, client) {
      const dd = await downloadOf(client, restore, operationId);
      if (!dd) throw new Error(`no DataDownload has operation ID ${operationId}`);
      const info = infos.get(operationId);
      if (info) info.Phase = dd.status?.phase ?? "New";
      return downloadProgress(dd);
    },
    operationWatches: (_, restore) => [
      { ...restoreOwnedWatch(restore, "datadownloads"), keyLabel: ASYNC_OPERATION_ID_LABEL },
    ],
    async cancel(operationId, restore, client) {
      const dd = await downloadOf(client, restore, operationId);
      if (!dd) return undefined;
      await new VeleroClient(client, restore.metadata.namespace!)
        .patch("datadownloads", dd.metadata.name!, { spec: { cancel: true } })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      return `DataDownload ${dd.metadata.name} was canceled: the node agent stops it and deletes its temporary volume; claim ${dd.spec.targetVolume.namespace}/${dd.spec.targetVolume.pvc} stays Pending`;
    },
  };

  return [uploadAction, claimAction];
}

function dataDownloadFor(
  restore: Restore,
  pvc: V1PersistentVolumeClaim,
  moved: MovedSnapshot,
  operationId: string,
): DataDownload {
  return {
    apiVersion: VELERO_V2ALPHA1_API_VERSION,
    kind: "DataDownload",
    metadata: restoreOwnedMetadata(restore, { [ASYNC_OPERATION_ID_LABEL]: operationId }),
    spec: {
      targetVolume: { pvc: pvc.metadata!.name!, pv: "", namespace: pvc.metadata!.namespace! },
      backupStorageLocation: moved.backupStorageLocation,
      datamover: moved.datamover,
      snapshotID: moved.snapshotID,
      sourceNamespace: moved.sourceNamespace,
      operationTimeout: moved.operationTimeout,
      nodeOS: "linux",
      snapshotSize: moved.sizeBytes,
    },
  };
}

async function downloadOf(
  client: KubeClient,
  restore: Restore,
  operationId: string,
): Promise<DataDownload | undefined> {
  const velero = new VeleroClient(client, restore.metadata.namespace!);
  const [dd] = await velero.list<DataDownload>("datadownloads", `${ASYNC_OPERATION_ID_LABEL}=${operationId}`);
  return dd;
}

function downloadProgress(dd: DataDownload): OperationProgress {
  const phase = dd.status?.phase ?? "New";
  const bytes = {
    ...(dd.status?.progress?.bytesDone !== undefined ? { nCompleted: dd.status.progress.bytesDone } : {}),
    ...(dd.status?.progress?.totalBytes !== undefined ? { nTotal: dd.status.progress.totalBytes } : {}),
    operationUnits: "Bytes",
    description: phase,
    ...(dd.status?.startTimestamp ? { started: dd.status.startTimestamp } : {}),
  };
  const claim = `${dd.spec.targetVolume.namespace}/${dd.spec.targetVolume.pvc}`;
  if (phase === "Completed") return { ...bytes, completed: true };
  if (phase === "Failed" || phase === "Canceled")
    return {
      ...bytes,
      completed: true,
      error: `DataDownload ${dd.metadata.name} of claim ${claim} ended ${phase}: ${dd.status?.message ?? "no reason given"}; the claim stays Pending, bound to no volume: restore it again once the cause is fixed`,
    };
  return { ...bytes, completed: false };
}
