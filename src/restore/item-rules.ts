/**
 * What a restore does to every item, whatever its kind, as Velero does (velero-facts.md,
 * "Per-item restore rules"); the rules of each kind are restore item actions (./actions/).
 */
import {
  BACKUP_NAME_LABEL,
  NAMESPACE_NAME_LABEL,
  RESTORE_NAME_LABEL,
  RESTORE_STATUS_ANNOTATION,
} from "../api/labels.js";
import { labelValue } from "../filters/label-value.js";
import type { Item } from "../items/item.js";
import type { RestoreActionContext } from "../items/restore-item-action.js";

/** Resources a restore never creates; asking for one by name fails validation. */
export const NEVER_RESTORED = new Set([
  "nodes",
  "events",
  "events.events.k8s.io",
  "backups.velero.io",
  "restores.velero.io",
  "resticrepositories.velero.io",
  "csinodes.storage.k8s.io",
  "volumeattachments.storage.k8s.io",
  "backuprepositories.velero.io",
]);

/**
 * The labels every restored object carries: the one place they are made. A name over 63
 * characters becomes a shortened label value, as Velero does, or the API server refuses it.
 */
export function restoreLabels(backupName: string, restoreName: string): Record<string, string> {
  return { [BACKUP_NAME_LABEL]: labelValue(backupName), [RESTORE_NAME_LABEL]: labelValue(restoreName) };
}

/** Metadata fields that belong to the object's old life in its old cluster. */
export const RESET_METADATA = [
  "generateName",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
];

export interface ItemContext extends RestoreActionContext {
  /** Keep `status` (spec.restoreStatus includes the resource). */
  restoreStatus: boolean;
}

/**
 * What the restore does to every item before its kind's actions run: metadata reset, status
 * dropped unless asked for, the mapped namespace, and the restore labels.
 */
export function prepareItem(groupResource: string, item: Item, ctx: ItemContext): Item {
  const out = structuredClone(item);
  const metadata = (out.metadata ??= {});
  for (const field of RESET_METADATA) delete metadata[field];
  const keepStatus = ctx.restoreStatus || metadata.annotations?.[RESTORE_STATUS_ANNOTATION] === "true";
  if (!keepStatus) delete out.status;
  if (metadata.namespace) metadata.namespace = ctx.mapNamespace(metadata.namespace);
  if (groupResource === "namespaces" && metadata.name) {
    metadata.name = ctx.mapNamespace(metadata.name);
    // The API server keeps this label equal to the name; a mapped namespace gets its new name.
    if (metadata.labels?.[NAMESPACE_NAME_LABEL]) metadata.labels[NAMESPACE_NAME_LABEL] = metadata.name;
  }
  metadata.labels = { ...metadata.labels, ...restoreLabels(ctx.backupName, ctx.restoreName) };
  return out;
}
