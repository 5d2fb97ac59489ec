/**
 * The server's restore settings (`--restore-resource-priorities` and the size limits), published
 * by each starting server in a ConfigMap of its namespace. `restore create --dry-run` plans in the
 * CLI, so it reads them there: the preview orders and bounds the restore as the server will.
 */
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.js";
import { isAlreadyExists, isNotFound } from "../kube/errors.js";
import type { RestoreLimits } from "./limits.js";
import { DEFAULT_RESTORE_LIMITS } from "./limits.js";
import { DEFAULT_RESTORE_PRIORITIES, parseRestorePriorities, type ResourcePriorities } from "./priorities.js";

export const RESTORE_SETTINGS_CONFIGMAP = "velero-ts-restore-settings";

export interface RestoreSettings {
  priorities: ResourcePriorities;
  limits: RestoreLimits;
}

/** The settings as the ConfigMap's data holds them: the flags' own forms. */
export function settingsData(settings: RestoreSettings): Record<string, string> {
  const { high, low } = settings.priorities;
  return {
    restoreResourcePriorities: [...high, ...(low.length ? ["-", ...low] : [])].join(","),
    restoreItemSizeLimitBytes: String(settings.limits.itemMaxBytes),
    restoreArchiveSizeLimitBytes: String(settings.limits.archiveMaxBytes),
  };
}

/** The settings a ConfigMap's data gives; what is missing or unreadable is the default. */
export function settingsFromData(data: Record<string, string> | undefined): RestoreSettings {
  const bytes = (text: string | undefined, fallback: number) => {
    const n = Number(text);
    return Number.isSafeInteger(n) && n > 0 ? n : fallback;
  };
  return {
    priorities: data?.restoreResourcePriorities
      ? parseRestorePriorities(data.restoreResourcePriorities)
      : DEFAULT_RESTORE_PRIORITIES,
    limits: {
      itemMaxBytes: bytes(data?.restoreItemSizeLimitBytes, DEFAULT_RESTORE_LIMITS.itemMaxBytes),
      archiveMaxBytes: bytes(data?.restoreArchiveSizeLimitBytes, DEFAULT_RESTORE_LIMITS.archiveMaxBytes),
    },
  };
}

const path = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;

/** Writes the ConfigMap, over the one an earlier server wrote. */
export async function publishRestoreSettings(
  client: KubeClient,
  namespace: string,
  settings: RestoreSettings,
): Promise<void> {
  const body: V1ConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: RESTORE_SETTINGS_CONFIGMAP, namespace },
    data: settingsData(settings),
  };
  try {
    await client.request("POST", path(namespace), { body });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    await client.request("PUT", `${path(namespace)}/${RESTORE_SETTINGS_CONFIGMAP}`, { body });
  }
}

/** The published settings, or undefined when no server has published any in this namespace. */
export async function readRestoreSettings(
  client: KubeClient,
  namespace: string,
): Promise<RestoreSettings | undefined> {
  try {
    const cm = await client.get<V1ConfigMap>(`${path(namespace)}/${RESTORE_SETTINGS_CONFIGMAP}`);
    return settingsFromData(cm.data);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
