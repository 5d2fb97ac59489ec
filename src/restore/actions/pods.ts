import { MIRROR_POD_ANNOTATION } from "../../api/labels.js";
import type { RestoreItemAction } from "../../items/restore-item-action.js";

/**
 * Pods: a pod that has ended or that a kubelet mirrors is not restored; the rest lose their old
 * node and priority (the scheduler and admission set them anew) and the token volumes of their
 * service account, whose secrets are made anew.
 */
export const podRestoreAction: RestoreItemAction = {
  name: "velero.io/pod",
  appliesTo: ["pods"],
  execute({ item, itemFromBackup }) {
    const phase = itemFromBackup.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return { skip: `pod has phase ${phase}` };
    if (itemFromBackup.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined)
      return { skip: "mirror pod" };
    const spec = (item.spec ??= {});
    delete spec.nodeName;
    delete spec.priority;
    const sa = (spec.serviceAccountName ?? spec.serviceAccount) as string | undefined;
    if (!sa) return undefined;
    const isToken = (name: string | undefined) => name?.startsWith(`${sa}-token-`) ?? false;
    spec.volumes = ((spec.volumes as { name?: string }[] | undefined) ?? []).filter((v) => !isToken(v.name));
    for (const list of ["containers", "initContainers"]) {
      for (const c of (spec[list] as { volumeMounts?: { name?: string }[] }[] | undefined) ?? []) {
        if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((m) => !isToken(m.name));
      }
    }
    return undefined;
  },
};
