import { RESTORE_NAME_LABEL } from "../api/labels.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import { labelValue } from "../filters/label-value.js";
import type { KubeClient } from "../kube/client.js";
import { groupResource, type ApiResource } from "../kube/discovery.js";
import { listPages } from "../kube/list.js";
import type { BackupIndex } from "./backup-index.js";
import { objectKey, type Item } from "../items/item.js";
import type { RestoreScope } from "./scope.js";

/** An object in the restore's scope that an earlier restore made. */
export interface EarlierRestoreObject {
  resource: ApiResource;
  object: Item;
}

export interface EarlierRestoreObjects {
  /** How many objects in scope carry an earlier restore's labels, in this backup or not. */
  labelled: number;
  /** Those this backup does not hold (deleted at the source since): the use case's "delete P1". */
  absent: EarlierRestoreObject[];
}

const LISTS_AT_ONCE = 8;

/**
 * The objects in the restore's target namespaces (and, when it takes cluster-scoped items, the
 * cluster) that carry the restore-name label of another restore and that no controller owns,
 * found with one label-selected LIST per resource the cluster serves; and of those, the ones
 * absent from this backup.
 */
export async function findEarlierRestoreObjects(
  client: KubeClient,
  resources: ApiResource[],
  scope: RestoreScope,
  index: BackupIndex,
  restoreName: string,
  namespaceMapping: Record<string, string>,
): Promise<EarlierRestoreObjects> {
  const sources = new Set(Object.keys(namespaceMapping));
  const targets = new Map(Object.entries(namespaceMapping).map(([from, to]) => [to, from]));
  const backedUp = backupNamespaces(index);
  /** The backed-up namespace a target namespace is restored from, when the restore takes it. */
  const sourceOf = (ns: string): string | undefined => {
    const from = targets.get(ns) ?? (sources.has(ns) ? undefined : ns);
    return from !== undefined && backedUp.has(from) && scope.includesNamespace(from) ? from : undefined;
  };
  const found: EarlierRestoreObjects = { labelled: 0, absent: [] };
  // The scope is what the backup could have restored: namespaced objects in the namespaces it holds
  // (as mapped), and cluster-scoped ones of the resources it holds. Never Namespaces themselves.
  const candidates = resources.filter((r) => {
    const gr = groupResource(r);
    return (
      r.verbs.includes("list") &&
      r.verbs.includes("delete") &&
      gr !== "namespaces" &&
      scope.includesResource(gr) &&
      (r.namespaced || (index.byResource.has(gr) && scope.includesClusterItem(gr, false)))
    );
  });
  await forEachConcurrently(candidates, LISTS_AT_ONCE, async (r) => {
    const gr = groupResource(r);
    let inBackup: Set<string> | undefined;
    for await (const page of listPages(client, r, { labelSelector: RESTORE_NAME_LABEL })) {
      for (const o of page as Item[]) {
        const labels = o.metadata?.labels ?? {};
        if (labels[RESTORE_NAME_LABEL] === labelValue(restoreName) || !scope.matchesLabels(labels)) continue;
        if (controlled(o)) continue;
        const ns = r.namespaced ? o.metadata?.namespace : undefined;
        const source = ns === undefined ? undefined : sourceOf(ns);
        if (r.namespaced && source === undefined) continue;
        found.labelled++;
        inBackup ??= await backupKeys(index, gr, scope);
        if (!inBackup.has(objectKey(ns, o.metadata?.name ?? "")))
          found.absent.push({ resource: r, object: o });
      }
    }
  });
  return found;
}

/**
 * Whether a controller owns the object. A restore drops owner references, so such an object is
 * not one a restore made, whatever its labels: the endpointslice controller copies a Service's
 * labels, restore labels included, onto the EndpointSlices it makes. It goes with its owner.
 */
function controlled(o: Item): boolean {
  const owners = o.metadata?.["ownerReferences"] as { controller?: boolean }[] | undefined;
  return owners?.some((owner) => owner.controller === true) ?? false;
}

/** Every namespace the backup holds items of, or the Namespace object of. */
function backupNamespaces(index: BackupIndex): Set<string> {
  const names = new Set(index.namespaces.keys());
  for (const items of index.byResource.values()) {
    for (const ns of items.namespaces()) if (ns !== undefined) names.add(ns);
  }
  return names;
}

/** The `ns/name` (target namespace) of every item of one resource in the backup. */
async function backupKeys(index: BackupIndex, gr: string, scope: RestoreScope): Promise<Set<string>> {
  const keys = new Set<string>();
  const items = index.byResource.get(gr);
  for (let i = 0; i < (items?.length ?? 0); i++) {
    const ns = items!.namespaceAt(i);
    keys.add(scope.targetKey(ns, await items!.nameAt(i)));
  }
  return keys;
}
