/**
 * The node agent's DataDownload controller (Velero's data mover, restore side), in the same two
 * steps as DataUploads: one agent accepts each new DataDownload and exposes a new volume for its
 * claim (restore-exposer.ts) until the exposer pod runs, then the agent of the pod's node writes
 * the kopia snapshot into it and hands the volume to the claim. One that fails or is canceled
 * deletes its temporary claim and volume: the restored claim stays Pending, with a Warning Event
 * saying why, so no application ever mounts a half-filled volume.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { parseDuration } from "../api/duration.js";
import { metaTimeNow as now } from "../api/v1/index.js";
import type { DataDownload, DataDownloadStatus } from "../api/v2alpha1/data-movement.js";
import { errorMessage } from "../kube/errors.js";
import { recordWarning } from "../kube/events.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { Outcome } from "../kube/work-queue.js";
import type { AgentContext } from "./pod-volume-backup-controller.js";
import { watchCancel } from "./cancel-watch.js";
import {
  acceptExclusively,
  afterTransfer,
  builtInDataMover,
  lookAtExposure,
  type DataMoverOptions,
} from "./data-movement.js";
import { cleanUpRestoreExposure, exposeRestore, rebindVolume } from "./restore-exposer.js";
import { Throttle } from "./throttle.js";
import { volumeDirectory } from "./volume-directory.js";

const DEFAULT_OPERATION_TIMEOUT = "10m";

export class DataDownloadController {
  private readonly taken = new Set<string>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly cache: Cache<DataDownload>,
    private readonly options: DataMoverOptions,
  ) {}

  /** Accepts a new DataDownload, and exposes one this node accepted until it is Prepared. */
  async prepare(key: string): Promise<Outcome> {
    let dd = getByKey(this.cache, key);
    // Ended here already: the cache may not show it yet, and a second look would undo the end.
    if (!dd || !builtInDataMover(dd.spec) || this.taken.has(dd.metadata.uid!)) return "done";
    const phase = dd.status?.phase ?? "New";
    if (phase === "New") {
      if (dd.spec.cancel) return this.end(dd, "Canceled", "canceled before it was accepted");
      // Connected from the first look, while the volume is exposed (every agent may write some of
      // a restore's volumes); a failed connection is made again when the write asks.
      this.ctx.repositories
        .connect(dd.spec.backupStorageLocation, dd.spec.sourceNamespace)
        .catch(() => undefined);
      const accepted = await acceptExclusively(this.ctx.velero, "datadownloads", dd, this.ctx.node);
      if (!accepted) return "done";
      dd = accepted;
    } else if (phase !== "Accepted" || dd.status?.acceptedByNode !== this.ctx.node) return "done";
    if (dd.spec.cancel) return this.end(dd, "Canceled", "canceled while its volume was being exposed");
    return lookAtExposure(
      dd,
      {
        what: "download",
        expose: (d) => exposeRestore(this.ctx.velero.client, d, this.options.image),
        end: (d, phase, message) => this.end(d, phase, message),
        patch: (n, status) => this.patch(n, status),
        failure: (d) => `exposing a volume for claim ${claimOf(d)}`,
      },
      this.options,
    );
  }

  /** Writes a Prepared DataDownload whose exposer pod runs on this node, then binds the volume to its claim. */
  async transfer(key: string): Promise<Outcome> {
    const dd = getByKey(this.cache, key);
    if (!dd || dd.status?.phase !== "Prepared" || dd.status.node !== this.ctx.node) return "done";
    if (this.taken.has(dd.metadata.uid!)) return "done";
    this.taken.add(dd.metadata.uid!);
    const cancel = watchCancel(this.cache, key, dd, "the restore canceled it");
    let bytes: number;
    try {
      if (cancel.signal.aborted)
        return await this.end(dd, "Canceled", "canceled before its download started");
      bytes = await this.download(dd, cancel.signal);
    } catch (err) {
      afterTransfer(this.end(dd, ...this.failure(dd, cancel.signal, err)), this.ctx, dd);
      return "done";
    } finally {
      cancel.stop();
    }
    // Handing the volume over does not hold the node's transfer slot.
    afterTransfer(this.complete(dd, bytes), this.ctx, dd);
    return "done";
  }

  /** Binds the filled volume to the claim, then says Completed. */
  private async complete(dd: DataDownload, bytes: number): Promise<void> {
    try {
      const timeoutMs = parseDuration(dd.spec.operationTimeout || DEFAULT_OPERATION_TIMEOUT);
      const pv = await rebindVolume(this.ctx.velero.client, dd, timeoutMs);
      await this.patch(dd.metadata.name!, {
        phase: "Completed",
        progress: { totalBytes: bytes, bytesDone: bytes },
        completionTimestamp: now(),
      });
      this.ctx.log.info({ dataDownload: dd.metadata.name, pv, bytes }, "moved data restored");
    } catch (err) {
      await this.end(dd, ...this.failure(dd, undefined, err));
    }
  }

  /** The phase and message of a download that did not complete. */
  private failure(
    dd: DataDownload,
    signal: AbortSignal | undefined,
    err: unknown,
  ): ["Failed" | "Canceled", string] {
    const message = signal?.aborted
      ? `the download into claim ${claimOf(dd)} was canceled: ${errorMessage(signal.reason)}`
      : `the download into claim ${claimOf(dd)} failed: ${errorMessage(err)}`;
    this.ctx.log.error({ dataDownload: dd.metadata.name }, message);
    return [signal?.aborted ? "Canceled" : "Failed", message];
  }

  /** A download this node's earlier agent left InProgress is Failed, its half-filled volume deleted. */
  async failInterrupted(dd: DataDownload, message: string): Promise<void> {
    await this.end(dd, "Failed", message);
  }

  private async download(dd: DataDownload, signal: AbortSignal): Promise<number> {
    const { velero, hostPodsDir, repositories } = this.ctx;
    const ns = dd.metadata.namespace!;
    const name = dd.metadata.name!;
    const pod = await velero.client.get<V1Pod>(`/api/v1/namespaces/${ns}/pods/${name}`);
    const claim = await velero.client.get<V1PersistentVolumeClaim>(
      `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`,
    );
    const dir = await volumeDirectory(hostPodsDir, pod.metadata!.uid!, claim.spec!.volumeName!);
    const { kopia } = await repositories.connect(dd.spec.backupStorageLocation, dd.spec.sourceNamespace);
    const total = dd.spec.snapshotSize ?? 0;
    await this.patch(name, {
      phase: "InProgress",
      startTimestamp: now(),
      progress: { totalBytes: total, bytesDone: 0 },
    });
    const throttle = new Throttle(1000);
    let done = 0;
    await kopia.restore(
      dd.spec.snapshotID,
      dir,
      (bytesDone) => {
        done = bytesDone;
        throttle.run(() =>
          this.patch(name, { progress: { totalBytes: Math.max(total, bytesDone), bytesDone } }),
        );
      },
      signal,
    );
    await throttle.idle();
    return Math.max(total, done);
  }

  /** Ends a DataDownload that did not complete: its exposure deleted, the target claim told why, its phase written. */
  private async end(dd: DataDownload, phase: "Failed" | "Canceled", message: string): Promise<"done"> {
    // Ended: no later look (from a cache that does not show it yet) takes it up again.
    this.taken.add(dd.metadata.uid!);
    let cleanUpError = "";
    try {
      await cleanUpRestoreExposure(this.ctx.velero.client, dd);
    } catch (err) {
      cleanUpError = `; deleting its temporary volume failed: ${errorMessage(err)}`;
    }
    const { namespace, pvc } = dd.spec.targetVolume;
    await recordWarning(
      this.ctx.velero.client,
      { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name: pvc },
      "DataDownloadFailed",
      `the moved data of this claim was not restored (DataDownload ${dd.metadata.namespace}/${dd.metadata.name} ${phase}): ${message}; the claim stays Pending, bound to no volume`,
    );
    await this.patch(dd.metadata.name!, {
      phase,
      message: message + cleanUpError,
      completionTimestamp: now(),
    });
    return "done";
  }

  private async patch(name: string, status: DataDownloadStatus): Promise<void> {
    await this.ctx.velero.patchStatus("datadownloads", name, status);
  }
}

const claimOf = (dd: DataDownload) => `${dd.spec.targetVolume.namespace}/${dd.spec.targetVolume.pvc}`;
