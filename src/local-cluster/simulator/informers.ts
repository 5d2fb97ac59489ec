import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  StorageV1Api,
  type Informer,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1Node,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StorageClass,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { SNAPSHOT_GROUP, SNAPSHOT_VERSION } from "./names.js";
import type { VolumeSnapshot, VolumeSnapshotContent } from "./snapshot-types.js";

export type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** The caches every part of the simulator reads from, one list+watch per resource. */
export interface Caches {
  nodes: Cache<V1Node>;
  pods: Cache<V1Pod>;
  pvcs: Cache<V1PersistentVolumeClaim>;
  pvs: Cache<V1PersistentVolume>;
  storageClasses: Cache<V1StorageClass>;
  snapshots: Cache<VolumeSnapshot>;
  snapshotContents: Cache<VolumeSnapshotContent>;
}

export function makeCaches(kc: KubeConfig): Caches {
  const core = kc.makeApiClient(CoreV1Api);
  const storage = kc.makeApiClient(StorageV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const snapshotList = <T extends KubernetesObject>(plural: string) => {
    return async () =>
      (await custom.listClusterCustomObject({
        group: SNAPSHOT_GROUP,
        version: SNAPSHOT_VERSION,
        plural,
      })) as KubernetesListObject<T>;
  };
  return {
    nodes: makeInformer(kc, "/api/v1/nodes", () => core.listNode()),
    pods: makeInformer(kc, "/api/v1/pods", () => core.listPodForAllNamespaces()),
    pvcs: makeInformer(kc, "/api/v1/persistentvolumeclaims", () =>
      core.listPersistentVolumeClaimForAllNamespaces(),
    ),
    pvs: makeInformer(kc, "/api/v1/persistentvolumes", () => core.listPersistentVolume()),
    storageClasses: makeInformer(kc, "/apis/storage.k8s.io/v1/storageclasses", () =>
      storage.listStorageClass(),
    ),
    snapshots: makeInformer(
      kc,
      `/apis/${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}/volumesnapshots`,
      snapshotList<VolumeSnapshot>("volumesnapshots"),
    ),
    snapshotContents: makeInformer(
      kc,
      `/apis/${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}/volumesnapshotcontents`,
      snapshotList<VolumeSnapshotContent>("volumesnapshotcontents"),
    ),
  };
}

/** Starts every cache; a list or watch that fails is started again after a second, until it works. */
export async function startCaches(caches: Caches, log: Logger): Promise<void> {
  await Promise.all(
    Object.entries(caches).map(async ([name, informer]: [string, Cache<KubernetesObject>]) => {
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
    }),
  );
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
