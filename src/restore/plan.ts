/**
 * The restore plan: for each item of a backup that a restore takes, what will happen to it and
 * why. A pure function of the item, the restore's spec and what the target cluster holds; the
 * engine feeds it resource by resource in restore order and executes what it decides.
 */
import { RESTORE_NAME_LABEL } from "../api/labels.js";
import {
  type Item,
  type ItemContext,
  objectKey,
  prepareItem,
  restoreLabels,
  skipReason,
} from "./item-rules.js";
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
}

/** A planned item, with what to send: the object to create, or the merge patch of an update. */
export interface PlannedItem {
  entry: PlanEntry;
  body?: Item;
}

export interface PlannerOptions {
  scope: RestoreScope;
  backupName: string;
  restoreName: string;
  preserveNodePorts: boolean;
  /** Claims of the backup the restore takes (`ns/name`, backup namespaces): their volumes come too. */
  restoredClaims: Set<string>;
  /** Group-resources of custom resources the restore takes: their CRDs come too. */
  restoredGroupResources: Set<string>;
  /** Every PersistentVolume of the target cluster. */
  clusterVolumes: Item[];
  policies: ExistingPolicies;
}

/** What became of a volume of the backup, for the claims planned after it. */
type VolumeFate = { kind: "restored" } | { kind: "existing"; claim?: string } | { kind: "anew"; why: string };

const CRDS = "customresourcedefinitions.apiextensions.k8s.io";

/** Plans items one at a time, remembering what claims need to know about their volumes. */
export class RestorePlanner {
  readonly #volumes = new Map<string, VolumeFate>();
  readonly #volumeIdentities: Map<string, string>;

  constructor(private readonly options: PlannerOptions) {
    this.#volumeIdentities = new Map(
      options.clusterVolumes.flatMap((pv) => {
        const id = volumeIdentity(pv);
        return id ? [[id, pv.metadata?.name ?? ""] as const] : [];
      }),
    );
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
    const skip = skipReason(groupResource, item);
    if (skip) return { entry: this.#entry(groupResource, base, where, "skip", [skip], identity.warnings) };

    const ctx: ItemContext = {
      backupName: this.options.backupName,
      restoreName: this.options.restoreName,
      mapNamespace: (ns) => scope.mapNamespace(ns),
      restoreStatus: scope.restoresStatus(groupResource),
      preserveNodePorts: this.options.preserveNodePorts,
    };
    const prepared = prepareItem(groupResource, item, ctx);
    const target = { namespace: prepared.metadata?.namespace, name: prepared.metadata?.name ?? where.name };
    const warnings = identity.warnings;
    const inCluster = existing(target.namespace, target.name);

    if (groupResource === "persistentvolumes") {
      const decided = this.#planVolume(prepared, inCluster, warnings);
      if (decided)
        return {
          entry: this.#entry(groupResource, base, where, decided.action, [decided.reason], warnings, target),
          body: decided.body,
        };
    }
    if (groupResource === "persistentvolumeclaims") this.#planClaim(prepared, warnings);

    if (inCluster)
      return this.#planExisting(
        groupResource,
        base,
        where,
        target,
        { prepared, inCluster, original: item },
        warnings,
      );
    const entry = this.#entry(
      groupResource,
      base,
      where,
      "create",
      [createReason(groupResource, prepared)],
      warnings,
      target,
    );
    return { entry: prepared.status ? { ...entry, keepsStatus: true } : entry, body: prepared };
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
      return (
        scope.includesNamespace(where.namespace) &&
        scope.includesResource(groupResource) &&
        scope.matchesLabels(item.metadata?.labels)
      );
    }
    let needed = false;
    if (groupResource === "persistentvolumes") {
      const ref = item.spec?.claimRef as { namespace?: string; name?: string } | undefined;
      needed = ref !== undefined && this.options.restoredClaims.has(`${ref.namespace}/${ref.name}`);
    } else if (groupResource === CRDS) {
      needed = this.options.restoredGroupResources.has(where.name);
    }
    if (!scope.includesClusterItem(groupResource, needed)) return false;
    // What restored items need comes whatever its labels, as Velero's additional items do.
    return needed || scope.matchesLabels(item.metadata?.labels);
  }

  #planVolume(
    pv: Item,
    inCluster: Item | undefined,
    warnings: string[],
  ): { action: PlanAction; reason: string; body?: Item } | undefined {
    const name = pv.metadata?.name ?? "";
    const claimRef = pv.spec?.claimRef as { namespace?: string; name?: string } | undefined;
    const claim = claimRef ? `${claimRef.namespace}/${claimRef.name}` : undefined;
    if (pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
      this.#volumes.set(name, {
        kind: "anew",
        why: `volume ${name} has reclaim policy Delete and no data in the backup`,
      });
      return {
        action: "skip",
        reason: "reclaim policy Delete and no volume data in the backup: its claim is provisioned anew",
      };
    }
    if (inCluster) {
      const held = inCluster.spec?.claimRef as
        { namespace?: string; name?: string; uid?: string } | undefined;
      const heldBy = held ? `${held.namespace}/${held.name}` : undefined;
      if (heldBy === claim && held?.uid && inCluster.status?.phase === "Released") {
        this.#volumes.set(name, { kind: "existing", claim });
        return {
          action: "update",
          reason:
            "volume exists, released by its old claim: its claimRef's uid is cleared so the restored claim binds to it",
          body: { spec: { claimRef: { uid: null, resourceVersion: null } } } as unknown as Item,
        };
      }
      this.#volumes.set(name, { kind: "existing", claim: heldBy });
      return undefined; // an existing object like any other
    }
    const id = volumeIdentity(pv);
    const twin = id ? this.#volumeIdentities.get(id) : undefined;
    if (twin) {
      const why = `persistent volume ${name} was not restored: volume ${twin} in the cluster already uses the same storage (${id})`;
      warnings.push(`${why}; its claim is provisioned anew`);
      this.#volumes.set(name, { kind: "anew", why });
      return { action: "skip", reason: `volume ${twin} in the cluster already uses the same storage` };
    }
    this.#volumes.set(name, { kind: "restored" });
    if (id) this.#volumeIdentities.set(id, name);
    return undefined;
  }

  /** Keeps a claim's volumeName only when that volume will be its own; otherwise it is provisioned anew. */
  #planClaim(pvc: Item, warnings: string[]): void {
    const volume = pvc.spec?.volumeName as string | undefined;
    if (!volume || !pvc.spec) return;
    const claim = `${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
    let fate = this.#volumes.get(volume);
    if (!fate) {
      const pv = this.options.clusterVolumes.find((v) => v.metadata?.name === volume);
      const held = pv?.spec?.claimRef as { namespace?: string; name?: string } | undefined;
      fate = pv
        ? { kind: "existing", claim: held ? `${held.namespace}/${held.name}` : undefined }
        : { kind: "anew", why: `volume ${volume} is neither restored nor in the cluster` };
    }
    if (fate.kind === "existing" && fate.claim !== undefined && fate.claim !== claim) {
      warnings.push(
        `persistent volume claim ${claim} was not bound to volume ${volume}, which claim ${fate.claim} holds: it is provisioned anew`,
      );
      delete pvc.spec.volumeName;
    } else if (fate.kind === "anew") {
      delete pvc.spec.volumeName;
    }
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
    if (groupResource === "serviceaccounts") {
      // Velero's merge, whatever the policy.
      const patch = serviceAccountMerge(prepared, inCluster);
      return patch
        ? {
            entry: entry(
              "update",
              "service account exists: the backup's secrets, image pull secrets, labels and annotations are merged in",
            ),
            body: patch,
          }
        : { entry: entry("skip", "service account exists and holds everything the backup's does") };
    }
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
      action,
      reason: reasons.join("; "),
      warnings,
    };
  }
}

function createReason(groupResource: string, prepared: Item): string {
  if (groupResource === "persistentvolumeclaims" && !prepared.spec?.volumeName)
    return "created; its volume is provisioned anew";
  return "not in the cluster";
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

/** Velero's merge of a backed-up ServiceAccount into one that exists, or undefined when it adds nothing. */
function serviceAccountMerge(prepared: Item, inCluster: Item): Item | undefined {
  const patch: Item = {};
  for (const list of ["secrets", "imagePullSecrets"]) {
    const have = (inCluster[list] as { name?: string }[] | undefined) ?? [];
    const names = new Set(have.map((s) => s.name));
    const extra = ((prepared[list] as { name?: string }[] | undefined) ?? []).filter(
      (s) => !names.has(s.name),
    );
    if (extra.length) patch[list] = [...have, ...extra];
  }
  for (const field of ["labels", "annotations"] as const) {
    const have = inCluster.metadata?.[field] ?? {};
    const missing = Object.entries(prepared.metadata?.[field] ?? {}).filter(([k]) => !(k in have));
    if (missing.length) (patch.metadata ??= {})[field] = Object.fromEntries(missing);
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** What storage a volume points at, so two PVs for one disk are never both made; undefined when unknown. */
export function volumeIdentity(pv: Item): string | undefined {
  const spec = pv.spec ?? {};
  const csi = spec.csi as { driver?: string; volumeHandle?: string } | undefined;
  if (csi?.volumeHandle) return `csi ${csi.driver} ${csi.volumeHandle}`;
  const hostPath = spec.hostPath as { path?: string } | undefined;
  if (hostPath?.path) return `hostPath ${hostPath.path}`;
  const local = spec.local as { path?: string } | undefined;
  if (local?.path) return `local ${local.path}`;
  const nfs = spec.nfs as { server?: string; path?: string } | undefined;
  if (nfs?.server) return `nfs ${nfs.server}:${nfs.path}`;
  return undefined;
}
