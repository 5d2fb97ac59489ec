/**
 * Re-pointing a claim at another volume, keeping its name: the claim's spec and its volume's are
 * immutable once bound, so the claim is deleted and made again, bound to the other volume. The
 * volume it leaves is set to Retain first (it is the way back) and marked; the one it takes gets
 * the reclaim policy the claim's volume had. The claim's pods must be stopped: a claim in use is
 * not deleted until they are gone.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { PVC_BINDING_ANNOTATIONS, SELECTED_NODE_ANNOTATION } from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage } from "../kube/errors.js";
import { getOrUndefined } from "../kube/object-ops.js";

const MERGE_PATCH = "application/merge-patch+json";
const POLL_MS = 250;
const WAIT_MS = 120_000;

export interface ClaimSwap {
  namespace: string;
  name: string;
  /** The volume the claim is bound to now. */
  from: string;
  /** The volume it is to be bound to: Available, or Released by this claim earlier. */
  to: string;
  /** Labels and annotations for the volume it leaves (null removes one). */
  leftMarks: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> };
  /** The same for the volume it takes. */
  takenMarks: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> };
  /** The reclaim policy the volume it takes gets; the claim's volume's own when undefined. */
  reclaimPolicy?: string;
}

const claimPath = (s: { namespace: string; name: string }) =>
  `/api/v1/namespaces/${encodeURIComponent(s.namespace)}/persistentvolumeclaims/${encodeURIComponent(s.name)}`;
const pvPath = (name: string) => `/api/v1/persistentvolumes/${encodeURIComponent(name)}`;

function patch(client: KubeClient, path: string, body: object): Promise<unknown> {
  return client.request("PATCH", path, { body, contentType: MERGE_PATCH });
}

/** Swaps one claim over; returns once it is Bound to `to`. */
export async function swapClaim(client: KubeClient, swap: ClaimSwap): Promise<void> {
  const claim = await client.get<V1PersistentVolumeClaim>(claimPath(swap));
  if (claim.spec?.volumeName !== swap.from)
    throw new Error(
      `claim ${swap.namespace}/${swap.name} is bound to ${claim.spec?.volumeName ?? "no volume"}, not ${swap.from}: it changed since the restore looked`,
    );
  const left = await client.get<V1PersistentVolume>(pvPath(swap.from));
  const policy = swap.reclaimPolicy ?? left.spec?.persistentVolumeReclaimPolicy ?? "Delete";
  await patch(client, pvPath(swap.from), {
    metadata: swap.leftMarks,
    spec: { persistentVolumeReclaimPolicy: "Retain" },
  });
  await client.request("DELETE", claimPath(swap), {
    body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid: claim.metadata!.uid! } },
  });
  await waitFor(`claim ${swap.namespace}/${swap.name} to be deleted (are pods still using it?)`, async () =>
    (await getOrUndefined<V1PersistentVolumeClaim>(client, claimPath(swap)))?.metadata?.uid ===
    claim.metadata!.uid
      ? undefined
      : true,
  );
  // Bound ahead to the claim by name (a uid from an earlier claim goes), then the claim names it.
  // Its reclaim policy changes only once bound: a Released volume set to Delete loses its disk.
  await patch(client, pvPath(swap.to), {
    metadata: swap.takenMarks,
    spec: {
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: swap.namespace,
        name: swap.name,
        uid: null,
        resourceVersion: null,
      },
    },
  });
  const taken = await client.get<V1PersistentVolume>(pvPath(swap.to));
  await client.request(
    "POST",
    `/api/v1/namespaces/${encodeURIComponent(swap.namespace)}/persistentvolumeclaims`,
    {
      body: claimAgain(claim, taken),
    },
  );
  await waitFor(`claim ${swap.namespace}/${swap.name} to bind to volume ${swap.to}`, async () => {
    const now = await getOrUndefined<V1PersistentVolumeClaim>(client, claimPath(swap));
    return now?.status?.phase === "Bound" && now.spec?.volumeName === swap.to ? true : undefined;
  });
  await patch(client, pvPath(swap.to), { spec: { persistentVolumeReclaimPolicy: policy } });
}

/** The claim as it is made again: its name, labels, annotations and spec, bound to `volume`. */
function claimAgain(claim: V1PersistentVolumeClaim, volume: V1PersistentVolume): V1PersistentVolumeClaim {
  const dropped = new Set([...PVC_BINDING_ANNOTATIONS, SELECTED_NODE_ANNOTATION]);
  const annotations = Object.fromEntries(
    Object.entries(claim.metadata?.annotations ?? {}).filter(([k]) => !dropped.has(k)),
  );
  const storage = volume.spec?.capacity?.["storage"] ?? claim.spec?.resources?.requests?.["storage"];
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: claim.metadata!.name!,
      namespace: claim.metadata!.namespace!,
      ...(claim.metadata?.labels ? { labels: claim.metadata.labels } : {}),
      annotations,
    },
    spec: {
      accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
      resources: { requests: { storage: String(storage) } },
      storageClassName: volume.spec?.storageClassName ?? claim.spec?.storageClassName ?? "",
      ...(claim.spec?.volumeMode ? { volumeMode: claim.spec.volumeMode } : {}),
      volumeName: volume.metadata!.name!,
    },
  };
}

async function waitFor(what: string, check: () => Promise<true | undefined>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`waiting for ${what}: ${errorMessage(err)}`);
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${WAIT_MS / 1000}s`);
    await sleep(POLL_MS);
  }
}
