import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { veleroCrd } from "./crd.js";
import { object, oneOf, secretKeySelector, string, stringMap, type JsonSchema } from "./schema.js";

const spec: JsonSchema = object(
  "Where native volume snapshots are taken.",
  {
    provider: string("The volume snapshotter's provider."),
    config: stringMap("Provider settings, e.g. region."),
    credential: secretKeySelector("The Secret key holding the credentials for this location."),
  },
  { required: ["provider"] },
);

const status: JsonSchema = object("Whether the location can be used.", {
  phase: oneOf(["Available", "Unavailable"], "Whether the location can be used."),
});

/** volumesnapshotlocations.velero.io (short name vsl) */
export function volumeSnapshotLocationCrd(): V1CustomResourceDefinition {
  return veleroCrd({
    kind: "VolumeSnapshotLocation",
    plural: "volumesnapshotlocations",
    shortNames: ["vsl"],
    description: "A location where native volume snapshots are taken.",
    spec,
    status,
    printerColumns: [
      { name: "Provider", type: "string", jsonPath: ".spec.provider" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
    ],
  });
}
