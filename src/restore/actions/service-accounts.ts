import type { Item } from "../../items/item.js";
import type { RestoreItemAction } from "../../items/restore-item-action.js";

/**
 * ServiceAccounts: the token secrets they list are made anew for the new account, so the old
 * names are dropped. One that exists is merged into, as Velero does, whatever the policy.
 */
export const serviceAccountRestoreAction: RestoreItemAction = {
  name: "velero.io/service-account",
  appliesTo: ["serviceaccounts"],
  execute({ item, inCluster }) {
    const name = item.metadata?.name ?? "";
    const secrets = item.secrets as { name?: string }[] | undefined;
    if (secrets) item.secrets = secrets.filter((s) => !s.name?.startsWith(`${name}-token-`));
    if (!inCluster) return undefined;
    const patch = serviceAccountMerge(item, inCluster);
    return {
      existing: patch
        ? {
            reason:
              "service account exists: the backup's secrets, image pull secrets, labels and annotations are merged in",
            patch,
          }
        : { reason: "service account exists and holds everything the backup's does" },
    };
  },
};

/** Velero's merge of a backed-up ServiceAccount into one that exists, or undefined when it adds nothing. */
function serviceAccountMerge(prepared: Item, inCluster: Item): Item | undefined {
  const patch: Item = {};
  for (const list of ["secrets", "imagePullSecrets"]) {
    const have = (inCluster[list] as { name?: string }[] | undefined) ?? [];
    const names = new Set(have.map((s) => s.name));
    const extra = ((prepared[list] as { name?: string }[] | undefined) ?? []).filter(
      (s) => !names.has(s.name),
    );
    if (extra.length) patch[list] = [...have, ...extra];
  }
  for (const field of ["labels", "annotations"] as const) {
    const have = inCluster.metadata?.[field] ?? {};
    const missing = Object.entries(prepared.metadata?.[field] ?? {}).filter(([k]) => !(k in have));
    if (missing.length) (patch.metadata ??= {})[field] = Object.fromEntries(missing);
  }
  return Object.keys(patch).length ? patch : undefined;
}
