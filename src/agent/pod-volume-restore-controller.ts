/**
 * The node agent's PodVolumeRestore controller: once the restored pod is on this node and its
 * `restore-wait` init container runs (Velero accepts a PodVolumeRestore only then), writes the
 * snapshot with kopia into the pod's new volume, then the done marker the init container waits
 * for (`.velero/<restore uid>` in the volume). A restore that fails, is canceled (it ran out of
 * time) or was cut short by an agent restart writes the marker too: the pod starts rather than
 * waiting forever, and the PodVolumeRestore says why it did not complete.
 *
 * A PodVolumeRestore in place (a restore of volume data into a volume in use, whose pod is a
 * temporary one that mounts it) is written once its pod runs, with no marker; its settings say
 * whether matching files are skipped, extra files deleted, or only some paths restored.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { RESTORE_UID_LABEL } from "../api/labels.js";
import { metaTimeNow as now, type PodVolumeRestore, type PodVolumeRestoreStatus } from "../api/v1/index.js";
import { errorMessage, isNotFound } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { Outcome } from "../kube/work-queue.js";
import { RESTORE_HELPER_CONTAINER, doneMarker } from "../volumes/restore-helper.js";
import type { AgentContext } from "./pod-volume-backup-controller.js";
import { watchCancel } from "./cancel-watch.js";
import { Throttle } from "./throttle.js";
import { volumeDirectory, volumeDirectoryName } from "./volume-directory.js";
import { inPlaceRestoreOf } from "../volumes/in-place-restore-settings.js";

/** How often a restore waiting for its pod looks again. */
const POD_WAIT_MS = 500;

export class PodVolumeRestoreController {
  private readonly taken = new Set<string>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly cache: Cache<PodVolumeRestore>,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const pvr = getByKey(this.cache, key);
    if (!pvr || this.taken.has(pvr.metadata.uid!) || (pvr.status?.phase ?? "New") !== "New") return "done";
    // Connected while the pod starts, not after: the connection is shared, and one that fails is
    // made again when the write asks for it.
    this.ctx.repositories
      .connect(pvr.spec.backupStorageLocation, pvr.spec.sourceNamespace)
      .catch(() => undefined);
    const { namespace, name: podName } = pvr.spec.pod;
    let pod: V1Pod;
    try {
      pod = await this.ctx.velero.client.get<V1Pod>(`/api/v1/namespaces/${namespace}/pods/${podName}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Canceled (its restore ran out of time) with no pod to release: nothing is left to do.
      if (pvr.spec.cancel) {
        this.taken.add(pvr.metadata.uid!);
        await this.patch(pvr.metadata.name!, {
          phase: "Canceled",
          message: `canceled before its pod ${namespace}/${podName} existed`,
          completionTimestamp: now(),
        });
        return "done";
      }
      return { retryAfterMs: POD_WAIT_MS };
    }
    if (pod.spec?.nodeName !== this.ctx.node)
      return pod.spec?.nodeName ? "done" : { retryAfterMs: POD_WAIT_MS };
    const inPlace = inPlaceRestoreOf(pvr) !== undefined;
    const helper = pod.status?.initContainerStatuses?.find((c) => c.name === RESTORE_HELPER_CONTAINER);
    if (inPlace ? pod.status?.phase !== "Running" : !helper?.state?.running)
      return { retryAfterMs: POD_WAIT_MS };

    this.taken.add(pvr.metadata.uid!);
    const name = pvr.metadata.name!;
    const where = `volume ${pvr.spec.volume} of pod ${namespace}/${podName}`;
    // The restore cancels a write that ran out of time: kopia is stopped, the pod released.
    const cancel = watchCancel(this.cache, key, pvr, "the restore canceled it");
    let dir: string | undefined;
    try {
      if (!cancel.signal.aborted)
        await this.patch(name, { phase: "Accepted", acceptedTimestamp: now(), node: this.ctx.node });
      dir = await this.directory(pod, pvr);
      cancel.signal.throwIfAborted();
      await this.write(pvr, dir, cancel.signal);
    } catch (err) {
      if (dir && !inPlace) await this.markDone(pvr, dir).catch(() => undefined);
      const released = dir && !inPlace ? "; the pod's restore-wait init container was released" : "";
      const message = cancel.signal.aborted
        ? `pod volume restore of ${where} was canceled: ${errorMessage(cancel.signal.reason)}${released}`
        : `pod volume restore of ${where} failed: ${errorMessage(err)}${released}`;
      this.ctx.log.error({ podVolumeRestore: name }, message);
      await this.patch(name, {
        phase: cancel.signal.aborted ? "Canceled" : "Failed",
        message,
        node: this.ctx.node,
        completionTimestamp: now(),
      });
    } finally {
      cancel.stop();
    }
    return "done";
  }

  /**
   * A restore of this node that an earlier agent left under way (killed, node restarted): its
   * data is incomplete, so it is Failed, and the pod's init container released so it starts.
   */
  async failInterrupted(pvr: PodVolumeRestore, message: string): Promise<void> {
    this.taken.add(pvr.metadata.uid!);
    const { namespace, name } = pvr.spec.pod;
    const pod = await this.ctx.velero.client
      .get<V1Pod>(`/api/v1/namespaces/${namespace}/pods/${name}`)
      .catch(() => undefined);
    let released = "";
    if (pod?.metadata?.uid === pvr.spec.pod.uid && pod?.spec?.nodeName === this.ctx.node) {
      await this.markDone(pvr, await this.directory(pod, pvr));
      released = "; the pod's restore-wait init container was released";
    }
    await this.patch(pvr.metadata.name!, {
      phase: "Failed",
      message: message + released,
      completionTimestamp: now(),
    });
  }

  private async directory(pod: V1Pod, pvr: PodVolumeRestore): Promise<string> {
    return volumeDirectory(
      this.ctx.hostPodsDir,
      pod.metadata!.uid!,
      await volumeDirectoryName(this.ctx.velero.client, pod, pvr.spec.volume),
    );
  }

  private async write(pvr: PodVolumeRestore, dir: string, signal: AbortSignal): Promise<void> {
    const name = pvr.metadata.name!;
    const { kopia } = await this.ctx.repositories.connect(
      pvr.spec.backupStorageLocation,
      pvr.spec.sourceNamespace,
    );
    const total = pvr.spec.snapshotSize ?? 0;
    await this.patch(name, {
      phase: "InProgress",
      startTimestamp: now(),
      progress: { totalBytes: total, bytesDone: 0 },
    });
    const throttle = new Throttle(1000);
    const inPlace = inPlaceRestoreOf(pvr);
    // kopia writes into the volume itself, not through the kubelet's link to it.
    const root = inPlace ? await fs.realpath(dir) : dir;
    // Each path is written into its own place; the bytes of those before it count as done.
    const parts = inPlace?.includePaths.length ? inPlace.includePaths : [""];
    let before = 0;
    for (const part of parts) {
      let written = 0;
      await kopia.restore(
        part ? `${pvr.spec.snapshotID}/${part}` : pvr.spec.snapshotID,
        part ? path.join(root, part) : root,
        (bytesDone) => {
          written = bytesDone;
          const done = before + bytesDone;
          throttle.run(() =>
            this.patch(name, { progress: { totalBytes: Math.max(total, done), bytesDone: done } }),
          );
        },
        signal,
        { skipExisting: inPlace?.incremental ?? false, deleteExtra: inPlace?.deleteExtraFiles ?? false },
      );
      before += written;
    }
    await throttle.idle();
    if (!inPlace) await this.markDone(pvr, dir);
    const bytes = inPlace?.includePaths.length ? before : total;
    await this.patch(name, {
      phase: "Completed",
      progress: { totalBytes: bytes, bytesDone: bytes },
      completionTimestamp: now(),
    });
    this.ctx.log.info({ podVolumeRestore: name }, "pod volume restored");
  }

  /** Lets the pod's restore-wait init container finish for this volume. */
  private async markDone(pvr: PodVolumeRestore, dir: string): Promise<void> {
    const uid = pvr.metadata.labels?.[RESTORE_UID_LABEL];
    if (!uid) throw new Error(`pod volume restore ${pvr.metadata.name} has no ${RESTORE_UID_LABEL} label`);
    const marker = doneMarker(dir, uid);
    await fs.mkdir(path.dirname(marker), { recursive: true });
    await fs.writeFile(marker, "");
  }

  private async patch(name: string, status: PodVolumeRestoreStatus): Promise<void> {
    await this.ctx.velero.patchStatus("podvolumerestores", name, status);
  }
}
