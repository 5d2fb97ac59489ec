import {
  CoreV1Api,
  KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { BlockStorage } from "../block-storage.js";
import { getByKey } from "../../kube/informer.js";
import type { Caches } from "./informers.js";
import {
  CSI_DRIVER,
  PROVISIONED_BY_ANNOTATION,
  SELECTED_NODE_ANNOTATION,
  SNAPSHOT_GROUP,
  STORAGE_PROVISIONER_ANNOTATIONS,
} from "./names.js";
import { bytesToQuantity, quantityToBytes } from "../../api/quantity.js";
import { statusCode } from "../../kube/errors.js";
import type { Outcome } from "../../kube/work-queue.js";

const WAIT_MS = 500;

/**
 * Plays the external-provisioner sidecar of the CSI driver: a claim that the
 * PV controller hands to this driver gets a fresh disk (or one filled from a
 * VolumeSnapshot or another claim) and a PersistentVolume naming it (never one with
 * a selector, as the real sidecar refuses those); a released
 * PV with reclaim policy Delete loses its disk and is deleted.
 */
export class Provisioner {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly caches: Caches,
    private readonly storage: BlockStorage,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async reconcileClaim(key: string): Promise<Outcome> {
    const claim = getByKey(this.caches.pvcs, key);
    if (!claim || claim.spec?.volumeName || claim.metadata?.deletionTimestamp) return "done";
    const annotations = claim.metadata?.annotations ?? {};
    if (!STORAGE_PROVISIONER_ANNOTATIONS.some((a) => annotations[a] === CSI_DRIVER)) return "done";
    // As the external-provisioner: a claim with a selector is never provisioned dynamically
    // ("claim Selector is not supported"); it binds only to a volume that matches it.
    if (claim.spec?.selector) return "done";
    const storageClass = this.caches.storageClasses.get(claim.spec?.storageClassName ?? "");
    if (!storageClass) return { retryAfterMs: WAIT_MS };
    if (storageClass.volumeBindingMode === "WaitForFirstConsumer" && !annotations[SELECTED_NODE_ANNOTATION]) {
      return "done";
    }
    const pvName = `pvc-${claim.metadata!.uid}`;
    if (this.caches.pvs.get(pvName)) return "done";

    const sizeBytes = quantityToBytes(claim.spec?.resources?.requests?.storage);
    const handle = await this.createDisk(claim, sizeBytes);
    if (!handle) return { retryAfterMs: WAIT_MS };

    const pv: V1PersistentVolume = {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: pvName, annotations: { [PROVISIONED_BY_ANNOTATION]: CSI_DRIVER } },
      spec: {
        capacity: { storage: bytesToQuantity(sizeBytes) },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
        storageClassName: storageClass.metadata!.name!,
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        mountOptions: storageClass.mountOptions,
        claimRef: {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          namespace: claim.metadata!.namespace!,
          name: claim.metadata!.name!,
          uid: claim.metadata!.uid!,
        },
        csi: { driver: CSI_DRIVER, volumeHandle: handle, fsType: "ext4" },
      },
    };
    try {
      await this.core.createPersistentVolume({ body: pv });
    } catch (err) {
      await this.storage.deleteVolume(handle);
      if (statusCode(err) === 409) return "done";
      throw err;
    }
    this.log.info({ claim: key, pv: pvName, volumeHandle: handle }, "volume provisioned");
    return "done";
  }

  /** A new disk for the claim, or undefined while its data source is not ready. */
  private async createDisk(claim: V1PersistentVolumeClaim, sizeBytes: number): Promise<string | undefined> {
    const source = claim.spec?.dataSourceRef ?? claim.spec?.dataSource;
    const namespace = claim.metadata!.namespace!;
    if (source?.kind === "VolumeSnapshot" && source.apiGroup === SNAPSHOT_GROUP) {
      const snapshot = this.caches.snapshots.get(source.name, namespace);
      const contentName = snapshot?.status?.readyToUse
        ? snapshot.status.boundVolumeSnapshotContentName
        : undefined;
      const handle = contentName
        ? this.caches.snapshotContents.get(contentName)?.status?.snapshotHandle
        : undefined;
      return handle ? this.storage.createVolumeFromSnapshot(handle, sizeBytes) : undefined;
    }
    if (source?.kind === "PersistentVolumeClaim" && !source.apiGroup) {
      const sourceClaim = this.caches.pvcs.get(source.name, namespace);
      const pv = sourceClaim?.spec?.volumeName ? this.caches.pvs.get(sourceClaim.spec.volumeName) : undefined;
      const handle = pv?.spec?.csi?.driver === CSI_DRIVER ? pv.spec.csi.volumeHandle : undefined;
      return handle ? this.storage.cloneVolume(handle, sizeBytes) : undefined;
    }
    return this.storage.createVolume(sizeBytes);
  }

  async reconcileVolume(key: string): Promise<Outcome> {
    const pv = getByKey(this.caches.pvs, key);
    if (!pv || !this.ownsDeletable(pv) || pv.status?.phase !== "Released") return "done";
    await this.storage.deleteVolume(pv.spec!.csi!.volumeHandle);
    try {
      await this.core.deletePersistentVolume({ name: pv.metadata!.name! });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
    this.log.info({ pv: key }, "released volume deleted");
    return "done";
  }

  /** A PV of this driver with reclaim policy Delete that was deleted directly takes its disk along. */
  async volumeDeleted(pv: V1PersistentVolume): Promise<void> {
    if (this.ownsDeletable(pv)) await this.storage.deleteVolume(pv.spec!.csi!.volumeHandle);
  }

  private ownsDeletable(pv: V1PersistentVolume): boolean {
    return pv.spec?.csi?.driver === CSI_DRIVER && pv.spec.persistentVolumeReclaimPolicy === "Delete";
  }
}
