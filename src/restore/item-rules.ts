/**
 * What a restore does to each item before it creates it, as Velero does (velero-facts.md,
 * "Per-item restore rules"). Pure functions over plain objects; each returns a new object.
 */
import {
  BACKUP_NAME_LABEL,
  JOB_CONTROLLER_UID_LABELS,
  LAST_APPLIED_ANNOTATION,
  MIRROR_POD_ANNOTATION,
  NAMESPACE_NAME_LABEL,
  PV_BINDING_ANNOTATIONS,
  PVC_BINDING_ANNOTATIONS,
  RESTORE_NAME_LABEL,
  RESTORE_STATUS_ANNOTATION,
  SERVICE_ACCOUNT_UID_ANNOTATION,
} from "../api/labels.js";
import { labelValue } from "../filters/label-value.js";

/** An item of a backup, as its JSON reads. */
export interface Item {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { fieldsV1?: unknown }[];
    [field: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Resources a restore never creates; asking for one by name fails validation. */
export const NEVER_RESTORED = new Set([
  "nodes",
  "events",
  "events.events.k8s.io",
  "backups.velero.io",
  "restores.velero.io",
  "resticrepositories.velero.io",
  "csinodes.storage.k8s.io",
  "volumeattachments.storage.k8s.io",
  "backuprepositories.velero.io",
]);

/** An object's identity within its resource: `ns/name`, or the name of a cluster-scoped one. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * The labels every restored object carries: the one place they are made. A name over 63
 * characters becomes a shortened label value, as Velero does, or the API server refuses it.
 */
export function restoreLabels(backupName: string, restoreName: string): Record<string, string> {
  return { [BACKUP_NAME_LABEL]: labelValue(backupName), [RESTORE_NAME_LABEL]: labelValue(restoreName) };
}

/** Metadata fields that belong to the object's old life in its old cluster. */
export const RESET_METADATA = [
  "generateName",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
];

/** Why an item is skipped without being created (completed pods and jobs, mirror pods), or undefined. */
export function skipReason(groupResource: string, item: Item): string | undefined {
  if (groupResource === "pods") {
    const phase = item.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return `pod has phase ${phase}`;
    if (item.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return "mirror pod";
  }
  if (groupResource === "jobs.batch" && item.status?.completionTime) return "job has completed";
  return undefined;
}

export interface ItemContext {
  backupName: string;
  restoreName: string;
  /** The namespace an item of a backed-up namespace goes to (itself when not mapped). */
  mapNamespace: (namespace: string) => string;
  /** Keep `status` (spec.restoreStatus includes the resource). */
  restoreStatus: boolean;
  preserveNodePorts: boolean;
}

/**
 * The item as the restore creates it: metadata reset, restore labels, the mapped namespace,
 * references into mapped namespaces rewritten, and the rules of its kind applied.
 */
export function prepareItem(groupResource: string, item: Item, ctx: ItemContext): Item {
  const out = structuredClone(item);
  const metadata = (out.metadata ??= {});
  for (const field of RESET_METADATA) delete metadata[field];
  const keepStatus = ctx.restoreStatus || metadata.annotations?.[RESTORE_STATUS_ANNOTATION] === "true";
  if (!keepStatus) delete out.status;
  if (metadata.namespace) metadata.namespace = ctx.mapNamespace(metadata.namespace);
  if (groupResource === "namespaces" && metadata.name) {
    metadata.name = ctx.mapNamespace(metadata.name);
    // The API server keeps this label equal to the name; a mapped namespace gets its new name.
    if (metadata.labels?.[NAMESPACE_NAME_LABEL]) metadata.labels[NAMESPACE_NAME_LABEL] = metadata.name;
  }
  metadata.labels = { ...metadata.labels, ...restoreLabels(ctx.backupName, ctx.restoreName) };
  KIND_RULES[groupResource]?.(out, ctx);
  return out;
}

type KindRule = (item: Item, ctx: ItemContext) => void;

const KIND_RULES: Record<string, KindRule> = {
  services: (item, ctx) => {
    const spec = item.spec ?? {};
    if (spec.clusterIP !== "None") {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (ctx.preserveNodePorts) return;
    const explicit = explicitNodePorts(item);
    for (const port of (spec.ports as ServicePort[] | undefined) ?? []) {
      if (port.nodePort !== undefined && !explicit.has(port.nodePort)) delete port.nodePort;
    }
  },
  pods: (item) => {
    const spec = item.spec ?? {};
    delete spec.nodeName;
    delete spec.priority;
    const sa = (spec.serviceAccountName ?? spec.serviceAccount) as string | undefined;
    if (!sa) return;
    const isToken = (name: string | undefined) => name?.startsWith(`${sa}-token-`) ?? false;
    spec.volumes = ((spec.volumes as { name?: string }[] | undefined) ?? []).filter((v) => !isToken(v.name));
    for (const list of ["containers", "initContainers"]) {
      for (const c of (spec[list] as { volumeMounts?: { name?: string }[] }[] | undefined) ?? []) {
        if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((m) => !isToken(m.name));
      }
    }
  },
  "jobs.batch": (item) => {
    const spec = item.spec ?? {};
    const selector = spec.selector as { matchLabels?: Record<string, string> } | undefined;
    const template = spec.template as { metadata?: { labels?: Record<string, string> } } | undefined;
    for (const label of JOB_CONTROLLER_UID_LABELS) {
      delete selector?.matchLabels?.[label];
      delete template?.metadata?.labels?.[label];
    }
  },
  serviceaccounts: (item) => {
    // Token secrets are made anew for the new ServiceAccount; the old names would dangle.
    const name = item.metadata?.name ?? "";
    const secrets = item.secrets as { name?: string }[] | undefined;
    if (secrets) item.secrets = secrets.filter((s) => !s.name?.startsWith(`${name}-token-`));
  },
  secrets: (item) => {
    if (item.type !== "kubernetes.io/service-account-token") return;
    // The token controller fills a token Secret in for the ServiceAccount that exists now.
    delete item.metadata?.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION];
    const data = item.data as Record<string, string> | undefined;
    if (data) for (const key of ["token", "ca.crt", "namespace"]) delete data[key];
  },
  persistentvolumeclaims: (item) => {
    for (const a of PVC_BINDING_ANNOTATIONS) delete item.metadata?.annotations?.[a];
  },
  persistentvolumes: (item, ctx) => {
    const claimRef = item.spec?.claimRef as
      { namespace?: string; uid?: string; resourceVersion?: string } | undefined;
    if (claimRef) {
      if (claimRef.namespace) claimRef.namespace = ctx.mapNamespace(claimRef.namespace);
      delete claimRef.uid;
      delete claimRef.resourceVersion;
    }
    for (const a of PV_BINDING_ANNOTATIONS) delete item.metadata?.annotations?.[a];
  },
  endpoints: (item, ctx) => {
    const subsets = (item.subsets as Record<string, TargetRefHolder[] | undefined>[] | undefined) ?? [];
    for (const subset of subsets) {
      for (const address of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) {
        mapTargetRef(address, ctx);
      }
    }
  },
  "endpointslices.discovery.k8s.io": (item, ctx) => {
    for (const endpoint of (item.endpoints as TargetRefHolder[] | undefined) ?? [])
      mapTargetRef(endpoint, ctx);
  },
  "rolebindings.rbac.authorization.k8s.io": (item, ctx) => mapSubjects(item, ctx),
  "clusterrolebindings.rbac.authorization.k8s.io": (item, ctx) => mapSubjects(item, ctx),
};

interface ServicePort {
  port?: number;
  protocol?: string;
  nodePort?: number;
}

interface TargetRefHolder {
  targetRef?: { namespace?: string };
}

/** An endpoint's pod is in the namespace it was backed up from: in a mapped one, point at the copy. */
function mapTargetRef(holder: TargetRefHolder, ctx: ItemContext): void {
  if (holder.targetRef?.namespace) holder.targetRef.namespace = ctx.mapNamespace(holder.targetRef.namespace);
}

function mapSubjects(item: Item, ctx: ItemContext): void {
  for (const s of (item.subjects as { kind?: string; namespace?: string }[] | undefined) ?? []) {
    if (s.kind === "ServiceAccount" && s.namespace) s.namespace = ctx.mapNamespace(s.namespace);
  }
}

/**
 * NodePorts the user set, not the ones the API server picked: those in the last-applied
 * configuration, or owned by a field manager in managedFields.
 */
function explicitNodePorts(item: Item): Set<number> {
  const explicit = new Set<number>();
  const lastApplied = item.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (lastApplied) {
    try {
      const applied = JSON.parse(lastApplied) as { spec?: { ports?: ServicePort[] } };
      for (const p of applied.spec?.ports ?? []) if (p.nodePort) explicit.add(p.nodePort);
    } catch {
      // A damaged annotation says nothing about which ports were explicit.
    }
  }
  const ports = (item.spec?.ports as ServicePort[] | undefined) ?? [];
  for (const entry of item.metadata?.managedFields ?? []) {
    const fields = entry.fieldsV1 as { "f:spec"?: { "f:ports"?: Record<string, unknown> } } | undefined;
    for (const [key, owned] of Object.entries(fields?.["f:spec"]?.["f:ports"] ?? {})) {
      if (!key.startsWith("k:") || !(owned as Record<string, unknown>)["f:nodePort"]) continue;
      try {
        const id = JSON.parse(key.slice(2)) as { port?: number; protocol?: string };
        const port = ports.find(
          (p) => p.port === id.port && (p.protocol ?? "TCP") === (id.protocol ?? "TCP"),
        );
        if (port?.nodePort) explicit.add(port.nodePort);
      } catch {
        // Not a key of the form k:{"port":80,"protocol":"TCP"}.
      }
    }
  }
  return explicit;
}
