/**
 * The node agent's PodVolumeRestore controller: once the restored pod is on this node and its
 * `restore-wait` init container runs (Velero accepts a PodVolumeRestore only then), writes the
 * snapshot with kopia into the pod's new volume, then the done marker the init container waits
 * for (`.velero/<restore uid>` in the volume). A restore that fails writes the marker too: the
 * pod starts rather than waiting forever, and the PodVolumeRestore says why it Failed.
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { RESTORE_UID_LABEL } from "../api/labels.js";
import type { PodVolumeRestore, PodVolumeRestoreStatus } from "../api/v1/index.js";
import { errorMessage, isNotFound } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { Outcome } from "../kube/work-queue.js";
import { RESTORE_HELPER_CONTAINER, doneMarker } from "../volumes/restore-helper.js";
import { now, type AgentContext } from "./pod-volume-backup-controller.js";
import { Throttle } from "./throttle.js";
import { volumeDirectory, volumeDirectoryName } from "./volume-directory.js";

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
    const { namespace, name: podName } = pvr.spec.pod;
    let pod: V1Pod;
    try {
      pod = await this.ctx.velero.client.get<V1Pod>(`/api/v1/namespaces/${namespace}/pods/${podName}`);
    } catch (err) {
      if (isNotFound(err)) return { retryAfterMs: POD_WAIT_MS };
      throw err;
    }
    if (pod.spec?.nodeName !== this.ctx.node)
      return pod.spec?.nodeName ? "done" : { retryAfterMs: POD_WAIT_MS };
    const helper = pod.status?.initContainerStatuses?.find((c) => c.name === RESTORE_HELPER_CONTAINER);
    if (!helper?.state?.running) return { retryAfterMs: POD_WAIT_MS };

    this.taken.add(pvr.metadata.uid!);
    const name = pvr.metadata.name!;
    if (pvr.spec.cancel) {
      await this.patch(name, { phase: "Canceled", message: "canceled before it started" });
      return "done";
    }
    await this.patch(name, { phase: "Accepted", acceptedTimestamp: now(), node: this.ctx.node });
    let dir: string | undefined;
    try {
      dir = await volumeDirectory(
        this.ctx.hostPodsDir,
        pod.metadata!.uid!,
        await volumeDirectoryName(this.ctx.velero.client, pod, pvr.spec.volume),
      );
      await this.write(pvr, dir);
    } catch (err) {
      const message = `pod volume restore of volume ${pvr.spec.volume} of pod ${namespace}/${podName} failed: ${errorMessage(err)}`;
      this.ctx.log.error({ podVolumeRestore: name }, message);
      if (dir) await this.markDone(pvr, dir).catch(() => undefined);
      await this.patch(name, { phase: "Failed", message, completionTimestamp: now() });
    }
    return "done";
  }

  private async write(pvr: PodVolumeRestore, dir: string): Promise<void> {
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
    await kopia.restore(pvr.spec.snapshotID, dir, (bytesDone) =>
      throttle.run(() =>
        this.patch(name, { progress: { totalBytes: Math.max(total, bytesDone), bytesDone } }),
      ),
    );
    await throttle.idle();
    await this.markDone(pvr, dir);
    await this.patch(name, {
      phase: "Completed",
      progress: { totalBytes: total, bytesDone: total },
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
