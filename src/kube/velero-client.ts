import { VELERO_GROUP, VELERO_V1 } from "../api/v1/index.js";
import { VELERO_V2ALPHA1 } from "../api/v2alpha1/data-movement.js";
import type { KubeClient } from "./client.js";
import { isNotFound } from "./errors.js";

/** The API path of Velero's objects of one kind in `namespace` (the collection, or one by name). */
export function veleroPath(namespace: string, plural: VeleroPlural, name?: string): string {
  const base = `/apis/${VELERO_GROUP}/${veleroVersion(plural)}/namespaces/${namespace}/${plural}`;
  return name ? `${base}/${encodeURIComponent(name)}` : base;
}

export type VeleroPlural =
  | "backups"
  | "restores"
  | "backupstoragelocations"
  | "volumesnapshotlocations"
  | "deletebackuprequests"
  | "schedules"
  | "downloadrequests"
  | "serverstatusrequests"
  | "podvolumebackups"
  | "podvolumerestores"
  | "backuprepositories"
  | "datauploads"
  | "datadownloads";

/** The API version of each kind: v1, but the data mover's kinds, which Velero serves as v2alpha1. */
export function veleroVersion(plural: VeleroPlural): string {
  return plural === "datauploads" || plural === "datadownloads" ? VELERO_V2ALPHA1 : VELERO_V1;
}

const MERGE_PATCH = "application/merge-patch+json";

/** Reads and writes velero.io custom resources in one namespace. */
export class VeleroClient {
  constructor(
    readonly client: KubeClient,
    readonly namespace: string,
  ) {}

  path(plural: VeleroPlural, name?: string): string {
    return veleroPath(this.namespace, plural, name);
  }

  /**
   * Every item of a resource. `fromCache` reads the API server's watch cache (resourceVersion 0),
   * which answers at once where a consistent LIST may wait up to 100 ms for that cache to catch
   * up: for reads that may be a moment old, as a controller's informer would be.
   */
  async list<T>(
    plural: VeleroPlural,
    labelSelector?: string,
    options: { fromCache?: boolean } = {},
  ): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.get<{ items: T[]; metadata?: { continue?: string } }>(
        this.path(plural),
        {
          labelSelector,
          limit: 500,
          continue: token,
          ...(options.fromCache && !token ? { resourceVersion: "0" } : {}),
        },
      );
      items.push(...page.items);
      token = page.metadata?.continue || undefined;
    } while (token);
    return items;
  }

  async get<T>(plural: VeleroPlural, name: string): Promise<T | undefined> {
    try {
      return await this.client.get<T>(this.path(plural, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  create<T>(plural: VeleroPlural, object: T): Promise<T> {
    return this.client.request<T>("POST", this.path(plural), { body: object });
  }

  patch<T>(plural: VeleroPlural, name: string, patch: unknown): Promise<T> {
    return this.client.request<T>("PATCH", this.path(plural, name), {
      body: patch,
      contentType: MERGE_PATCH,
    });
  }

  /** velero.io CRDs have no status subresource (as in Velero): status is patched on the object. */
  patchStatus<T>(plural: VeleroPlural, name: string, status: unknown): Promise<T> {
    return this.patch<T>(plural, name, { status });
  }

  /** Deletes an object; a missing one is fine. */
  async delete(plural: VeleroPlural, name: string): Promise<void> {
    try {
      await this.client.request("DELETE", this.path(plural, name));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
