import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { DATA_MOVEMENT_PHASES, NODE_OS, VELERO_V2ALPHA1 } from "../v2alpha1/data-movement.js";
import { veleroCrd } from "./crd.js";
import { dataTransferColumns } from "./pod-volume.js";
import { boolean, duration, integer, object, oneOf, string, stringMap, timestamp } from "./schema.js";

const phase = oneOf(DATA_MOVEMENT_PHASES, "Where the data movement is.");
const progress = object("Bytes of the volume and bytes done so far.", {
  totalBytes: integer("Bytes of the volume."),
  bytesDone: integer("Bytes done so far."),
});
const shared = {
  datamover: string('The data mover: "" or "velero" for the built-in one.'),
  backupStorageLocation: string("The storage location holding the backup repository."),
  sourceNamespace: string("The namespace the volume was backed up from."),
  cancel: boolean("Asks the data mover to stop."),
  operationTimeout: duration("How long each internal step may wait."),
};
const status = {
  phase,
  message: string("Why it failed, or what it is waiting for."),
  startTimestamp: timestamp("When the data movement started."),
  completionTimestamp: timestamp("When it ended, also on failure."),
  progress,
  node: string("The node whose agent moves the data."),
  acceptedByNode: string("The node whose agent prepared it."),
  acceptedTimestamp: timestamp("When a node agent accepted it."),
};
/** datauploads.velero.io (v2alpha1) */
export function dataUploadCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "DataUpload",
    version: VELERO_V2ALPHA1,
    plural: "datauploads",
    description: "A CSI snapshot's data, moved into the backup repository by the data mover.",
    spec: object(
      "The snapshot to move.",
      {
        snapshotType: oneOf(["CSI"], "The kind of snapshot: CSI."),
        csiSnapshot: object(
          "The CSI snapshot.",
          {
            volumeSnapshot: string("The VolumeSnapshot, in the source namespace."),
            storageClass: string("The storage class of the claim it was taken of."),
            snapshotClass: string("The VolumeSnapshotClass it was taken with."),
            driver: string("The CSI driver."),
          },
          { required: ["volumeSnapshot", "storageClass"], nullable: true },
        ),
        sourcePVC: string("The claim the snapshot was taken of."),
        ...shared,
        dataMoverConfig: stringMap("Settings of the data mover.", true),
      },
      {
        required: [
          "snapshotType",
          "sourcePVC",
          "backupStorageLocation",
          "sourceNamespace",
          "operationTimeout",
        ],
      },
    ),
    status: object("How the upload went.", {
      ...status,
      path: string("The snapshot volume's path as the node agent read it."),
      snapshotID: string("The repository snapshot holding the volume."),
      dataMoverResult: stringMap("What the data mover says of the result.", true),
      nodeOS: oneOf(NODE_OS, "The OS of the node that moved the data."),
    }),
    printerColumns: dataTransferColumns(".status.node"),
  });
}

/** datadownloads.velero.io (v2alpha1) */
export function dataDownloadCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "DataDownload",
    version: VELERO_V2ALPHA1,
    plural: "datadownloads",
    description: "Moved snapshot data, written from the backup repository into a restored claim's volume.",
    spec: object(
      "The data to write and where.",
      {
        targetVolume: object(
          "The restored claim and its volume.",
          {
            pvc: string("The restored claim."),
            pv: string("Its volume, once known."),
            namespace: string("The claim's namespace."),
          },
          { required: ["pvc", "pv", "namespace"] },
        ),
        snapshotID: string("The repository snapshot to restore."),
        ...shared,
        dataMoverConfig: stringMap("Settings of the data mover."),
        nodeOS: oneOf(NODE_OS, "The OS of the node to move the data on."),
        snapshotSize: integer("Bytes of the snapshot."),
      },
      {
        required: [
          "targetVolume",
          "backupStorageLocation",
          "snapshotID",
          "sourceNamespace",
          "operationTimeout",
        ],
      },
    ),
    status: object("How the download went.", status),
    printerColumns: dataTransferColumns(".status.node"),
  });
}
