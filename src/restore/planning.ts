import type { Restore } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import {
  discover,
  groupResource,
  resolveResource,
  type ApiResource,
  type Discovery,
} from "../kube/discovery.js";
import { listPages } from "../kube/list.js";
import type { BackupIndex } from "./backup-index.js";
import type { Item } from "./item-rules.js";
import type { SpoolRef } from "./item-spool.js";
import { RestorePlanner, type PlanEntry } from "./plan.js";
import { orderGroupResources, type ResourcePriorities } from "./priorities.js";
import { RestoreScope } from "./scope.js";

/** A planned item; what to send, when anything, waits in the spool. */
export interface PlanStep {
  entry: PlanEntry;
  body?: SpoolRef;
}

/** The items of one group-resource: a tier, executed after the tiers before it. */
export interface PlanTier {
  groupResource: string;
  steps: PlanStep[];
}

export interface RestorePlan {
  tiers: PlanTier[];
  discovery: Discovery;
  /** Every step, in order. */
  steps(): PlanStep[];
}

/**
 * Plans a restore from a backup's index, its spec and a snapshot of the target cluster: one
 * LIST per resource the backup holds, never a GET per item. Writes nothing to the cluster.
 */
export async function planRestore(
  restore: Restore,
  index: BackupIndex,
  client: KubeClient,
  priorities: ResourcePriorities,
): Promise<RestorePlan> {
  const discovery = await discover(client);
  const canonical = canonicalName(discovery.resources);
  const scope = new RestoreScope(restore.spec, canonical);
  const restoredClaims = new Set(
    [...index.claims]
      .filter(
        ([key, labels]) =>
          scope.includesNamespace(key.split("/")[0]!) &&
          scope.includesResource("persistentvolumeclaims") &&
          scope.matchesLabels(labels),
      )
      .map(([key]) => key),
  );
  const restoredGroupResources = new Set(
    [...index.byResource]
      .filter(
        ([gr, items]) =>
          gr.includes(".") &&
          scope.includesResource(gr) &&
          items.some((i) => !i.namespace || scope.includesNamespace(i.namespace)),
      )
      .map(([gr]) => gr),
  );
  const needsVolumes =
    index.byResource.has("persistentvolumes") || index.byResource.has("persistentvolumeclaims");
  const pvResource = findResource(discovery.resources, "persistentvolumes");
  const clusterVolumes = needsVolumes && pvResource ? await listAll(client, pvResource) : [];
  const planner = new RestorePlanner({
    scope,
    backupName: restore.spec.backupName ?? "",
    restoreName: restore.metadata.name!,
    preserveNodePorts: restore.spec.preserveNodePorts === true,
    restoredClaims,
    restoredGroupResources,
    clusterVolumes,
  });

  // Objects in a terminating namespace go with it: the restore waits for it, so they are not "existing".
  const nsResource = findResource(discovery.resources, "namespaces")!;
  const clusterNamespaces = new Map(
    (await listAll(client, nsResource)).map((ns) => [ns.metadata?.name ?? "", ns]),
  );
  const terminating = (ns: string | undefined) =>
    ns !== undefined && clusterNamespaces.get(ns)?.metadata?.["deletionTimestamp"] !== undefined;

  const order = orderGroupResources(
    new Set([...index.byResource.keys(), "namespaces"]),
    priorities,
    canonical,
  );
  const tiers = new Map<string, PlanStep[]>();
  const namespacesNeeded = new Map<string, string>();
  for (const gr of order) {
    if (gr === "namespaces") continue;
    const items = index.byResource.get(gr) ?? [];
    const r = findResource(discovery.resources, gr);
    const wanted = new Set(items.map((i) => key(i.namespace && scope.mapNamespace(i.namespace), i.name)));
    const existing = r ? await snapshot(client, r, wanted) : new Map<string, Item>();
    const steps: PlanStep[] = [];
    for (const item of items) {
      const raw = await index.spool.read(item.ref);
      const planned = planner.planItem(gr, item, raw, (ns, name) =>
        terminating(ns) ? undefined : existing.get(key(ns, name)),
      );
      if (!planned) continue;
      const body = planned.body
        ? await index.spool.append(Buffer.from(JSON.stringify(planned.body)))
        : undefined;
      steps.push({ entry: planned.entry, ...(body ? { body } : {}) });
      const e = planned.entry;
      if (e.namespace && (e.action === "create" || e.action === "update"))
        namespacesNeeded.set(e.namespace, e.sourceNamespace ?? e.namespace);
    }
    tiers.set(gr, steps);
  }

  if (scope.includesResource("namespaces")) {
    for (const name of index.namespaces.keys()) {
      if (scope.includesNamespace(name)) namespacesNeeded.set(scope.mapNamespace(name), name);
    }
  }
  const nsSteps: PlanStep[] = [];
  for (const [target, source] of [...namespacesNeeded].sort(([a], [b]) => a.localeCompare(b))) {
    const planned = planner.planNamespace(
      target,
      index.namespaces.get(source),
      clusterNamespaces.get(target),
      source,
    );
    const body = planned.body
      ? await index.spool.append(Buffer.from(JSON.stringify(planned.body)))
      : undefined;
    nsSteps.push({ entry: planned.entry, ...(body ? { body } : {}) });
  }
  tiers.set("namespaces", nsSteps);

  const ordered = order
    .map((gr) => ({ groupResource: gr, steps: tiers.get(gr) ?? [] }))
    .filter((t) => t.steps.length > 0);
  return { tiers: ordered, discovery, steps: () => ordered.flatMap((t) => t.steps) };
}

function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** A resource name as the user or Velero's priority list writes it, as this cluster's group-resource. */
export function canonicalName(resources: ApiResource[]): (name: string) => string {
  return (name) => {
    const r = resolveResource(resources, name);
    return r ? groupResource(r) : name;
  };
}

export function findResource(resources: ApiResource[], gr: string): ApiResource | undefined {
  return resources.find((r) => groupResource(r) === gr);
}

/** The objects of one resource that the restore would write over, from one paginated LIST. */
async function snapshot(client: KubeClient, r: ApiResource, wanted: Set<string>): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  if (wanted.size === 0 || !r.verbs.includes("list")) return found;
  for await (const page of listPages(client, r)) {
    for (const o of page) {
      const k = key(r.namespaced ? o.metadata?.namespace : undefined, o.metadata?.name ?? "");
      if (wanted.has(k)) found.set(k, o as Item);
    }
  }
  return found;
}

async function listAll(client: KubeClient, r: ApiResource): Promise<Item[]> {
  const all: Item[] = [];
  for await (const page of listPages(client, r)) all.push(...(page as Item[]));
  return all;
}
