import type { Informer, KubernetesObject, ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "pino";

export type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Starts an informer; a list or watch that fails is started again after a second, until it works. */
export async function startInformer(
  name: string,
  informer: Cache<KubernetesObject>,
  log: Logger,
): Promise<void> {
  let restartPending = false;
  const restart = (err: unknown) => {
    if (restartPending) return;
    restartPending = true;
    log.warn({ informer: name, err: String(err) }, "list or watch failed, starting it again in 1s");
    setTimeout(() => {
      restartPending = false;
      informer.start().catch(restart);
    }, 1000);
  };
  informer.on("error", restart);
  await informer.start().catch(restart);
}

/** The cache key of an object: namespace/name, or name for cluster-scoped objects. */
export function keyOf(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : (obj.metadata?.name ?? "");
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function getByKey<T extends KubernetesObject>(cache: ObjectCache<T>, key: string): T | undefined {
  const { namespace, name } = splitKey(key);
  return cache.get(name, namespace);
}

/** Queues every object a cache adds or changes. */
export function feed<T extends KubernetesObject>(cache: Cache<T>, enqueue: (key: string) => void): void {
  cache.on("add", (obj) => enqueue(keyOf(obj)));
  cache.on("update", (obj) => enqueue(keyOf(obj)));
}
