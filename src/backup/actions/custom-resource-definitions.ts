import type { BackupItemAction } from "../../items/backup-item-action.js";

/**
 * A custom resource takes its CRD along, so a restore into another cluster can serve it. Asked
 * for every resource of a named group; the collector fetches each CRD once, and one that does
 * not exist (a built-in group) is no item.
 */
export const customResourceDefinitionBackupAction: BackupItemAction = {
  name: "velero-ts.io/custom-resource-definitions",
  appliesTo: ["*"],
  execute({ groupResource }) {
    if (!groupResource.includes(".")) return Promise.resolve(undefined);
    return Promise.resolve({
      additionalItems: [
        { groupResource: "customresourcedefinitions.apiextensions.k8s.io", name: groupResource },
      ],
    });
  },
};
