/**
 * References into a namespace that the restore maps elsewhere: an endpoint's pod, a binding's
 * service account. They point at the copies in the mapped namespace.
 */
import type { Item } from "../../items/item.js";
import type { RestoreActionContext, RestoreItemAction } from "../../items/restore-item-action.js";

interface TargetRefHolder {
  targetRef?: { namespace?: string };
}

function mapTargetRef(holder: TargetRefHolder, restore: RestoreActionContext): void {
  if (holder.targetRef?.namespace)
    holder.targetRef.namespace = restore.mapNamespace(holder.targetRef.namespace);
}

export const endpointsRestoreAction: RestoreItemAction = {
  name: "velero-ts.io/endpoints",
  appliesTo: ["endpoints"],
  execute({ item, restore }) {
    const subsets = (item.subsets as Record<string, TargetRefHolder[] | undefined>[] | undefined) ?? [];
    for (const subset of subsets) {
      for (const address of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) {
        mapTargetRef(address, restore);
      }
    }
    return undefined;
  },
};

export const endpointSliceRestoreAction: RestoreItemAction = {
  name: "velero-ts.io/endpointslices",
  appliesTo: ["endpointslices.discovery.k8s.io"],
  execute({ item, restore }) {
    for (const endpoint of (item.endpoints as TargetRefHolder[] | undefined) ?? [])
      mapTargetRef(endpoint, restore);
    return undefined;
  },
};

function mapSubjects(item: Item, restore: RestoreActionContext): undefined {
  for (const s of (item.subjects as { kind?: string; namespace?: string }[] | undefined) ?? []) {
    if (s.kind === "ServiceAccount" && s.namespace) s.namespace = restore.mapNamespace(s.namespace);
  }
  return undefined;
}

export const roleBindingRestoreAction: RestoreItemAction = {
  name: "velero.io/role-bindings",
  appliesTo: ["rolebindings.rbac.authorization.k8s.io"],
  execute: ({ item, restore }) => mapSubjects(item, restore),
};

export const clusterRoleBindingRestoreAction: RestoreItemAction = {
  name: "velero.io/cluster-role-bindings",
  appliesTo: ["clusterrolebindings.rbac.authorization.k8s.io"],
  execute: ({ item, restore }) => mapSubjects(item, restore),
};
