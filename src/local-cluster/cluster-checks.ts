import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { BackupStorageLocation } from "../api/v1/index.js";
import { VELERO_GROUP, VELERO_V1 } from "../api/v1/index.js";
import { loadKubeConfig } from "../kube/config.js";

/** Whether at least `expected` nodes report the Ready condition. */
export async function nodesReady(kubeconfig: string, expected: number): Promise<boolean> {
  const core = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  const nodes = await core.listNode();
  const ready = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  return ready.length >= expected;
}

/** Whether the server has checked the default backup storage location and found it Available. */
export async function locationAvailable(kubeconfig: string, namespace: string): Promise<boolean> {
  const custom = loadKubeConfig(kubeconfig).makeApiClient(CustomObjectsApi);
  const location = (await custom.getNamespacedCustomObject({
    group: VELERO_GROUP,
    version: VELERO_V1,
    namespace,
    plural: "backupstoragelocations",
    name: "default",
  })) as BackupStorageLocation;
  return location.status?.phase === "Available";
}
