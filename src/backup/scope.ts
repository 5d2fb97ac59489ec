import type { V1LabelSelector } from "@kubernetes/client-node";
import { SNAPSHOT_RESOURCES_CLUSTER, SNAPSHOT_RESOURCES_NAMESPACED } from "../api/backup-defaults.js";
import type { BackupSpec } from "../api/v1/index.js";
import { IncludesExcludes } from "../filters/includes-excludes.js";
import { labelSelectorQuery } from "../filters/selector-query.js";
import { validateSelectors } from "../filters/selector-validation.js";
import { groupResource, resolveResource, type ApiResource } from "../kube/discovery.js";

/**
 * What a backup takes, decided from its spec and the cluster's resources, with
 * Velero's meaning for each filter.
 */
export class BackupScope {
  readonly namespaces: IncludesExcludes;
  readonly resources: IncludesExcludes;
  /** Label selector queries to list with; one LIST per selector (orLabelSelectors), or none. */
  readonly selectors: (string | undefined)[];
  /** Names in the include/exclude lists that no served resource answers to. */
  readonly unresolved: string[] = [];

  constructor(
    private readonly spec: BackupSpec,
    resources: ApiResource[],
  ) {
    this.namespaces = new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []);
    const resolve = (names: string[]) =>
      names.map((name) => {
        if (name === "*") return name;
        const r = resolveResource(resources, name);
        if (!r) this.unresolved.push(name);
        return r ? groupResource(r) : name;
      });
    // Excluded from every backup, whichever filters it uses; not named unresolved when not served.
    const snapshots = [...SNAPSHOT_RESOURCES_NAMESPACED, ...SNAPSHOT_RESOURCES_CLUSTER];
    this.resources = new IncludesExcludes(resolve(spec.includedResources ?? []), [
      ...resolve((spec.excludedResources ?? []).filter((name) => !snapshots.includes(name))),
      ...snapshots,
    ]);
    const selectors: V1LabelSelector[] = spec.orLabelSelectors?.length
      ? spec.orLabelSelectors
      : spec.labelSelector
        ? [spec.labelSelector]
        : [];
    this.selectors = selectors.length ? selectors.map(labelSelectorQuery) : [undefined];
  }

  /** Exact namespace names when the include list names them (no globs), so each can be listed alone. */
  get namedNamespaces(): string[] | undefined {
    const inc = this.spec.includedNamespaces ?? [];
    if (inc.length === 0 || inc.some((n) => n.includes("*") || n.includes("?") || n.includes("[")))
      return undefined;
    return inc.filter((n) => this.namespaces.shouldInclude(n));
  }

  includesResource(r: ApiResource): boolean {
    return this.resources.shouldInclude(groupResource(r));
  }

  /**
   * Cluster-scoped resources: all with includeClusterResources true, none with false;
   * unset, only when the backup takes every namespace. Items that namespaced items need
   * (their PVs, their CRDs) are added separately unless it is false.
   */
  includesClusterScoped(r: ApiResource): boolean {
    const flag = this.spec.includeClusterResources;
    if (flag === false) return false;
    if (flag === true) return this.includesResource(r);
    return this.namespaces.includesEverything() && this.includesResource(r);
  }

  get takesRelatedClusterItems(): boolean {
    return this.spec.includeClusterResources !== false;
  }
}

/** Velero's validation of a backup spec: every problem, each a sentence saying what to change. */
export function validateBackupSpec(spec: BackupSpec): string[] {
  const errors: string[] = [];
  const ns = new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []);
  errors.push(...ns.validate().map((e) => `Invalid included/excluded namespace lists: ${e}`));
  const res = new IncludesExcludes(spec.includedResources ?? [], spec.excludedResources ?? []);
  errors.push(...res.validate().map((e) => `Invalid included/excluded resource lists: ${e}`));
  errors.push(...validateSelectors(spec, "backup"));
  return errors;
}
