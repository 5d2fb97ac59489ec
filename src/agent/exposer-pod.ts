/**
 * The pod that holds a data mover's volume mounted on a node (Velero's exposer pod): named after
 * its DataUpload or DataDownload and owned by it, with a volume and a container named after the
 * owner's UID, mounted at `/<uid>`. The node agent of the pod's node moves the data through the
 * kubelet's pods directory; the container only keeps the mount alive until the agent is done.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { controllerReference } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import { isNotFound } from "../kube/errors.js";
import { deleteIfPresent, getOrUndefined } from "../kube/object-ops.js";

export function exposerPod(options: {
  owner: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; uid?: string } };
  image: string;
  claim: string;
  labels: Record<string, string>;
  /** Where the scheduler may put it (a restore's: the node its target claim was selected for). */
  nodeSelector?: Record<string, string>;
}): V1Pod {
  const { owner } = options;
  const uid = owner.metadata.uid!;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: owner.metadata.name!,
      namespace: owner.metadata.namespace!,
      labels: options.labels,
      ownerReferences: [controllerReference(owner)],
    },
    spec: {
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: uid,
          image: options.image,
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", "infinity"],
          volumeMounts: [{ name: uid, mountPath: `/${uid}` }],
        },
      ],
      volumes: [{ name: uid, persistentVolumeClaim: { claimName: options.claim } }],
    },
  };
}

/**
 * Deletes an exposer pod and its claim, in that order, the claim's volume with it (its reclaim
 * policy set to Delete first): what is already gone is fine.
 */
export async function deleteExposerPodAndClaim(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<void> {
  const ns = encodeURIComponent(namespace);
  await deleteIfPresent(client, `/api/v1/namespaces/${ns}/pods/${name}`, { gracePeriodSeconds: 0 });
  const claimPath = `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`;
  const claim = await getOrUndefined<V1PersistentVolumeClaim>(client, claimPath);
  if (claim?.spec?.volumeName) {
    await client
      .request("PATCH", `/api/v1/persistentvolumes/${claim.spec.volumeName}`, {
        body: { spec: { persistentVolumeReclaimPolicy: "Delete" } },
        contentType: "application/merge-patch+json",
      })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
  await deleteIfPresent(client, claimPath);
}
