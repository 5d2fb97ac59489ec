import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { veleroCrd } from "./crd.js";
import {
  boolean,
  duration,
  object,
  oneOf,
  secretKeySelector,
  string,
  stringMap,
  timestamp,
  type JsonSchema,
} from "./schema.js";

const ACCESS_MODES = ["ReadWrite", "ReadOnly"] as const;
const PHASES = ["Available", "Unavailable"] as const;

const spec: JsonSchema = object(
  "Where backups are kept.",
  {
    provider: string("The object store's provider: aws (any S3-compatible store) or filesystem."),
    objectStorage: object(
      "The bucket and the prefix in it.",
      {
        bucket: string("The bucket."),
        prefix: string("The path inside the bucket; empty for its root."),
        caCert: { type: "string", format: "byte", description: "A PEM bundle to trust, base64-encoded." },
        caCertRef: secretKeySelector("A Secret key holding the PEM bundle to trust."),
      },
      { required: ["bucket"] },
    ),
    config: stringMap("Provider settings, e.g. region, s3Url, s3ForcePathStyle."),
    credential: secretKeySelector("The Secret key holding the credentials for this location."),
    default: boolean("Backups go here when they name no location."),
    // Defaulted so `kubectl get bsl` shows the mode the server applies anyway.
    accessMode: {
      ...oneOf(ACCESS_MODES, "ReadOnly forbids new backups and deletions."),
      default: "ReadWrite",
    },
    backupSyncPeriod: duration(
      "How often backups in the store are synced into the cluster; 0s disables.",
      true,
    ),
    validationFrequency: duration("How often the location is checked; 0s disables.", true),
  },
  { required: ["provider", "objectStorage"] },
);

const status: JsonSchema = object("Whether the location can be used.", {
  phase: oneOf(PHASES, "Whether the store answered the last check."),
  lastSyncedTime: timestamp("When the store's backups were last synced into the cluster."),
  lastValidationTime: timestamp("When the location was last checked."),
  message: string("Why the location is unavailable."),
  lastSyncedRevision: string("Deprecated and unused."),
  accessMode: oneOf(ACCESS_MODES, "Deprecated and unused: see spec.accessMode."),
});

/** backupstoragelocations.velero.io (short name bsl) */
export function backupStorageLocationCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "BackupStorageLocation",
    plural: "backupstoragelocations",
    shortNames: ["bsl"],
    description: "An object store location where backups are kept.",
    spec,
    status,
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase", description: "Available or Unavailable." },
      { name: "Last Validated", type: "date", jsonPath: ".status.lastValidationTime" },
      { name: "Access Mode", type: "string", jsonPath: ".spec.accessMode" },
      { name: "Default", type: "boolean", jsonPath: ".spec.default" },
    ],
  });
}
