import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { EXCLUDE_FROM_BACKUP_LABEL } from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import { apiVersionOf, collectionPath, groupResource, type ApiResource } from "../kube/discovery.js";
import { isNotFound } from "../kube/errors.js";
import { listPages } from "../kube/list.js";
import type { OperationLog } from "../logs/operation-log.js";
import { withoutCohabitants } from "./cohabiting.js";
import { mergeConcurrently } from "../concurrency/merge.js";
import type { BackupScope } from "./scope.js";

export interface CollectedItem {
  resource: ApiResource;
  object: KubernetesObject;
}

/** LISTs in flight at once: enough to hide each request's latency, few enough to bound memory. */
const LIST_CONCURRENCY = 8;

const CORE = (resource: string) => (r: ApiResource) => r.group === "" && r.resource === resource;
const isCrdResource = (r: ApiResource) =>
  r.group === "apiextensions.k8s.io" && r.resource === "customresourcedefinitions";

/**
 * Walks the cluster and yields, page by page, every item a backup takes: the items of
 * each included resource in the included namespaces matching the label selectors, the
 * Namespace objects, and the cluster-scoped items those need (a claim's PV, a pod's
 * claims, a custom resource's CRD). Each item comes once.
 */
export class ItemCollector {
  private readonly seen = new Set<string>();
  private readonly namespacesWithItems = new Set<string>();
  private readonly crdsTaken = new Set<string>();
  /** The Namespace objects in scope, as listed at the start: backed up last without a GET each. */
  private readonly namespaceItems = new Map<string, KubernetesObject>();
  /** Per LIST in flight, the items the server said remain after its last page. */
  private readonly remainingInFlight = new Map<object, number>();
  private namespacesPending = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly resources: ApiResource[],
    private readonly scope: BackupScope,
    private readonly log: OperationLog,
  ) {}

  /** The namespaces the backup takes items from. */
  async namespacesInScope(): Promise<string[]> {
    const nsResource = this.resources.find(CORE("namespaces"))!;
    const names: string[] = [];
    for await (const page of listPages(this.client, nsResource)) {
      for (const ns of page) {
        if (!this.scope.namespaces.shouldInclude(ns.metadata!.name!)) continue;
        names.push(ns.metadata!.name!);
        this.namespaceItems.set(ns.metadata!.name!, ns);
      }
    }
    return names;
  }

  /**
   * Items the walk still expects: what the LISTs in flight have left (their last page's
   * remainingItemCount) and the Namespace objects, which come last. LISTs not started yet
   * add to it when they start, so it grows early in a backup and shrinks to 0 at its end;
   * it costs no request of its own (a one-item LIST per resource to count ahead costs the
   * API server almost as much as listing everything).
   */
  get remainingEstimate(): number {
    let remaining = this.namespacesPending;
    for (const n of this.remainingInFlight.values()) remaining += n;
    return remaining;
  }

  /**
   * Yields the items page by page. A resource that cannot be listed is reported to
   * onError and the walk goes on with the next one.
   */
  async *collect(
    namespaces: string[],
    onError: (where: { resource: string; namespace?: string }, err: unknown) => void,
  ): AsyncGenerator<CollectedItem[]> {
    const inScope = new Set(namespaces);
    const named = this.scope.namedNamespaces;
    const guarded = async function* (
      self: ItemCollector,
      r: ApiResource,
      namespace: string | undefined,
      keep: (o: KubernetesObject) => boolean,
    ): AsyncGenerator<CollectedItem[]> {
      try {
        yield* self.listResource(r, namespace, keep);
      } catch (err) {
        onError({ resource: groupResource(r), namespace }, err);
      }
    };
    const sources: (() => AsyncGenerator<CollectedItem[]>)[] = [];
    for (const r of this.listable()) {
      if (CORE("namespaces")(r)) continue;
      if (!r.namespaced) {
        if (this.scope.includesClusterScoped(r)) sources.push(() => guarded(this, r, undefined, () => true));
      } else if (named) {
        for (const ns of named) if (inScope.has(ns)) sources.push(() => guarded(this, r, ns, () => true));
      } else {
        sources.push(() => guarded(this, r, undefined, (o) => inScope.has(o.metadata?.namespace ?? "")));
      }
    }
    this.namespacesPending = namespaces.length;
    yield* mergeConcurrently(sources, LIST_CONCURRENCY);
    const namespaceObjects = await this.namespaceObjects(namespaces);
    this.namespacesPending = 0;
    yield namespaceObjects;
  }

  private listable(): ApiResource[] {
    return withoutCohabitants(this.resources).filter(
      (r) => r.verbs.includes("list") && r.verbs.includes("get") && this.scope.includesResource(r),
    );
  }

  private async *listResource(
    r: ApiResource,
    namespace: string | undefined,
    keep: (o: KubernetesObject) => boolean,
  ): AsyncGenerator<CollectedItem[]> {
    let count = 0;
    const inFlight = {};
    const onRemaining = (n: number) => this.remainingInFlight.set(inFlight, n);
    try {
      yield* this.listPagesOf(r, namespace, keep, onRemaining, (n) => (count += n));
    } finally {
      this.remainingInFlight.delete(inFlight);
    }
    if (count) this.log.info(`Backed up ${count} items of ${groupResource(r)}`, { namespace });
  }

  private async *listPagesOf(
    r: ApiResource,
    namespace: string | undefined,
    keep: (o: KubernetesObject) => boolean,
    onRemaining: (n: number) => void,
    onTaken: (n: number) => void,
  ): AsyncGenerator<CollectedItem[]> {
    for (const labelSelector of this.scope.selectors) {
      for await (const page of listPages(this.client, r, { namespace, labelSelector, onRemaining })) {
        const items: CollectedItem[] = [];
        for (const object of page) {
          if (!keep(object) || !this.take(r, object)) continue;
          items.push({ resource: r, object });
          items.push(...(await this.relatedItems(r, object)));
        }
        onTaken(items.length);
        if (items.length) yield items;
      }
    }
  }

  /** Marks an item taken; false when it was taken before or is excluded by label. */
  private take(r: ApiResource, object: KubernetesObject): boolean {
    if (object.metadata?.labels?.[EXCLUDE_FROM_BACKUP_LABEL] === "true") {
      this.log.info("Excluded by label", { resource: groupResource(r), name: object.metadata.name });
      return false;
    }
    const key = `${groupResource(r)}/${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (object.metadata?.namespace) this.namespacesWithItems.add(object.metadata.namespace);
    return true;
  }

  /** The items an item needs, as Velero's backup item actions add them. */
  private async relatedItems(r: ApiResource, object: KubernetesObject): Promise<CollectedItem[]> {
    const related: CollectedItem[] = [];
    const ns = object.metadata?.namespace;
    if (CORE("pods")(r) && ns) {
      for (const volume of (object as V1Pod).spec?.volumes ?? []) {
        const claim = volume.persistentVolumeClaim?.claimName;
        if (claim) related.push(...(await this.getItem(CORE("persistentvolumeclaims"), claim, ns)));
      }
    }
    if (CORE("persistentvolumeclaims")(r)) {
      const pv = (object as V1PersistentVolumeClaim).spec?.volumeName;
      if (pv && this.scope.takesRelatedClusterItems)
        related.push(...(await this.getItem(CORE("persistentvolumes"), pv)));
    }
    const crdName = `${r.resource}.${r.group}`;
    if (r.group && this.scope.takesRelatedClusterItems && !this.crdsTaken.has(crdName)) {
      this.crdsTaken.add(crdName);
      related.push(...(await this.getItem(isCrdResource, crdName)));
    }
    return related;
  }

  /** GETs one item (and what it needs in turn) unless excluded or already taken. */
  private async getItem(
    which: (r: ApiResource) => boolean,
    name: string,
    namespace?: string,
  ): Promise<CollectedItem[]> {
    const r = this.resources.find(which);
    if (!r || !this.scope.includesResource(r)) return [];
    let object: KubernetesObject;
    try {
      object = await this.client.get<KubernetesObject>(`${collectionPath(r, namespace)}/${name}`);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    object.apiVersion = apiVersionOf(r);
    object.kind = r.kind;
    if (!this.take(r, object)) return [];
    return [{ resource: r, object }, ...(await this.relatedItems(r, object))];
  }

  /** The Namespace objects: all in scope, or with a label selector those that gave items or match it. */
  private async namespaceObjects(namespaces: string[]): Promise<CollectedItem[]> {
    const r = this.resources.find(CORE("namespaces"))!;
    if (!this.scope.resources.shouldInclude("namespaces")) return [];
    const items: CollectedItem[] = [];
    const filtered = this.scope.selectors[0] !== undefined;
    const matching = new Set<string>();
    if (filtered) {
      for (const labelSelector of this.scope.selectors) {
        for await (const page of listPages(this.client, r, { labelSelector })) {
          for (const ns of page) matching.add(ns.metadata!.name!);
        }
      }
    }
    for (const name of namespaces) {
      if (filtered && !matching.has(name) && !this.namespacesWithItems.has(name)) continue;
      const object = this.namespaceItems.get(name);
      if (object && this.take(r, object)) items.push({ resource: r, object });
    }
    return items;
  }
}
