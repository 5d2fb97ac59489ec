/**
 * The restore plan: for each item of a backup that a restore takes, what will happen to it and
 * why. A pure function of the item, the restore's spec and what the target cluster holds; the
 * engine feeds it resource by resource in restore order and executes what it decides.
 */
import { RESTORE_NAME_LABEL } from "../api/labels.js";
import { objectKey, type Item } from "../items/item.js";
import { ItemActionRegistry } from "../items/registry.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import { type ItemContext, prepareItem, restoreLabels } from "./item-rules.js";
import { runRestoreActions } from "./run-restore-actions.js";
import { compareExisting, labelsPatch, type FieldChange } from "./compare.js";
import { NEVER_DELETED, type ExistingPolicies } from "./existing-policy.js";
import type { RestoreScope } from "./scope.js";
import type { ApiResource } from "../kube/discovery.js";
import { settleIdentity, type ArchiveLocation } from "./item-identity.js";

export type PlanAction = "create" | "update" | "recreate" | "prune" | "skip" | "fail";

/** How an object the restore would write compares with the one already in the cluster. */
export type ExistingState = "identical" | "differs" | "absent-from-backup";

export interface PlanEntry {
  groupResource: string;
  apiVersion: string;
  kind: string;
  /** Where the item goes (the mapped namespace). */
  namespace?: string;
  name: string;
  /** The namespace it had in the backup, when mapped elsewhere. */
  sourceNamespace?: string;
  /** The name it had in the backup, when an action gave it a new one. */
  sourceName?: string;
  action: PlanAction;
  reason: string;
  /** Warnings the plan raises about this item (a claim provisioned anew, a differing object). */
  warnings: string[];
  /** The object is created with its status, which then goes to the status subresource too. */
  keepsStatus?: boolean;
  /** For an object already in the cluster: how it compares with the backup's. */
  existing?: ExistingState;
  /** The fields that differ, secret values masked. */
  changes?: FieldChange[];
  /** An update that, when the server refuses it, falls back to this patch of the restore labels alone. */
  labelsFallback?: Item;
  /** The uid of the object a recreate or prune deletes, so nothing newer is deleted by mistake. */
  uid?: string;
  /**
   * The object is one a namespace's controllers make once the restore has created the namespace:
   * planned against the version they make, and an update waits until it is there.
   */
  madeByController?: boolean;
}

/** A planned item, with what to send: the object to create, or the merge patch of an update. */
export interface PlannedItem {
  entry: PlanEntry;
  body?: Item;
  /** Operations its actions start once it is created. */
  operations?: { action: string; input?: unknown }[];
  /** What its actions change just before it is created. */
  beforeCreate?: { action: string; input?: unknown }[];
}

export interface PlannerOptions {
  scope: RestoreScope;
  backupName: string;
  restoreName: string;
  preserveNodePorts: boolean;
  policies: ExistingPolicies;
  /** The restore's item actions, fresh for it (./actions/index.ts). */
  actions: RestoreItemAction[];
}

/**
 * Plans items one at a time. What is particular to a kind of item is its restore item actions'
 * say; the planner applies the restore's filters and the existing-resource policy around them.
 */
export class RestorePlanner {
  readonly actions: ItemActionRegistry<RestoreItemAction>;

  constructor(private readonly options: PlannerOptions) {
    this.actions = new ItemActionRegistry(options.actions);
  }

  /**
   * One item of the backup. `existing` is the object of the same name in the target cluster, if
   * any. Returns undefined for an item the restore does not take (filtered out).
   */
  planItem(
    groupResource: string,
    where: ArchiveLocation,
    raw: Buffer | Item,
    existing: (namespace: string | undefined, name: string) => Item | undefined,
    resource?: ApiResource,
  ): PlannedItem | undefined {
    const { scope } = this.options;
    let parsed: Item;
    try {
      parsed = Buffer.isBuffer(raw) ? (JSON.parse(raw.toString("utf8")) as Item) : structuredClone(raw);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
    } catch (err) {
      if (where.namespace && !scope.includesNamespace(where.namespace)) return undefined;
      if (!scope.includesResource(groupResource)) return undefined;
      return {
        entry: this.#entry(groupResource, { apiVersion: "", kind: "" }, where, "fail", [
          `the backup's copy is not valid JSON: ${(err as Error).message}`,
        ]),
      };
    }
    if (!this.#takes(groupResource, where, parsed)) return undefined;

    const base = {
      apiVersion: typeof parsed.apiVersion === "string" ? parsed.apiVersion : "",
      kind: typeof parsed.kind === "string" ? parsed.kind : "",
    };
    const identity = settleIdentity(groupResource, where, parsed, resource);
    if (!identity.ok) return { entry: this.#entry(groupResource, base, where, "fail", [identity.error]) };
    const item = identity.item;
    const ctx: ItemContext = {
      backupName: this.options.backupName,
      restoreName: this.options.restoreName,
      mapNamespace: (ns) => scope.mapNamespace(ns),
      restoreStatus: scope.restoresStatus(groupResource),
      preserveNodePorts: this.options.preserveNodePorts,
    };
    const prepared = prepareItem(groupResource, item, ctx);
    let target = { namespace: prepared.metadata?.namespace, name: prepared.metadata?.name ?? where.name };
    let inCluster = existing(target.namespace, target.name);
    const said = runRestoreActions(this.actions, groupResource, prepared, item, inCluster, ctx);
    // An action may rename the item (a restored snapshot, a cloned volume): it goes to the new name.
    const renamed = prepared.metadata?.name;
    if (!said.skip && renamed && renamed !== target.name) {
      target = { ...target, name: renamed };
      inCluster = existing(target.namespace, target.name);
    }
    const warnings = [...identity.warnings, ...said.warnings];
    const entry = (action: PlanAction, reason: string) =>
      this.#entry(groupResource, base, where, action, [reason], warnings, target);
    if (said.skip) return { entry: entry("skip", said.skip) };
    const operations = {
      ...(said.operations.length ? { operations: said.operations } : {}),
      ...(said.beforeCreate.length ? { beforeCreate: said.beforeCreate } : {}),
    };

    if (inCluster && said.existing) {
      const { reason, patch } = said.existing;
      // An operation asked for here runs on the object as the cluster holds it.
      return patch
        ? { entry: entry("update", reason), body: patch, ...operations }
        : { entry: entry("skip", reason), ...operations };
    }
    if (inCluster)
      return {
        ...this.#planExisting(
          groupResource,
          base,
          where,
          target,
          { prepared, inCluster, original: item },
          warnings,
        ),
        ...operations,
      };
    const created = entry("create", said.createReason ?? "not in the cluster");
    return {
      entry: prepared.status ? { ...created, keepsStatus: true } : created,
      body: prepared,
      ...operations,
    };
  }

  /**
   * The namespaces the restore needs, each planned from its backed-up Namespace object (renamed
   * by the mapping) or as a bare one: created when missing, created after a wait when terminating.
   */
  planNamespace(
    target: string,
    backedUp: Item | undefined,
    inCluster: Item | undefined,
    sourceNamespace: string,
    resource?: ApiResource,
  ): PlannedItem {
    const base = { apiVersion: "v1", kind: "Namespace" };
    const where = { name: sourceNamespace };
    const to = { name: target };
    const identity = backedUp && settleIdentity("namespaces", where, structuredClone(backedUp), resource);
    if (identity && !identity.ok)
      return { entry: this.#entry("namespaces", base, where, "fail", [identity.error], [], to) };
    const warnings = identity ? identity.warnings : [];
    const body = identity
      ? prepareItem("namespaces", identity.item, {
          backupName: this.options.backupName,
          restoreName: this.options.restoreName,
          mapNamespace: (ns) => this.options.scope.mapNamespace(ns),
          restoreStatus: false,
          preserveNodePorts: false,
        })
      : {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: {
            name: target,
            labels: restoreLabels(this.options.backupName, this.options.restoreName),
          },
        };
    // Actions have their say on namespaces too; only a skip (a data-only restore's) counts here.
    const said = runRestoreActions(
      this.actions,
      "namespaces",
      structuredClone(body),
      identity?.item ?? body,
      inCluster,
      {
        backupName: this.options.backupName,
        restoreName: this.options.restoreName,
        mapNamespace: (ns) => this.options.scope.mapNamespace(ns),
        preserveNodePorts: false,
      },
    );
    if (said.skip)
      return {
        entry: this.#entry(
          "namespaces",
          base,
          where,
          "skip",
          [said.skip],
          [...warnings, ...said.warnings],
          to,
        ),
      };
    if (inCluster && !inCluster.metadata?.["deletionTimestamp"]) {
      if (identity) {
        return this.#planExisting(
          "namespaces",
          base,
          where,
          to,
          { prepared: body, inCluster, original: identity.item },
          warnings,
        );
      }
      return { entry: this.#entry("namespaces", base, where, "skip", ["namespace already exists"], [], to) };
    }
    const reason = inCluster
      ? "namespace is terminating: waits until it is gone, then creates it"
      : backedUp
        ? "created from the backed-up Namespace"
        : "created for the items restored into it";
    return { entry: this.#entry("namespaces", base, where, "create", [reason], warnings, to), body };
  }

  /**
   * An object an earlier restore made that this backup no longer holds: deleted with `prune`
   * (never a Namespace, volume, claim or CRD), otherwise only reported.
   */
  planAbsent(groupResource: string, object: Item, prune: boolean): PlanEntry {
    const base = { apiVersion: object.apiVersion ?? "", kind: object.kind ?? "" };
    const where = {
      ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
      name: object.metadata?.name ?? "",
    };
    const earlier = object.metadata?.labels?.[RESTORE_NAME_LABEL];
    const why = `restore ${earlier} made it and backup ${this.options.backupName} no longer holds it`;
    const [action, reason]: [PlanAction, string] = !prune
      ? ["skip", `${why}; kept (--prune deletes it)`]
      : NEVER_DELETED.has(groupResource)
        ? ["skip", `${why}; kept: pruning a ${base.kind} would destroy data`]
        : ["prune", `${why}: deleted`];
    return {
      ...this.#entry(groupResource, base, where, action, [reason], [], where),
      existing: "absent-from-backup",
      ...(typeof object.metadata?.uid === "string" ? { uid: object.metadata.uid } : {}),
    };
  }

  #takes(groupResource: string, where: { namespace?: string; name: string }, item: Item): boolean {
    const { scope } = this.options;
    if (where.namespace !== undefined) {
      if (!scope.includesNamespace(where.namespace)) return false;
      // What restored items need comes whatever the resource and label filters say (Velero's must-include).
      if (this.#needed(groupResource, where, item)) return true;
      return scope.includesResource(groupResource) && scope.matchesLabels(item.metadata?.labels);
    }
    const needed = this.#needed(groupResource, where, item);
    if (!scope.includesClusterItem(groupResource, needed)) return false;
    // What restored items need comes whatever its labels, as Velero's additional items do.
    return needed || scope.matchesLabels(item.metadata?.labels);
  }

  /** Whether an action says items the restore takes need this one; named as its archive path names it. */
  #needed(groupResource: string, where: { namespace?: string; name: string }, item: Item): boolean {
    const named = {
      ...item,
      metadata: {
        ...item.metadata,
        name: where.name,
        ...(where.namespace !== undefined ? { namespace: where.namespace } : {}),
      },
    };
    return this.actions.for(groupResource).some((a) => a.needs?.(groupResource, named) === true);
  }

  #planExisting(
    groupResource: string,
    base: { apiVersion: string; kind: string },
    where: { namespace?: string; name: string },
    target: { namespace?: string; name: string },
    objects: { prepared: Item; inCluster: Item; original: Item },
    warnings: string[],
  ): PlannedItem {
    const { prepared, inCluster, original } = objects;
    const entry = (action: PlanAction, reason: string, extra: Partial<PlanEntry> = {}) => ({
      ...this.#entry(groupResource, base, where, action, [reason], warnings, target),
      ...extra,
    });
    const comparison = compareExisting(prepared, inCluster, original);
    const state: ExistingState = comparison.identical ? "identical" : "differs";
    const compared: Partial<PlanEntry> = {
      existing: state,
      ...(comparison.identical ? {} : { changes: maskSecrets(groupResource, comparison.changes) }),
    };
    let policy = this.options.policies.policyFor(groupResource);
    if (policy === "recreate" && NEVER_DELETED.has(groupResource) && !comparison.identical) {
      warnings.push(
        `${base.kind} "${objectKey(target.namespace, target.name)}" was updated, not recreated: deleting a ${base.kind} would destroy data`,
      );
      policy = "update";
    }
    if (policy === "none") {
      if (!comparison.identical)
        warnings.push(this.options.policies.differsWarning(groupResource, base.kind, target.name));
      return { entry: entry("skip", `already exists, ${state}`, compared) };
    }
    if (comparison.identical) {
      return {
        entry: entry("update", "already exists, identical: only the restore labels are patched", compared),
        body: labelsPatch(prepared),
      };
    }
    if (policy === "update") {
      return {
        entry: entry("update", "already exists and differs: patched to the backup's version", {
          ...compared,
          labelsFallback: labelsPatch(prepared),
        }),
        body: comparison.patch,
      };
    }
    return {
      entry: entry("recreate", "already exists and differs: deleted, then created from the backup", {
        ...compared,
        ...(typeof inCluster.metadata?.uid === "string" ? { uid: inCluster.metadata.uid } : {}),
      }),
      body: prepared,
    };
  }

  #entry(
    groupResource: string,
    base: { apiVersion: string; kind: string },
    where: { namespace?: string; name: string },
    action: PlanAction,
    reasons: string[],
    warnings: string[] = [],
    target?: { namespace?: string; name: string },
  ): PlanEntry {
    const namespace = target
      ? target.namespace
      : where.namespace && this.options.scope.mapNamespace(where.namespace);
    return {
      groupResource,
      ...base,
      ...(namespace ? { namespace } : {}),
      name: target?.name ?? where.name,
      ...(where.namespace && where.namespace !== namespace ? { sourceNamespace: where.namespace } : {}),
      ...(target && target.name !== where.name ? { sourceName: where.name } : {}),
      action,
      reason: reasons.join("; "),
      warnings,
    };
  }
}

const MASKED = "<masked>";

/** A Secret's values never leave the plan: any field but its name, namespace, labels and type is masked. */
function maskSecrets(groupResource: string, changes: FieldChange[]): FieldChange[] {
  if (groupResource !== "secrets") return changes;
  const open = /^(metadata\.(name|namespace|labels)\b|type$)/;
  return changes.map((c) =>
    open.test(c.path)
      ? c
      : {
          path: c.path,
          ...("inCluster" in c ? { inCluster: MASKED } : {}),
          ...("inBackup" in c ? { inBackup: MASKED } : {}),
        },
  );
}
