import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { veleroCrd } from "./crd.js";
import { object, oneOf, string, stringList, type JsonSchema } from "./schema.js";

const spec: JsonSchema = object(
  "The backup to delete.",
  { backupName: string("The backup to delete, with every file of it in its storage location.") },
  { required: ["backupName"] },
);

const status: JsonSchema = object("How the deletion went.", {
  phase: oneOf(["New", "InProgress", "Processed"], "Where the request is."),
  errors: stringList("What went wrong while deleting."),
});

/** deletebackuprequests.velero.io */
export function deleteBackupRequestCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "DeleteBackupRequest",
    plural: "deletebackuprequests",
    description: "A request to delete a backup.",
    spec,
    status,
    printerColumns: [
      { name: "Backup Name", type: "string", jsonPath: ".spec.backupName" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
    ],
  });
}
