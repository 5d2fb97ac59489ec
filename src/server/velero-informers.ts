import {
  CustomObjectsApi,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { VELERO_GROUP, VELERO_V1 } from "../api/v1/index.js";
import type { Cache } from "../kube/informer.js";
import type { VeleroPlural } from "../kube/velero-client.js";

/** A list+watch cache of one velero.io resource in the server's namespace. */
export function veleroInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  namespace: string,
  plural: VeleroPlural,
): Cache<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return makeInformer<T>(
    kc,
    `/apis/${VELERO_GROUP}/${VELERO_V1}/namespaces/${namespace}/${plural}`,
    async () =>
      (await custom.listNamespacedCustomObject({
        group: VELERO_GROUP,
        version: VELERO_V1,
        namespace,
        plural,
      })) as KubernetesListObject<T>,
  );
}
