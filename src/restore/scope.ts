import type { RestoreSpec } from "../api/v1/index.js";
import { IncludesExcludes } from "../filters/includes-excludes.js";
import { matchesAnyLabelSelector } from "../filters/label-selector.js";
import { objectKey } from "../items/item.js";
import { NEVER_RESTORED } from "./item-rules.js";

/**
 * What a restore takes from a backup, with Velero's meaning for each filter. Names are
 * group-resources (`deployments.apps`); namespaces are the backup's (before mapping).
 */
export class RestoreScope {
  readonly namespaces: IncludesExcludes;
  readonly resources: IncludesExcludes;

  constructor(
    private readonly spec: RestoreSpec,
    canonical: (name: string) => string = (n) => n,
  ) {
    this.namespaces = new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []);
    const names = (list: string[] | undefined) => (list ?? []).map((n) => (n === "*" ? n : canonical(n)));
    this.resources = new IncludesExcludes(names(spec.includedResources), names(spec.excludedResources));
  }

  /** Where a backed-up item goes, as `ns/name` (a cluster-scoped one: its name). */
  targetKey(namespace: string | undefined, name: string): string {
    return objectKey(namespace === undefined ? undefined : this.mapNamespace(namespace), name);
  }

  /** The target namespace of a backed-up namespace. */
  mapNamespace(namespace: string): string {
    return this.spec.namespaceMapping?.[namespace] ?? namespace;
  }

  includesResource(groupResource: string): boolean {
    return !NEVER_RESTORED.has(groupResource) && this.resources.shouldInclude(groupResource);
  }

  includesNamespace(namespace: string): boolean {
    return this.namespaces.shouldInclude(namespace);
  }

  /**
   * Cluster-scoped items: all with includeClusterResources true, none with false; unset, only
   * when every namespace is restored. Items that restored items need (a claim's volume, a
   * custom resource's CRD) are taken anyway unless it is false: `needed` says so.
   */
  includesClusterItem(groupResource: string, needed: boolean): boolean {
    if (!this.includesResource(groupResource)) return false;
    const flag = this.spec.includeClusterResources;
    if (flag === false || flag === true) return flag;
    return this.namespaces.includesEverything() || needed;
  }

  matchesLabels(labels: Record<string, string> | undefined): boolean {
    const selectors = this.spec.orLabelSelectors?.length
      ? this.spec.orLabelSelectors
      : this.spec.labelSelector
        ? [this.spec.labelSelector]
        : [];
    return matchesAnyLabelSelector(labels, selectors);
  }

  /** Whether status is restored for a resource (spec.restoreStatus). */
  restoresStatus(groupResource: string): boolean {
    const rs = this.spec.restoreStatus;
    if (!rs) return false;
    return new IncludesExcludes(rs.includedResources ?? [], rs.excludedResources ?? []).shouldInclude(
      groupResource,
    );
  }
}
