import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeClient } from "./client.js";
import { apiVersionOf, collectionPath, type ApiResource } from "./discovery.js";
import { KubeApiError } from "./errors.js";

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  /** Items per page. */
  limit?: number;
  /** Told after each page how many items the server says remain (0 after the last page). */
  onRemaining?: (count: number) => void;
}

/**
 * Lists a resource page by page (limit/continue), yielding each page's items with
 * apiVersion and kind filled in, so a caller never holds more than one page.
 * A continue token that expired (410) ends in an error that says so.
 */
export async function* listPages(
  client: KubeClient,
  r: ApiResource,
  options: ListOptions = {},
): AsyncGenerator<KubernetesObject[]> {
  let token: string | undefined;
  do {
    let page: { items: KubernetesObject[]; metadata?: { continue?: string; remainingItemCount?: number } };
    try {
      page = await client.get(collectionPath(r, options.namespace), {
        limit: options.limit ?? 500,
        continue: token,
        labelSelector: options.labelSelector,
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 410 && token) {
        throw new Error(`listing ${r.resource} took too long and its snapshot expired: ${err.message}`);
      }
      throw err;
    }
    const apiVersion = apiVersionOf(r);
    for (const item of page.items) {
      item.apiVersion = apiVersion;
      item.kind = r.kind;
    }
    token = page.metadata?.continue || undefined;
    // The server counts what remains only for unfiltered lists; without it, a page's worth is a guess.
    options.onRemaining?.(token ? (page.metadata?.remainingItemCount ?? page.items.length) : 0);
    yield page.items;
  } while (token);
}

/** Every item of a resource, for the few lists small enough to hold whole (namespaces, PVs). */
export async function listAll<T = KubernetesObject>(client: KubeClient, r: ApiResource): Promise<T[]> {
  const all: T[] = [];
  for await (const page of listPages(client, r)) all.push(...(page as T[]));
  return all;
}
