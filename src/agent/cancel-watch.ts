import type { KubernetesObject } from "@kubernetes/client-node";
import { getByKey, type Cache } from "../kube/informer.js";

/** What the node agent moves, cancelled by setting `spec.cancel` (a PodVolumeBackup or PodVolumeRestore). */
type Cancellable = KubernetesObject & { spec: { cancel?: boolean } };

/**
 * A signal that aborts once the object's `spec.cancel` is set, now or by a later update the cache
 * hears (the backup or restore that made it ran out of time, `why`). `stop` ends the watch.
 */
export function watchCancel<T extends Cancellable>(
  cache: Cache<T>,
  key: string,
  object: T,
  why: string,
): { signal: AbortSignal; stop: () => void } {
  const cancel = new AbortController();
  const check = (changed: T) => {
    if (changed.metadata?.uid === object.metadata?.uid && changed.spec.cancel) cancel.abort(new Error(why));
  };
  cache.on("update", check);
  check(object);
  const latest = getByKey(cache, key);
  if (latest) check(latest);
  return { signal: cancel.signal, stop: () => cache.off("update", check) };
}
