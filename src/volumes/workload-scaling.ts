/**
 * Stopping the workloads that use a claim for a restore of its data, and starting them again.
 * A Deployment or StatefulSet is scaled to 0, the replicas it had kept in an annotation; a
 * DaemonSet is given a node selector no node matches, its own kept likewise; a bare pod is
 * deleted and made again from its spec. Each is started again exactly as it was, so what a
 * restore cut short stopped can be told and started by hand from the annotation.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { STOPPED_NODE_SELECTOR_ANNOTATION, STOPPED_REPLICAS_ANNOTATION } from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage } from "../kube/errors.js";
import { deleteIfPresent } from "../kube/object-ops.js";

/** A workload a restore of volume data can stop and start again. */
export type StoppableWorkload =
  | { kind: "Deployment" | "StatefulSet"; name: string; replicas: number }
  | { kind: "DaemonSet"; name: string; nodeSelector?: Record<string, string> }
  | { kind: "Pod"; name: string; pod: V1Pod };

const MERGE_PATCH = "application/merge-patch+json";
const POLL_MS = 500;
/** The label a stopped DaemonSet's pods must have, which no node has. */
const NO_NODE = { "velero-ts.io/stopped-for-data-restore": "true" };

const apps = (namespace: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}`;
const collection: Record<string, string> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
};

/** How a workload reads in messages and volume info: `Deployment app (2 replicas)`. */
export function workloadText(w: StoppableWorkload): string {
  return w.kind === "Deployment" || w.kind === "StatefulSet"
    ? `${w.kind} ${w.name} (${w.replicas} replicas)`
    : w.kind === "DaemonSet"
      ? `DaemonSet ${w.name}`
      : `Pod ${w.name}`;
}

export async function stopWorkloads(
  client: KubeClient,
  namespace: string,
  workloads: StoppableWorkload[],
): Promise<void> {
  for (const w of workloads) {
    if (w.kind === "Pod") {
      await deleteIfPresent(client, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${w.name}`);
      continue;
    }
    const body =
      w.kind === "DaemonSet"
        ? {
            metadata: {
              annotations: { [STOPPED_NODE_SELECTOR_ANNOTATION]: JSON.stringify(w.nodeSelector ?? {}) },
            },
            spec: { template: { spec: { nodeSelector: { ...w.nodeSelector, ...NO_NODE } } } },
          }
        : {
            metadata: { annotations: { [STOPPED_REPLICAS_ANNOTATION]: String(w.replicas) } },
            spec: { replicas: 0 },
          };
    await client.request("PATCH", `${apps(namespace)}/${collection[w.kind]}/${encodeURIComponent(w.name)}`, {
      body,
      contentType: MERGE_PATCH,
    });
  }
}

/** Starts each workload again as it was and drops the annotation; tries them all, then says which failed. */
export async function startWorkloads(
  client: KubeClient,
  namespace: string,
  workloads: StoppableWorkload[],
): Promise<void> {
  const failed: string[] = [];
  for (const w of workloads) {
    try {
      if (w.kind === "Pod") {
        await client.request("POST", `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
          body: podAgain(w.pod),
        });
        continue;
      }
      const body =
        w.kind === "DaemonSet"
          ? {
              metadata: { annotations: { [STOPPED_NODE_SELECTOR_ANNOTATION]: null } },
              // A merge patch sets the keys it names: the stop's key is removed, the others put back.
              spec: {
                template: {
                  spec: {
                    nodeSelector: Object.keys(w.nodeSelector ?? {}).length
                      ? { ...w.nodeSelector, ...nullKeys(NO_NODE) }
                      : null,
                  },
                },
              },
            }
          : {
              metadata: { annotations: { [STOPPED_REPLICAS_ANNOTATION]: null } },
              spec: { replicas: w.replicas },
            };
      await client.request(
        "PATCH",
        `${apps(namespace)}/${collection[w.kind]}/${encodeURIComponent(w.name)}`,
        {
          body,
          contentType: MERGE_PATCH,
        },
      );
    } catch (err) {
      failed.push(`${workloadText(w)} in ${namespace}: ${errorMessage(err)}`);
    }
  }
  if (failed.length) throw new Error(`could not start again ${failed.join("; ")}`);
}

const nullKeys = (o: Record<string, string>) => Object.fromEntries(Object.keys(o).map((k) => [k, null]));

/** A bare pod as it is made again: its spec and labels, without what the cluster gave it. */
function podAgain(pod: V1Pod): V1Pod {
  const { name, namespace, labels, annotations } = pod.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...(name ? { name } : {}),
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: pod.spec!,
  };
}

/** The pods that have not finished and use any of the claims. */
export function podsUsing(pods: V1Pod[], claims: string[]): V1Pod[] {
  return pods.filter(
    (p) =>
      p.status?.phase !== "Succeeded" &&
      p.status?.phase !== "Failed" &&
      (p.spec?.volumes ?? []).some((v) => claims.includes(v.persistentVolumeClaim?.claimName ?? "")),
  );
}

/** Waits until no pod that has not finished uses any of the claims; throws at the deadline, naming them. */
export async function waitUnused(
  client: KubeClient,
  namespace: string,
  claims: string[],
  deadline: number,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const { items } = await client.get<{ items: V1Pod[] }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    );
    const using = podsUsing(items, claims);
    if (!using.length) return;
    if (Date.now() > deadline)
      throw new Error(
        `pods ${using.map((p) => p.metadata?.name).join(", ")} still use claims ${claims.map((c) => `${namespace}/${c}`).join(", ")} after their workloads were stopped`,
      );
    await sleep(POLL_MS, undefined, signal ? { signal } : {});
  }
}
