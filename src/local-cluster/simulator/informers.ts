import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  StorageV1Api,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Node,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1StorageClass,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { SNAPSHOT_GROUP, SNAPSHOT_VERSION } from "./names.js";
import type { VolumeSnapshot, VolumeSnapshotContent } from "../../api/csi-snapshots.js";
import { startInformer, type Cache } from "../../kube/informer.js";

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

/** Starts every cache; each one that fails is started again until it works. */
export async function startCaches(caches: Caches, log: Logger): Promise<void> {
  await Promise.all(
    Object.entries(caches).map(([name, c]: [string, Cache<KubernetesObject>]) => startInformer(name, c, log)),
  );
}
