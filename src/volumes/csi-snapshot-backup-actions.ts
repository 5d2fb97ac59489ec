/**
 * CSI snapshots in a backup, as Velero's CSI backup item actions take them: a bound claim whose
 * driver has a VolumeSnapshotClass gets a VolumeSnapshot, waited for until it is ready to use
 * (`spec.csiSnapshotTimeout`); the claim, the snapshot, its content and its class go into the
 * backup. Claims are snapshotted concurrently, as the collector acts on a page's items at once.
 * A claim that cannot be snapshotted is recorded as skipped with the reason; a snapshot that
 * fails or times out is an error of that claim alone, and what it made is deleted.
 */
import type { V1PersistentVolumeClaim } from "@kubernetes/client-node";
import type { VolumeSnapshot, VolumeSnapshotClass, VolumeSnapshotContent } from "../api/csi-snapshots.js";
import { parseDuration } from "../api/duration.js";
import {
  BACKUP_NAME_LABEL,
  BACKUP_VOLUMESNAPSHOT_CLASS_ANNOTATION_PREFIX,
  CSI_DRIVER_NAME_ANNOTATION,
  CSI_VOLUMESNAPSHOT_CLASS_ANNOTATION,
  CSI_VOLUMESNAPSHOT_CLASS_LABEL,
  CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION,
  CSI_VOLUMESNAPSHOT_RESTORE_SIZE_ANNOTATION,
  CSI_VSC_DELETION_POLICY_ANNOTATION,
  DEFAULT_VOLUMESNAPSHOT_CLASS_ANNOTATION,
  MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION,
  VOLUME_SNAPSHOT_LABEL,
} from "../api/labels.js";
import type { Backup } from "../api/v1/index.js";
import type { BackupItemAction, BackupItemActionOutput } from "../items/backup-item-action.js";
import type { Item } from "../items/item.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage, isNotFound, statusCode } from "../kube/errors.js";
import { forEachConcurrently } from "../concurrency/pool.js";
import type { BackupRepositories } from "./backup-repositories.js";
import type { BackupVolumeRecords, CsiSnapshotRecord } from "./backup-volume-records.js";
import { nativeLocationFor, type NativeLocation } from "./native-snapshots.js";
import type { FsBackupClaims } from "./pod-volume-backup-actions.js";
import { ClaimVolumes } from "./claim-volumes.js";
import { SnapshotWatch } from "./snapshot-watch.js";
import { WatchedObjects } from "../kube/watched-objects.js";
import type { DataUpload } from "../api/v2alpha1/data-movement.js";
import {
  cancelDataUpload,
  dataUploadProgress,
  dataUploadsWatch,
  moveKeptSnapshotData,
  moveSnapshotData,
} from "./data-upload-backup.js";
import { SNAPSHOT_API, snapshotClassesPath, snapshotContentsPath, snapshotsPath } from "./csi-paths.js";

const DEFAULT_CSI_SNAPSHOT_TIMEOUT = "10m";
/** Snapshots let go of at once after the backup. */
const RELEASE_CONCURRENCY = 64;

export interface CsiBackupContext {
  client: KubeClient;
  backup: Backup;
  volumes: BackupVolumeRecords;
  /** The backup's VolumeSnapshotLocations: the volumes they handle are snapshotted natively instead. */
  snapshotLocations: readonly NativeLocation[];
  /** The claims file-system backup takes: those are not snapshotted. */
  fsBackupClaims: FsBackupClaims;
  /** The server's repositories, which moved snapshot data goes into (snapshotMoveData). */
  repositories?: BackupRepositories;
}

/** The three actions of one backup: claims, their VolumeSnapshots, and the snapshots' contents. */
export function csiSnapshotBackupActions(ctx: CsiBackupContext): BackupItemAction[] {
  const watch = new SnapshotWatch(ctx.client);
  /** The backup's DataUploads as their watch last brought them: polled without a GET each. */
  const seenUploads = new WatchedObjects<DataUpload>();
  const claimVolumes = new ClaimVolumes(ctx.client);
  let classes: Promise<VolumeSnapshotClass[]> | undefined;
  const snapshotClasses = () =>
    (classes ??= ctx.client
      .get<{ items: VolumeSnapshotClass[] }>(snapshotClassesPath())
      .then((list) => list.items)
      .catch((err: unknown) => {
        if (isNotFound(err)) return [];
        throw err;
      }));

  const claimAction: BackupItemAction = {
    name: "velero.io/csi-pvc-backupper",
    appliesTo: ["persistentvolumeclaims"],
    async execute({ item, started }) {
      const pvc = item as V1PersistentVolumeClaim;
      const pvName = pvc.spec?.volumeName;
      if (!pvName || pvc.status?.phase !== "Bound") return undefined; // the volume info says why: it has no PV
      // What deciding takes is read at once, not one request after another: a snapshot starts sooner.
      const read = claimVolumes.of(pvc);
      read.catch(() => undefined); // awaited below, unless the claim is not snapshotted
      snapshotClasses().catch(() => undefined); // likewise
      if (await ctx.fsBackupClaims.takes(pvc.metadata!.namespace!, pvc.metadata!.name!)) return undefined;
      if (ctx.backup.spec.snapshotVolumes === false) {
        ctx.volumes.skip(pvName, "volume snapshots are turned off for this backup (snapshotVolumes: false)");
        return undefined;
      }
      const pv = await read;
      if (nativeLocationFor(ctx.snapshotLocations, pv)) return undefined; // the native snapshotter takes it
      const driver = pv.spec?.csi?.driver;
      if (!driver) {
        ctx.volumes.skip(pvName, "not a CSI volume, and no volume snapshot location takes it");
        return undefined;
      }
      const snapshotClass = chooseClass(await snapshotClasses(), driver, pvc, ctx.backup);
      if (typeof snapshotClass === "string") {
        ctx.volumes.skip(pvName, snapshotClass);
        return undefined;
      }
      const moving = ctx.backup.spec.snapshotMoveData === true;
      if (moving && ctx.backup.spec.preserveLocalSnapshot !== true)
        return moveSnapshotData(ctx, { pvc, pv, driver }, () =>
          cutSnapshot(ctx, watch, pvc, snapshotClass, started),
        );
      const record = await takeSnapshot(ctx, watch, pvc, pvName, driver, snapshotClass, started);
      if (!record.succeeded) {
        return { errors: [record.error!] };
      }
      const vsName = record.snapshot.metadata!.name!;
      const labelled = structuredClone(pvc) as Item;
      labelled.metadata!.labels = { ...labelled.metadata?.labels, [VOLUME_SNAPSHOT_LABEL]: vsName };
      labelled.metadata!.annotations = {
        ...labelled.metadata?.annotations,
        [VOLUME_SNAPSHOT_LABEL]: vsName,
      };
      const kept: BackupItemActionOutput = {
        item: labelled,
        additionalItems: [
          {
            groupResource: "volumesnapshots.snapshot.storage.k8s.io",
            namespace: pvc.metadata!.namespace!,
            name: vsName,
            item: structuredClone(record.snapshot) as Item,
          },
          { groupResource: "persistentvolumes", name: pvName, item: pv as Item },
        ],
      };
      // preserveLocalSnapshot: the snapshot is kept as above, and its data moved as well.
      return moving ? moveKeptSnapshotData(ctx, record, kept) : kept;
    },
    prepare(namespaces) {
      ctx.fsBackupClaims.prefetch(namespaces);
      if (ctx.backup.spec.snapshotVolumes === false) return;
      claimVolumes.prefetch();
      snapshotClasses().catch(() => undefined);
    },
    // The operations of claims whose snapshot's data is moved (snapshotMoveData).
    progress: (operationId) => dataUploadProgress(ctx, operationId, seenUploads),
    operationWatches: () => [dataUploadsWatch(ctx.backup, seenUploads)],
    cancel: (operationId) => cancelDataUpload(ctx, operationId),
  };

  const snapshotAction: BackupItemAction = {
    name: "velero.io/csi-volumesnapshot-backupper",
    appliesTo: ["volumesnapshots.snapshot.storage.k8s.io"],
    execute({ item }) {
      const vs = item as VolumeSnapshot;
      const record = ctx.volumes.csiSnapshots.find(
        (r) => r.snapshot.metadata?.name === vs.metadata?.name && r.pvcNamespace === vs.metadata?.namespace,
      );
      const contentName = vs.status?.boundVolumeSnapshotContentName;
      return Promise.resolve({
        ...(record ? { item: record.snapshot as Item } : {}),
        additionalItems: contentName
          ? [
              {
                groupResource: "volumesnapshotcontents.snapshot.storage.k8s.io",
                name: contentName,
                ...(record?.content?.metadata?.name === contentName
                  ? { item: structuredClone(record.content) as Item }
                  : {}),
              },
            ]
          : [],
      });
    },
  };

  const contentAction: BackupItemAction = {
    name: "velero.io/csi-volumesnapshotcontent-backupper",
    appliesTo: ["volumesnapshotcontents.snapshot.storage.k8s.io"],
    execute({ item }) {
      const className = (item as VolumeSnapshotContent).spec?.volumeSnapshotClassName;
      return Promise.resolve(
        className
          ? {
              additionalItems: [
                { groupResource: "volumesnapshotclasses.snapshot.storage.k8s.io", name: className },
              ],
            }
          : undefined,
      );
    },
  };

  return [claimAction, snapshotAction, contentAction];
}

/**
 * The VolumeSnapshotClass for a claim, in Velero's order (the claim's annotation, the backup's
 * annotation for the driver, the class labelled for Velero, the default class, the only class);
 * or why there is none.
 */
export function chooseClass(
  classes: VolumeSnapshotClass[],
  driver: string,
  pvc: V1PersistentVolumeClaim,
  backup: Backup,
): VolumeSnapshotClass | string {
  const ofDriver = classes.filter((c) => c.driver === driver);
  const named = (name: string | undefined, where: string): VolumeSnapshotClass | string | undefined => {
    if (!name) return undefined;
    return (
      ofDriver.find((c) => c.metadata?.name === name) ??
      `${where} names VolumeSnapshotClass ${name}, which does not exist for driver ${driver}: create it or correct the annotation`
    );
  };
  return (
    named(
      pvc.metadata?.annotations?.[CSI_VOLUMESNAPSHOT_CLASS_ANNOTATION],
      `the claim's annotation ${CSI_VOLUMESNAPSHOT_CLASS_ANNOTATION}`,
    ) ??
    named(
      backup.metadata.annotations?.[`${BACKUP_VOLUMESNAPSHOT_CLASS_ANNOTATION_PREFIX}${driver}`],
      `the backup's annotation ${BACKUP_VOLUMESNAPSHOT_CLASS_ANNOTATION_PREFIX}${driver}`,
    ) ??
    ofDriver.find((c) => c.metadata?.labels?.[CSI_VOLUMESNAPSHOT_CLASS_LABEL] === "true") ??
    ofDriver.find((c) => c.metadata?.annotations?.[DEFAULT_VOLUMESNAPSHOT_CLASS_ANNOTATION] === "true") ??
    (ofDriver.length === 1
      ? ofDriver[0]!
      : ofDriver.length === 0
        ? `no VolumeSnapshotClass for CSI driver ${driver}: create one to take CSI snapshots of its volumes`
        : `${ofDriver.length} VolumeSnapshotClasses for CSI driver ${driver} and none is the default: label one ${CSI_VOLUMESNAPSHOT_CLASS_LABEL}=true`)
  );
}

type TakenSnapshot = CsiSnapshotRecord & { error?: string };

/** Creates a VolumeSnapshot of the claim, named and labelled as Velero's (`velero-<claim>-`). */
export function createClaimSnapshot(
  ctx: Pick<CsiBackupContext, "client" | "backup">,
  pvc: V1PersistentVolumeClaim,
  snapshotClass: VolumeSnapshotClass,
): Promise<VolumeSnapshot> {
  const namespace = pvc.metadata!.namespace!;
  const body: VolumeSnapshot = {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshot",
    metadata: {
      generateName: `velero-${pvc.metadata!.name!}-`,
      namespace,
      labels: { ...pvc.metadata?.labels, [BACKUP_NAME_LABEL]: ctx.backup.metadata.name! },
      annotations: { [MUST_INCLUDE_ADDITIONAL_ITEMS_ANNOTATION]: "true" },
    },
    spec: {
      volumeSnapshotClassName: snapshotClass.metadata!.name!,
      source: { persistentVolumeClaimName: pvc.metadata!.name! },
    },
  };
  return ctx.client.request<VolumeSnapshot>("POST", snapshotsPath(namespace), { body });
}

/**
 * For moving its data: creates the claim's VolumeSnapshot and waits, as Velero does before it
 * makes the DataUpload, until the storage has cut the snapshot (its content has a handle, which
 * the VolumeSnapshot shows by a creationTime), not until it is ready to use: the exposer waits for
 * that. One not cut is the claim's error alone: the other claims go on.
 */
async function cutSnapshot(
  ctx: CsiBackupContext,
  watch: SnapshotWatch,
  pvc: V1PersistentVolumeClaim,
  snapshotClass: VolumeSnapshotClass,
  started?: () => void,
): Promise<VolumeSnapshot | { error: string }> {
  const cut = (s: VolumeSnapshot) =>
    !!s.status?.boundVolumeSnapshotContentName && (!!s.status.creationTime || s.status.readyToUse === true);
  const { vs, why } = await awaitClaimSnapshot(
    ctx,
    watch,
    pvc,
    snapshotClass,
    { reached: cut, missed: "taken" },
    started,
  );
  return why
    ? {
        error: `error taking a CSI snapshot of persistent volume claim ${pvc.metadata!.namespace!}/${pvc.metadata!.name!} to move its data: VolumeSnapshot ${vs.metadata!.name!} ${why}`,
      }
    : vs;
}

/**
 * Creates the claim's VolumeSnapshot and waits until it has `reached` what the caller needs, has
 * failed, or csiSnapshotTimeout has passed. One that did not get there is deleted again and its
 * volume recorded as skipped; `why` says what went wrong. Returns a copy of the snapshot as last seen.
 */
async function awaitClaimSnapshot(
  ctx: CsiBackupContext,
  watch: SnapshotWatch,
  pvc: V1PersistentVolumeClaim,
  snapshotClass: VolumeSnapshotClass,
  wanted: { reached: (s: VolumeSnapshot) => boolean; missed: "ready to use" | "taken" },
  started?: () => void,
): Promise<{ vs: VolumeSnapshot; why?: string }> {
  const namespace = pvc.metadata!.namespace!;
  const created = await createClaimSnapshot(ctx, pvc, snapshotClass);
  started?.();
  const vsName = created.metadata!.name!;
  const timeout = ctx.backup.spec.csiSnapshotTimeout ?? DEFAULT_CSI_SNAPSHOT_TIMEOUT;
  const deadline = Date.now() + parseDuration(timeout);
  // A copy: the watch's cache holds the one it returns.
  const vs = structuredClone(
    (await watch.waitFor(
      namespace,
      vsName,
      (s) => wanted.reached(s) || !!s.status?.error?.message,
      deadline,
    )) ?? created,
  );
  if (wanted.reached(vs)) return { vs };
  const why = vs.status?.error?.message
    ? `failed: ${vs.status.error.message}`
    : `was not ${wanted.missed} within csiSnapshotTimeout ${timeout}: raise it (backup create --csi-snapshot-timeout) or check the CSI driver's snapshotter`;
  await ctx.client.request("DELETE", `${snapshotsPath(namespace)}/${vsName}`).catch(() => undefined);
  ctx.volumes.skip(pvc.spec!.volumeName!, `CSI snapshot ${namespace}/${vsName} ${why}`);
  return { vs, why };
}

/** Creates the claim's VolumeSnapshot and waits until it is ready; on failure deletes it again. */
async function takeSnapshot(
  ctx: CsiBackupContext,
  watch: SnapshotWatch,
  pvc: V1PersistentVolumeClaim,
  pvName: string,
  driver: string,
  snapshotClass: VolumeSnapshotClass,
  started?: () => void,
): Promise<TakenSnapshot> {
  const namespace = pvc.metadata!.namespace!;
  const pvcName = pvc.metadata!.name!;
  const startTimestamp = new Date().toISOString();
  const base = { pvcNamespace: namespace, pvcName, pvName, driver, snapshotClass, startTimestamp };
  const ready = (s: VolumeSnapshot) =>
    s.status?.readyToUse === true && !!s.status.boundVolumeSnapshotContentName;
  const { vs, why } = await awaitClaimSnapshot(
    ctx,
    watch,
    pvc,
    snapshotClass,
    { reached: ready, missed: "ready to use" },
    started,
  );
  const vsName = vs.metadata!.name!;
  if (why) {
    const record = { ...base, snapshot: vs, succeeded: false };
    ctx.volumes.csiSnapshots.push(record);
    return {
      ...record,
      error: `error taking a CSI snapshot of persistent volume claim ${namespace}/${pvcName}: VolumeSnapshot ${vsName} ${why}`,
    };
  }
  const status = vs.status!;
  let content: VolumeSnapshotContent;
  let retained: boolean;
  try {
    ({ content, retained } = await retainContent(ctx.client, status.boundVolumeSnapshotContentName!));
  } catch (err) {
    throw new Error(`reading the content of VolumeSnapshot ${namespace}/${vsName}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  vs.metadata!.annotations = {
    ...vs.metadata?.annotations,
    [CSI_VSC_DELETION_POLICY_ANNOTATION]: content.spec?.deletionPolicy ?? "",
    [CSI_VOLUMESNAPSHOT_HANDLE_ANNOTATION]: content.status?.snapshotHandle ?? "",
    [CSI_DRIVER_NAME_ANNOTATION]: driver,
    [CSI_VOLUMESNAPSHOT_RESTORE_SIZE_ANNOTATION]: status.restoreSize ?? "",
  };
  const record = {
    ...base,
    snapshot: vs,
    content,
    contentRetained: retained,
    succeeded: true,
    completionTimestamp: new Date().toISOString(),
  };
  ctx.volumes.csiSnapshots.push(record);
  return record;
}

/**
 * Reads a ready snapshot's content and, when its deletion policy is Delete, sets it to Retain in
 * the same request, so that letting go of the snapshot after the backup is one DELETE. Returns
 * the content as it was, with the policy its class gave it: what the backup holds and `backup
 * delete` goes by, as in Velero's backups, which set Retain only after writing the archive.
 */
async function retainContent(
  client: KubeClient,
  name: string,
): Promise<{ content: VolumeSnapshotContent; retained: boolean }> {
  const path = `${snapshotContentsPath()}/${name}`;
  let content: VolumeSnapshotContent;
  try {
    content = await client.request<VolumeSnapshotContent>("PATCH", path, {
      body: [
        { op: "test", path: "/spec/deletionPolicy", value: "Delete" },
        { op: "replace", path: "/spec/deletionPolicy", value: "Retain" },
      ],
      contentType: "application/json-patch+json",
    });
  } catch (err) {
    // The test failed: the policy is Retain already (or the content is not the driver's usual one).
    if (statusCode(err) !== 422) throw err;
    return { content: await client.get<VolumeSnapshotContent>(path), retained: false };
  }
  return { content: { ...content, spec: { ...content.spec!, deletionPolicy: "Delete" } }, retained: true };
}

/**
 * Once the backup holds its snapshots, each is let go of as Velero does: its content is set to
 * deletion policy Retain (done already as it was read, see retainContent) and its VolumeSnapshot
 * deleted, so deleting the claim's namespace no longer deletes the snapshot; `backup delete`
 * deletes it, under the policy the backup recorded. All at once when every item is collected (so
 * every snapshot is ready), before the backup waits for its operations: let go of one by one
 * while the others were still being taken, the snapshot controller's work for the deletions
 * slowed down the snapshots still to come (bench:snapshots).
 * Returns a warning for each snapshot that could not be let go of.
 */
export async function releaseSnapshots(client: KubeClient, records: BackupVolumeRecords): Promise<string[]> {
  const warnings: string[] = [];
  await forEachConcurrently(
    records.csiSnapshots.filter((s) => s.succeeded && !s.released),
    RELEASE_CONCURRENCY,
    async (r) => {
      try {
        await releaseSnapshot(client, r);
      } catch (err) {
        warnings.push(
          `could not set VolumeSnapshotContent ${r.content?.metadata?.name} to Retain and delete VolumeSnapshot ${r.pvcNamespace}/${r.snapshot.metadata?.name}: ${errorMessage(err)}; deleting its namespace may delete the snapshot`,
        );
      }
    },
  );
  return warnings;
}

/** Sets one snapshot's content to Retain and deletes its VolumeSnapshot (already gone is fine). */
async function releaseSnapshot(client: KubeClient, r: CsiSnapshotRecord): Promise<void> {
  const content = r.content?.metadata?.name;
  try {
    if (content && !r.contentRetained && r.content?.spec?.deletionPolicy !== "Retain") {
      await client.request("PATCH", `${snapshotContentsPath()}/${content}`, {
        body: { spec: { deletionPolicy: "Retain" } },
        contentType: "application/merge-patch+json",
      });
    }
    await client.request("DELETE", `${snapshotsPath(r.pvcNamespace)}/${r.snapshot.metadata?.name}`);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  r.released = true;
}
