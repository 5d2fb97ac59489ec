/**
 * Velero's generic restore exposer, for a DataDownload: a new volume for the restored claim is
 * provisioned through a temporary claim in the server's namespace (named after the DataDownload,
 * of the target claim's class and size, on the node a pod of the target claim was scheduled to
 * when its class binds on first use) and mounted by a pod, so a node agent can write the data
 * into it. Then the volume is handed to the target claim (rebindVolume). The target claim waits
 * all along, Pending: its `velero.io/dynamic-pv-restore` selector matches no volume until then.
 */
import type {
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StorageClass,
} from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { DATA_DOWNLOAD_LABEL, DYNAMIC_PV_RESTORE_LABEL, SELECTED_NODE_ANNOTATION } from "../api/labels.js";
import type { DataDownload } from "../api/v2alpha1/data-movement.js";
import type { KubeClient } from "../kube/client.js";
import { createIfMissing, deleteIfPresent, getOrUndefined } from "../kube/object-ops.js";
import { deleteExposerPodAndClaim, exposerPod } from "./exposer-pod.js";
import { controllerReference } from "../api/v1/index.js";
import type { Exposure } from "./snapshot-exposer.js";

const MERGE_PATCH = "application/merge-patch+json";
const BIND_POLL_MS = 250;

const claimPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims/${encodeURIComponent(name)}`;
const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;
const volumePath = (name: string) => `/api/v1/persistentvolumes/${encodeURIComponent(name)}`;

/** Makes what is missing of the DataDownload's exposure; says whether its pod runs yet. */
export async function exposeRestore(client: KubeClient, dd: DataDownload, image: string): Promise<Exposure> {
  const ns = dd.metadata.namespace!;
  const name = dd.metadata.name!;
  const { namespace: targetNs, pvc: targetName } = dd.spec.targetVolume;
  const [target, exposed] = await Promise.all([
    getOrUndefined<V1PersistentVolumeClaim>(client, claimPath(targetNs, targetName)),
    getOrUndefined<V1PersistentVolumeClaim>(client, claimPath(ns, name)),
  ]);
  if (!target) return { waiting: `claim ${targetNs}/${targetName} to be created` };
  if (!exposed) {
    if (target.spec?.volumeName || target.status?.phase === "Bound")
      throw new Error(`Target PVC ${targetNs}/${targetName} has already been bound, abort`);
    const className = target.spec?.storageClassName;
    const storageClass = className
      ? await getOrUndefined<V1StorageClass>(client, `/apis/storage.k8s.io/v1/storageclasses/${className}`)
      : undefined;
    const selectedNode = target.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
    if (storageClass?.volumeBindingMode === "WaitForFirstConsumer" && !selectedNode)
      return {
        waiting: `a pod using claim ${targetNs}/${targetName} to be scheduled (storage class ${className} binds on first use)`,
      };
    await createIfMissing(
      client,
      `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
      restoreClaim(dd, target, selectedNode),
    );
    await createIfMissing(
      client,
      `/api/v1/namespaces/${ns}/pods`,
      exposerPod({
        owner: dd,
        image,
        claim: name,
        labels: { [DATA_DOWNLOAD_LABEL]: name },
        ...(selectedNode ? { nodeSelector: { "kubernetes.io/hostname": selectedNode } } : {}),
      }),
    );
  }
  const pod = await getOrUndefined<V1Pod>(client, podPath(ns, name));
  if (!pod) throw new Error(`its pod ${ns}/${name} was deleted`);
  if (pod.status?.phase === "Running" && pod.spec?.nodeName) return { node: pod.spec.nodeName, pod };
  const claim = await getOrUndefined<V1PersistentVolumeClaim>(client, claimPath(ns, name));
  if (claim?.status?.phase !== "Bound")
    return { waiting: `claim ${ns}/${name} to be provisioned (it is ${claim?.status?.phase ?? "gone"})` };
  return { waiting: `pod ${ns}/${name} to run (it is ${pod.status?.phase ?? "Pending"})` };
}

/** The temporary claim: the target's class, access modes, mode and size, on the target's node. */
function restoreClaim(
  dd: DataDownload,
  target: V1PersistentVolumeClaim,
  selectedNode: string | undefined,
): V1PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: dd.metadata.name!,
      namespace: dd.metadata.namespace!,
      ...(selectedNode ? { annotations: { [SELECTED_NODE_ANNOTATION]: selectedNode } } : {}),
      ownerReferences: [controllerReference(dd)],
    },
    spec: {
      ...(target.spec?.storageClassName ? { storageClassName: target.spec.storageClassName } : {}),
      accessModes: target.spec?.accessModes ?? ["ReadWriteOnce"],
      ...(target.spec?.volumeMode ? { volumeMode: target.spec.volumeMode } : {}),
      resources: { requests: { ...target.spec?.resources?.requests } },
    },
  };
}

/**
 * Hands the filled volume to the target claim, in Velero's order: the volume is set to Retain,
 * the pod and the temporary claim deleted, the volume's claim reference pointed at the target
 * claim (and the target's selector label put on the volume) and the claim's volume name at the
 * volume, and once both are Bound the volume's reclaim policy is put back. Returns the volume's
 * name.
 */
export async function rebindVolume(client: KubeClient, dd: DataDownload, timeoutMs: number): Promise<string> {
  const ns = dd.metadata.namespace!;
  const name = dd.metadata.name!;
  const { namespace: targetNs, pvc: targetName } = dd.spec.targetVolume;
  const exposed = await client.get<V1PersistentVolumeClaim>(claimPath(ns, name));
  const pvName = exposed.spec?.volumeName;
  if (!pvName) throw new Error(`claim ${ns}/${name} has no volume to hand over`);
  const target = await client.get<V1PersistentVolumeClaim>(claimPath(targetNs, targetName));
  const selector = target.spec?.selector?.matchLabels?.[DYNAMIC_PV_RESTORE_LABEL];
  const pv = await client.get<V1PersistentVolume>(volumePath(pvName));
  const policy = pv.spec?.persistentVolumeReclaimPolicy ?? "Delete";
  await patch(client, volumePath(pvName), { spec: { persistentVolumeReclaimPolicy: "Retain" } });
  await deleteIfPresent(client, podPath(ns, name), { gracePeriodSeconds: 0 });
  await deleteIfPresent(client, claimPath(ns, name));
  await patch(client, volumePath(pvName), {
    metadata: { labels: selector ? { [DYNAMIC_PV_RESTORE_LABEL]: selector } : {} },
    spec: {
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: targetNs,
        name: targetName,
        uid: null,
        resourceVersion: null,
      },
    },
  });
  // The claim names the volume too: the PV controller binds the pair at once, rather than at its
  // next periodic look at the claim (15s).
  await patch(client, claimPath(targetNs, targetName), { spec: { volumeName: pvName } });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const claim = await client.get<V1PersistentVolumeClaim>(claimPath(targetNs, targetName));
    if (claim.status?.phase === "Bound" && claim.spec?.volumeName === pvName) break;
    if (Date.now() > deadline)
      throw new Error(
        `claim ${targetNs}/${targetName} did not bind to volume ${pvName} within ${timeoutMs / 1000}s (it is ${claim.status?.phase ?? "Pending"})`,
      );
    await sleep(BIND_POLL_MS);
  }
  if (policy !== "Retain")
    await patch(client, volumePath(pvName), { spec: { persistentVolumeReclaimPolicy: policy } });
  return pvName;
}

/**
 * Deletes the exposure of a DataDownload that did not complete: the pod, then the temporary claim
 * with its half-filled volume. The target claim is left Pending.
 */
export async function cleanUpRestoreExposure(client: KubeClient, dd: DataDownload): Promise<void> {
  await deleteExposerPodAndClaim(client, dd.metadata.namespace!, dd.metadata.name!);
}

async function patch(client: KubeClient, path: string, body: unknown): Promise<void> {
  await client.request("PATCH", path, { body, contentType: MERGE_PATCH });
}
