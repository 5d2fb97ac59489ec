/**
 * Objects the controllers of a namespace make in it as soon as it exists: the `default`
 * ServiceAccount (service account controller) and the `kube-root-ca.crt` ConfigMap (root CA
 * publisher). When the restore creates the namespace, the backup's copies of these meet the
 * controllers' versions, so they are planned as existing objects, not as creates: the preview
 * says what the real restore will do (merge the ServiceAccount, leave or update the ConfigMap).
 */
import type { Item } from "../items/item.js";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";

/**
 * The object the namespace's controllers will have made under this name, or undefined when
 * none is made. `rootCa` is a `kube-root-ca.crt` of another namespace: each holds the same CA.
 */
export function controllerMadeObject(
  groupResource: string,
  namespace: string,
  name: string,
  rootCa: Item | undefined,
): Item | undefined {
  if (groupResource === "serviceaccounts" && name === "default")
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } };
  if (groupResource === "configmaps" && name === ROOT_CA_CONFIGMAP && rootCa) {
    const annotations = rootCa.metadata?.annotations;
    return {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
      ...(rootCa.data !== undefined ? { data: rootCa.data } : {}),
    };
  }
  return undefined;
}
