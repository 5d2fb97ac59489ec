import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { DOWNLOAD_TARGET_KINDS } from "../v1/download-request.js";
import { veleroCrd } from "./crd.js";
import { object, oneOf, string, timestamp, type JsonSchema } from "./schema.js";

const spec: JsonSchema = object(
  "What to download.",
  {
    target: object(
      "The file, and the backup or restore it belongs to.",
      {
        kind: oneOf(DOWNLOAD_TARGET_KINDS, "The kind of file."),
        name: string("The name of the Backup or Restore the file belongs to."),
      },
      { required: ["kind", "name"] },
    ),
  },
  { required: ["target"] },
);

const status: JsonSchema = object("Where the file can be fetched.", {
  phase: oneOf(["New", "Processed"], "Where the request is."),
  downloadURL: string("A URL to GET the file from, until the expiration."),
  expiration: timestamp("When the URL stops working and the request is deleted."),
});

/** downloadrequests.velero.io */
export function downloadRequestCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "DownloadRequest",
    plural: "downloadrequests",
    description: "A request to download a file of a backup or restore, such as its log.",
    spec,
    status,
    printerColumns: [],
  });
}
