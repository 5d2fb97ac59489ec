/** Where things live inside a backup archive (`<backup>.tar.gz`), as Velero lays it out. */

export const METADATA_VERSION_PATH = "metadata/version";
/** The archive format version Velero writes to `metadata/version` (followed by a newline). */
export const ARCHIVE_FORMAT_VERSION = "1.1.0";

export const RESOURCES_DIR = "resources";
export const NAMESPACES_DIR = "namespaces";
export const CLUSTER_DIR = "cluster";
/** Suffix of the version directory that holds a second copy of each item at its preferred version. */
export const PREFERRED_VERSION_SUFFIX = "-preferredversion";

/** `deployments.apps`, or just `pods` for the core group. */
export function groupResourceOf(group: string, resource: string): string {
  return group === "" ? resource : `${resource}.${group}`;
}

function scopedPath(namespace: string | undefined, name: string): string {
  return namespace ? `${NAMESPACES_DIR}/${namespace}/${name}.json` : `${CLUSTER_DIR}/${name}.json`;
}

/** `resources/<gr>/namespaces/<ns>/<name>.json`, or `resources/<gr>/cluster/<name>.json` without a namespace. */
export function itemPath(groupResource: string, namespace: string | undefined, name: string): string {
  return `${RESOURCES_DIR}/${groupResource}/${scopedPath(namespace, name)}`;
}

/** The same item under `resources/<gr>/<version>-preferredversion/...`. */
export function preferredVersionItemPath(
  groupResource: string,
  version: string,
  namespace: string | undefined,
  name: string,
): string {
  return `${RESOURCES_DIR}/${groupResource}/${version}${PREFERRED_VERSION_SUFFIX}/${scopedPath(namespace, name)}`;
}

/** Where an item sits in the archive, as read back from its path. */
export interface ItemLocation {
  groupResource: string;
  namespace?: string;
  name: string;
  /** The version, e.g. `v1`, when the path is under `<version>-preferredversion`. */
  preferredVersion?: string;
}

/**
 * Reads an item path back. Returns undefined for any path that is not an item at the top level
 * or under a `-preferredversion` directory: that includes the copies Velero writes under
 * non-preferred version directories (with its EnableAPIGroupVersions feature), which velero-ts
 * does not restore from.
 */
export function parseItemPath(path: string): ItemLocation | undefined {
  const [top, groupResource, ...rest] = path.split("/");
  if (top !== RESOURCES_DIR || !groupResource) return undefined;
  let preferredVersion: string | undefined;
  const versionDir = rest[0];
  if (versionDir !== NAMESPACES_DIR && versionDir !== CLUSTER_DIR) {
    if (!versionDir?.endsWith(PREFERRED_VERSION_SUFFIX)) return undefined;
    preferredVersion = versionDir.slice(0, -PREFERRED_VERSION_SUFFIX.length);
    if (!preferredVersion) return undefined;
    rest.shift();
  }
  const [scope, ...tail] = rest;
  let namespace: string | undefined;
  let file: string | undefined;
  if (scope === NAMESPACES_DIR && tail.length === 2) [namespace, file] = tail;
  else if (scope === CLUSTER_DIR && tail.length === 1) [file] = tail;
  if (namespace === "" || !file?.endsWith(".json") || file === ".json") return undefined;
  const name = file.slice(0, -".json".length);
  return {
    groupResource,
    ...(namespace ? { namespace } : {}),
    name,
    ...(preferredVersion ? { preferredVersion } : {}),
  };
}
