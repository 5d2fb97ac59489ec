import { loadYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { COMPONENT_LABEL, COMPONENT_VELERO } from "../labels.js";
import { VELERO_GROUP, VELERO_V1 } from "../v1/meta.js";
import type { JsonSchema } from "./schema.js";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "boolean" | "date";
  jsonPath: string;
  description?: string;
}

export interface VeleroCrdDefinition {
  kind: string;
  /** The API version served and stored; v1 unless said (the data mover's kinds are v2alpha1). */
  version?: string;
  plural: string;
  shortNames?: string[];
  description: string;
  spec: JsonSchema;
  status: JsonSchema;
  printerColumns: PrinterColumn[];
}

/**
 * A namespaced velero.io CRD (v1 unless said), served and stored. Like Velero's own CRDs it has no status
 * subresource: status is written with the object, so a Backup synced from storage is created
 * with its status in one step, and Velero's own tools can read and write these objects.
 */
export function veleroCrd(def: VeleroCrdDefinition): V1CustomResourceDefinition {
  const manifest = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${VELERO_GROUP}`,
      labels: { [COMPONENT_LABEL]: COMPONENT_VELERO },
    },
    spec: {
      group: VELERO_GROUP,
      scope: "Namespaced",
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.kind.toLowerCase(),
        ...(def.shortNames ? { shortNames: def.shortNames } : {}),
        categories: ["velero"],
      },
      versions: [
        {
          name: def.version ?? VELERO_V1,
          served: true,
          storage: true,
          // Age last, unless the kind places it itself (Velero's data movers put Node after it).
          additionalPrinterColumns: def.printerColumns.some((c) => c.name === "Age")
            ? def.printerColumns
            : [...def.printerColumns, { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: def.description,
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: def.spec,
                status: def.status,
              },
            } satisfies JsonSchema,
          },
        },
      ],
    },
  };
  // The client's model names some schema keywords differently (`_enum`, `x_kubernetes_...`) but only
  // at typed levels, not under `items` or `additionalProperties`: its own deserializer gets that right.
  return loadYaml<V1CustomResourceDefinition>(JSON.stringify(manifest));
}
