import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { BlockStorage, BlockSnapshot } from "../block-storage.js";
import { getByKey } from "../../kube/informer.js";
import type { Caches } from "./informers.js";
import { CSI_DRIVER, SNAPSHOT_CLASS, SNAPSHOT_GROUP, SNAPSHOT_VERSION } from "./names.js";
import { MERGE_PATCH } from "./patch.js";
import { bytesToQuantity } from "../../api/quantity.js";
import type { VolumeSnapshot, VolumeSnapshotContent } from "../../api/csi-snapshots.js";
import { statusCode } from "../../kube/errors.js";
import type { Outcome } from "../../kube/work-queue.js";

const WAIT_MS = 500;
const API = { group: SNAPSHOT_GROUP, version: SNAPSHOT_VERSION };

/**
 * Plays the snapshot-controller and the csi-snapshotter sidecar for the local CSI
 * driver: a VolumeSnapshot of a claim becomes a bound VolumeSnapshotContent holding a
 * copy of the disk, ready to use; a pre-provisioned content (a snapshot handle only)
 * becomes ready when its snapshot exists; deleting with policy Delete removes the copy.
 */
export class Snapshotter {
  private readonly custom: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    private readonly caches: Caches,
    private readonly storage: BlockStorage,
    private readonly log: Logger,
  ) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async reconcileSnapshot(key: string): Promise<Outcome> {
    const vs = getByKey(this.caches.snapshots, key);
    if (!vs || vs.metadata?.deletionTimestamp || vs.status?.readyToUse) return "done";
    const namespace = vs.metadata!.namespace!;
    const source = vs.spec?.source ?? {};

    if (source.volumeSnapshotContentName) {
      const content = this.caches.snapshotContents.get(source.volumeSnapshotContentName);
      if (!content) return { retryAfterMs: WAIT_MS };
      // Bound first, ready or not: once bound, the content's next change brings the snapshot back.
      await this.bindContent(vs, content);
      if (!content.status?.readyToUse) return "done";
      await this.markSnapshotReady(vs, content);
      return "done";
    }

    const claim = source.persistentVolumeClaimName
      ? this.caches.pvcs.get(source.persistentVolumeClaimName, namespace)
      : undefined;
    const pv = claim?.spec?.volumeName ? this.caches.pvs.get(claim.spec.volumeName) : undefined;
    if (!pv) return { retryAfterMs: WAIT_MS };
    if (pv.spec?.csi?.driver !== CSI_DRIVER) {
      await this.setSnapshotError(vs, `volume ${pv.metadata?.name} is not provisioned by ${CSI_DRIVER}`);
      return "done";
    }
    const className = vs.spec?.volumeSnapshotClassName ?? SNAPSHOT_CLASS;
    const contentName = `snapcontent-${vs.metadata!.uid}`;
    let content = this.caches.snapshotContents.get(contentName);
    if (!content) {
      const snapshot = await this.storage.createSnapshot(pv.spec.csi.volumeHandle);
      content = await this.createContent(vs, contentName, className, pv.spec.csi.volumeHandle, snapshot);
      this.log.info({ snapshot: key, content: contentName, snapshotHandle: snapshot.id }, "snapshot taken");
    }
    if (!content.status?.readyToUse) return { retryAfterMs: WAIT_MS };
    await this.markSnapshotReady(vs, content);
    return "done";
  }

  private async createContent(
    vs: VolumeSnapshot,
    contentName: string,
    className: string,
    volumeHandle: string,
    snapshot: BlockSnapshot,
  ): Promise<VolumeSnapshotContent> {
    const snapshotClass = (await this.custom
      .getClusterCustomObject({ ...API, plural: "volumesnapshotclasses", name: className })
      .catch(() => undefined)) as { deletionPolicy?: "Delete" | "Retain" } | undefined;
    const body: VolumeSnapshotContent = {
      apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
      kind: "VolumeSnapshotContent",
      metadata: { name: contentName },
      spec: {
        deletionPolicy: snapshotClass?.deletionPolicy ?? "Delete",
        driver: CSI_DRIVER,
        source: { volumeHandle },
        volumeSnapshotClassName: className,
        volumeSnapshotRef: {
          apiVersion: `${SNAPSHOT_GROUP}/${SNAPSHOT_VERSION}`,
          kind: "VolumeSnapshot",
          namespace: vs.metadata!.namespace!,
          name: vs.metadata!.name!,
          uid: vs.metadata!.uid!,
        },
      },
    };
    try {
      await this.custom.createClusterCustomObject({ ...API, plural: "volumesnapshotcontents", body });
    } catch (err) {
      await this.storage.deleteSnapshot(snapshot.id);
      throw err;
    }
    return this.patchContentStatus(contentName, snapshot);
  }

  async reconcileContent(key: string): Promise<Outcome> {
    const content = getByKey(this.caches.snapshotContents, key);
    const handle = content?.spec?.source?.snapshotHandle;
    if (!content || content.status?.readyToUse || !handle || content.spec?.driver !== CSI_DRIVER)
      return "done";
    const snapshot = await this.storage.getSnapshot(handle);
    if (!snapshot) {
      await this.custom.patchClusterCustomObjectStatus(
        {
          ...API,
          plural: "volumesnapshotcontents",
          name: key,
          body: {
            status: {
              readyToUse: false,
              error: { message: `snapshot ${handle} does not exist`, time: new Date().toISOString() },
            },
          },
        },
        MERGE_PATCH,
      );
      return "done";
    }
    await this.patchContentStatus(key, snapshot);
    return "done";
  }

  /** With deletion policy Delete, a deleted VolumeSnapshot takes its content along, and a deleted content its snapshot. */
  async snapshotDeleted(vs: VolumeSnapshot): Promise<void> {
    const contentName = vs.status?.boundVolumeSnapshotContentName;
    const content = contentName ? this.caches.snapshotContents.get(contentName) : undefined;
    if (
      !content ||
      content.spec?.deletionPolicy !== "Delete" ||
      content.spec.volumeSnapshotRef?.uid !== vs.metadata?.uid
    ) {
      return;
    }
    try {
      await this.custom.deleteClusterCustomObject({
        ...API,
        plural: "volumesnapshotcontents",
        name: contentName!,
      });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }

  async contentDeleted(content: VolumeSnapshotContent): Promise<void> {
    const handle = content.status?.snapshotHandle ?? content.spec?.source?.snapshotHandle;
    if (handle && content.spec?.driver === CSI_DRIVER && content.spec.deletionPolicy === "Delete") {
      await this.storage.deleteSnapshot(handle);
      this.log.info({ content: content.metadata?.name, snapshotHandle: handle }, "snapshot deleted");
    }
  }

  private async patchContentStatus(name: string, snapshot: BlockSnapshot): Promise<VolumeSnapshotContent> {
    return (await this.custom.patchClusterCustomObjectStatus(
      {
        ...API,
        plural: "volumesnapshotcontents",
        name,
        body: {
          status: {
            snapshotHandle: snapshot.id,
            readyToUse: true,
            restoreSize: snapshot.sizeBytes,
            creationTime: new Date(snapshot.createdAt).getTime() * 1_000_000,
          },
        },
      },
      MERGE_PATCH,
    )) as VolumeSnapshotContent;
  }

  /** As the snapshot-controller binds a pre-provisioned content: its reference gets the snapshot's uid. */
  private async bindContent(vs: VolumeSnapshot, content: VolumeSnapshotContent): Promise<void> {
    const ref = content.spec?.volumeSnapshotRef;
    if (ref?.uid || ref?.name !== vs.metadata?.name || ref?.namespace !== vs.metadata?.namespace) return;
    await this.custom.patchClusterCustomObject(
      {
        ...API,
        plural: "volumesnapshotcontents",
        name: content.metadata!.name!,
        body: { spec: { volumeSnapshotRef: { uid: vs.metadata!.uid! } } },
      },
      MERGE_PATCH,
    );
  }

  private async markSnapshotReady(vs: VolumeSnapshot, content: VolumeSnapshotContent): Promise<void> {
    await this.patchSnapshotStatus(vs, {
      boundVolumeSnapshotContentName: content.metadata!.name!,
      readyToUse: true,
      restoreSize: bytesToQuantity(content.status?.restoreSize ?? 0),
      creationTime: new Date((content.status?.creationTime ?? Date.now() * 1e6) / 1e6).toISOString(),
    });
  }

  private async setSnapshotError(vs: VolumeSnapshot, message: string): Promise<void> {
    await this.patchSnapshotStatus(vs, {
      readyToUse: false,
      error: { message, time: new Date().toISOString() },
    });
  }

  private async patchSnapshotStatus(vs: VolumeSnapshot, status: VolumeSnapshot["status"]): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        ...API,
        plural: "volumesnapshots",
        namespace: vs.metadata!.namespace!,
        name: vs.metadata!.name!,
        body: { status },
      },
      MERGE_PATCH,
    );
  }
}
