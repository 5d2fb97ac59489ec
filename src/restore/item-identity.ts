/**
 * Where a backed-up item is restored is decided by its path in the archive and by what the
 * cluster's discovery says of its resource, never by the item's own JSON. A storage location is
 * shared, so every archive is hostile input: a namespace, name, kind or group in the JSON that
 * disagreed with the path would let the item slip past the restore's filters (an object for
 * kube-system filed under an included namespace, a ClusterRoleBinding filed as a namespaced item).
 *
 * So the path's namespace and name overwrite the JSON's, and a disagreement is a warning naming
 * the item. The path's scope (`namespaces/<ns>/` or `cluster/`) must be the resource's, and the
 * JSON's kind and group those of the resource the path names; every name must be one the API
 * server could hold. An item that breaks any of these fails alone, before anything is sent.
 */
import { isApiVersionName, isDnsLabel, isPathSegmentName } from "../api/names.js";
import type { ApiResource } from "../kube/discovery.js";
import { objectKey, type Item } from "../items/item.js";

/** Where the archive's path files an item. */
export interface ArchiveLocation {
  namespace?: string;
  name: string;
}

export type SettledIdentity = { ok: true; item: Item; warnings: string[] } | { ok: false; error: string };

/**
 * Checks an item against its archive path and, when the cluster serves it, its resource; on
 * success the item carries the path's namespace and name.
 */
export function settleIdentity(
  groupResource: string,
  where: ArchiveLocation,
  item: Item,
  resource: ApiResource | undefined,
): SettledIdentity {
  const problem = identityProblem(groupResource, where, item, resource);
  if (problem) return { ok: false, error: problem };
  const metadata = item.metadata!;
  const warnings: string[] = [];
  const at = `${groupResource} "${objectKey(where.namespace, where.name)}"`;
  const ownNamespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
  if (ownNamespace !== (where.namespace ?? "")) {
    warnings.push(
      where.namespace === undefined
        ? `${at}: the item names namespace "${ownNamespace}", but its archive path files it as cluster-scoped: restored without a namespace, as the path says`
        : `${at}: the item names namespace "${ownNamespace}", but its archive path files it under "${where.namespace}": restored as the path says`,
    );
  }
  if (typeof metadata.name === "string" && metadata.name !== "" && metadata.name !== where.name) {
    warnings.push(
      `${at}: the item names itself "${metadata.name}", but its archive file is named "${where.name}": restored as "${where.name}"`,
    );
  }
  if (where.namespace === undefined) delete metadata.namespace;
  else metadata.namespace = where.namespace;
  metadata.name = where.name;
  return { ok: true, item, warnings };
}

function identityProblem(
  groupResource: string,
  where: ArchiveLocation,
  item: Item,
  resource: ApiResource | undefined,
): string | undefined {
  if (where.namespace !== undefined && !isDnsLabel(where.namespace)) {
    return `its archive path files it under namespace "${where.namespace}", which is not a valid namespace name`;
  }
  if (!isPathSegmentName(where.name)) {
    return `its archive file gives it the name "${where.name}", which no object can have`;
  }
  if (typeof item.metadata !== "object" || item.metadata === null || Array.isArray(item.metadata)) {
    return "the backup's copy has no metadata object";
  }
  if (resource && resource.namespaced && where.namespace === undefined) {
    return `the cluster serves ${groupResource} as namespaced, but the archive files this item under cluster/`;
  }
  if (resource && !resource.namespaced && where.namespace !== undefined) {
    return `the cluster serves ${groupResource} as cluster-scoped, but the archive files this item under namespaces/${where.namespace}/`;
  }
  const apiVersion = item.apiVersion;
  const parts = typeof apiVersion === "string" ? apiVersion.split("/") : [];
  const [group, version] = parts.length === 1 ? ["", parts[0]!] : parts.length === 2 ? parts : [];
  if (group === undefined || version === undefined || !isApiVersionName(version)) {
    return `its apiVersion ${JSON.stringify(apiVersion)} is not of the form group/version or version`;
  }
  const pathGroup = resource ? resource.group : groupOf(groupResource);
  if (group !== pathGroup) {
    return `its apiVersion ${apiVersion} is not of group "${pathGroup}", which ${groupResource} belongs to`;
  }
  if (typeof item.kind !== "string" || item.kind === "") return "the backup's copy has no kind";
  if (resource && item.kind !== resource.kind) {
    return `its kind ${item.kind} is not ${resource.kind}, the kind of ${groupResource}`;
  }
  return undefined;
}

/** The group a group-resource name (`deployments.apps`, `pods`) says its resource is in. */
function groupOf(groupResource: string): string {
  const dot = groupResource.indexOf(".");
  return dot < 0 ? "" : groupResource.slice(dot + 1);
}
