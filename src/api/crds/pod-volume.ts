import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { POD_VOLUME_PHASES, UPLOADER_TYPES } from "../v1/pod-volume.js";
import { veleroCrd, type PrinterColumn } from "./crd.js";
import { boolean, integer, object, oneOf, string, stringMap, timestamp, type JsonSchema } from "./schema.js";

const pod = object(
  "The pod whose volume this is.",
  {
    kind: string("Pod."),
    namespace: string("The pod's namespace."),
    name: string("The pod's name."),
    uid: string("The pod's UID."),
  },
  {},
);
const progress = object("Bytes of the volume and bytes done so far.", {
  totalBytes: integer("Bytes of the volume."),
  bytesDone: integer("Bytes done so far."),
});
const shared: Record<string, JsonSchema> = {
  pod,
  volume: string("The volume's name in the pod."),
  backupStorageLocation: string("The storage location holding the backup repository."),
  repoIdentifier: string("The backup repository's identifier."),
  uploaderType: oneOf(UPLOADER_TYPES, "The uploader that moves the data: kopia."),
  uploaderSettings: stringMap("Settings of the uploader.", true),
  cancel: boolean("Asks the node agent to stop."),
};
const phase = oneOf(POD_VOLUME_PHASES, "Where the volume's data transfer is.");
const times = {
  startTimestamp: timestamp("When the data transfer started."),
  completionTimestamp: timestamp("When it ended, also on failure."),
  acceptedTimestamp: timestamp("When a node agent accepted it."),
};

/** Columns of the kinds that move volume data; `nodePath` is where each keeps its node. */
export const dataTransferColumns = (nodePath: string): PrinterColumn[] => [
  { name: "Status", type: "string", jsonPath: ".status.phase" },
  { name: "Started", type: "date", jsonPath: ".status.startTimestamp" },
  { name: "Bytes Done", type: "integer", jsonPath: ".status.progress.bytesDone" },
  { name: "Total Bytes", type: "integer", jsonPath: ".status.progress.totalBytes" },
  { name: "Storage Location", type: "string", jsonPath: ".spec.backupStorageLocation" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  { name: "Node", type: "string", jsonPath: nodePath },
];

/** podvolumebackups.velero.io */
export function podVolumeBackupCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "PodVolumeBackup",
    plural: "podvolumebackups",
    description: "One volume of one pod, uploaded into the backup repository by a node agent.",
    spec: object(
      "The volume to back up.",
      {
        node: string("The node the pod runs on, whose node agent uploads the volume."),
        ...shared,
        tags: stringMap("Tags of the repository snapshot."),
      },
      { required: ["node", "pod", "volume", "backupStorageLocation", "repoIdentifier"] },
    ),
    status: object("How the upload went.", {
      phase,
      path: string("The volume's path as the node agent read it."),
      snapshotID: string("The repository snapshot holding the volume."),
      message: string("Why it failed, or what it is waiting for."),
      ...times,
      progress,
      incrementalBytes: integer("Bytes uploaded that the repository did not hold yet."),
    }),
    printerColumns: dataTransferColumns(".spec.node"),
  });
}

/** podvolumerestores.velero.io */
export function podVolumeRestoreCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "PodVolumeRestore",
    plural: "podvolumerestores",
    description: "One volume of one restored pod, written back from the backup repository by a node agent.",
    spec: object(
      "The volume to restore.",
      {
        ...shared,
        snapshotID: string("The repository snapshot to restore."),
        sourceNamespace: string("The namespace the volume was backed up from."),
        snapshotSize: integer("Bytes of the snapshot."),
      },
      {
        required: [
          "pod",
          "volume",
          "backupStorageLocation",
          "repoIdentifier",
          "snapshotID",
          "sourceNamespace",
        ],
      },
    ),
    status: object("How the restore of the volume went.", {
      phase,
      message: string("Why it failed, or what it is waiting for."),
      ...times,
      progress,
      node: string("The node whose agent restores the volume."),
    }),
    printerColumns: dataTransferColumns(".status.node"),
  });
}
