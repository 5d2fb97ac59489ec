import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { VeleroClient } from "../kube/velero-client.js";
import type { ClientFlags } from "./client-flags.js";
import type { OutputFormat } from "./output.js";

/**
 * The objects a command works on: those named (each must exist), else all those matching the
 * label selector (all of them without one).
 */
export async function namedOrSelected<T extends { metadata: { name?: string } }>(
  velero: VeleroClient,
  plural: "backups" | "restores",
  names: string[],
  selector: string | undefined,
): Promise<T[]> {
  if (!names.length) return velero.list<T>(plural, selector);
  const found: T[] = [];
  for (const name of names) {
    const object = await velero.get<T>(plural, name);
    if (!object) {
      throw new Error(
        `${plural.slice(0, -1)} "${name}" does not exist in namespace ${velero.namespace}: check the name with \`velero-ts ${plural.slice(0, -1)} get\``,
      );
    }
    found.push(object);
  }
  return found;
}

/** What `get` shows: all (matching the selector) or those named, each of which must exist; newest first. */
export async function objectsToGet<T extends { metadata: V1ObjectMeta }>(
  velero: VeleroClient,
  plural: "backups" | "restores",
  names: string[],
  selector: string | undefined,
): Promise<T[]> {
  let objects = await velero.list<T>(plural, selector);
  if (names.length) {
    const missing = names.filter((n) => !objects.some((o) => o.metadata.name === n));
    if (missing.length) throw new Error(`${plural} not found: ${missing.join(", ")}`);
    objects = objects.filter((o) => names.includes(o.metadata.name!));
  }
  // The API sends creationTimestamp as an RFC 3339 string, whatever its declared type.
  const created = (o: T) => (o.metadata.creationTimestamp as unknown as string | undefined) ?? "";
  return objects.sort((a, b) => created(b).localeCompare(created(a)));
}

/** The flags of `get`. */
export interface GetFlags extends ClientFlags {
  output: OutputFormat;
  selector?: string;
  showLabels?: boolean;
}

/** Velero's rule for `delete`: names, --all or --selector, exactly one of them. */
export function checkDeleteSelection(
  kind: "backup" | "restore",
  names: string[],
  all: boolean | undefined,
  selector: string | undefined,
): void {
  if ([names.length > 0, Boolean(all), Boolean(selector)].filter(Boolean).length !== 1) {
    throw new Error(
      `you must specify exactly one of: specific ${kind} name(s), the --all flag, or the --selector flag`,
    );
  }
}

/** kubectl's LABELS column: k=v pairs sorted by key, or <none>. */
export function labelsColumn(labels: Record<string, string> | undefined): string {
  const pairs = Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(",") : "<none>";
}

/** A table's headers and rows, with kubectl's LABELS column last when `show` (--show-labels). */
export function withLabelsColumn(
  headers: string[],
  rows: string[][],
  objects: { metadata: { labels?: Record<string, string> } }[],
  show: boolean | undefined,
): [string[], string[][]] {
  if (!show) return [headers, rows];
  return [[...headers, "LABELS"], rows.map((row, i) => [...row, labelsColumn(objects[i]?.metadata.labels)])];
}
