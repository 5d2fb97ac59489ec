import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { veleroCrd } from "./crd.js";
import { listOf, object, oneOf, string, timestamp, type JsonSchema } from "./schema.js";

const status: JsonSchema = object("What the server reported.", {
  phase: oneOf(["New", "Processed"], "Where the request is."),
  processedTimestamp: timestamp("When the server answered."),
  serverVersion: string("The server's version."),
  plugins: listOf(
    object(
      "A plugin the server runs.",
      { name: string("The plugin's name."), kind: string("What the plugin does.") },
      { required: ["name", "kind"] },
    ),
    "The plugins the server runs.",
  ),
});

/** serverstatusrequests.velero.io */
export function serverStatusRequestCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "ServerStatusRequest",
    plural: "serverstatusrequests",
    shortNames: ["ssr"],
    description: "A request for the server's version and plugins.",
    spec: object("Nothing: the request itself is the question.", {}),
    status,
    printerColumns: [],
  });
}
