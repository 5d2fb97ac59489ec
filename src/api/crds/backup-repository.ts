import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { BACKUP_REPOSITORY_PHASES, UPLOADER_TYPES } from "../v1/index.js";
import { veleroCrd } from "./crd.js";
import { duration, listOf, object, oneOf, string, stringMap, timestamp } from "./schema.js";

/** backuprepositories.velero.io */
export function backupRepositoryCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "BackupRepository",
    plural: "backuprepositories",
    description: "The kopia repository of one volume namespace in one storage location.",
    spec: object(
      "Which repository.",
      {
        volumeNamespace: string("The namespace whose volumes the repository holds."),
        backupStorageLocation: string("The storage location the repository is in."),
        repositoryType: oneOf(UPLOADER_TYPES, "The repository's format: kopia."),
        resticIdentifier: string("Where the repository is (the field keeps its restic-era name)."),
        maintenanceFrequency: duration("How often the repository is maintained."),
        repositoryConfig: stringMap("Settings of the repository.", true),
      },
      { required: ["volumeNamespace", "backupStorageLocation", "resticIdentifier", "maintenanceFrequency"] },
    ),
    status: object("Whether the repository can be used.", {
      phase: oneOf(BACKUP_REPOSITORY_PHASES, "Whether the repository can be used."),
      message: string("Why it cannot be used."),
      lastMaintenanceTime: timestamp("When maintenance last ran."),
      recentMaintenance: listOf(
        object("One maintenance run.", {
          startTimestamp: timestamp("When it started."),
          completeTimestamp: timestamp("When it ended."),
          result: oneOf(["Succeeded", "Failed"], "How it ended."),
          message: string("What went wrong."),
        }),
        "The last maintenance runs.",
      ),
    }),
    printerColumns: [
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Repository Type", type: "string", jsonPath: ".spec.repositoryType" },
    ],
  });
}
