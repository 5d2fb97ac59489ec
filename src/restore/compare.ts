/**
 * How an object in the cluster compares with the one a restore would write: equal or not as
 * Velero decides (metadata reset, restore labels copied over, deep comparison), except that fields
 * the API server fills in by itself do not count. A field counts as the server's when it is in the
 * cluster's copy but not in the restore's and either the restore removed it from the backed-up
 * item (a Service's clusterIP, a claim's bind annotations) or no field manager owns it (defaults,
 * allocated values). A field some manager owns that the backup lacks is a real change.
 */
import { isDeepStrictEqual } from "node:util";
import { BACKUP_NAME_LABEL, RESTORE_NAME_LABEL } from "../api/labels.js";
import type { Item } from "../items/item.js";
import { RESET_METADATA } from "./item-rules.js";

/** One field that differs: its path and the values in the cluster and in the backup (absent: undefined). */
export interface FieldChange {
  path: string;
  inCluster?: unknown;
  inBackup?: unknown;
}

export interface Comparison {
  identical: boolean;
  changes: FieldChange[];
  /** The JSON merge patch that makes the cluster's object the restore's, restore labels included. */
  patch: Item;
}

type Json = Record<string, unknown>;
/** managedFields' fieldsV1 of every manager, merged: `f:name`, `k:{...}`, `v:...`, `i:N`, `.` keys. */
type Ownership = Json | undefined;

/**
 * `restored` is what the restore would write, `original` the backed-up item before the restore's
 * rules, `inCluster` the object as listed.
 */
export function compareExisting(restored: Item, inCluster: Item, original: Item): Comparison {
  // Who manages what is the cluster's business: managedFields is neither compared nor patched.
  const prepared: Item = { ...restored, metadata: { ...restored.metadata } };
  delete prepared.metadata!["managedFields"];
  const view = structuredClone(inCluster) as Json & Item;
  const metadata = (view.metadata ??= {});
  const owned = ownership(metadata["managedFields"]);
  for (const f of [...RESET_METADATA, "managedFields"]) delete metadata[f];
  if (!prepared.status) delete view.status;
  dropServerFilled(view, prepared, original, owned);

  const restoreLabels = labelsPatch(prepared).metadata!.labels!;
  const patch = (mergePatch(view, prepared) ?? {}) as Item;
  const patchMetadata = (patch.metadata ??= {});
  patchMetadata.labels = { ...(patchMetadata.labels ?? {}), ...restoreLabels };

  view.metadata = { ...view.metadata, labels: { ...view.metadata?.labels, ...restoreLabels } };
  const changes: FieldChange[] = [];
  collectChanges(view, prepared, "", changes);
  return { identical: changes.length === 0, changes, patch };
}

/** The patch that sets only the restore labels, for an object that is otherwise left as it is. */
export function labelsPatch(prepared: Item): Item {
  return {
    metadata: {
      labels: {
        [BACKUP_NAME_LABEL]: prepared.metadata?.labels?.[BACKUP_NAME_LABEL] ?? "",
        [RESTORE_NAME_LABEL]: prepared.metadata?.labels?.[RESTORE_NAME_LABEL] ?? "",
      },
    },
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function ownership(managedFields: unknown): Ownership {
  if (!Array.isArray(managedFields)) return undefined;
  const merged: Json = {};
  for (const entry of managedFields as { fieldsV1?: unknown }[]) mergeInto(merged, entry.fieldsV1);
  return merged;
}

function mergeInto(target: Json, source: unknown): void {
  if (!isObject(source)) return;
  for (const [k, v] of Object.entries(source)) {
    const have = target[k];
    if (isObject(have)) mergeInto(have, v);
    else target[k] = isObject(v) ? structuredClone(v) : v;
  }
}

/** The ownership of a list element: by key fields (`k:`), by value (`v:`) or by position (`i:`). */
function elementOwnership(owned: Ownership, element: unknown, index: number): Ownership {
  if (!owned) return undefined;
  for (const [k, v] of Object.entries(owned)) {
    if (!isObject(v)) continue;
    if (k.startsWith("k:")) {
      const keys = JSON.parse(k.slice(2)) as Json;
      if (isObject(element) && Object.entries(keys).every(([f, x]) => isDeepStrictEqual(element[f], x)))
        return v;
    } else if (k.startsWith("v:")) {
      if (isDeepStrictEqual(JSON.parse(k.slice(2)), element)) return v;
    } else if (k === `i:${index}`) {
      return v;
    }
  }
  return undefined;
}

/** Removes from the cluster's copy what the server filled in, where the restore's copy lacks it. */
function dropServerFilled(view: Json, prepared: Json, original: Json | undefined, owned: Ownership): void {
  for (const key of Object.keys(view)) {
    const childOwned = owned?.[`f:${key}`] as Ownership;
    if (!(key in prepared)) {
      const removedByRestore = original !== undefined && key in original;
      if (removedByRestore || childOwned === undefined) delete view[key];
      continue;
    }
    const [v, p, o] = [view[key], prepared[key], original?.[key]];
    if (isObject(v) && isObject(p)) {
      dropServerFilled(v, p, isObject(o) ? o : undefined, childOwned);
    } else if (Array.isArray(v) && Array.isArray(p) && v.length === p.length) {
      v.forEach((element: unknown, i) => {
        const pe: unknown = p[i];
        const oe: unknown = Array.isArray(o) ? o[i] : undefined;
        if (isObject(element) && isObject(pe)) {
          dropServerFilled(
            element,
            pe,
            isObject(oe) ? oe : undefined,
            elementOwnership(childOwned, element, i),
          );
        }
      });
    }
  }
}

/** RFC 7386: the merge patch that turns `from` into `to`; undefined when they are equal. */
export function mergePatch(from: Json, to: Json): Json | undefined {
  const patch: Json = {};
  for (const [k, t] of Object.entries(to)) {
    const f = from[k];
    if (isObject(f) && isObject(t)) {
      const inner = mergePatch(f, t);
      if (inner) patch[k] = inner;
    } else if (!isDeepStrictEqual(f, t)) {
      patch[k] = t;
    }
  }
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  return Object.keys(patch).length ? patch : undefined;
}

function collectChanges(cluster: unknown, backup: unknown, path: string, out: FieldChange[]): void {
  if (isDeepStrictEqual(cluster, backup)) return;
  if (isObject(cluster) && isObject(backup)) {
    const keys = new Set([...Object.keys(cluster), ...Object.keys(backup)]);
    for (const k of [...keys].sort()) collectChanges(cluster[k], backup[k], joinPath(path, k), out);
    return;
  }
  if (Array.isArray(cluster) && Array.isArray(backup) && cluster.length === backup.length) {
    cluster.forEach((c, i) => collectChanges(c, backup[i], `${path}[${i}]`, out));
    return;
  }
  out.push({
    path,
    ...(cluster !== undefined ? { inCluster: cluster } : {}),
    ...(backup !== undefined ? { inBackup: backup } : {}),
  });
}

function joinPath(path: string, key: string): string {
  const part = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  if (!path) return part;
  return part.startsWith('"') ? `${path}[${part}]` : `${path}.${part}`;
}
