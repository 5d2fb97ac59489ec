import { countMessages, type ResultBuckets, type ResultsFile } from "../results/results.js";

/** "a, b" or the placeholder when empty, as Velero's describe prints lists. */
export function list(values: string[] | undefined, whenEmpty = "<none>"): string {
  return values?.length ? values.join(", ") : whenEmpty;
}

export function mapOrNone(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join("\n              ") : "<none>";
}

/** The Errors/Warnings sections of `describe`, bucket by bucket as Velero prints them. */
export function describeResults(results: ResultsFile): string[] {
  return [...section("Warnings", results.warnings), "", ...section("Errors", results.errors)];
}

function section(title: string, buckets: ResultBuckets | undefined): string[] {
  const { velero = [], cluster = [], namespaces = {} } = buckets ?? {};
  if (countMessages({ velero, cluster, namespaces }) === 0) return [`${title}:  <none>`];
  const lines = [`${title}:`];
  lines.push(`  Velero:     ${velero.length ? "" : "<none>"}`, ...velero.map((m) => `    ${m}`));
  lines.push(`  Cluster:    ${cluster.length ? "" : "<none>"}`, ...cluster.map((m) => `    ${m}`));
  const names = Object.keys(namespaces).sort();
  lines.push(`  Namespaces: ${names.length ? "" : "<none>"}`);
  for (const ns of names) lines.push(`    ${ns}:`, ...(namespaces[ns] ?? []).map((m) => `      ${m}`));
  return lines;
}

/** The first lines of every `describe`: name, namespace, labels and annotations. */
export function metadataLines(metadata: {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): string[] {
  return [
    `Name:         ${metadata.name}`,
    `Namespace:    ${metadata.namespace}`,
    `Labels:       ${mapOrNone(metadata.labels)}`,
    `Annotations:  ${mapOrNone(metadata.annotations)}`,
  ];
}

/** How `includeClusterResources` reads in `describe`. */
export function clusterScopedText(flag: boolean | null | undefined): string {
  return flag === true ? "included" : flag === false ? "excluded" : "auto";
}

/** A backup's or restore's resource list, kind by kind, every item under its kind. */
export function resourceListLines(resources: Record<string, string[]>): string[] {
  const lines = ["Resource List:"];
  for (const kind of Object.keys(resources).sort()) {
    lines.push(`  ${kind}:`, ...resources[kind]!.map((item) => `    - ${item}`));
  }
  return lines;
}
