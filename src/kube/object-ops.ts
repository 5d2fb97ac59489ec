/**
 * The three idempotent object calls of controllers that may run a step again (after a failure or
 * a restart): read what may be missing, create what may exist already, delete what may be gone.
 */
import type { KubeClient } from "./client.js";
import { isAlreadyExists, isNotFound } from "./errors.js";

/** The object at `path`, or undefined when there is none. */
export async function getOrUndefined<T>(client: KubeClient, path: string): Promise<T | undefined> {
  try {
    return await client.get<T>(path);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Creates the object unless one of its name exists. */
export async function createIfMissing(client: KubeClient, collection: string, body: object): Promise<void> {
  try {
    await client.request("POST", collection, { body });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Deletes the object at `path`, if there is one. */
export async function deleteIfPresent(
  client: KubeClient,
  path: string,
  options: { gracePeriodSeconds?: number } = {},
): Promise<void> {
  try {
    await client.request("DELETE", path, {
      ...(options.gracePeriodSeconds !== undefined
        ? {
            body: { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: options.gracePeriodSeconds },
          }
        : {}),
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
