/**
 * CSI snapshots in a restore, as Velero's CSI restore item actions bring them back: the
 * backed-up VolumeSnapshotContent becomes a pre-provisioned one (the snapshot handle, deletion
 * policy Retain, so nothing the restore makes can delete the storage's snapshot), its
 * VolumeSnapshot points at it, and the claim is provisioned from the VolumeSnapshot. Both are
 * renamed hex sha256(`<restoreUID>/<snapshot name>`), so restores never collide with each other
 * or with the originals. The VolumeSnapshot's operation waits until it is ready to use; one that
 * cannot be (its snapshot deleted out of band) fails alone, and what the restore made for it
 * (VolumeSnapshot, content, and the claim still waiting for it) is deleted.
 */
import { createHash } from "node:crypto";
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { SNAPSHOT_GROUP, type VolumeSnapshot, type VolumeSnapshotContent } from "../api/csi-snapshots.js";
import { bytesToQuantity, quantityToBytes } from "../api/quantity.js";
import {
  CSI_DRIVER_NAME_ANNOTATION,
  CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION,
  CSI_VOLUMESNAPSHOT_RESTORE_SIZE_ANNOTATION,
  RESTORE_NAME_LABEL,
} from "../api/labels.js";
import type { Restore } from "../api/v1/index.js";
import type { OperationProgress } from "../items/item-operation.js";
import type { Item } from "../items/item.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage, isNotFound } from "../kube/errors.js";
import { SharedReads } from "../kube/shared-reads.js";
import { WatchedObjects } from "../kube/watched-objects.js";
import { getOrUndefined } from "../kube/object-ops.js";
import { labelValue } from "../filters/label-value.js";
import { SNAPSHOT_API, snapshotContentsPath, snapshotsPath } from "./csi-paths.js";
import type { RestoreVolumeRecords } from "./restore-volume-records.js";

export const VOLUME_SNAPSHOTS = "volumesnapshots.snapshot.storage.k8s.io";
export const VOLUME_SNAPSHOT_CONTENTS = "volumesnapshotcontents.snapshot.storage.k8s.io";
export const VOLUME_SNAPSHOT_CLASSES = "volumesnapshotclasses.snapshot.storage.k8s.io";

/** A VolumeSnapshot of the backup that Velero made, as the restore reads it. */
export interface BackedUpSnapshot {
  namespace: string;
  name: string;
  /** The claim it was taken of (in the backup's namespace). */
  claim?: string;
  handle: string;
  driver: string;
  restoreSizeBytes: number;
  className?: string;
}

export interface CsiRestoreState {
  /** The restore's UID, which the restored snapshots' names are made from (its name on a dry run). */
  restoreUID: string;
  /** `spec.restorePVs`: false restores no volume data. */
  restorePVs: boolean;
  /** Velero-made VolumeSnapshots the restore takes, by `ns/name` in the backup. */
  snapshots: Map<string, BackedUpSnapshot>;
  /** The snapshot of each claim the restore provisions from one, by `ns/name` in the backup. */
  claimSnapshots: Map<string, BackedUpSnapshot>;
  /** VolumeSnapshotClasses the restored snapshots may name: the cluster's and those the backup brings. */
  availableClasses: Set<string>;
  volumes: RestoreVolumeRecords;
  /** Operations polled together share their LISTs of the restore's snapshots and contents. */
  reads: SharedReads;
  /** What the operations' watches brought of the restore's snapshots and contents, read before any LIST. */
  seen: SeenSnapshots;
}

/** The restore's VolumeSnapshots by namespace and its contents, as its watches last brought them. */
export interface SeenSnapshots {
  snapshots: Map<string, WatchedObjects<VolumeSnapshot>>;
  contents: WatchedObjects<VolumeSnapshotContent>;
}

export function seenSnapshots(): SeenSnapshots {
  return { snapshots: new Map(), contents: new WatchedObjects() };
}

/** The name a restore gives the VolumeSnapshot `vsName` of its backup, and its content (Velero's). */
export function restoredSnapshotName(restoreUID: string, vsName: string): string {
  return createHash("sha256").update(`${restoreUID}/${vsName}`).digest("hex");
}

const RESTORE_PVS_OFF = "restorePVs is false: no volume data is restored";

interface SnapshotOperationInput {
  claim?: string;
  snapshot: BackedUpSnapshot;
  contentName: string;
}

export function csiSnapshotRestoreActions(state: CsiRestoreState): RestoreItemAction[] {
  const renamed = (vsName: string) => restoredSnapshotName(state.restoreUID, vsName);
  const keptClass = (snapshot: BackedUpSnapshot) =>
    snapshot.className && state.availableClasses.has(snapshot.className) ? snapshot.className : undefined;
  /** Where the snapshot and its content go, and the class they keep. */
  const restoredAs = (snapshot: BackedUpSnapshot, mapNamespace: (ns: string) => string) => ({
    name: renamed(snapshot.name),
    namespace: mapNamespace(snapshot.namespace),
    className: keptClass(snapshot),
  });
  const missingClassWarning = (snapshot: BackedUpSnapshot, target: string) =>
    snapshot.className && !keptClass(snapshot)
      ? [
          `VolumeSnapshotClass ${snapshot.className} of VolumeSnapshot ${target} is neither in the cluster nor in the restore: the snapshot is restored without a class; create the class (driver ${snapshot.driver}) if the driver needs one`,
        ]
      : [];

  const classAction: RestoreItemAction = {
    name: "velero.io/csi-volumesnapshotclass-restorer",
    appliesTo: [VOLUME_SNAPSHOT_CLASSES],
    needs: (_, cls) =>
      state.restorePVs && [...state.snapshots.values()].some((s) => s.className === cls.metadata?.name),
    execute: () => undefined,
  };

  const contentAction: RestoreItemAction = {
    name: "velero.io/csi-volumesnapshotcontent-restorer",
    appliesTo: [VOLUME_SNAPSHOT_CONTENTS],
    needs: (_, vsc) => state.restorePVs && snapshotOfContent(state, vsc) !== undefined,
    execute({ item, restore }) {
      if (!state.restorePVs) return { skip: RESTORE_PVS_OFF };
      const snapshot = snapshotOfContent(state, item);
      if (!snapshot) return { skip: "its VolumeSnapshot is not restored" };
      const { name, namespace, className } = restoredAs(snapshot, restore.mapNamespace);
      const content = item as VolumeSnapshotContent;
      content.metadata!.name = name;
      content.spec = {
        deletionPolicy: "Retain",
        driver: snapshot.driver,
        source: { snapshotHandle: snapshot.handle },
        ...(className ? { volumeSnapshotClassName: className } : {}),
        volumeSnapshotRef: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", namespace, name },
      };
      return {
        createReason: `created as a pre-provisioned content of snapshot ${snapshot.handle} (deletion policy Retain) for VolumeSnapshot ${namespace}/${name}, restored from ${snapshot.namespace}/${snapshot.name}`,
      };
    },
  };

  const snapshotAction: RestoreItemAction = {
    name: "velero.io/csi-volumesnapshot-restorer",
    appliesTo: [VOLUME_SNAPSHOTS],
    needs: (_, vs) =>
      state.restorePVs && state.snapshots.has(`${vs.metadata?.namespace}/${vs.metadata?.name}`),
    execute({ item, itemFromBackup, restore }) {
      if (!state.restorePVs) return { skip: RESTORE_PVS_OFF };
      const from = `${itemFromBackup.metadata?.namespace}/${itemFromBackup.metadata?.name}`;
      const snapshot = state.snapshots.get(from);
      if (!snapshot) {
        return {
          skip: "not made by a Velero backup",
          warnings: [
            `VolumeSnapshot ${from} has no ${CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION} annotation, so it was not made by a Velero backup: it is not restored`,
          ],
        };
      }
      const { name, namespace, className } = restoredAs(snapshot, restore.mapNamespace);
      const vs = item as VolumeSnapshot;
      vs.metadata!.name = name;
      vs.spec = {
        source: { volumeSnapshotContentName: name },
        ...(className ? { volumeSnapshotClassName: className } : {}),
      };
      const input: SnapshotOperationInput = {
        ...(snapshot.claim ? { claim: `${namespace}/${snapshot.claim}` } : {}),
        snapshot,
        contentName: name,
      };
      return {
        createReason: `created from content ${name} (snapshot ${snapshot.handle}); restored from ${from}`,
        warnings: missingClassWarning(snapshot, `${namespace}/${name}`),
        operation: { input },
      };
    },
    startOperation(_client, created, input) {
      const { claim, snapshot, contentName } = input as SnapshotOperationInput;
      const [ns, pvc] = claim ? claim.split("/") : [];
      if (ns && pvc) {
        state.volumes.record({
          pvcName: pvc,
          pvcNamespace: ns,
          restoreMethod: "CSISnapshot",
          snapshotDataMoved: false,
          csiSnapshotInfo: {
            snapshotHandle: snapshot.handle,
            size: snapshot.restoreSizeBytes,
            driver: snapshot.driver,
            vscName: contentName,
          },
        });
      }
      return Promise.resolve(`${created.metadata?.namespace}/${created.metadata?.name}`);
    },
    progress: (operationId, restore, client) => snapshotProgress(client, operationId, restore, state),
    operationWatches: (operationIds, restore) => [
      ...[...new Set(operationIds.map((id) => id.split("/")[0]!))].map((namespace) => ({
        path: snapshotsPath(namespace),
        labelSelector: restoredBy(restore),
        seen: seenIn(state.seen, namespace),
      })),
      { path: snapshotContentsPath(), labelSelector: restoredBy(restore), seen: state.seen.contents },
    ],
    async cancel(operationId, restore, client) {
      const [namespace, name] = operationId.split("/") as [string, string];
      const { said } = await removeRestored(client, namespace, name, restore, state);
      return `${said}; restore again once the CSI driver makes the snapshot ready, or raise --item-operation-timeout`;
    },
  };

  const claimAction: RestoreItemAction = {
    name: "velero.io/csi-pvc-restorer",
    appliesTo: ["persistentvolumeclaims"],
    execute({ item, itemFromBackup, inCluster }) {
      if (inCluster || !state.restorePVs) return undefined;
      const snapshot = state.claimSnapshots.get(
        `${itemFromBackup.metadata?.namespace}/${itemFromBackup.metadata?.name}`,
      );
      if (!snapshot) return undefined;
      const pvc = item as V1PersistentVolumeClaim;
      const name = renamed(snapshot.name);
      const source = { apiGroup: SNAPSHOT_GROUP, kind: "VolumeSnapshot", name };
      pvc.spec = { ...pvc.spec, dataSource: source, dataSourceRef: source };
      delete pvc.spec.volumeName;
      // A claim smaller than its snapshot cannot be provisioned from it.
      const requested = quantityToBytes(pvc.spec.resources?.requests?.storage);
      if (snapshot.restoreSizeBytes > requested) {
        pvc.spec.resources = {
          ...pvc.spec.resources,
          requests: { ...pvc.spec.resources?.requests, storage: bytesToQuantity(snapshot.restoreSizeBytes) },
        };
      }
      return {
        createReason: `created; its volume is provisioned from VolumeSnapshot ${name} (the backup's ${snapshot.namespace}/${snapshot.name}), with the data at backup time`,
      };
    },
  };

  return [classAction, contentAction, snapshotAction, claimAction];
}

function snapshotOfContent(state: CsiRestoreState, vsc: Item): BackedUpSnapshot | undefined {
  const ref = (vsc as VolumeSnapshotContent).spec?.volumeSnapshotRef;
  return ref ? state.snapshots.get(`${ref.namespace}/${ref.name}`) : undefined;
}

/** Ready to use is done; an error on the snapshot or its content fails it and cleans up. */
async function snapshotProgress(
  client: KubeClient,
  operationId: string,
  restore: Restore,
  state: CsiRestoreState,
): Promise<OperationProgress> {
  const [namespace, name] = operationId.split("/") as [string, string];
  const restored = restoredBy(restore);
  // What the watches brought, else a LIST the round's operations share; what the cached LIST
  // lacks is read again before it counts as gone: it may be just made.
  const vs =
    seenIn(state.seen, namespace).get(name) ??
    (
      await state.reads.read(`snapshots/${namespace}`, () =>
        byName<VolumeSnapshot>(client, snapshotsPath(namespace), restored),
      )
    ).get(name) ??
    (await getOrUndefined<VolumeSnapshot>(client, `${snapshotsPath(namespace)}/${name}`));
  if (!vs) throw new Error(`VolumeSnapshot ${namespace}/${name} no longer exists`);
  if (vs.status?.readyToUse) return { completed: true, description: "VolumeSnapshot is ready to use" };
  const content =
    state.seen.contents.get(name) ??
    (
      await state.reads.read("contents", () =>
        byName<VolumeSnapshotContent>(client, snapshotContentsPath(), restored),
      )
    ).get(name) ??
    (await getOrUndefined<VolumeSnapshotContent>(client, `${snapshotContentsPath()}/${name}`));
  const why = !content
    ? `its VolumeSnapshotContent ${name} was not restored (a restore with --include-cluster-resources=false leaves it out)`
    : (content.status?.error?.message ?? vs.status?.error?.message);
  if (!why) return { completed: false, description: "waiting for the VolumeSnapshot to be ready to use" };

  const handle = content?.spec?.source?.snapshotHandle;
  const { claims, said } = await removeRestored(client, namespace, name, restore, state);
  return {
    completed: true,
    error:
      `VolumeSnapshot ${namespace}/${name}${handle ? ` (snapshot ${handle})` : ""} cannot be restored: ${why}. ` +
      `${said}; restore ${claims.length ? "the claim" : "it"} from another backup`,
  };
}

function seenIn(seen: SeenSnapshots, namespace: string): WatchedObjects<VolumeSnapshot> {
  let objects = seen.snapshots.get(namespace);
  if (!objects) seen.snapshots.set(namespace, (objects = new WatchedObjects()));
  return objects;
}

/** The label selector of what a restore made. */
function restoredBy(restore: Restore): string {
  return `${RESTORE_NAME_LABEL}=${labelValue(restore.metadata.name ?? "")}`;
}

/**
 * One LIST of the objects under `path` that match `selector`, by name. From the API server's watch
 * cache (resourceVersion 0): a round of polls starts on a watch event, which that cache sent, so it
 * holds what the round was woken for; a consistent LIST would wait on the cache besides, up to 100 ms.
 */
async function byName<T extends { metadata?: { name?: string } }>(
  client: KubeClient,
  path: string,
  selector: string,
): Promise<Map<string, T>> {
  const list = await client.get<{ items: T[] }>(path, { labelSelector: selector, resourceVersion: "0" });
  return new Map(list.items.map((o) => [o.metadata?.name ?? "", o]));
}

/**
 * Deletes what the restore made for a VolumeSnapshot that will not be ready: the snapshot, its
 * content, and the claims still waiting to be provisioned from it; returns those claims and a
 * sentence saying what was deleted.
 */
async function removeRestored(
  client: KubeClient,
  namespace: string,
  name: string,
  restore: Restore,
  state: CsiRestoreState,
): Promise<{ claims: string[]; said: string }> {
  const claims = await waitingClaims(client, namespace, name, restoredBy(restore));
  await cleanUp(client, namespace, name, claims);
  for (const claim of claims) state.volumes.forget(namespace, claim);
  const which = claims.map((c) => `${namespace}/${c}`).join(", ");
  return {
    claims,
    said: `The VolumeSnapshot, its content${claims.length ? ` and claim ${which}, which waited for it,` : ""} were deleted`,
  };
}

/** Claims this restore created that are still waiting to be provisioned from the VolumeSnapshot. */
async function waitingClaims(
  client: KubeClient,
  namespace: string,
  vsName: string,
  restored: string,
): Promise<string[]> {
  const list = await client.get<{ items: V1PersistentVolumeClaim[] }>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims?labelSelector=${encodeURIComponent(restored)}`,
  );
  return list.items
    .filter((c) => c.spec?.dataSource?.name === vsName && !c.spec.volumeName)
    .map((c) => c.metadata!.name!);
}

async function cleanUp(client: KubeClient, namespace: string, name: string, claims: string[]): Promise<void> {
  const paths = [
    ...claims.map((c) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${c}`),
    `${snapshotsPath(namespace)}/${name}`,
    `${snapshotContentsPath()}/${name}`,
  ];
  for (const path of paths) {
    try {
      await client.request("DELETE", path);
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`could not delete ${path}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** A Velero-made VolumeSnapshot of the backup, or undefined for one Velero did not make. */
export function backedUpSnapshot(vs: VolumeSnapshot): BackedUpSnapshot | undefined {
  const a = vs.metadata?.annotations ?? {};
  const handle = a[CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION];
  const driver = a[CSI_DRIVER_NAME_ANNOTATION];
  if (!handle || !driver || !vs.metadata?.namespace || !vs.metadata.name) return undefined;
  const claim = vs.spec?.source?.persistentVolumeClaimName;
  const className = vs.spec?.volumeSnapshotClassName;
  return {
    namespace: vs.metadata.namespace,
    name: vs.metadata.name,
    ...(claim ? { claim } : {}),
    handle,
    driver,
    restoreSizeBytes: sizeOf(a[CSI_VOLUMESNAPSHOT_RESTORE_SIZE_ANNOTATION] ?? vs.status?.restoreSize),
    ...(className ? { className } : {}),
  };
}

/** A size the backup wrote; unreadable is unknown (0), and the claim keeps its own request. */
function sizeOf(quantity: string | undefined): number {
  try {
    return quantityToBytes(quantity);
  } catch {
    return 0;
  }
}
