import type { KubernetesObject } from "@kubernetes/client-node";
import { EXCLUDE_FROM_BACKUP_LABEL } from "../api/labels.js";
import type { BackupSpec } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import {
  apiVersionOf,
  collectionPath,
  groupResource,
  resolveResource,
  type ApiResource,
} from "../kube/discovery.js";
import { isNotFound } from "../kube/errors.js";
import type { OperationLog } from "../logs/operation-log.js";
import { withoutCohabitants } from "./cohabiting.js";
import type { CollectedItem } from "./item-collector.js";
import type { BackupScope } from "./scope.js";

/** One item spec.orderedResources names: written to the archive before the rest of the backup. */
export interface OrderedItemRef {
  resource: ApiResource;
  namespace?: string;
  name: string;
}

const ORDERED_RESOURCES_FORM =
  "use resource=namespace/name,namespace/name;resource=name (cluster-scoped items by name alone), " +
  "e.g. 'pods=ns1/pod1,ns1/pod2;persistentvolumes=pv4,pv8'";

/** `--ordered-resources` as Velero parses it: `;` between resources, `=` before each one's items. */
export function parseOrderedResources(text: string): Record<string, string> {
  const ordered: Record<string, string> = {};
  for (const entry of text.split(";")) {
    const parts = entry.split("=");
    const [resource, items] = parts.map((p) => p.trim());
    if (parts.length !== 2 || !resource || !items) {
      throw new Error(`invalid --ordered-resources entry "${entry}": ${ORDERED_RESOURCES_FORM}`);
    }
    ordered[resource] = items;
  }
  return ordered;
}

/**
 * The items spec.orderedResources names, resource by resource, each in its given order; and
 * why a name is no item (an unknown resource, a namespaced item named without its namespace).
 */
export function orderedItemRefs(
  spec: BackupSpec,
  resources: ApiResource[],
): { refs: OrderedItemRef[]; problems: string[] } {
  const refs: OrderedItemRef[] = [];
  const problems: string[] = [];
  // The walk lists a cohabiting resource from its first group only: name the same one.
  const listed = withoutCohabitants(resources);
  for (const [name, list] of Object.entries(spec.orderedResources ?? {})) {
    const resource = resolveResource(listed, name);
    if (!resource) {
      problems.push(`orderedResources: resource "${name}" is not served by this cluster`);
      continue;
    }
    for (const item of list.split(",").map((i) => i.trim())) {
      if (!item) continue;
      const slash = item.indexOf("/");
      if (resource.namespaced && slash <= 0) {
        problems.push(`orderedResources: "${item}" of ${name} needs its namespace: namespace/name`);
      } else if (resource.namespaced) {
        refs.push({ resource, namespace: item.slice(0, slash), name: item.slice(slash + 1) });
      } else {
        refs.push({ resource, name: item });
      }
    }
  }
  return { refs, problems };
}

/** A key naming an item: the same for an ordered item and for the item as the walk lists it. */
export function itemKey(r: ApiResource, namespace: string | undefined, name: string): string {
  return `${groupResource(r)}/${namespace ?? ""}/${name}`;
}

/**
 * Writes the items spec.orderedResources names, in order, before the walk of the cluster, and
 * returns their keys so the walk skips them. Only items the walk would list are written (in a
 * namespace and a resource the backup takes, matching its selectors); Velero's warning for the
 * others. One item is held at a time.
 */
export async function writeOrderedItems(
  spec: BackupSpec,
  ctx: { client: KubeClient; resources: ApiResource[]; scope: BackupScope; namespaces: Set<string> },
  log: OperationLog,
  write: (item: CollectedItem) => Promise<void>,
  onError: (where: { resource: string; namespace?: string }, err: unknown) => void,
): Promise<Set<string>> {
  const { refs, problems } = orderedItemRefs(spec, ctx.resources);
  for (const problem of problems) log.warn(problem);
  const written = new Set<string>();
  const listed = (r: ApiResource, namespace?: string) =>
    r.verbs.includes("list") &&
    r.verbs.includes("get") &&
    ctx.scope.includesResource(r) &&
    (r.namespaced ? ctx.namespaces.has(namespace ?? "") : ctx.scope.includesClusterScoped(r));
  for (const ref of refs) {
    const key = itemKey(ref.resource, ref.namespace, ref.name);
    const label = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    let object: KubernetesObject | undefined;
    try {
      object =
        written.has(key) || !listed(ref.resource, ref.namespace)
          ? undefined
          : await getOrderedItem(ctx.client, ref);
    } catch (err) {
      onError({ resource: groupResource(ref.resource), namespace: ref.namespace }, err);
      continue;
    }
    if (!object || !ctx.scope.matchesLabels(object, EXCLUDE_FROM_BACKUP_LABEL)) {
      log.warn(`Cannot find resource '${label}'.`, { resource: groupResource(ref.resource) });
      continue;
    }
    await write({ resource: ref.resource, object });
    written.add(key);
  }
  return written;
}

/** GETs one named item, with apiVersion and kind set as a LIST's items have them; undefined when gone. */
async function getOrderedItem(
  client: KubeClient,
  ref: OrderedItemRef,
): Promise<KubernetesObject | undefined> {
  try {
    const object = await client.get<KubernetesObject>(
      `${collectionPath(ref.resource, ref.namespace)}/${encodeURIComponent(ref.name)}`,
    );
    return { ...object, apiVersion: apiVersionOf(ref.resource), kind: ref.resource.kind };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
