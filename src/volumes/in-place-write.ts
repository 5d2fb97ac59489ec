/**
 * One claim's data written back in place, as an item operation of the restore: the workloads
 * using the claim are stopped when asked (`--stop-workloads`), a temporary pod mounts the claim
 * (on the node of a pod still using it, with `--allow-running-pods`), and a PodVolumeRestore has
 * the node agent of that node write the kopia snapshot into the volume. Whatever happens, the
 * temporary pod is removed and the stopped workloads are scaled back to their replicas; an error
 * says what the volume may hold then.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { FINISHED_POD_VOLUME_PHASES, type PodVolumeRestore, type Restore } from "../api/v1/index.js";
import type { OperationProgress } from "../items/item-operation.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage } from "../kube/errors.js";
import { deleteIfPresent } from "../kube/object-ops.js";
import { VeleroClient } from "../kube/velero-client.js";
import type { VolumeDataOptions } from "./data-only-options.js";
import { normalIncludePaths } from "./data-only-options.js";
import type { KopiaData, VolumeDataTarget } from "./data-only-targets.js";
import { inPlaceSettings } from "./in-place-restore-settings.js";
import { podVolumeRestoreOf } from "./pod-volume-restore-actions.js";
import { HOLDER_VOLUME, holderPod } from "./holder-pod.js";
import { startWorkloads, stopWorkloads, waitUnused, workloadText } from "./workload-scaling.js";

const POLL_MS = 500;
/** How long a canceled PodVolumeRestore gets to stop before its pod is removed anyway. */
const CANCEL_WAIT_MS = 30_000;

export class InPlaceWrite {
  private step = "starting";
  private bytes = { done: 0, total: 0 };
  private outcome?: { error?: string };
  private readonly abort = new AbortController();
  private readonly finished: Promise<void>;
  /** The PodVolumeRestore, once made: for the restore's volume info. */
  pvr?: PodVolumeRestore;

  constructor(
    private readonly client: KubeClient,
    private readonly restore: Restore,
    readonly target: VolumeDataTarget & { data: { kopia: KopiaData } },
    private readonly options: VolumeDataOptions,
    timeoutMs: number,
  ) {
    const deadline = Date.now() + timeoutMs;
    this.finished = this.run(deadline).then(
      () => void (this.outcome = {}),
      (err: unknown) => void (this.outcome = { error: this.failure(err) }),
    );
  }

  progress(): OperationProgress {
    const bytes = { nCompleted: this.bytes.done, nTotal: this.bytes.total, operationUnits: "Bytes" };
    if (!this.outcome) return { completed: false, ...bytes, description: this.step };
    return this.outcome.error
      ? { completed: true, ...bytes, error: this.outcome.error }
      : { completed: true, ...bytes, description: "the backup's data is written into the volume" };
  }

  /** The restore ran out of time: the write is stopped and everything put back; says what was done. */
  async cancel(): Promise<string> {
    this.abort.abort(new Error("the restore's item operation timeout ran out"));
    await this.finished;
    return "the write was stopped, its temporary pod removed and the stopped workloads scaled back";
  }

  private get where(): string {
    return `claim ${this.target.namespace}/${this.target.name}`;
  }

  private async run(deadline: number): Promise<void> {
    const { namespace, workloads } = this.target;
    const stopping = this.options.runningPods === "stop-workloads" && workloads.length > 0;
    let pod: V1Pod | undefined;
    let failure: unknown;
    try {
      await this.write(stopping, deadline, (made) => (pod = made));
    } catch (err) {
      failure = err;
    }
    // Put back whatever happened: the temporary pod goes, the stopped workloads start again.
    const undone: string[] = [];
    if (pod)
      await deleteIfPresent(
        this.client,
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${pod.metadata!.name!}`,
        {
          gracePeriodSeconds: 0,
        },
      ).catch((err: unknown) =>
        undone.push(`temporary pod ${namespace}/${pod!.metadata?.name} is left: ${errorMessage(err)}`),
      );
    if (stopping) {
      this.step = `starting ${workloads.map(workloadText).join(", ")} again`;
      await startWorkloads(this.client, namespace, workloads).catch((err: unknown) =>
        undone.push(errorMessage(err)),
      );
    }
    if (failure !== undefined || undone.length)
      throw new Error([...(failure !== undefined ? [errorMessage(failure)] : []), ...undone].join("; "));
  }

  /** Stops the workloads if asked, mounts the claim in a temporary pod (told to `made`) and writes. */
  private async write(stopping: boolean, deadline: number, made: (pod: V1Pod) => void): Promise<void> {
    const { namespace, name, workloads } = this.target;
    const signal = this.abort.signal;
    if (stopping) {
      this.step = `stopping ${workloads.map(workloadText).join(", ")}`;
      await stopWorkloads(this.client, namespace, workloads);
      await waitUnused(this.client, namespace, [name], deadline, signal);
    }
    this.step = "starting a temporary pod that mounts the claim";
    const pod = await this.client.request<V1Pod>(
      "POST",
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      {
        body: this.temporaryPod(),
      },
    );
    made(pod);
    this.pvr = await new VeleroClient(this.client, this.restore.metadata.namespace!).create<PodVolumeRestore>(
      "podvolumerestores",
      this.podVolumeRestore(pod),
    );
    this.step = `writing ${this.target.data.from} into volume ${this.target.claim?.spec?.volumeName}`;
    await this.follow(this.pvr.metadata.name!, deadline, signal);
  }

  /** Follows the PodVolumeRestore until it ends; cancels it at the deadline or when canceled. */
  private async follow(name: string, deadline: number, signal: AbortSignal): Promise<void> {
    const velero = new VeleroClient(this.client, this.restore.metadata.namespace!);
    let canceledAt: number | undefined;
    for (;;) {
      const pvr = await velero.get<PodVolumeRestore>("podvolumerestores", name);
      if (!pvr) throw new Error(`its PodVolumeRestore ${name} was deleted`);
      this.pvr = pvr;
      const progress = pvr.status?.progress;
      this.bytes = {
        done: progress?.bytesDone ?? 0,
        total: progress?.totalBytes ?? pvr.spec.snapshotSize ?? 0,
      };
      const phase = pvr.status?.phase ?? "New";
      if (FINISHED_POD_VOLUME_PHASES.includes(phase)) {
        if (phase === "Completed") return;
        throw new Error(`PodVolumeRestore ${name} ended ${phase}: ${pvr.status?.message ?? ""}`);
      }
      const late = Date.now() > deadline;
      if ((late || signal.aborted) && canceledAt === undefined) {
        canceledAt = Date.now();
        await velero.patch("podvolumerestores", name, { spec: { cancel: true } });
      }
      if (canceledAt !== undefined && Date.now() > canceledAt + CANCEL_WAIT_MS)
        throw new Error(
          `PodVolumeRestore ${name} was canceled and had not stopped after ${CANCEL_WAIT_MS / 1000}s`,
        );
      await sleep(POLL_MS);
    }
  }

  private failure(err: unknown): string {
    const volume = this.target.claim?.spec?.volumeName;
    const started = this.pvr
      ? `; volume ${volume} may now hold part of the backup's data and part of what it held`
      : "; its volume was not written";
    const restarted =
      this.options.runningPods === "stop-workloads" && this.target.workloads.length
        ? "; the stopped workloads were scaled back"
        : "";
    return `the data of ${this.where} was not restored in place: ${errorMessage(err)}${started}${restarted}`;
  }

  /** The pod that holds the claim mounted for the write: beside a pod still using it, if any. */
  private temporaryPod(): V1Pod {
    const { namespace, name, pods } = this.target;
    const node =
      this.options.runningPods === "allow" ? pods.find((p) => p.spec?.nodeName)?.spec?.nodeName : undefined;
    return holderPod({
      restore: this.restore,
      namespace,
      claim: name,
      forClaim: name,
      ...(node ? { nodeName: node } : {}),
    });
  }

  private podVolumeRestore(pod: V1Pod): PodVolumeRestore {
    const { kopia } = this.target.data;
    return podVolumeRestoreOf(this.restore, pod, HOLDER_VOLUME, {
      backupStorageLocation: kopia.backupStorageLocation,
      snapshotID: kopia.snapshotID,
      sourceNamespace: kopia.repositoryNamespace,
      snapshotSize: kopia.bytes,
      uploaderSettings: inPlaceSettings({
        incremental: this.options.policy === "incremental",
        deleteExtraFiles: this.options.deleteExtraFiles,
        includePaths: normalIncludePaths(this.options.includePaths),
      }),
    });
  }
}
