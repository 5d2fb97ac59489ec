import { SERVICE_ACCOUNT_UID_ANNOTATION } from "../../api/labels.js";
import type { RestoreItemAction } from "../../items/restore-item-action.js";

/** A service account's token Secret: the token controller fills it in for the ServiceAccount that exists now. */
export const secretRestoreAction: RestoreItemAction = {
  name: "velero.io/secret",
  appliesTo: ["secrets"],
  execute({ item }) {
    if (item.type !== "kubernetes.io/service-account-token") return undefined;
    delete item.metadata?.annotations?.[SERVICE_ACCOUNT_UID_ANNOTATION];
    const data = item.data as Record<string, string> | undefined;
    if (data) for (const key of ["token", "ca.crt", "namespace"]) delete data[key];
    return undefined;
  },
};
