import { DEFAULT_NAMESPACE } from "./options.js";

/** Names of the objects `velero-ts install` creates, as `velero install` names them. */
export const SERVICE_ACCOUNT = "velero";
export const CREDENTIALS_SECRET = "cloud-credentials";
export const CREDENTIALS_KEY = "cloud";
export const DEFAULT_LOCATION = "default";

/** Velero binds `velero` in its default namespace, `velero-<namespace>` elsewhere, so installs don't collide. */
export function clusterRoleBindingName(namespace: string): string {
  return namespace === DEFAULT_NAMESPACE ? "velero" : `velero-${namespace}`;
}
