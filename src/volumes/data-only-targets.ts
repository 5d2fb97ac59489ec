/**
 * The claims a restore of volume data writes into, matched before anything is touched: each
 * backed-up claim the restore takes goes to the claim of the same (mapped) namespace and name in
 * the cluster, with the backup's data for it (the method and its snapshot), the pods that use the
 * claim and the workloads that own those pods. `volumeDataProblems` is the pre-flight: every
 * reason the restore cannot go on (FailedValidation, nothing written), each saying what to change.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import type { PodVolumeBackup } from "../api/v1/index.js";
import { PVC_NAME_ANNOTATION } from "../api/labels.js";
import { bytesToQuantity, mebibytes, quantityToBytes } from "../api/quantity.js";
import type { KubeClient } from "../kube/client.js";
import { getOrUndefined } from "../kube/object-ops.js";
import type { BackupIndex } from "../restore/backup-index.js";
import type { RestoreScope } from "../restore/scope.js";
import type { VolumeDataOptions } from "./data-only-options.js";
import type { VolumeRestoreState } from "./restore-setup.js";
import type { StoppableWorkload } from "./workload-scaling.js";
import type { BackedUpSnapshot } from "./csi-snapshot-restore-actions.js";
import type { NativeVolumeSnapshot } from "./native-snapshots.js";

/** A kopia snapshot of a volume's files, in the repository of a namespace: what is written in place. */
export interface KopiaData {
  snapshotID: string;
  /** The namespace whose repository holds it (the claim's at backup time). */
  repositoryNamespace: string;
  backupStorageLocation: string;
  bytes: number;
}

/** Where a claim's data is in the backup; `kopia` for the methods that can be written in place. */
export interface BackedUpData {
  method: "PodVolumeBackup" | "DataMover" | "CSISnapshot" | "NativeSnapshot";
  /** What holds it, for the plan: `pod volume backup <name>`, `DataUpload <name>`. */
  from: string;
  kopia?: KopiaData;
  /** The CSI snapshot, for a replacement volume provisioned from it. */
  csi?: BackedUpSnapshot;
  /** The native snapshot, for a replacement disk made from it by its location's provider. */
  native?: NativeVolumeSnapshot;
}

export interface VolumeDataTarget {
  /** The claim in the backup: `<namespace>/<name>`. */
  source: string;
  namespace: string;
  name: string;
  data?: BackedUpData;
  /** The backed-up claim's uid and volume, to tell a claim bound elsewhere since the backup. */
  backedUp: { uid?: string; volumeName?: string };
  /** The claim of that name in the cluster, if any. */
  claim?: V1PersistentVolumeClaim;
  /** Pods using the claim that have not finished. */
  pods: V1Pod[];
  /** The workloads that own them (each once), or the pods themselves when bare. */
  workloads: StoppableWorkload[];
  /** Pods using it whose owner velero-ts cannot stop and start: `<pod> (owned by <kind> <name>)`. */
  unscalable: string[];
  /** Replace: the class its new volume is made in, when the restore maps the claim's class. */
  mappedClass?: string;
}

const podUses = (pod: V1Pod, claim: string) =>
  (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim);
const finished = (pod: V1Pod) =>
  pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed" || !!pod.metadata?.deletionTimestamp;

/** Reads the targets of every claim the restore takes, with one LIST of claims and pods per target namespace. */
export async function volumeDataTargets(
  client: KubeClient,
  index: BackupIndex,
  scope: RestoreScope,
  state: VolumeRestoreState,
): Promise<VolumeDataTarget[]> {
  const backedUpClaims = new Map<string, V1PersistentVolumeClaim>();
  const items = index.byResource.get("persistentvolumeclaims");
  for (let i = 0; items && i < items.length; i++) {
    const ns = items.namespaceAt(i);
    const key = `${ns}/${await items.nameAt(i)}`;
    if (!state.restoredClaims.has(key)) continue;
    try {
      backedUpClaims.set(
        key,
        JSON.parse((await items.read(i)).body.toString("utf8")) as V1PersistentVolumeClaim,
      );
    } catch {
      // the plan reports it as failed
    }
  }
  const namespaces = new Set([...backedUpClaims.keys()].map((k) => scope.mapNamespace(k.split("/")[0]!)));
  const listed = new Map<string, { claims: V1PersistentVolumeClaim[]; pods: V1Pod[] }>();
  await Promise.all(
    [...namespaces].map(async (ns) => {
      const at = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
      const [claims, pods] = await Promise.all([
        client.get<{ items: V1PersistentVolumeClaim[] }>(`${at}/persistentvolumeclaims`),
        client.get<{ items: V1Pod[] }>(`${at}/pods`),
      ]);
      listed.set(ns, { claims: claims.items, pods: pods.items });
    }),
  );
  const targets: VolumeDataTarget[] = [];
  for (const [source, backedUp] of backedUpClaims) {
    const [sourceNs, name] = source.split("/") as [string, string];
    const namespace = scope.mapNamespace(sourceNs);
    const inCluster = listed.get(namespace);
    const claim = inCluster?.claims.find((c) => c.metadata?.name === name);
    const pods = (inCluster?.pods ?? []).filter((p) => podUses(p, name) && !finished(p));
    const data = backedUpData(source, backedUp, state);
    targets.push({
      source,
      namespace,
      name,
      ...(data ? { data } : {}),
      backedUp: {
        ...(backedUp.metadata?.uid ? { uid: backedUp.metadata.uid } : {}),
        ...(backedUp.spec?.volumeName ? { volumeName: backedUp.spec.volumeName } : {}),
      },
      ...(claim ? { claim } : {}),
      pods,
      ...(await owners(client, namespace, pods)),
    });
  }
  return targets.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

function backedUpData(
  source: string,
  claim: V1PersistentVolumeClaim,
  state: VolumeRestoreState,
): BackedUpData | undefined {
  const moved = state.movedData.get(source);
  if (moved)
    return {
      method: "DataMover",
      from: `DataUpload ${moved.dataUpload}`,
      kopia: {
        snapshotID: moved.snapshotID,
        repositoryNamespace: moved.sourceNamespace,
        backupStorageLocation: moved.backupStorageLocation,
        bytes: moved.sizeBytes,
      },
    };
  const pvb = podVolumeBackupOf(source, state.podVolumeBackups);
  if (pvb)
    return {
      method: "PodVolumeBackup",
      from: `pod volume backup ${pvb.metadata.name}`,
      kopia: {
        snapshotID: pvb.status!.snapshotID!,
        repositoryNamespace: pvb.spec.pod.namespace!,
        backupStorageLocation: pvb.spec.backupStorageLocation,
        bytes: pvb.status?.progress?.totalBytes ?? 0,
      },
    };
  const csi = state.claimSnapshots.get(source);
  if (csi) return { method: "CSISnapshot", from: `CSI snapshot ${csi.namespace}/${csi.name}`, csi };
  const native = claim.spec?.volumeName ? state.nativeSnapshots.get(claim.spec.volumeName) : undefined;
  if (native)
    return { method: "NativeSnapshot", from: `native snapshot ${native.status.providerSnapshotID}`, native };
  return undefined;
}

function podVolumeBackupOf(
  source: string,
  byPod: Map<string, PodVolumeBackup[]>,
): PodVolumeBackup | undefined {
  const [ns, claim] = source.split("/");
  for (const pvbs of byPod.values())
    for (const pvb of pvbs)
      if (pvb.spec.pod.namespace === ns && pvb.metadata.annotations?.[PVC_NAME_ANNOTATION] === claim)
        return pvb;
  return undefined;
}

interface Owned {
  metadata?: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec?: { replicas?: number; template?: { spec?: { nodeSelector?: Record<string, string> } } };
}

const controllerOf = (o: Owned | undefined) =>
  o?.metadata?.ownerReferences?.find((r) => r.controller) ?? o?.metadata?.ownerReferences?.[0];

const PLURALS: Record<string, string> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
};

/**
 * The workloads owning the pods (Deployments through their ReplicaSets, StatefulSets, DaemonSets,
 * and bare pods as themselves), and the pods whose owner is none of those.
 */
export async function owners(
  client: KubeClient,
  namespace: string,
  pods: V1Pod[],
): Promise<{ workloads: StoppableWorkload[]; unscalable: string[] }> {
  const apps = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}`;
  const workloads = new Map<string, StoppableWorkload>();
  const unscalable: string[] = [];
  for (const pod of pods) {
    let owner = controllerOf(pod as Owned);
    if (!owner) {
      workloads.set(`Pod/${pod.metadata?.name}`, { kind: "Pod", name: pod.metadata!.name!, pod });
      continue;
    }
    if (owner.kind === "ReplicaSet") {
      const rs = await getOrUndefined<Owned>(client, `${apps}/replicasets/${owner.name}`);
      const deployment = controllerOf(rs);
      owner = deployment?.kind === "Deployment" ? deployment : owner;
    }
    const plural = PLURALS[owner.kind];
    const workload = plural
      ? await getOrUndefined<Owned>(client, `${apps}/${plural}/${owner.name}`)
      : undefined;
    if (!workload) {
      unscalable.push(`${pod.metadata?.name} (owned by ${owner.kind} ${owner.name})`);
      continue;
    }
    const key = `${owner.kind}/${owner.name}`;
    if (owner.kind === "DaemonSet") {
      const nodeSelector = workload.spec?.template?.spec?.nodeSelector;
      workloads.set(key, { kind: "DaemonSet", name: owner.name, ...(nodeSelector ? { nodeSelector } : {}) });
    } else
      workloads.set(key, {
        kind: owner.kind as "Deployment" | "StatefulSet",
        name: owner.name,
        replicas: workload.spec?.replicas ?? 1,
      });
  }
  return { workloads: [...workloads.values()], unscalable };
}

const claimKey = (t: VolumeDataTarget) => `${t.namespace}/${t.name}`;
const podNames = (t: VolumeDataTarget) => t.pods.map((p) => `${t.namespace}/${p.metadata?.name}`).join(", ");

/**
 * The pre-flight of a restore of volume data: the errors that stop it before anything is written
 * (FailedValidation), and warnings about claims it leaves as they are.
 */
export function volumeDataProblems(
  targets: VolumeDataTarget[],
  options: VolumeDataOptions,
  backupName: string,
  /** Replace: the cluster's storage classes, which the mapped classes must be among. */
  knownClasses: Set<string> = new Set(),
): { errors: string[]; warnings: Map<string, string> } {
  const errors: string[] = [];
  /** By backed-up claim: for the plan entry of that claim. */
  const warnings = new Map<string, string>();
  if (options.dataOnly && !targets.some((t) => t.data)) {
    errors.push(
      `backup ${backupName} holds no volume data for the claims this restore takes (no file-system backup, moved snapshot data or snapshot of them): a data-only restore has nothing to restore; pick a backup taken with volume data, or check the restore's namespace and label filters`,
    );
    return { errors, warnings };
  }
  for (const t of targets) {
    const where = `claim ${claimKey(t)}`;
    const data = t.data;
    if (!data) {
      if (t.claim)
        warnings.set(t.source, `${where}: backup ${backupName} holds no data of it, so it is left as it is`);
      continue;
    }
    if (!t.claim) {
      if (options.dataOnly)
        warnings.set(
          t.source,
          `${where} is not in the cluster, so the data of backed-up claim ${t.source} is not restored: a data-only restore creates nothing (restore without --data-only to create the claim)`,
        );
      continue;
    }
    const volume = t.claim.spec?.volumeName;
    if (!volume || t.claim.status?.phase !== "Bound") {
      errors.push(
        `${where} is not bound to a volume (it is ${t.claim.status?.phase ?? "Pending"}): a restore of volume data needs the claim bound; wait until it is bound, or start a pod that uses it`,
      );
      continue;
    }
    if (
      t.claim.metadata?.uid &&
      t.claim.metadata.uid === t.backedUp.uid &&
      t.backedUp.volumeName &&
      volume !== t.backedUp.volumeName
    )
      errors.push(
        `${where} is bound to volume ${volume}, but at backup time it was bound to ${t.backedUp.volumeName}: the data would go into another volume than the one backed up; check that this is the claim you mean and bind it back, or restore into a new claim with --namespace-mappings`,
      );
    if (options.mode === "replace") {
      errors.push(...replaceProblems(t, where, knownClasses));
      continue;
    }
    if (t.claim.spec?.volumeMode === "Block")
      errors.push(
        `${where} is a block-mode volume: in-place restore writes files, so it cannot restore a raw device; use --data-only-mode replace`,
      );
    if (!data.kopia) {
      errors.push(
        `${where}: its data is a ${data.method === "CSISnapshot" ? "CSI" : "native"} snapshot (${data.from}), which can only be restored into a new volume, not written into an existing one: use --data-only-mode replace, or back up with --snapshot-move-data or file-system backup`,
      );
      continue;
    }
    const capacity = quantityToBytes(
      t.claim.status?.capacity?.["storage"] ?? t.claim.spec?.resources?.requests?.["storage"],
    );
    if (capacity > 0 && data.kopia.bytes > capacity)
      errors.push(
        `${where} holds ${bytesToQuantity(capacity)}, less than the ${mebibytes(data.kopia.bytes)} of its backed-up data (${data.from}): expand the claim first, or use --data-only-mode replace`,
      );
    if (!t.pods.length) continue;
    if (options.runningPods === "refuse")
      errors.push(
        `${where} is in use by pods ${podNames(t)}, which would see their files change under them: stop them first, or pass --stop-workloads (their Deployments, StatefulSets and DaemonSets are stopped for the restore and started again after, bare pods made again), or --allow-running-pods (at your own risk)`,
      );
    else if (options.runningPods === "stop-workloads" && t.unscalable.length)
      errors.push(
        `${where} is in use by ${t.unscalable.map((p) => `${t.namespace}/${p}`).join(", ")}, which --stop-workloads cannot stop and start again (it does Deployments, StatefulSets, DaemonSets and bare pods): delete those pods first, or use --allow-running-pods (at your own risk)`,
      );
  }
  return { errors, warnings };
}

/** What stops a replace of one bound claim's volume. */
function replaceProblems(t: VolumeDataTarget, where: string, knownClasses: Set<string>): string[] {
  const errors: string[] = [];
  if (t.data?.kopia && t.claim?.spec?.volumeMode === "Block")
    errors.push(
      `${where} is a block-mode volume, but its backed-up data is files (${t.data.from}): restore it into a claim of volume mode Filesystem`,
    );
  if (t.unscalable.length)
    errors.push(
      `${where} is in use by ${t.unscalable.map((p) => `${t.namespace}/${p}`).join(", ")}, which a replace cannot stop and start again to re-point them (it does Deployments, StatefulSets, DaemonSets and bare pods): delete those pods first`,
    );
  const from = t.claim?.spec?.storageClassName ?? "";
  const to = t.mappedClass;
  if (to && !knownClasses.has(to))
    errors.push(
      `${where}: storage class ${to}, which --storage-class-mapping maps ${from} to, does not exist: create it, or fix the mapping`,
    );
  return errors;
}

/** What the restore does to the pods using a claim, for the plan. */
export function podsPlan(t: VolumeDataTarget, options: VolumeDataOptions): string {
  if (!t.pods.length) return "no pod uses it: a temporary pod mounts it for the write";
  const pods = `used by ${podNames(t)}`;
  if (options.runningPods === "allow")
    return `${pods}, which keep running (--allow-running-pods): a temporary pod on the same node mounts it for the write`;
  return `${pods}: ${t.workloads.map(stopPlan).join(", ")}; a temporary pod mounts it for the write`;
}

/** What stopping a workload does, for the plan. */
export function stopPlan(w: StoppableWorkload): string {
  return w.kind === "Deployment" || w.kind === "StatefulSet"
    ? `${w.kind} ${w.name} scaled ${w.replicas} → 0, then back to ${w.replicas}`
    : w.kind === "DaemonSet"
      ? `DaemonSet ${w.name} stopped (a node selector no node matches), then put back`
      : `bare pod ${w.name} deleted, then made again from its spec`;
}
