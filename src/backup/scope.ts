import type { KubernetesObject, V1LabelSelector } from "@kubernetes/client-node";
import {
  SNAPSHOT_RESOURCES_CLUSTER,
  SNAPSHOT_RESOURCES_NAMESPACED,
  usesOldResourceFilters,
} from "../api/backup-defaults.js";
import { parseDuration } from "../api/duration.js";
import type { BackupSpec } from "../api/v1/index.js";
import { IncludesExcludes } from "../filters/includes-excludes.js";
import { matchesAnyLabelSelector } from "../filters/label-selector.js";
import { labelSelectorQuery } from "../filters/selector-query.js";
import { validateSelectors } from "../filters/selector-validation.js";
import { groupResource, resolveResource, type ApiResource } from "../kube/discovery.js";

/** Velero's refusal of a spec that mixes the two generations of resource filters. */
export const MIXED_RESOURCE_FILTERS_MESSAGE =
  "include-resources, exclude-resources and include-cluster-resources are old filter parameters.\n" +
  "include-cluster-scoped-resources, exclude-cluster-scoped-resources, include-namespace-scoped-resources and exclude-namespace-scoped-resources are new filter parameters.\n" +
  "They cannot be used together";

const SNAPSHOT_RESOURCES = new Set([...SNAPSHOT_RESOURCES_NAMESPACED, ...SNAPSHOT_RESOURCES_CLUSTER]);

function usesScopedResourceFilters(spec: BackupSpec): boolean {
  return [
    spec.includedClusterScopedResources,
    spec.excludedClusterScopedResources,
    spec.includedNamespaceScopedResources,
    spec.excludedNamespaceScopedResources,
  ].some((list) => Boolean(list?.length));
}

/** Decides by group-resource name ("pods", "deployments.apps") whether a resource's items are taken. */
export interface ResourceFilter {
  shouldInclude(groupResource: string): boolean;
}

/**
 * Velero's scoped filters: one pair for namespaced resources, one for cluster-scoped ones.
 * A cluster-scoped item another item needs (a claim's PV, a custom resource's CRD) is taken
 * unless the cluster-scoped excludes name it; Namespace objects likewise.
 */
class ScopedFilter implements ResourceFilter {
  private readonly namespacedByName: Map<string, boolean>;
  private readonly clusterExcludes: IncludesExcludes;

  constructor(
    readonly namespaced: IncludesExcludes,
    readonly cluster: IncludesExcludes,
    resources: ApiResource[],
  ) {
    this.namespacedByName = new Map(resources.map((r) => [groupResource(r), r.namespaced]));
    this.clusterExcludes = new IncludesExcludes([], [...cluster.excludes]);
  }

  shouldInclude(name: string): boolean {
    const namespaced = this.namespacedByName.get(name);
    if (namespaced === undefined) return false;
    return namespaced ? this.namespaced.shouldInclude(name) : this.clusterExcludes.shouldInclude(name);
  }

  /**
   * Whether every item of a cluster-scoped resource is listed: when the cluster-scoped includes
   * name it; with no cluster-scoped filter at all, only in a backup of everything.
   */
  listsClusterScoped(name: string, everyNamespace: boolean): boolean {
    if (!this.cluster.shouldInclude(name)) return false;
    if (this.cluster.includes.length > 0) return true;
    return this.cluster.excludes.length === 0 && everyNamespace && this.namespaced.includesEverything();
  }
}

/**
 * What a backup takes, decided from its spec and the cluster's resources, with
 * Velero's meaning for each filter.
 */
export class BackupScope {
  readonly namespaces: IncludesExcludes;
  readonly resources: ResourceFilter;
  /** Label selector queries to list with; one LIST per selector (orLabelSelectors), or none. */
  readonly selectors: (string | undefined)[];
  /** Names in the include/exclude lists that no served resource answers to. */
  readonly unresolved: string[] = [];
  /** Names in a scoped list whose resource is of the other scope: Velero leaves them out. */
  readonly misplaced: string[] = [];
  private readonly scoped: ScopedFilter | undefined;
  private readonly labelSelectors: V1LabelSelector[];

  constructor(
    private readonly spec: BackupSpec,
    resources: ApiResource[],
  ) {
    this.namespaces = new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []);
    const resolve = (names: string[] | undefined, scope?: "namespaced" | "cluster") =>
      (names ?? []).flatMap((name) => {
        if (name === "*") return [name];
        const r = resolveResource(resources, name);
        if (!r) this.unresolved.push(name);
        else if (scope && r.namespaced !== (scope === "namespaced")) {
          this.misplaced.push(name);
          return [];
        }
        return [r ? groupResource(r) : name];
      });
    // The snapshot resources the server adds to every backup's excludes are excluded here on
    // their own: a filter that names nothing else still counts as empty, and a cluster that does
    // not serve them gets no "not served" warning.
    const named = (names: string[] | undefined) => names?.filter((name) => !SNAPSHOT_RESOURCES.has(name));
    let filter: ResourceFilter;
    if (usesOldResourceFilters(spec)) {
      filter = new IncludesExcludes(
        resolve(named(spec.includedResources)),
        resolve(named(spec.excludedResources)),
      );
    } else {
      this.scoped = new ScopedFilter(
        new IncludesExcludes(
          resolve(named(spec.includedNamespaceScopedResources), "namespaced"),
          resolve(named(spec.excludedNamespaceScopedResources), "namespaced"),
        ),
        new IncludesExcludes(
          resolve(named(spec.includedClusterScopedResources), "cluster"),
          resolve(named(spec.excludedClusterScopedResources), "cluster"),
        ),
        resources,
      );
      filter = this.scoped;
    }
    this.resources = { shouldInclude: (gr) => !SNAPSHOT_RESOURCES.has(gr) && filter.shouldInclude(gr) };
    this.labelSelectors = spec.orLabelSelectors?.length
      ? spec.orLabelSelectors
      : spec.labelSelector
        ? [spec.labelSelector]
        : [];
    this.selectors = this.labelSelectors.length ? this.labelSelectors.map(labelSelectorQuery) : [undefined];
  }

  /** Exact namespace names when the include list names them (no globs), so each can be listed alone. */
  get namedNamespaces(): string[] | undefined {
    const inc = this.spec.includedNamespaces ?? [];
    if (inc.length === 0 || inc.some((n) => n.includes("*") || n.includes("?") || n.includes("[")))
      return undefined;
    return inc.filter((n) => this.namespaces.shouldInclude(n));
  }

  /**
   * Whether the resource's items may be taken: listed (namespaced ones), or as items
   * others need (cluster-scoped ones; which are listed is includesClusterScoped's call).
   */
  includesResource(r: ApiResource): boolean {
    return this.resources.shouldInclude(groupResource(r));
  }

  /**
   * Whether every item of a cluster-scoped resource is listed. Old filters: all with
   * includeClusterResources true, none with false; unset, only when the backup takes every
   * namespace. Scoped filters: those the cluster-scoped includes name; with neither list,
   * only in a backup of every namespace and every namespaced resource. Items that namespaced
   * items need (their PVs, their CRDs) are added separately (see takesRelatedClusterItems).
   */
  includesClusterScoped(r: ApiResource): boolean {
    if (this.scoped)
      return this.scoped.listsClusterScoped(groupResource(r), this.namespaces.includesEverything());
    const flag = this.spec.includeClusterResources;
    if (flag === false) return false;
    if (flag === true) return this.includesResource(r);
    return this.namespaces.includesEverything() && this.includesResource(r);
  }

  get takesRelatedClusterItems(): boolean {
    return this.spec.includeClusterResources !== false;
  }

  /** Whether an item's labels let the backup take it: the selectors match and it is not excluded by label. */
  matchesLabels(object: KubernetesObject, excludeLabel: string): boolean {
    const labels = object.metadata?.labels;
    return labels?.[excludeLabel] !== "true" && matchesAnyLabelSelector(labels, this.labelSelectors);
  }
}

/** Velero's validation of a backup spec: every problem, each a sentence saying what to change. */
export function validateBackupSpec(spec: BackupSpec): string[] {
  const errors: string[] = [];
  const ns = new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []);
  errors.push(...ns.validate().map((e) => `Invalid included/excluded namespace lists: ${e}`));
  if (usesOldResourceFilters(spec) && usesScopedResourceFilters(spec)) {
    errors.push(MIXED_RESOURCE_FILTERS_MESSAGE);
  }
  if (usesOldResourceFilters(spec)) {
    const res = new IncludesExcludes(spec.includedResources ?? [], spec.excludedResources ?? []);
    errors.push(...res.validate().map((e) => `Invalid included/excluded resource lists: ${e}`));
  } else {
    const cluster = new IncludesExcludes(
      spec.includedClusterScopedResources ?? [],
      spec.excludedClusterScopedResources ?? [],
    );
    errors.push(
      ...cluster.validateScoped().map((e) => `Invalid cluster-scoped included/excluded resource lists: ${e}`),
    );
    const namespaced = new IncludesExcludes(
      spec.includedNamespaceScopedResources ?? [],
      spec.excludedNamespaceScopedResources ?? [],
    );
    errors.push(
      ...namespaced
        .validateScoped()
        .map((e) => `Invalid namespace-scoped included/excluded resource lists: ${e}`),
    );
  }
  errors.push(...validateSelectors(spec, "backup"));
  for (const field of ["ttl", "csiSnapshotTimeout", "itemOperationTimeout"] as const) {
    const value = spec[field];
    if (value === undefined) continue;
    try {
      parseDuration(value);
    } catch (err) {
      errors.push(`spec.${field}: ${(err as Error).message}`);
    }
  }
  return errors;
}
