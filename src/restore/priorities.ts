/** The order in which a restore creates resources: Velero's default priorities and the server flag that overrides them. */

export interface ResourcePriorities {
  /** Restored first, in this order. */
  high: string[];
  /** Restored last, in this order, after every resource not named in either list (alphabetically). */
  low: string[];
}

export const DEFAULT_RESTORE_PRIORITIES: ResourcePriorities = {
  high: [
    "customresourcedefinitions",
    "namespaces",
    "storageclasses",
    "volumesnapshotclass.snapshot.storage.k8s.io",
    "volumesnapshotcontents.snapshot.storage.k8s.io",
    "volumesnapshots.snapshot.storage.k8s.io",
    "datauploads.velero.io",
    "persistentvolumes",
    "persistentvolumeclaims",
    "clusterroles",
    "roles",
    "serviceaccounts",
    "clusterrolebindings",
    "rolebindings",
    "secrets",
    "configmaps",
    "limitranges",
    "priorityclasses",
    "pods",
    "replicasets.apps",
    "clusterclasses.cluster.x-k8s.io",
    "endpoints",
    "services",
  ],
  low: [
    "clusterbootstraps.run.tanzu.vmware.com",
    "clusters.cluster.x-k8s.io",
    "clusterresourcesets.addons.cluster.x-k8s.io",
    "apps.kappctrl.k14s.io",
    "packageinstalls.packaging.carvel.dev",
  ],
};

/**
 * `--restore-resource-priorities`: a comma list of resources, where a lone `-` splits the
 * high-priority part from the low-priority part (`a,b,-,c`).
 */
export function parseRestorePriorities(text: string): ResourcePriorities {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const split = parts.indexOf("-");
  if (split >= 0 && parts.indexOf("-", split + 1) >= 0) {
    throw new Error(
      `--restore-resource-priorities "${text}" has more than one "-": use one to split high from low`,
    );
  }
  return split < 0 ? { high: parts, low: [] } : { high: parts.slice(0, split), low: parts.slice(split + 1) };
}

/**
 * The group-resources of a backup in restore order: the high list in its order, then every
 * other one alphabetically, then the low list in its order. `canonical` turns a priority name
 * (which may be singular, as `volumesnapshotclass...` is in Velero's list) into the
 * group-resource it means on this cluster.
 */
export function orderGroupResources(
  present: Iterable<string>,
  priorities: ResourcePriorities,
  canonical: (name: string) => string = (n) => n,
): string[] {
  const remaining = new Set(present);
  const take = (names: string[]) =>
    names.map(canonical).filter((gr) => {
      if (!remaining.has(gr)) return false;
      remaining.delete(gr);
      return true;
    });
  const high = take(priorities.high);
  const lowNames = new Set(priorities.low.map(canonical));
  const middle = [...remaining].filter((gr) => !lowNames.has(gr)).sort();
  middle.forEach((gr) => remaining.delete(gr));
  const low = take(priorities.low);
  return [...high, ...middle, ...low];
}
