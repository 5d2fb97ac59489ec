import type { KubernetesObject } from "@kubernetes/client-node";
import { EXCLUDE_FROM_BACKUP_LABEL, MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION } from "../api/labels.js";
import type { Backup } from "../api/v1/index.js";
import type { AdditionalItem, BackupItemAction } from "../items/backup-item-action.js";
import type { Item, ResourceIdentifier } from "../items/item.js";
import { storedIdentifier, type BackupOperation } from "../items/item-operation.js";
import type { ItemActionRegistry } from "../items/registry.js";
import type { KubeClient } from "../kube/client.js";
import { apiVersionOf, collectionPath, groupResource, type ApiResource } from "../kube/discovery.js";
import { isNotFound } from "../kube/errors.js";
import { listPages } from "../kube/list.js";
import type { OperationLog } from "../logs/operation-log.js";
import { withoutCohabitants } from "./cohabiting.js";
import { mergeConcurrently } from "../concurrency/merge.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import type { BackupScope } from "./scope.js";

export interface CollectedItem {
  resource: ApiResource;
  object: KubernetesObject;
}

/** LISTs in flight at once: enough to hide each request's latency, few enough to bound memory. */
const LIST_CONCURRENCY = 8;

/**
 * Items of one page acted on at once: an action may wait (a CSI snapshot until it is ready), and
 * the volumes of a namespace are snapshotted concurrently, not one after another.
 */
const ACTION_CONCURRENCY = 64;

/** Resources whose items a volume method marks must-include: the VolumeSnapshots it makes. */
const MUST_INCLUDE_CAPABLE = new Set(["volumesnapshots.snapshot.storage.k8s.io"]);

/**
 * Core resources whose items start the long work of a backup, listed before the rest: a pod's
 * file-system backups, a claim's snapshot. That work then runs while the rest is listed; in
 * discovery's order a claim's snapshot waited for the LISTs of the resources before it.
 */
const LISTED_FIRST = ["pods", "persistentvolumeclaims"];

const CORE = (resource: string) => (r: ApiResource) => r.group === "" && r.resource === resource;
const isListedFirst = (r: ApiResource) => r.group === "" && LISTED_FIRST.includes(r.resource);

/**
 * Walks the cluster and yields, page by page, every item a backup takes: the items of
 * each included resource in the included namespaces matching the label selectors, the
 * Namespace objects, and the items the backup item actions add (a pod's claims, a claim's
 * PV, a custom resource's CRD). Each item comes once, as its actions left it.
 */
export class ItemCollector {
  /** The operations item actions started, for the controller to poll. */
  readonly operations: BackupOperation[] = [];
  /** Errors item actions reported for their items, for the backup's results. */
  readonly itemErrors: { namespace?: string; message: string }[] = [];
  private readonly seen = new Set<string>();
  private readonly namespacesWithItems = new Set<string>();
  /** Items actions asked for, so each is fetched once however many items ask. */
  private readonly requested = new Set<string>();
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
    private readonly backup: Backup,
    private readonly actions: ItemActionRegistry<BackupItemAction>,
    /** Resolves once the backup may write to the cluster: item actions wait for it, LISTs do not. */
    private readonly writable?: Promise<unknown>,
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
      begun?: () => void,
    ): AsyncGenerator<CollectedItem[]> {
      for (const action of self.actions.for(groupResource(r)))
        action.prepare?.(namespace ? [namespace] : namespaces);
      try {
        yield* self.listResource(r, namespace, keep, begun);
      } catch (err) {
        onError({ resource: groupResource(r), namespace }, err);
      } finally {
        begun?.();
      }
    };
    // The other resources are listed once the first-listed ones' first pages have begun their long
    // work: their LISTs would otherwise slow down the requests that start it.
    const firstBegun: Promise<void>[] = [];
    const afterFirst = async function* (source: AsyncGenerator<CollectedItem[]>) {
      await Promise.all(firstBegun);
      yield* source;
    };
    const sources: (() => AsyncGenerator<CollectedItem[]>)[] = [];
    const add = (r: ApiResource, namespace: string | undefined, keep: (o: KubernetesObject) => boolean) => {
      if (!isListedFirst(r)) {
        sources.push(() => afterFirst(guarded(this, r, namespace, keep)));
        return;
      }
      let begun = () => {};
      firstBegun.push(new Promise<void>((resolve) => (begun = resolve)));
      sources.push(() => guarded(this, r, namespace, keep, begun));
    };
    for (const r of this.listable()) {
      if (CORE("namespaces")(r)) continue;
      if (!r.namespaced) {
        if (this.scope.includesClusterScoped(r)) add(r, undefined, () => true);
      } else if (named) {
        for (const ns of named) if (inScope.has(ns)) add(r, ns, () => true);
      } else {
        add(r, undefined, (o) => inScope.has(o.metadata?.namespace ?? ""));
      }
    }
    this.namespacesPending = namespaces.length;
    yield* mergeConcurrently(sources, LIST_CONCURRENCY);
    const namespaceObjects = await this.namespaceObjects(namespaces);
    this.namespacesPending = 0;
    yield namespaceObjects;
  }

  /** What the walk lists, in discovery's order but for LISTED_FIRST. */
  private listable(): ApiResource[] {
    const rank = (r: ApiResource) =>
      isListedFirst(r) ? LISTED_FIRST.indexOf(r.resource) : LISTED_FIRST.length;
    return withoutCohabitants(this.resources)
      .filter((r) => r.verbs.includes("list") && r.verbs.includes("get") && this.scope.includesResource(r))
      .sort((a, b) => rank(a) - rank(b));
  }

  /** Lists one resource; `begun` is told once the items of its first page have begun their work. */
  private async *listResource(
    r: ApiResource,
    namespace: string | undefined,
    keep: (o: KubernetesObject) => boolean,
    begun?: () => void,
  ): AsyncGenerator<CollectedItem[]> {
    let count = 0;
    const inFlight = {};
    const onRemaining = (n: number) => this.remainingInFlight.set(inFlight, n);
    try {
      yield* this.listPagesOf(r, namespace, keep, onRemaining, (n) => (count += n), begun);
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
    begun?: () => void,
  ): AsyncGenerator<CollectedItem[]> {
    let firstPageBegun = begun;
    for (const labelSelector of this.scope.selectors) {
      for await (const page of listPages(this.client, r, { namespace, labelSelector, onRemaining })) {
        const taken = page.filter((object) => keep(object) && this.take(r, object));
        const acted: CollectedItem[][] = new Array<CollectedItem[]>(taken.length);
        const pageBegun = firstPageBegun;
        firstPageBegun = undefined;
        let toBegin = taken.length;
        if (toBegin === 0) pageBegun?.();
        const itemBegun = pageBegun && (() => --toBegin === 0 && pageBegun());
        await forEachConcurrently(taken.keys(), ACTION_CONCURRENCY, async (i) => {
          acted[i] = await this.acted(r, taken[i]!, false, itemBegun);
        });
        const items = acted.flat();
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

  /**
   * An item taken, after its backup item actions: as they left it (or nothing, when one skips
   * it), followed by the items they add.
   */
  private async acted(
    r: ApiResource,
    object: KubernetesObject,
    mustInclude = false,
    begun?: () => void,
  ): Promise<CollectedItem[]> {
    const gr = groupResource(r);
    let item = object as Item;
    const related: CollectedItem[] = [];
    let told = false;
    // Told once: by an action whose item now waits long, or else once the actions are done.
    const started = () => {
      if (!told) begun?.();
      told = true;
    };
    try {
      await this.writable;
      for (const action of this.actions.for(gr)) {
        const out = await action.execute({ groupResource: gr, item, backup: this.backup, started });
        if (!out) continue;
        if (out.skip) {
          this.log.info(`Skipped by item action ${action.name}: ${out.skip}`, {
            resource: gr,
            namespace: item.metadata?.namespace,
            name: item.metadata?.name,
          });
          return related;
        }
        if (out.item) item = out.item;
        for (const message of out.errors ?? [])
          this.itemErrors.push({
            ...(item.metadata?.namespace ? { namespace: item.metadata.namespace } : {}),
            message,
          });
        const must =
          mustInclude || item.metadata?.annotations?.[MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION] === "true";
        for (const id of out.additionalItems ?? []) related.push(...(await this.additionalItem(id, must)));
        if (out.operationId) this.recordOperation(action, gr, item, out.operationId, out.postOperationItems);
      }
      return [{ resource: r, object: item }, ...related];
    } finally {
      started();
    }
  }

  private recordOperation(
    action: BackupItemAction,
    gr: string,
    item: Item,
    operationId: string,
    postOperationItems: ResourceIdentifier[] | undefined,
  ): void {
    const id = { groupResource: gr, namespace: item.metadata?.namespace, name: item.metadata?.name ?? "" };
    this.operations.push({
      spec: {
        backupName: this.backup.metadata.name ?? "",
        backupUID: this.backup.metadata.uid ?? "",
        backupItemAction: action.name,
        ResourceIdentifier: storedIdentifier(id),
        OperationID: operationId,
        PostOperationItems: postOperationItems?.length ? postOperationItems.map(storedIdentifier) : null,
      },
      status: { phase: "New", created: new Date().toISOString() },
    });
  }

  /**
   * The items the operations named to be backed up once they ended (Velero's post-operation
   * items), as they are now, whatever the filters say: the actions asked for them.
   */
  async postOperationItems(
    onError: (where: { resource: string; namespace?: string }, err: unknown) => void,
  ): Promise<CollectedItem[]> {
    const items: CollectedItem[] = [];
    for (const id of this.operations.flatMap((op) => op.spec.PostOperationItems ?? [])) {
      const gr = id.Group ? `${id.Resource}.${id.Group}` : id.Resource;
      const r = this.resources.find((x) => groupResource(x) === gr);
      if (!r) continue;
      try {
        const object = await this.client.get<KubernetesObject>(
          `${collectionPath(r, id.Namespace)}/${id.Name}`,
        );
        object.apiVersion = apiVersionOf(r);
        object.kind = r.kind;
        if (this.take(r, object)) items.push({ resource: r, object });
      } catch (err) {
        if (!isNotFound(err)) onError({ resource: gr, namespace: id.Namespace || undefined }, err);
      }
    }
    return items;
  }

  /**
   * An item an action asked for: fetched unless its resource is excluded, or it is cluster-scoped
   * and the backup takes no cluster items along (`--include-cluster-resources=false`); with
   * `mustInclude` (Velero's must-include-additional-items annotation on the asking item), whatever
   * the filters say.
   */
  private async additionalItem(id: AdditionalItem, mustInclude: boolean): Promise<CollectedItem[]> {
    const key = `${id.groupResource}/${id.namespace ?? ""}/${id.name}`;
    if (this.requested.has(key) || this.seen.has(key)) return [];
    this.requested.add(key);
    const r = this.resources.find((x) => groupResource(x) === id.groupResource);
    if (!r) return [];
    const filteredOut =
      !this.scope.includesResource(r) || (!r.namespaced && !this.scope.takesRelatedClusterItems);
    // A filtered-out item is fetched only for resources that may carry the annotation themselves.
    if (filteredOut && !mustInclude && !MUST_INCLUDE_CAPABLE.has(id.groupResource)) return [];
    let object: KubernetesObject;
    try {
      object =
        id.item ?? (await this.client.get<KubernetesObject>(`${collectionPath(r, id.namespace)}/${id.name}`));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    object.apiVersion = apiVersionOf(r);
    object.kind = r.kind;
    const own = object.metadata?.annotations?.[MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION] === "true";
    if (filteredOut && !mustInclude && !own) return [];
    if (!this.take(r, object)) return [];
    return this.acted(r, object, mustInclude);
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
