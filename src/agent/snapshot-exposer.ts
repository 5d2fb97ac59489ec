/**
 * Velero's CSI snapshot exposer, for a DataUpload: the claim's snapshot is handed over to the
 * server's namespace and mounted on a node, so a node agent can read it through the kubelet's
 * pods directory. Everything it makes is named after the DataUpload and lives in the server's
 * namespace: a VolumeSnapshotContent of the snapshot's handle (deletion policy Delete) with its
 * VolumeSnapshot, a claim provisioned from that snapshot, and a pod mounting the claim. The
 * backup's own VolumeSnapshot and content are deleted once the clone holds the handle (the content
 * set to Retain first, so the storage's snapshot survives). Each step may run again after a
 * failure or restart: what exists is kept.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { SNAPSHOT_GROUP, type VolumeSnapshot, type VolumeSnapshotContent } from "../api/csi-snapshots.js";
import { DATA_UPLOAD_LABEL, EXPOSER_POD_GROUP_LABEL } from "../api/labels.js";
import type { DataUpload } from "../api/v2alpha1/data-movement.js";
import type { KubeClient } from "../kube/client.js";
import { createIfMissing, deleteIfPresent, getOrUndefined } from "../kube/object-ops.js";
import { SNAPSHOT_API, snapshotContentsPath, snapshotsPath } from "../volumes/csi-paths.js";
import { PRESERVED_CONTENT_CONFIG } from "../volumes/data-upload-backup.js";
import { deleteExposerPodAndClaim, exposerPod } from "./exposer-pod.js";
import { controllerReference } from "../api/v1/index.js";

/** The exposer pods of DataUploads carry this group label (Velero's). */
export const SNAPSHOT_EXPOSER_GROUP = "snapshot-exposer";

const claimsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims`;
const podsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;

/** Where an exposure stands: still waiting for something (and what), or mounted by a running pod on a node. */
export type Exposure = { waiting: string } | { node: string; pod: V1Pod };

/**
 * The node agent's watched copies of an exposure's pod and claim (in the server's namespace,
 * named after the DataUpload), read instead of the API: each of their changes brings a new look.
 */
export type ExposerObjects = (
  namespace: string,
  name: string,
) => { pod?: V1Pod | undefined; claim?: V1PersistentVolumeClaim | undefined };

/**
 * Makes what is missing of the DataUpload's exposure; says whether its pod runs yet. Its pod is
 * made last: once it exists, a look only reads the pod and its claim, from `watched` when given.
 */
export async function exposeSnapshot(
  client: KubeClient,
  du: DataUpload,
  image: string,
  watched: ExposerObjects = () => ({}),
): Promise<Exposure> {
  const ns = du.metadata.namespace!;
  const name = du.metadata.name!;
  const podPath = `${podsPath(ns)}/${name}`;
  const seen = watched(ns, name);
  const made = seen.pod ?? (await getOrUndefined<V1Pod>(client, podPath));
  if (made) return podExposure(client, made, seen.claim);
  const existing = await getOrUndefined<VolumeSnapshotContent>(client, `${snapshotContentsPath()}/${name}`);
  if (!existing) {
    const taken = await takeOverSnapshot(client, du);
    if ("waiting" in taken) return taken;
  }
  const clone = await getOrUndefined<VolumeSnapshot>(client, `${snapshotsPath(ns)}/${name}`);
  // An exposure stopped between making the clone's content and its snapshot makes the snapshot now.
  if (!clone && existing) await createIfMissing(client, snapshotsPath(ns), cloneSnapshot(du));
  if (!clone?.status?.readyToUse) return { waiting: `VolumeSnapshot ${ns}/${name} to be ready to use` };
  await createIfMissing(client, claimsPath(ns), exposerClaim(du, clone));
  await createIfMissing(
    client,
    podsPath(ns),
    exposerPod({
      owner: du,
      image,
      claim: name,
      labels: { [DATA_UPLOAD_LABEL]: name, [EXPOSER_POD_GROUP_LABEL]: SNAPSHOT_EXPOSER_GROUP },
    }),
  );
  return podExposure(client, await client.get<V1Pod>(podPath));
}

/** Where an exposure whose pod exists stands; `claim`, its claim as last seen, saves reading it. */
async function podExposure(
  client: KubeClient,
  pod: V1Pod,
  claim?: V1PersistentVolumeClaim,
): Promise<Exposure> {
  if (pod.status?.phase === "Running" && pod.spec?.nodeName) return { node: pod.spec.nodeName, pod };
  return { waiting: await podWaitingFor(client, pod, claim) };
}

/**
 * Clones the backup's snapshot into the server's namespace once it is ready, then lets the
 * original go: its content is set to Retain, the VolumeSnapshot and content deleted.
 */
async function takeOverSnapshot(
  client: KubeClient,
  du: DataUpload,
): Promise<{ waiting: string } | { done: true }> {
  const preserved = du.spec.dataMoverConfig?.[PRESERVED_CONTENT_CONFIG];
  if (preserved) return cloneKeptSnapshot(client, du, preserved);
  const source = du.spec.csiSnapshot!;
  const sourcePath = `${snapshotsPath(du.spec.sourceNamespace)}/${source.volumeSnapshot}`;
  const original = await getOrUndefined<VolumeSnapshot>(client, sourcePath);
  if (!original)
    throw new Error(
      `VolumeSnapshot ${du.spec.sourceNamespace}/${source.volumeSnapshot} of claim ${du.spec.sourcePVC} no longer exists: it was deleted before its data could be moved`,
    );
  if (original.status?.error?.message)
    throw new Error(
      `VolumeSnapshot ${du.spec.sourceNamespace}/${source.volumeSnapshot} failed: ${original.status.error.message}`,
    );
  const contentName = original.status?.boundVolumeSnapshotContentName;
  if (!original.status?.readyToUse || !contentName)
    return {
      waiting: `VolumeSnapshot ${du.spec.sourceNamespace}/${source.volumeSnapshot} to be ready to use`,
    };
  const content = await client.get<VolumeSnapshotContent>(`${snapshotContentsPath()}/${contentName}`);
  const handle = content.status?.snapshotHandle;
  if (!handle) return { waiting: `VolumeSnapshotContent ${contentName} to have a snapshot handle` };
  await createClone(client, du, handle, content.spec?.driver ?? source.driver ?? "", "Delete");
  if (content.spec?.deletionPolicy !== "Retain")
    await client.request("PATCH", `${snapshotContentsPath()}/${contentName}`, {
      body: { spec: { deletionPolicy: "Retain" } },
      contentType: "application/merge-patch+json",
    });
  await deleteIfPresent(client, sourcePath);
  await deleteIfPresent(client, `${snapshotContentsPath()}/${contentName}`);
  return { done: true };
}

/**
 * preserveLocalSnapshot: the backup keeps its snapshot, so the clone is made from the kept
 * content's handle with deletion policy Retain (deleting the clone leaves the storage's snapshot),
 * and nothing of the original is touched.
 */
async function cloneKeptSnapshot(
  client: KubeClient,
  du: DataUpload,
  contentName: string,
): Promise<{ done: true }> {
  const content = await getOrUndefined<VolumeSnapshotContent>(
    client,
    `${snapshotContentsPath()}/${contentName}`,
  );
  const handle = content?.status?.snapshotHandle;
  if (!handle)
    throw new Error(
      `VolumeSnapshotContent ${contentName} of the kept snapshot of claim ${du.spec.sourceNamespace}/${du.spec.sourcePVC} ${content ? "has no snapshot handle" : "no longer exists"}`,
    );
  await createClone(client, du, handle, content.spec?.driver ?? du.spec.csiSnapshot?.driver ?? "", "Retain");
  return { done: true };
}

/**
 * The exposer's VolumeSnapshot and content, named after the DataUpload, of the storage's snapshot
 * `handle`: the content first, so the snapshot controller finds it as soon as it sees the snapshot.
 */
async function createClone(
  client: KubeClient,
  du: DataUpload,
  handle: string,
  driver: string,
  deletionPolicy: "Delete" | "Retain",
): Promise<void> {
  const ns = du.metadata.namespace!;
  const name = du.metadata.name!;
  const className = du.spec.csiSnapshot?.snapshotClass;
  await createIfMissing(client, snapshotContentsPath(), {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshotContent",
    metadata: { name },
    spec: {
      deletionPolicy,
      driver,
      source: { snapshotHandle: handle },
      ...(className ? { volumeSnapshotClassName: className } : {}),
      volumeSnapshotRef: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", namespace: ns, name },
    },
  } satisfies VolumeSnapshotContent);
  await createIfMissing(client, snapshotsPath(ns), cloneSnapshot(du));
}

/** The exposer's VolumeSnapshot, of the content named after the DataUpload. */
function cloneSnapshot(du: DataUpload): VolumeSnapshot {
  const className = du.spec.csiSnapshot?.snapshotClass;
  return {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshot",
    metadata: {
      name: du.metadata.name!,
      namespace: du.metadata.namespace!,
      ownerReferences: [controllerReference(du)],
    },
    spec: {
      source: { volumeSnapshotContentName: du.metadata.name! },
      ...(className ? { volumeSnapshotClassName: className } : {}),
    },
  };
}

/** The claim the exposer pod mounts: provisioned from the clone, of the backed-up claim's class and size. */
function exposerClaim(du: DataUpload, clone: VolumeSnapshot): V1PersistentVolumeClaim {
  const name = du.metadata.name!;
  const size = clone.status?.restoreSize;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: du.metadata.namespace!, ownerReferences: [controllerReference(du)] },
    spec: {
      ...(du.spec.csiSnapshot?.storageClass ? { storageClassName: du.spec.csiSnapshot.storageClass } : {}),
      accessModes: ["ReadWriteOnce"],
      dataSource: { apiGroup: SNAPSHOT_GROUP, kind: "VolumeSnapshot", name },
      resources: { requests: { storage: size ?? "1Gi" } },
    },
  };
}

/** Why the exposer pod does not run yet, naming the object that holds it up. */
async function podWaitingFor(
  client: KubeClient,
  pod: V1Pod,
  seenClaim?: V1PersistentVolumeClaim,
): Promise<string> {
  const ns = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  // A scheduled pod's claim is bound: the scheduler waits for that.
  const claim = pod.spec?.nodeName
    ? undefined
    : (seenClaim ?? (await getOrUndefined<V1PersistentVolumeClaim>(client, `${claimsPath(ns)}/${name}`)));
  if (claim && claim.status?.phase !== "Bound")
    return `claim ${ns}/${name} to be bound (it is ${claim.status?.phase ?? "Pending"}; its volume is provisioned from VolumeSnapshot ${ns}/${name})`;
  const reason = pod.status?.conditions?.find((c) => c.status === "False")?.message;
  return `pod ${ns}/${name} to run (it is ${pod.status?.phase ?? "Pending"}${pod.spec?.nodeName ? ` on node ${pod.spec.nodeName}` : ", not scheduled"}${reason ? `: ${reason}` : ""})`;
}

/**
 * Deletes everything the exposure made, in Velero's order: the pod, then the claim with its volume
 * (policy Delete), then the clone VolumeSnapshot, whose content's policy Delete removes the
 * storage's snapshot. What is already gone is fine.
 */
export async function cleanUpExposure(client: KubeClient, du: DataUpload): Promise<void> {
  const ns = du.metadata.namespace!;
  const name = du.metadata.name!;
  await deleteExposerPodAndClaim(client, ns, name);
  await deleteIfPresent(client, `${snapshotsPath(ns)}/${name}`);
  // A clone of a kept snapshot has policy Retain: its content goes by hand, the storage's snapshot stays.
  if (du.spec.dataMoverConfig?.[PRESERVED_CONTENT_CONFIG])
    await deleteIfPresent(client, `${snapshotContentsPath()}/${name}`);
}
