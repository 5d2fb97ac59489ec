import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeClient } from "./client.js";
import { apiVersionOf, collectionPath, type ApiResource } from "./discovery.js";
import { KubeApiError } from "./errors.js";

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  /** Items per page. */
  limit?: number;
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
    let page: { items: KubernetesObject[]; metadata?: { continue?: string } };
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
    yield page.items;
    token = page.metadata?.continue || undefined;
  } while (token);
}
