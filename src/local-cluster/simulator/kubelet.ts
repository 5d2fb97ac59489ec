import { createHash } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import {
  CoreV1Api,
  KubeConfig,
  type V1Container,
  type V1ContainerStatus,
  type V1Pod,
  type V1PodCondition,
  type V1PodStatus,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { BlockStorage } from "../block-storage.js";
import type { ClusterLayout } from "../layout.js";
import { getByKey } from "../../kube/informer.js";
import type { Caches } from "./informers.js";
import { CSI_DRIVER, EXIT_AFTER_SECONDS_ANNOTATION } from "./names.js";
import { MERGE_PATCH } from "./patch.js";
import { doneMarker, restoreHelperOf } from "../../volumes/restore-helper.js";
import { statusCode } from "../../kube/errors.js";
import type { Outcome } from "../../kube/work-queue.js";

const WAIT_MS = 500;

/**
 * Plays the kubelet of every simulated node: lays out each pod's volumes under
 * DIR/kubelet/pods/<uid>/volumes like /var/lib/kubelet, runs init containers to
 * completion in order, reports the pod Running and Ready, and finishes deletions.
 */
export class Kubelet {
  private readonly core: CoreV1Api;
  private readonly nodes: Set<string>;
  /** Pods this kubelet has started: the cache can lag behind its own status writes. */
  private readonly started = new Set<string>();

  constructor(
    kc: KubeConfig,
    private readonly layout: ClusterLayout,
    private readonly caches: Caches,
    private readonly storage: BlockStorage,
    nodeNames: string[],
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.nodes = new Set(nodeNames);
  }

  wants(pod: V1Pod): boolean {
    return this.nodes.has(pod.spec?.nodeName ?? "");
  }

  async reconcile(key: string): Promise<Outcome> {
    const pod = getByKey(this.caches.pods, key);
    if (!pod || !this.wants(pod)) return "done";
    const { namespace, name, uid } = pod.metadata as { namespace: string; name: string; uid: string };

    if (pod.metadata?.deletionTimestamp) {
      this.started.delete(uid);
      await this.removePodDir(uid);
      try {
        await this.core.deleteNamespacedPod({
          name,
          namespace,
          // Options in the body win over query parameters, so the grace period goes there too.
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
        this.log.info({ pod: key }, "pod deleted");
      } catch (err) {
        if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
      }
      return "done";
    }

    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return "done";
    if (phase === "Running" || this.started.has(uid)) return this.maybeExit(pod);

    if (!(await this.mountVolumes(pod))) return { retryAfterMs: WAIT_MS };
    const started = pod.status?.startTime ? new Date(pod.status.startTime) : new Date();
    const init = pod.spec?.initContainers ?? [];
    // Init containers run one after another; each reported as it completes, as a kubelet would.
    // Velero's restore helper runs until the node agent has written each of its volumes back.
    for (let i = 0; i < init.length; i++) {
      if (init[i]!.restartPolicy === "Always") continue;
      const finished = pod.status?.initContainerStatuses?.[i]?.state?.terminated;
      if (finished) continue;
      const helper = restoreHelperOf(init[i]!);
      if (helper && !(await this.restoreWritten(pod, helper))) {
        if (!pod.status?.initContainerStatuses?.[i]?.state?.running)
          await this.patchStatus(pod, this.pendingStatus(pod, started, i, true));
        return { retryAfterMs: WAIT_MS };
      }
      await this.patchStatus(pod, this.pendingStatus(pod, started, i + 1));
    }
    await this.patchStatus(pod, this.runningStatus(pod, started));
    this.started.add(uid);
    this.log.info({ pod: key, node: pod.spec?.nodeName }, "pod running");
    return this.maybeExit(pod);
  }

  /** A pod is gone from the API: forget it and remove its directories. */
  async podDeleted(pod: V1Pod): Promise<void> {
    this.started.delete(pod.metadata!.uid!);
    await this.removePodDir(pod.metadata!.uid!);
  }

  private async removePodDir(uid: string): Promise<void> {
    await fs.rm(path.join(this.layout.kubeletDir, "pods", uid), { recursive: true, force: true });
  }

  /** A pod that is to exit after a while (see EXIT_AFTER_SECONDS_ANNOTATION) succeeds when its time is up. */
  private async maybeExit(pod: V1Pod): Promise<Outcome> {
    const seconds = Number(pod.metadata?.annotations?.[EXIT_AFTER_SECONDS_ANNOTATION]);
    if (pod.spec?.restartPolicy === "Always" || !Number.isFinite(seconds)) return "done";
    const started = new Date(pod.status?.startTime ?? Date.now()).getTime();
    const remaining = started + seconds * 1000 - Date.now();
    if (remaining > 0 || pod.status?.phase !== "Running")
      return { retryAfterMs: Math.max(remaining, WAIT_MS) };
    await this.succeed(pod);
    return "done";
  }

  private async succeed(pod: V1Pod): Promise<void> {
    const now = new Date();
    const status: V1PodStatus = {
      phase: "Succeeded",
      conditions: conditions(
        pod,
        { Initialized: true, ContainersReady: false, Ready: false },
        "PodCompleted",
      ),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        ...containerStatus(pod, c),
        ready: false,
        started: false,
        state: {
          terminated: { exitCode: 0, reason: "Completed", startedAt: pod.status?.startTime, finishedAt: now },
        },
      })),
    };
    await this.patchStatus(pod, status);
    this.log.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` }, "pod succeeded");
  }

  /** Creates the pod's volume directories; false while a claim is not bound yet. */
  private async mountVolumes(pod: V1Pod): Promise<boolean> {
    const volumesDir = this.layout.podVolumesDir(pod.metadata!.uid!);
    for (const volume of pod.spec?.volumes ?? []) {
      if (volume.emptyDir) {
        await fs.mkdir(path.join(volumesDir, "kubernetes.io~empty-dir", volume.name), { recursive: true });
        continue;
      }
      const claimName = volume.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const claim = this.caches.pvcs.get(claimName, pod.metadata!.namespace);
      const pvName = claim?.spec?.volumeName;
      const pv = pvName ? this.caches.pvs.get(pvName) : undefined;
      if (!claim || claim.status?.phase !== "Bound" || !pv) return false;
      const handle = pv.spec?.csi?.driver === CSI_DRIVER ? pv.spec.csi.volumeHandle : undefined;
      if (handle) {
        const mountDir = path.join(volumesDir, "kubernetes.io~csi", pvName!);
        await fs.mkdir(mountDir, { recursive: true });
        await linkTo(this.storage.volumeDataPath(handle), path.join(mountDir, "mount"));
      } else {
        // A volume of another kind (a static PV of a plugin the simulator does not drive): an empty directory.
        await fs.mkdir(path.join(volumesDir, "kubernetes.io~local-volume", pvName!), { recursive: true });
      }
    }
    return true;
  }

  /**
   * What Velero's restore helper waits for: each of its volumes holds the done marker of its
   * restore. Once they all do, it removes the markers, as the helper does, and completes.
   */
  private async restoreWritten(
    pod: V1Pod,
    helper: { restoreUid: string; volumes: string[] },
  ): Promise<boolean> {
    const dirs = helper.volumes.map((v) => this.volumeDir(pod, v));
    for (const dir of dirs) if (!dir || !existsSync(doneMarker(dir, helper.restoreUid))) return false;
    for (const dir of dirs)
      await fs.rm(path.dirname(doneMarker(dir!, helper.restoreUid)), { recursive: true, force: true });
    return true;
  }

  /** The directory a pod volume's files are in, as mountVolumes laid it out. */
  private volumeDir(pod: V1Pod, volumeName: string): string | undefined {
    const volume = pod.spec?.volumes?.find((v) => v.name === volumeName);
    const volumesDir = this.layout.podVolumesDir(pod.metadata!.uid!);
    if (volume?.emptyDir) return path.join(volumesDir, "kubernetes.io~empty-dir", volumeName);
    const claim = volume?.persistentVolumeClaim?.claimName;
    const pvName = claim ? this.caches.pvcs.get(claim, pod.metadata!.namespace)?.spec?.volumeName : undefined;
    return pvName ? path.join(volumesDir, "kubernetes.io~csi", pvName, "mount") : undefined;
  }

  /** Init containers before `initDone` have completed; with `nextRunning`, the next one runs. */
  private pendingStatus(pod: V1Pod, started: Date, initDone: number, nextRunning = false): V1PodStatus {
    const init = pod.spec?.initContainers ?? [];
    return {
      ...this.addresses(pod, started),
      phase: "Pending",
      conditions: conditions(
        pod,
        { Initialized: false, ContainersReady: false, Ready: false },
        "ContainersNotInitialized",
      ),
      initContainerStatuses: init.map((c, i) =>
        nextRunning && i === initDone
          ? { ...containerStatus(pod, c), started: true, state: { running: { startedAt: new Date() } } }
          : initStatus(pod, c, i < initDone, started),
      ),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        ...containerStatus(pod, c),
        ready: false,
        started: false,
        state: { waiting: { reason: "PodInitializing" } },
      })),
    };
  }

  /** The pod runs: its init containers are done and its containers start now. */
  private runningStatus(pod: V1Pod, started: Date): V1PodStatus {
    const now = new Date();
    return {
      ...this.addresses(pod, started),
      phase: "Running",
      conditions: conditions(pod, { Initialized: true, ContainersReady: true, Ready: true }),
      initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => initStatus(pod, c, true, started)),
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        ...containerStatus(pod, c),
        ready: true,
        started: true,
        state: { running: { startedAt: now } },
      })),
    };
  }

  private addresses(pod: V1Pod, started: Date): V1PodStatus {
    const ip = pod.spec?.hostNetwork ? "127.0.0.1" : podIp(pod.metadata!.uid!);
    return {
      hostIP: "127.0.0.1",
      hostIPs: [{ ip: "127.0.0.1" }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: pod.status?.startTime ?? started,
    };
  }

  private async patchStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    await this.core.patchNamespacedPodStatus(
      { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
      MERGE_PATCH,
    );
  }
}

function conditions(
  pod: V1Pod,
  state: { Initialized: boolean; ContainersReady: boolean; Ready: boolean },
  reason?: string,
): V1PodCondition[] {
  const now = new Date();
  const c = (type: string, ok: boolean): V1PodCondition => ({
    type,
    status: ok ? "True" : "False",
    lastTransitionTime: now,
    ...(ok || !reason ? {} : { reason }),
  });
  const scheduled = pod.status?.conditions?.find((x) => x.type === "PodScheduled") ?? c("PodScheduled", true);
  return [
    c("PodReadyToStartContainers", true),
    c("Initialized", state.Initialized),
    c("Ready", state.Ready),
    c("ContainersReady", state.ContainersReady),
    scheduled,
  ];
}

function containerStatus(pod: V1Pod, c: V1Container): V1ContainerStatus {
  return {
    name: c.name,
    image: c.image ?? "",
    imageID: `simulated://${c.image ?? ""}`,
    containerID: `simulated://${pod.metadata!.uid}/${c.name}`,
    ready: false,
    restartCount: 0,
  };
}

function initStatus(pod: V1Pod, c: V1Container, done: boolean, started: Date): V1ContainerStatus {
  if (c.restartPolicy === "Always") {
    // A sidecar: an init container that keeps running next to the main containers.
    return {
      ...containerStatus(pod, c),
      ready: true,
      started: true,
      state: { running: { startedAt: started } },
    };
  }
  return {
    ...containerStatus(pod, c),
    ready: done,
    state: done
      ? { terminated: { exitCode: 0, reason: "Completed", startedAt: started, finishedAt: new Date() } }
      : { waiting: { reason: "PodInitializing" } },
  };
}

/** A stable pod IP in 10.244.0.0/16 derived from the pod's uid. */
function podIp(uid: string): string {
  const digest = createHash("sha256").update(uid).digest();
  return `10.244.${digest[0]}.${(digest[1]! % 253) + 1}`;
}

async function linkTo(target: string, link: string): Promise<void> {
  try {
    if ((await fs.readlink(link)) === target) return;
    await fs.rm(link, { force: true });
  } catch {
    // no link yet
  }
  await fs.symlink(target, link, "dir");
}
