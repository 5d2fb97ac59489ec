import { JOB_CONTROLLER_UID_LABELS } from "../../api/labels.js";
import type { RestoreItemAction } from "../../items/restore-item-action.js";

/** Jobs: a completed job is not run again; the rest lose the old controller's uid from their labels. */
export const jobRestoreAction: RestoreItemAction = {
  name: "velero.io/job",
  appliesTo: ["jobs.batch"],
  execute({ item, itemFromBackup }) {
    if (itemFromBackup.status?.completionTime) return { skip: "job has completed" };
    const spec = item.spec ?? {};
    const selector = spec.selector as { matchLabels?: Record<string, string> } | undefined;
    const template = spec.template as { metadata?: { labels?: Record<string, string> } } | undefined;
    for (const label of JOB_CONTROLLER_UID_LABELS) {
      delete selector?.matchLabels?.[label];
      delete template?.metadata?.labels?.[label];
    }
    return undefined;
  },
};
