import type { RestoreItemAction } from "../../items/restore-item-action.js";

/** A CRD comes with the custom resources the restore takes, whatever the cluster-resource filter says. */
export function customResourceDefinitionRestoreAction(
  restoredGroupResources: Set<string>,
): RestoreItemAction {
  return {
    name: "velero-ts.io/custom-resource-definitions",
    appliesTo: ["customresourcedefinitions.apiextensions.k8s.io"],
    needs: (_, crd) => restoredGroupResources.has(crd.metadata?.name ?? ""),
    execute: () => undefined,
  };
}
