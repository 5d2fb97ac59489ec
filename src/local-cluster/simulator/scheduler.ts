import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { getByKey, keyOf } from "../../kube/informer.js";
import type { Caches } from "./informers.js";
import { SELECTED_NODE_ANNOTATION } from "./names.js";
import { MERGE_PATCH } from "./patch.js";
import { statusCode } from "../../kube/errors.js";
import type { Outcome } from "../../kube/work-queue.js";

const WAIT_MS = 500;

/**
 * Plays kube-scheduler: binds each unscheduled pod to the least loaded Ready node that
 * matches its nodeSelector, once its claims are bound. A claim of a WaitForFirstConsumer
 * class first gets the node it will be used on (the selected-node annotation), which
 * is what starts its provisioning.
 */
export class Scheduler {
  private readonly core: CoreV1Api;
  /**
   * The node of each pod this scheduler chose a node for, until its cache shows the pod bound
   * (kube-scheduler's assumed pods): pods created at once are spread, not all put on the node
   * the cache still shows least loaded.
   */
  private readonly assumed = new Map<string, string>();

  constructor(
    kc: KubeConfig,
    private readonly caches: Caches,
    private readonly nodeNames: string[],
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  wants(pod: V1Pod): boolean {
    const scheduler = pod.spec?.schedulerName ?? "default-scheduler";
    return !pod.spec?.nodeName && scheduler === "default-scheduler" && !pod.metadata?.deletionTimestamp;
  }

  async reconcile(key: string): Promise<Outcome> {
    const pod = getByKey(this.caches.pods, key);
    if (!pod || !this.wants(pod)) return "done";
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;

    const node = this.pickNode(pod);
    if (!node) {
      this.log.info({ pod: key }, "no Ready node matches the pod's nodeSelector yet");
      return { retryAfterMs: 5000 };
    }

    for (const volume of pod.spec?.volumes ?? []) {
      const claimName = volume.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const claim = this.caches.pvcs.get(claimName, namespace);
      if (!claim) return { retryAfterMs: WAIT_MS };
      if (claim.status?.phase === "Bound") continue;
      const className = claim.spec?.storageClassName;
      const storageClass = className ? this.caches.storageClasses.get(className) : undefined;
      const selected = claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
      if (storageClass?.volumeBindingMode === "WaitForFirstConsumer" && !selected) {
        await this.core.patchNamespacedPersistentVolumeClaim(
          {
            name: claimName,
            namespace,
            body: { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: node } } },
          },
          MERGE_PATCH,
        );
      }
      return { retryAfterMs: WAIT_MS };
    }

    this.assumed.set(key, node);
    try {
      await this.core.createNamespacedBinding({
        namespace,
        body: { metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: node } },
      });
      this.log.info({ pod: key, node }, "pod bound to node");
    } catch (err) {
      // 409: another binding won, or the pod is gone: nothing left to do.
      if (statusCode(err) !== 409 && statusCode(err) !== 404) {
        this.assumed.delete(key);
        throw err;
      }
    }
    return "done";
  }

  /** The node a claim already selected wins; otherwise the least loaded matching Ready node. */
  private pickNode(pod: V1Pod): string | undefined {
    const namespace = pod.metadata?.namespace;
    for (const volume of pod.spec?.volumes ?? []) {
      const claimName = volume.persistentVolumeClaim?.claimName;
      const claim = claimName && namespace ? this.caches.pvcs.get(claimName, namespace) : undefined;
      const selected = claim?.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
      if (selected) return selected;
    }
    const selector = pod.spec?.nodeSelector ?? {};
    const load = new Map<string, number>();
    const listed = new Set<string>();
    for (const p of this.caches.pods.list()) {
      const key = keyOf(p);
      listed.add(key);
      if (p.spec?.nodeName) this.assumed.delete(key);
      const node = p.spec?.nodeName ?? this.assumed.get(key);
      if (node) load.set(node, (load.get(node) ?? 0) + 1);
    }
    for (const key of this.assumed.keys()) if (!listed.has(key)) this.assumed.delete(key);
    const candidates = this.nodeNames.filter((name) => {
      const node = getByKey(this.caches.nodes, name);
      const ready = node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      const labels = node?.metadata?.labels ?? {};
      return ready && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    candidates.sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b));
    return candidates[0];
  }
}
