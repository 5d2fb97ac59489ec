/**
 * The node agent's PodVolumeBackup controller: takes the PodVolumeBackups of pods on its node
 * (`spec.node`), reads the volume where the kubelet mounted it and uploads it with kopia into the
 * backup repository of the pod's namespace, reporting bytes as it goes. Phases as Velero's:
 * New, Accepted, InProgress, then Completed (with the snapshot ID) or Failed (with why).
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { PVC_NAME_ANNOTATION } from "../api/labels.js";
import { metaTimeNow as now, type PodVolumeBackup, type PodVolumeBackupStatus } from "../api/v1/index.js";
import { errorMessage } from "../kube/errors.js";
import { getByKey, type Cache } from "../kube/informer.js";
import type { VeleroClient } from "../kube/velero-client.js";
import type { Outcome } from "../kube/work-queue.js";
import type { RepositoryConnections } from "../volumes/kopia/repository-connections.js";
import { watchCancel } from "./cancel-watch.js";
import { reportUploadProgress, Throttle } from "./throttle.js";
import { volumeDirectory, volumeDirectoryName } from "./volume-directory.js";

/** Velero's identity of a volume in its repository: kopia's source `default@default:<ns>/<pod>/<claim|volume>`. */
export function podVolumeSource(pvb: PodVolumeBackup): string {
  const name = pvb.metadata.annotations?.[PVC_NAME_ANNOTATION] || pvb.spec.volume;
  return `default@default:${pvb.spec.pod.namespace}/${pvb.spec.pod.name}/${name}`;
}

export interface AgentContext {
  velero: VeleroClient;
  node: string;
  /** The kubelet's pods directory on this node (Velero's /host_pods). */
  hostPodsDir: string;
  repositories: RepositoryConnections;
  log: Logger;
}

export class PodVolumeBackupController {
  /** Backups this process took on: the cache may still show them at a phase it has left. */
  private readonly taken = new Set<string>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly cache: Cache<PodVolumeBackup>,
  ) {}

  async reconcile(key: string): Promise<Outcome> {
    const pvb = getByKey(this.cache, key);
    if (!pvb || pvb.spec.node !== this.ctx.node || this.taken.has(pvb.metadata.uid!)) return "done";
    if ((pvb.status?.phase ?? "New") !== "New") return "done";
    this.taken.add(pvb.metadata.uid!);
    const name = pvb.metadata.name!;
    if (pvb.spec.cancel) {
      await this.patch(name, { phase: "Canceled", message: "canceled before it started" });
      return "done";
    }
    await this.patch(name, { phase: "Accepted", acceptedTimestamp: now() });
    // The backup cancels an upload that ran out of time: kopia is stopped, the volume Canceled.
    const cancel = watchCancel(this.cache, key, pvb, "the backup canceled it");
    try {
      await this.upload(pvb, cancel.signal);
    } catch (err) {
      if (cancel.signal.aborted) {
        const message = `pod volume backup of volume ${pvb.spec.volume} of pod ${pvb.spec.pod.namespace}/${pvb.spec.pod.name} was canceled while in progress: ${errorMessage(err)}`;
        await this.patch(name, { phase: "Canceled", message, completionTimestamp: now() });
        return "done";
      }
      const message = `pod volume backup of volume ${pvb.spec.volume} of pod ${pvb.spec.pod.namespace}/${pvb.spec.pod.name} failed: ${errorMessage(err)}`;
      this.ctx.log.error({ podVolumeBackup: name }, message);
      await this.patch(name, { phase: "Failed", message, completionTimestamp: now() });
    } finally {
      cancel.stop();
    }
    return "done";
  }

  private async upload(pvb: PodVolumeBackup, signal: AbortSignal): Promise<void> {
    const { velero, hostPodsDir, repositories } = this.ctx;
    const name = pvb.metadata.name!;
    const { namespace, name: podName } = pvb.spec.pod;
    const pod = await velero.client.get<V1Pod>(`/api/v1/namespaces/${namespace}/pods/${podName}`);
    if (pvb.spec.pod.uid && pod.metadata?.uid !== pvb.spec.pod.uid)
      throw new Error(`pod ${namespace}/${podName} is not the pod the backup saw (its uid changed)`);
    const dir = await volumeDirectory(
      hostPodsDir,
      pod.metadata!.uid!,
      await volumeDirectoryName(velero.client, pod, pvb.spec.volume),
    );
    const { kopia } = await repositories.connect(pvb.spec.backupStorageLocation, namespace!);
    await this.patch(name, { phase: "InProgress", startTimestamp: now(), path: dir });
    const throttle = new Throttle(1000);
    const snapshot = await kopia.snapshot(
      dir,
      podVolumeSource(pvb),
      pvb.spec.tags ?? {},
      reportUploadProgress(throttle, (status) => this.patch(name, status)),
      signal,
    );
    await throttle.idle();
    const size = snapshot.rootEntry?.summ?.size ?? 0;
    await this.patch(name, {
      phase: "Completed",
      snapshotID: snapshot.id,
      progress: { totalBytes: size, bytesDone: size },
      incrementalBytes: snapshot.hashedBytes,
      completionTimestamp: now(),
    });
    this.ctx.log.info(
      { podVolumeBackup: name, snapshotID: snapshot.id, bytes: size },
      "pod volume backed up",
    );
  }

  private async patch(name: string, status: PodVolumeBackupStatus): Promise<void> {
    await this.ctx.velero.patchStatus("podvolumebackups", name, status);
  }
}
