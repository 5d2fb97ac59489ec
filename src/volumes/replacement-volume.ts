/**
 * A new volume holding a claim's backed-up data, made beside the claim without touching it: the
 * first half of a data-only restore by replace. Whatever the method, it ends as a PV with policy
 * Retain, bound to nothing (Available), labelled with the restore, ready for the claim to be
 * re-pointed at it:
 * - a CSI snapshot: a pre-provisioned content of the snapshot's handle and its VolumeSnapshot,
 *   and a temporary claim provisioned from it;
 * - a native snapshot: a disk made from it by the location's provider, and a PV of it;
 * - kopia data (file-system backup, moved snapshot data): a temporary claim, which the node agent
 *   fills through a PodVolumeRestore.
 * The temporary claims are mounted by a temporary pod (a class that binds on first use binds only
 * then), and released once the volume holds the data. `--storage-class-mapping` picks the class of
 * the provisioned ones.
 */
import { randomUUID } from "node:crypto";
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { SNAPSHOT_GROUP, type VolumeSnapshot, type VolumeSnapshotContent } from "../api/csi-snapshots.js";
import {
  DATA_RESTORE_CLAIM_LABEL,
  PV_BINDING_ANNOTATIONS,
  REPLACEMENT_BY_RESTORE_LABEL,
  RESTORE_NAME_LABEL,
} from "../api/labels.js";
import { bytesToQuantity, quantityToBytes } from "../api/quantity.js";
import { FINISHED_POD_VOLUME_PHASES, type PodVolumeRestore, type Restore } from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage, isNotFound } from "../kube/errors.js";
import { deleteIfPresent, getOrUndefined } from "../kube/object-ops.js";
import { VeleroClient } from "../kube/velero-client.js";
import { restoredSnapshotName } from "./csi-snapshot-restore-actions.js";
import { SNAPSHOT_API, snapshotContentsPath, snapshotsPath } from "./csi-paths.js";
import type { VolumeDataTarget } from "./data-only-targets.js";
import { inPlaceSettings } from "./in-place-restore-settings.js";
import { podVolumeRestoreOf } from "./pod-volume-restore-actions.js";
import type { VolumeSnapshotter } from "./snapshotters/volume-snapshotter.js";
import { HOLDER_VOLUME, holderPod } from "./holder-pod.js";

const MERGE_PATCH = "application/merge-patch+json";
const POLL_MS = 500;

export interface ReplacementContext {
  client: KubeClient;
  restore: Restore;
  /** The class a class is provisioned as instead (--storage-class-mapping). */
  storageClassMapping: Record<string, string>;
  snapshotters: Map<string, VolumeSnapshotter | Error>;
  deadline: number;
  signal: AbortSignal;
  /** Told what the making is at, for the operation's description. */
  onStep: (step: string) => void;
}

/** What a replacement made, so that it can be undone; `volume` once there is one. */
export interface Replacement {
  volume?: string;
  /** Made along the way, gone once the volume is ready: `<kind> <path>`. */
  temporary: { path: string; kind: string }[];
}

const ns = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

/** Makes the replacement volume of a target's claim; `made` holds what exists so far, to undo on failure. */
export async function makeReplacementVolume(
  ctx: ReplacementContext,
  target: VolumeDataTarget,
  made: Replacement,
): Promise<string> {
  const data = target.data!;
  if (data.native) return nativeReplacement(ctx, target, made);
  const claim = target.claim!;
  const tempName = `${target.name.slice(0, 40)}-replace-${(ctx.restore.metadata.uid ?? randomUUID()).slice(0, 8)}`;
  let dataSource: { apiGroup: string; kind: string; name: string } | undefined;
  let size = quantityToBytes(
    claim.status?.capacity?.["storage"] ?? claim.spec?.resources?.requests?.["storage"],
  );
  if (data.csi) {
    const name = restoredSnapshotName(ctx.restore.metadata.uid ?? "", `replace/${target.source}`);
    ctx.onStep(`restoring ${data.from} as VolumeSnapshot ${target.namespace}/${name}`);
    const content: VolumeSnapshotContent = {
      apiVersion: SNAPSHOT_API,
      kind: "VolumeSnapshotContent",
      metadata: { name, labels: restoreLabels(ctx.restore) },
      spec: {
        deletionPolicy: "Retain",
        driver: data.csi.driver,
        source: { snapshotHandle: data.csi.handle },
        ...(data.csi.className ? { volumeSnapshotClassName: data.csi.className } : {}),
        volumeSnapshotRef: {
          apiVersion: SNAPSHOT_API,
          kind: "VolumeSnapshot",
          namespace: target.namespace,
          name,
        },
      },
    };
    await ctx.client.request("POST", snapshotContentsPath(), { body: content });
    made.temporary.push({ kind: "VolumeSnapshotContent", path: `${snapshotContentsPath()}/${name}` });
    const snapshot: VolumeSnapshot = {
      apiVersion: SNAPSHOT_API,
      kind: "VolumeSnapshot",
      metadata: { name, namespace: target.namespace, labels: restoreLabels(ctx.restore) },
      spec: { source: { volumeSnapshotContentName: name } },
    };
    await ctx.client.request("POST", snapshotsPath(target.namespace), { body: snapshot });
    made.temporary.push({ kind: "VolumeSnapshot", path: `${snapshotsPath(target.namespace)}/${name}` });
    dataSource = { apiGroup: SNAPSHOT_GROUP, kind: "VolumeSnapshot", name };
    size = Math.max(size, data.csi.restoreSizeBytes);
  }
  const className = claim.spec?.storageClassName ?? "";
  const temp: V1PersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: tempName,
      namespace: target.namespace,
      labels: { ...restoreLabels(ctx.restore), [DATA_RESTORE_CLAIM_LABEL]: labelValue(target.name) },
    },
    spec: {
      accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
      resources: { requests: { storage: bytesToQuantity(size) } },
      storageClassName: ctx.storageClassMapping[className] ?? className,
      ...(claim.spec?.volumeMode ? { volumeMode: claim.spec.volumeMode } : {}),
      ...(dataSource ? { dataSource, dataSourceRef: dataSource } : {}),
    },
  };
  ctx.onStep(
    `provisioning temporary claim ${target.namespace}/${tempName} of class ${temp.spec!.storageClassName}`,
  );
  await ctx.client.request("POST", `${ns(target.namespace)}/persistentvolumeclaims`, { body: temp });
  made.temporary.push({
    kind: "PersistentVolumeClaim",
    path: `${ns(target.namespace)}/persistentvolumeclaims/${tempName}`,
  });
  const pod = await ctx.client.request<V1Pod>("POST", `${ns(target.namespace)}/pods`, {
    body: holderPod({
      restore: ctx.restore,
      namespace: target.namespace,
      claim: tempName,
      forClaim: target.name,
      block: claim.spec?.volumeMode === "Block",
    }),
  });
  const podPath = `${ns(target.namespace)}/pods/${pod.metadata!.name!}`;
  made.temporary.push({ kind: "Pod", path: podPath });
  const volume = await waitBound(ctx, target.namespace, tempName);
  made.volume = volume;
  // Retain first: the volume must outlive its temporary claim.
  await patch(ctx.client, `/api/v1/persistentvolumes/${volume}`, {
    metadata: { labels: { [REPLACEMENT_BY_RESTORE_LABEL]: labelValue(ctx.restore.metadata.name!) } },
    spec: { persistentVolumeReclaimPolicy: "Retain" },
  });
  if (data.kopia) {
    ctx.onStep(`writing ${data.from} into the new volume ${volume}`);
    await writeKopiaData(ctx, target, pod);
  }
  await undoTemporary(ctx.client, made);
  await release(ctx, volume);
  return volume;
}

async function nativeReplacement(
  ctx: ReplacementContext,
  target: VolumeDataTarget,
  made: Replacement,
): Promise<string> {
  const { spec, status } = target.data!.native!;
  const snapshotter = ctx.snapshotters.get(spec.location);
  if (!snapshotter || snapshotter instanceof Error)
    throw new Error(snapshotter?.message ?? `volume snapshot location ${spec.location} does not exist`);
  ctx.onStep(`making a disk from ${target.data!.from}`);
  const volumeID = await snapshotter.createVolumeFromSnapshot(
    status.providerSnapshotID!,
    spec.volumeType,
    spec.volumeAZ ?? "",
    spec.volumeIOPS,
  );
  // The claim's volume as it is now is the template: same driver, class, size and access.
  const current = await ctx.client.get<V1PersistentVolume>(
    `/api/v1/persistentvolumes/${target.claim!.spec!.volumeName}`,
  );
  const name = `velero-replace-${randomUUID()}`;
  const annotations = Object.fromEntries(
    Object.entries(current.metadata?.annotations ?? {}).filter(([k]) => !PV_BINDING_ANNOTATIONS.includes(k)),
  );
  const pv = snapshotter.setVolumeID(
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: {
        name,
        labels: {
          ...current.metadata?.labels,
          [REPLACEMENT_BY_RESTORE_LABEL]: labelValue(ctx.restore.metadata.name!),
        },
        annotations,
      },
      spec: { ...current.spec, claimRef: undefined, persistentVolumeReclaimPolicy: "Retain" },
    },
    volumeID,
  );
  delete pv.spec!.claimRef;
  await ctx.client.request("POST", "/api/v1/persistentvolumes", { body: pv });
  made.volume = name;
  return name;
}

/** A PodVolumeRestore of the kopia data into the temporary pod's volume, followed until it ends. */
async function writeKopiaData(ctx: ReplacementContext, target: VolumeDataTarget, pod: V1Pod): Promise<void> {
  const { kopia } = target.data!;
  const velero = new VeleroClient(ctx.client, ctx.restore.metadata.namespace!);
  const pvr = await velero.create<PodVolumeRestore>(
    "podvolumerestores",
    podVolumeRestoreOf(ctx.restore, pod, HOLDER_VOLUME, {
      backupStorageLocation: kopia!.backupStorageLocation,
      snapshotID: kopia!.snapshotID,
      sourceNamespace: kopia!.repositoryNamespace,
      snapshotSize: kopia!.bytes,
      uploaderSettings: inPlaceSettings({ incremental: false, deleteExtraFiles: false, includePaths: [] }),
    }),
  );
  for (;;) {
    const now = await velero.get<PodVolumeRestore>("podvolumerestores", pvr.metadata.name!);
    const phase = now?.status?.phase ?? "New";
    if (phase === "Completed") return;
    if (FINISHED_POD_VOLUME_PHASES.includes(phase))
      throw new Error(`PodVolumeRestore ${pvr.metadata.name} ended ${phase}: ${now?.status?.message ?? ""}`);
    if (Date.now() > ctx.deadline || ctx.signal.aborted) {
      await velero.patch("podvolumerestores", pvr.metadata.name!, { spec: { cancel: true } });
      throw new Error(`PodVolumeRestore ${pvr.metadata.name} ran out of time and was canceled`);
    }
    await sleep(POLL_MS);
  }
}

/** Deletes what was made along the way, newest first, waiting for each to go. */
export async function undoTemporary(client: KubeClient, made: Replacement): Promise<void> {
  for (const { path } of made.temporary.reverse()) {
    await deleteIfPresent(client, path, { gracePeriodSeconds: 0 });
    await waitGone(client, path);
  }
  made.temporary = [];
}

/** Undoes a replacement that did not go into use: its temporary objects, and the new volume with its disk. */
export async function undoReplacement(client: KubeClient, made: Replacement): Promise<void> {
  await undoTemporary(client, made);
  if (!made.volume) return;
  const path = `/api/v1/persistentvolumes/${made.volume}`;
  await patch(client, path, { spec: { persistentVolumeReclaimPolicy: "Delete" } }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  await deleteIfPresent(client, path);
}

/** The volume, its temporary claim gone, made free to bind to another claim (Available). */
async function release(ctx: ReplacementContext, volume: string): Promise<void> {
  await patch(ctx.client, `/api/v1/persistentvolumes/${volume}`, { spec: { claimRef: null } });
}

async function waitBound(ctx: ReplacementContext, namespace: string, claim: string): Promise<string> {
  for (;;) {
    const now = await ctx.client.get<V1PersistentVolumeClaim>(
      `${ns(namespace)}/persistentvolumeclaims/${claim}`,
    );
    if (now.status?.phase === "Bound" && now.spec?.volumeName) return now.spec.volumeName;
    if (Date.now() > ctx.deadline || ctx.signal.aborted)
      throw new Error(
        `temporary claim ${namespace}/${claim} was still ${now.status?.phase ?? "Pending"}, not bound`,
      );
    await sleep(POLL_MS);
  }
}

async function waitGone(client: KubeClient, path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await getOrUndefined(client, path)) && Date.now() < deadline) await sleep(POLL_MS);
}

function patch(client: KubeClient, path: string, body: object): Promise<unknown> {
  return client.request("PATCH", path, { body, contentType: MERGE_PATCH }).catch((err: unknown) => {
    throw new Error(`could not patch ${path}: ${errorMessage(err)}`, { cause: err });
  });
}

const restoreLabels = (restore: Restore) => ({ [RESTORE_NAME_LABEL]: labelValue(restore.metadata.name!) });
