import {
  CustomObjectsApi,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { VELERO_GROUP } from "../api/v1/index.js";
import type { Cache } from "../kube/informer.js";
import { veleroVersion, type VeleroPlural } from "../kube/velero-client.js";

/** A list+watch cache of one velero.io resource in the server's namespace. */
export function veleroInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  namespace: string,
  plural: VeleroPlural,
): Cache<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return makeInformer<T>(
    kc,
    `/apis/${VELERO_GROUP}/${veleroVersion(plural)}/namespaces/${namespace}/${plural}`,
    async () =>
      (await custom.listNamespacedCustomObject({
        group: VELERO_GROUP,
        version: veleroVersion(plural),
        namespace,
        plural,
      })) as KubernetesListObject<T>,
  );
}
