import type { Restore } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import {
  discover,
  groupResource,
  resolveResource,
  type ApiResource,
  type Discovery,
} from "../kube/discovery.js";
import { listAll, listPages } from "../kube/list.js";
import type { BackupIndex } from "./backup-index.js";
import { objectKey, type Item } from "../items/item.js";
import { restoreActionState, restoreItemActions, type RestoreActionsFactory } from "./actions/index.js";
import type { ItemActionRegistry } from "../items/registry.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import { controllerMadeObject, ROOT_CA_CONFIGMAP } from "./controller-made.js";
import { isNotFound } from "../kube/errors.js";
import type { ItemSpool, SpoolRef } from "./item-spool.js";
import { findEarlierRestoreObjects } from "./earlier-restores.js";
import { ExistingPolicies } from "./existing-policy.js";
import { RestorePlanner, type PlanEntry, type PlannedItem } from "./plan.js";
import { RestoreValidationError } from "./validation.js";
import { orderGroupResources, type ResourcePriorities } from "./priorities.js";
import { RestoreScope } from "./scope.js";
import type { RestoreVolumeRecords } from "../volumes/restore-volume-records.js";
import type { BackupVolumeFiles } from "../volumes/restore-setup.js";

/**
 * A planned item, with what to send when anything. The body is held only while its chunk is
 * executed; the backup's copy stays in the spool, so the restore never keeps two copies on disk.
 */
export interface PlanStep {
  entry: PlanEntry;
  body?: Buffer;
  /** Operations the item's actions start once it is created. */
  operations?: { action: string; input?: unknown }[];
  /** What the item's actions change just before it is created. */
  beforeCreate?: { action: string; input?: unknown }[];
}

/** Items of one group-resource, executed after those of the tiers before it; a tier comes in chunks. */
export interface PlanTier {
  groupResource: string;
  /** Where its items go; undefined when the cluster does not serve it. */
  resource?: ApiResource;
  steps: PlanStep[];
}

export interface RestorePlan {
  readonly discovery: Discovery;
  /** What the restore does with objects that already exist, and its words for them. */
  readonly policies: ExistingPolicies;
  /**
   * The plan in restore order, a chunk at a time: each chunk is planned when asked for, after the
   * ones before it have been executed, so memory holds one chunk however large the backup. After
   * the CRDs' tier, discovery is read again, so the custom resources that follow resolve.
   */
  chunks(): AsyncGenerator<PlanTier>;
  /** The restore's item actions, which start and follow the operations the plan asks for. */
  readonly actions: ItemActionRegistry<RestoreItemAction>;
  /** Items of the backup not planned yet (some may turn out filtered out): for progress. */
  readonly unplanned: number;
  /** What the volume methods restored, for the restore's volume info. */
  readonly volumes: RestoreVolumeRecords;
}

/** How many tiers ahead their LISTs are read while a tier is executed. */
const PREFETCH_TIERS = 4;
/** Steps planned and executed together: enough to keep the pool busy, few enough to bound memory. */
const CHUNK_ITEMS = 500;
/** A chunk also ends once the bodies it holds reach this size. */
const CHUNK_BYTES = 32 * 2 ** 20;
const CRDS = "customresourcedefinitions.apiextensions.k8s.io";

/**
 * Plans a restore from a backup's index, its spec and snapshots of the target cluster: a LIST
 * per resource the backup holds (or per target namespace, when few), never a GET per item.
 * Writes nothing to the cluster.
 */
export async function planRestore(
  restore: Restore,
  index: BackupIndex,
  client: KubeClient,
  priorities: ResourcePriorities,
  options: {
    dryRun?: boolean;
    actions?: RestoreActionsFactory;
    /** The backup's native volume snapshots and pod volume backups (its side files). */
    volumeFiles?: BackupVolumeFiles;
    /** How long each pod volume restore may take. */
    podVolumeTimeoutMs?: number;
    /** The cluster's discovery, when the caller has just read it (it is read here otherwise). */
    discovery?: Discovery;
  } = {},
): Promise<RestorePlan> {
  let discovery = options.discovery ?? (await discover(client));
  const canonical = canonicalName(discovery.resources);
  const scope = new RestoreScope(restore.spec, canonical);
  const policies = new ExistingPolicies(restore.spec, canonical);
  const unknown = policies.unknownResources(
    (gr) => findResource(discovery.resources, gr) !== undefined || index.byResource.has(gr),
  );
  if (unknown.length) {
    throw new RestoreValidationError(
      `existing resource policy override names ${unknown.join(", ")}, which neither the cluster serves nor backup ${restore.spec.backupName} holds: check the name with \`kubectl api-resources\``,
    );
  }
  const earlier =
    // A data-only restore deletes nothing, so what earlier restores made is not its business.
    (options.dryRun || restore.spec.prune) && !restore.spec.dataOnly
      ? await findEarlierRestoreObjects(
          client,
          discovery.resources,
          scope,
          index,
          restore.metadata.name!,
          restore.spec.namespaceMapping ?? {},
        )
      : undefined;
  if (restore.spec.prune && !options.dryRun && earlier?.labelled === 0) {
    throw new RestoreValidationError(
      "prune: no object in the restore's scope carries the velero.io/restore-name label of an earlier restore, so there is nothing to compare this backup with: drop --prune, or check the namespaces and resources of the restore",
    );
  }
  const nsResource = findResource(discovery.resources, "namespaces")!;
  // Objects in a terminating namespace go with it: the restore waits for it, so they are not "existing".
  // Filled once the namespaces are listed, with the plan's other first reads.
  const clusterNamespaces = new Map<string, Item>();
  const terminating = (ns: string | undefined) =>
    ns !== undefined && clusterNamespaces.get(ns)?.metadata?.["deletionTimestamp"] !== undefined;
  const order = orderGroupResources(
    new Set([...index.byResource.keys(), "namespaces"]),
    priorities,
    canonical,
  );

  /**
   * What a tier's LIST must cover, or undefined when it needs none: a resource the restore does
   * not take is never compared, and a namespace that did not exist when the restore began holds
   * only what its controllers make, which the plan predicts (an object made there meanwhile meets
   * the create's AlreadyExists path).
   */
  const listScope = (gr: string): { r: ApiResource; targets: Set<string> } | undefined => {
    const r = findResource(discovery.resources, gr);
    const items = index.byResource.get(gr);
    if (!r || !items || !scope.includesResource(gr)) return undefined;
    if (!r.namespaced) return { r, targets: new Set() };
    const targets = new Set(
      items
        .namespaces()
        .filter((ns) => ns !== undefined && scope.includesNamespace(ns))
        .map((ns) => scope.mapNamespace(ns!))
        .filter((ns) => clusterNamespaces.has(ns) && !terminating(ns)),
    );
    return targets.size === 0 ? undefined : { r, targets };
  };
  /** What the cluster holds of a tier's resource in the namespaces the backup's items go to. */
  const existingOf = (gr: string): Promise<Map<string, SpoolRef>> => {
    const what = listScope(gr);
    return what
      ? snapshot(client, what.r, what.targets, index.spool)
      : Promise.resolve(new Map<string, SpoolRef>());
  };
  // The LISTs of the next few tiers run while this tier is executed, so tiers do not wait on
  // their LIST in turn. An object made in between (a controller's) meets the create's
  // AlreadyExists path. Past the CRDs' tier only once it is done when the restore may change
  // existing CRDs: their custom resources resolve only once discovery is read again (those of
  // CRDs it creates are not served before, so never listed early). Those of cluster-scoped
  // resources go out with the plan's first reads, before the restore writes anything: after a
  // write, a LIST waits for the API server's watch cache to catch up, up to 100 ms.
  const prefetched = new Map<string, Promise<Map<string, SpoolRef>>>();
  let crdsSettled =
    !order.includes(CRDS) || !index.byResource.has(CRDS) || policies.policyFor(CRDS) === "none";
  const prefetchFrom = (start: number) => {
    const upcoming = order.slice(start);
    const reach =
      crdsSettled || !upcoming.includes(CRDS) ? upcoming : upcoming.slice(0, upcoming.indexOf(CRDS) + 1);
    // Until the namespaces are listed, only cluster-scoped tiers have a scope.
    for (const next of reach.filter((g) => g !== "namespaces" && listScope(g)).slice(0, PREFETCH_TIERS)) {
      if (prefetched.has(next)) continue;
      const listing = existingOf(next);
      listing.catch(() => undefined); // awaited, and its failure reported, when its tier comes
      prefetched.set(next, listing);
    }
  };
  const prefetchAfter = (gr: string) => prefetchFrom(order.indexOf(gr) + 1);

  // What the plan reads of the cluster before its first tier, read at once.
  prefetchFrom(0);
  const [actionState, namespaceList, rootCa] = await Promise.all([
    restoreActionState(
      client,
      discovery.resources,
      index,
      scope,
      restore,
      options.volumeFiles,
      options.podVolumeTimeoutMs,
    ),
    listAll<Item>(client, nsResource),
    index.byResource.has("configmaps") ? anyRootCa(client) : undefined,
  ]);
  for (const ns of namespaceList) clusterNamespaces.set(ns.metadata?.name ?? "", ns);
  const planner = new RestorePlanner({
    scope,
    backupName: restore.spec.backupName ?? "",
    restoreName: restore.metadata.name!,
    preserveNodePorts: restore.spec.preserveNodePorts === true,
    policies,
    actions: (options.actions ?? restoreItemActions)(actionState),
  });
  const namespacesNeeded = await neededNamespaces(index, scope);
  const createdNamespaces = new Set<string>();

  const step = ({ entry, body, operations, beforeCreate }: PlannedItem): PlanStep => ({
    entry,
    ...(body ? { body: Buffer.from(JSON.stringify(body)) } : {}),
    ...(operations ? { operations } : {}),
    ...(beforeCreate ? { beforeCreate } : {}),
  });
  let unplanned = index.itemCount;
  async function* chunks(): AsyncGenerator<PlanTier> {
    prefetchFrom(0);
    for (const gr of order) {
      if (gr === "namespaces") {
        prefetchAfter(gr);
        const steps: PlanStep[] = [];
        for (const [target, source] of namespacesNeeded) {
          const planned = planner.planNamespace(
            target,
            index.namespaces.get(source),
            clusterNamespaces.get(target),
            source,
            nsResource,
          );
          if (planned.entry.action === "create") createdNamespaces.add(target);
          steps.push(step(planned));
        }
        // A Namespace filed under namespaces/<ns>/ is none of the above: planned to fail, naming it.
        const filed = index.byResource.get("namespaces");
        for (let i = 0; filed && i < filed.length; i++) {
          if (filed.namespaceAt(i) === undefined) continue;
          const item = await filed.read(i);
          const planned = planner.planItem(gr, item, item.body, () => undefined, nsResource);
          if (planned) steps.push({ entry: planned.entry });
        }
        unplanned -= filed?.length ?? 0;
        if (steps.length) yield { groupResource: gr, resource: nsResource, steps };
        continue;
      }
      const items = index.byResource.get(gr);
      if (!items) continue;
      const r = findResource(discovery.resources, gr);
      const existing = await (prefetched.get(gr) ?? existingOf(gr));
      prefetched.delete(gr);
      if (gr !== CRDS) prefetchAfter(gr);
      let writes = false;
      for (let i = 0; i < items.length;) {
        const steps: PlanStep[] = [];
        let bytes = 0;
        for (; i < items.length && steps.length < CHUNK_ITEMS && bytes < CHUNK_BYTES; i++) {
          const item = await items.read(i);
          const target = scope.targetKey(item.namespace, item.name);
          const ref = existing.get(target);
          const inCluster = ref
            ? (JSON.parse((await index.spool.read(ref)).toString("utf8")) as Item)
            : undefined;
          let predicted: Item | undefined;
          const planned = planner.planItem(
            gr,
            item,
            item.body,
            (ns, name) => {
              if (objectKey(ns, name) !== target) return undefined;
              if (ns !== undefined && createdNamespaces.has(ns))
                return (predicted = controllerMadeObject(gr, ns, name, rootCa));
              return terminating(ns) ? undefined : inCluster;
            },
            r,
          );
          unplanned--;
          if (!planned) continue;
          if (predicted && planned.entry.action !== "fail") {
            planned.entry.madeByController = true;
            planned.entry.reason +=
              " (the namespace's controllers make it when the restore creates the namespace)";
          }
          const planStep = step(planned);
          writes ||= planned.entry.action !== "skip" && planned.entry.action !== "fail";
          bytes += planStep.body?.length ?? 0;
          steps.push(planStep);
        }
        if (gr === CRDS && i >= items.length && !writes) {
          crdsSettled = true;
          prefetchAfter(gr);
        }
        if (steps.length) yield { groupResource: gr, ...(r ? { resource: r } : {}), steps };
      }
      // The CRDs are created (and established) by now: what they serve can be resolved. When the
      // restore wrote none (all there already), discovery is as it was.
      if (gr === CRDS && writes) {
        discovery = await discover(client);
        crdsSettled = true;
      }
    }
    // Last, what an earlier restore made that this backup no longer holds: pruned only when asked.
    const absent = new Map<ApiResource, PlanStep[]>();
    for (const { resource, object } of earlier?.absent ?? []) {
      const steps = absent.get(resource) ?? absent.set(resource, []).get(resource)!;
      steps.push({ entry: planner.planAbsent(groupResource(resource), object, restore.spec.prune === true) });
    }
    for (const [resource, steps] of absent) yield { groupResource: groupResource(resource), resource, steps };
  }
  return {
    get discovery() {
      return discovery;
    },
    policies,
    actions: planner.actions,
    volumes: actionState.volumes,
    chunks,
    get unplanned() {
      return unplanned;
    },
  };
}

/**
 * The namespaces a restore needs, target to source, sorted: those of the items it takes and the
 * backed-up Namespaces it includes. With a label selector, only namespaces with a matching item.
 */
async function neededNamespaces(index: BackupIndex, scope: RestoreScope): Promise<Map<string, string>> {
  const needed = new Map<string, string>();
  const selective = !scope.matchesLabels(undefined);
  for (const [gr, items] of index.byResource) {
    if (gr === "namespaces" || !scope.includesResource(gr)) continue;
    if (!selective) {
      for (const ns of items.namespaces()) {
        if (ns !== undefined && scope.includesNamespace(ns)) needed.set(scope.mapNamespace(ns), ns);
      }
      continue;
    }
    for (let i = 0; i < items.length; i++) {
      const ns = items.namespaceAt(i);
      if (ns === undefined || !scope.includesNamespace(ns) || needed.has(scope.mapNamespace(ns))) continue;
      if (scope.matchesLabels(labelsOf((await items.read(i)).body))) needed.set(scope.mapNamespace(ns), ns);
    }
  }
  if (scope.includesResource("namespaces")) {
    for (const name of index.namespaces.keys()) {
      if (scope.includesNamespace(name)) needed.set(scope.mapNamespace(name), name);
    }
  }
  return new Map([...needed].sort(([a], [b]) => a.localeCompare(b)));
}

function labelsOf(raw: Buffer): Record<string, string> | undefined {
  try {
    return (JSON.parse(raw.toString("utf8")) as Item).metadata?.labels;
  } catch {
    return undefined; // the plan reports the item as failed
  }
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

/** Up to this many target namespaces, a namespaced resource is listed namespace by namespace. */
const NAMESPACE_LISTS = 8;

/**
 * The objects of one resource that the restore could write over, from paginated LISTs: for a
 * namespaced resource, those in the namespaces the restore writes to (listed one by one when they
 * are few, so a large cluster's other namespaces are not read). They wait in the spool, by
 * `ns/name`, so a cluster that already holds the backup's objects does not sit in memory.
 */
async function snapshot(
  client: KubeClient,
  r: ApiResource,
  targetNamespaces: Set<string>,
  spool: ItemSpool,
): Promise<Map<string, SpoolRef>> {
  const found = new Map<string, SpoolRef>();
  if (!r.verbs.includes("list")) return found;
  const lists =
    r.namespaced && targetNamespaces.size <= NAMESPACE_LISTS
      ? [...targetNamespaces].map((namespace) => listPages(client, r, { namespace }))
      : [listPages(client, r)];
  await Promise.all(
    lists.map(async (pages) => {
      for await (const page of pages) {
        for (const o of page) {
          const ns = r.namespaced ? o.metadata?.namespace : undefined;
          if (ns !== undefined && !targetNamespaces.has(ns)) continue;
          found.set(
            objectKey(ns, o.metadata?.name ?? ""),
            await spool.append(Buffer.from(JSON.stringify(o))),
          );
        }
      }
    }),
  );
  return found;
}

/** The root CA ConfigMap of the `default` namespace, which every namespace's copy equals. */
async function anyRootCa(client: KubeClient): Promise<Item | undefined> {
  try {
    return await client.get<Item>(`/api/v1/namespaces/default/configmaps/${ROOT_CA_CONFIGMAP}`);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
