import { dumpYaml, type KubernetesObject } from "@kubernetes/client-node";
import { parse, stringify } from "yaml";

export const OUTPUT_FORMATS = ["yaml", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * An object as the API server reads it. The client's models rename some fields (a CRD schema's
 * `_enum`, `x_kubernetes_...`), and only its serializer, reached through dumpYaml, maps them back.
 */
export function toManifest(object: KubernetesObject): Record<string, unknown> {
  const { apiVersion, kind, metadata, ...rest } = parse(dumpYaml(object)) as Record<string, unknown>;
  return { apiVersion, kind, metadata, ...rest };
}

/** A YAML stream of one document per object, or a JSON List of them, as `velero install -o` prints. */
export function formatManifests(objects: KubernetesObject[], format: OutputFormat): string {
  const manifests = objects.map(toManifest);
  if (format === "json") {
    return `${JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }, null, 2)}\n`;
  }
  return manifests.map((m) => `---\n${stringify(m)}`).join("");
}
