/**
 * The node agent's DataUpload controller (Velero's data mover, backup side), in two steps on two
 * queues so that exposing never waits behind an upload:
 * - prepare: one agent accepts each new DataUpload (the first whose accepting update lands), then
 *   exposes its snapshot (snapshot-exposer.ts) until the exposer pod runs, and marks it Prepared
 *   on the pod's node; one not prepared within `--data-mover-prepare-timeout` fails, naming what
 *   it waited for, and what it made is deleted.
 * - transfer: the agent of that node uploads the pod's volume with kopia into the repository of
 *   the claim's namespace (source `snapshot-data-upload-download/kopia/<ns>/<claim>`), at most
 *   `concurrency` at once, reporting bytes; then the exposure is deleted, whatever the outcome.
 */
import type { V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import { ASYNC_OPERATION_ID_LABEL } from "../api/labels.js";
import { metaTimeNow as now } from "../api/v1/index.js";
import type { DataUpload, DataUploadStatus } from "../api/v2alpha1/data-movement.js";
import { errorMessage } from "../kube/errors.js";
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
import { cleanUpExposure, exposeSnapshot, type ExposerObjects } from "./snapshot-exposer.js";
import { reportUploadProgress, Throttle } from "./throttle.js";
import { volumeDirectory } from "./volume-directory.js";

/** Velero's requester of data mover snapshots: the first part of their kopia source path. */
export const DATA_MOVER_REQUESTER = "snapshot-data-upload-download";

/** Velero's identity of a moved snapshot in its repository: `default@default:snapshot-data-upload-download/kopia/<ns>/<claim>`. */
export function dataUploadSource(du: DataUpload): string {
  return `default@default:${DATA_MOVER_REQUESTER}/kopia/${du.spec.sourceNamespace}/${du.spec.sourcePVC}`;
}

export class DataUploadController {
  /** Uploads this process took on: the cache may still show them at a phase they have left. */
  private readonly taken = new Set<string>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly cache: Cache<DataUpload>,
    private readonly options: DataMoverOptions,
    /** The exposers' pods and claims as the agent watches them. */
    private readonly watched?: ExposerObjects,
  ) {}

  /** Accepts a new DataUpload, and exposes one this node accepted until it is Prepared. */
  async prepare(key: string): Promise<Outcome> {
    let du = getByKey(this.cache, key);
    // Ended here already: the cache may not show it yet, and a second look would undo the end.
    if (!du || !builtInDataMover(du.spec) || this.taken.has(du.metadata.uid!)) return "done";
    const phase = du.status?.phase ?? "New";
    const name = du.metadata.name!;
    if (phase === "New") {
      if (du.spec.cancel) {
        await this.patch(name, {
          phase: "Canceled",
          message: "canceled before it was accepted",
          completionTimestamp: now(),
        });
        return "done";
      }
      const accepted = await acceptExclusively(this.ctx.velero, "datauploads", du, this.ctx.node);
      if (!accepted) return "done";
      du = accepted;
    } else if (phase !== "Accepted" || du.status?.acceptedByNode !== this.ctx.node) return "done";
    if (du.spec.cancel) return this.end(du, "Canceled", "canceled while its snapshot was being exposed");
    return lookAtExposure(
      du,
      {
        what: "upload",
        expose: (d) => exposeSnapshot(this.ctx.velero.client, d, this.options.image, this.watched),
        // Its waits are watched (the clone, the pod, its claim): a look that finds nothing new is a safety net.
        recheckMs: 2000,
        end: (d, phase, message) => this.end(d, phase, message),
        patch: (n, status) => this.patch(n, status),
        failure: (d) => `exposing the snapshot of claim ${claimOf(d)}`,
        prepared: { nodeOS: "linux" },
      },
      this.options,
    );
  }

  /** Uploads a Prepared DataUpload whose exposer pod runs on this node. */
  async transfer(key: string): Promise<Outcome> {
    const du = getByKey(this.cache, key);
    if (!du || du.status?.phase !== "Prepared" || du.status.node !== this.ctx.node) return "done";
    if (this.taken.has(du.metadata.uid!)) return "done";
    this.taken.add(du.metadata.uid!);
    const cancel = watchCancel(this.cache, key, du, "the backup canceled it");
    let end: () => Promise<unknown>;
    try {
      if (cancel.signal.aborted) return await this.end(du, "Canceled", "canceled before its upload started");
      const snapshot = await this.upload(du, cancel.signal);
      end = () => this.end(du, "Completed", undefined, snapshot);
    } catch (err) {
      const message = cancel.signal.aborted
        ? `the upload of claim ${claimOf(du)} was canceled: ${errorMessage(cancel.signal.reason)}`
        : `the upload of claim ${claimOf(du)} failed: ${errorMessage(err)}`;
      this.ctx.log.error({ dataUpload: du.metadata.name }, message);
      end = () => this.end(du, cancel.signal.aborted ? "Canceled" : "Failed", message);
    } finally {
      cancel.stop();
    }
    // Deleting the exposure and writing the last phase do not hold the node's transfer slot.
    afterTransfer(end(), this.ctx, du);
    return "done";
  }

  /**
   * An upload this node's earlier agent left InProgress (killed, node restarted) never finishes:
   * it is Failed and its exposure deleted. Accepted and Prepared ones go on where they were.
   */
  async failInterrupted(du: DataUpload, message: string): Promise<void> {
    await this.end(du, "Failed", message);
  }

  private async upload(du: DataUpload, signal: AbortSignal): Promise<{ id: string; size: number }> {
    const { velero, hostPodsDir, repositories } = this.ctx;
    const ns = du.metadata.namespace!;
    const name = du.metadata.name!;
    const pod = await velero.client.get<V1Pod>(`/api/v1/namespaces/${ns}/pods/${name}`);
    const claim = await velero.client.get<V1PersistentVolumeClaim>(
      `/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`,
    );
    const dir = await volumeDirectory(hostPodsDir, pod.metadata!.uid!, claim.spec!.volumeName!);
    const { kopia } = await repositories.connect(du.spec.backupStorageLocation, du.spec.sourceNamespace);
    await this.patch(name, { phase: "InProgress", startTimestamp: now(), path: dir });
    const throttle = new Throttle(1000);
    const snapshot = await kopia.snapshot(
      dir,
      dataUploadSource(du),
      { [ASYNC_OPERATION_ID_LABEL]: du.metadata.labels?.[ASYNC_OPERATION_ID_LABEL] ?? "" },
      reportUploadProgress(throttle, (status) => this.patch(name, status)),
      signal,
    );
    await throttle.idle();
    return { id: snapshot.id, size: snapshot.rootEntry?.summ?.size ?? 0 };
  }

  /** Deletes the exposure, then writes the DataUpload's last phase. */
  private async end(
    du: DataUpload,
    phase: "Completed" | "Failed" | "Canceled",
    message?: string,
    snapshot?: { id: string; size: number },
  ): Promise<"done"> {
    // Ended: no later look (from a cache that does not show it yet) takes it up again.
    this.taken.add(du.metadata.uid!);
    let cleanUpError = "";
    try {
      await cleanUpExposure(this.ctx.velero.client, du);
    } catch (err) {
      cleanUpError = `; deleting what exposed its snapshot failed: ${errorMessage(err)}`;
      this.ctx.log.warn(
        { dataUpload: du.metadata.name, err: errorMessage(err) },
        "could not clean up the exposure",
      );
    }
    await this.patch(du.metadata.name!, {
      phase,
      ...(message || cleanUpError ? { message: `${message ?? ""}${cleanUpError}` } : {}),
      ...(snapshot
        ? {
            snapshotID: snapshot.id,
            progress: { totalBytes: snapshot.size, bytesDone: snapshot.size },
            dataMoverResult: null,
          }
        : {}),
      completionTimestamp: now(),
    });
    return "done";
  }

  private async patch(name: string, status: DataUploadStatus): Promise<void> {
    await this.ctx.velero.patchStatus("datauploads", name, status);
  }
}

const claimOf = (du: DataUpload) => `${du.spec.sourceNamespace}/${du.spec.sourcePVC}`;
