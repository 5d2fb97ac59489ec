/**
 * Watches collections to learn that something in them changed: no LIST, only the API server's
 * watch events, for a poller to read at once rather than at its next interval (and, where asked,
 * the objects the events brought, for the poller to read without a request of its own).
 * A watch the server ends is started again a second later until stopped; while one is down the
 * poller still polls, and only learns of changes later.
 */
import { Watch } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import { Wakeup } from "../concurrency/wakeup.js";
import type { WatchedObjects } from "./watched-objects.js";

/** A collection to watch: an API path (`/apis/velero.io/v1/namespaces/velero/podvolumerestores`) and a label selector. */
export interface WatchedCollection {
  path: string;
  labelSelector?: string;
  /**
   * A label whose value on a changed object names what changed (Velero's async operation ID on
   * a DataUpload): the change is told with that key, so only what it names is looked at again.
   */
  keyLabel?: string;
  /** Where the objects the watch brings are kept while it runs, before the poller is told. */
  seen?: WatchedObjects;
}

const RESTART_MS = 1000;

/**
 * Calls `changed` on every event of every collection (each watched once), with the changed
 * object's keyLabel value when the collection has one; returns what stops them.
 */
export function watchChanges(
  kubeConfig: KubeConfig,
  collections: WatchedCollection[],
  changed: (key?: string) => void,
): () => void {
  let stopped = false;
  const running = new Set<AbortController>();
  const start = (c: WatchedCollection) => {
    if (stopped) return;
    let restarted = false;
    const restart = () => {
      if (restarted) return;
      restarted = true;
      setTimeout(() => start(c), RESTART_MS).unref();
    };
    let controller: AbortController | undefined;
    const ended = () => {
      if (controller) running.delete(controller);
      c.seen?.clear();
      restart();
    };
    new Watch(kubeConfig)
      .watch(
        c.path,
        c.labelSelector ? { labelSelector: c.labelSelector } : {},
        (type: string, object: { metadata?: { name?: string; labels?: Record<string, string> } }) => {
          c.seen?.event(type, object);
          changed(c.keyLabel ? object?.metadata?.labels?.[c.keyLabel] : undefined);
        },
        ended,
      )
      .then(
        (started) => {
          controller = started;
          if (stopped) started.abort();
          else running.add(started);
        },
        () => restart(),
      );
  };
  const unique = new Map(collections.map((c) => [`${c.path}?${c.labelSelector ?? ""}`, c]));
  for (const c of unique.values()) start(c);
  return () => {
    stopped = true;
    for (const controller of running) controller.abort();
    running.clear();
  };
}

/**
 * Runs `use` with a Wakeup told of every change of the collections while it runs: a poller's
 * sleep that ends as soon as what it polls changes.
 */
export async function withChangeWakeup<T>(
  kubeConfig: KubeConfig,
  collections: WatchedCollection[],
  use: (wakeup: Wakeup) => Promise<T>,
): Promise<T> {
  const wakeup = new Wakeup();
  const stop = watchChanges(kubeConfig, collections, (key) => wakeup.notify(key));
  try {
    return await use(wakeup);
  } finally {
    stop();
  }
}
