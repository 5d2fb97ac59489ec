/**
 * Stopping the workloads that use a claim for a restore of its data, and starting them again:
 * each Deployment or StatefulSet is scaled to 0 with the replicas it had kept in an annotation
 * (so what the restore stopped can be told and started by hand if it is cut short), then scaled
 * back to exactly that count.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { STOPPED_REPLICAS_ANNOTATION } from "../api/labels.js";
import type { KubeClient } from "../kube/client.js";
import type { ScalableWorkload } from "./data-only-targets.js";

const MERGE_PATCH = "application/merge-patch+json";
const POLL_MS = 500;

const workloadPath = (namespace: string, w: ScalableWorkload) =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${w.kind === "Deployment" ? "deployments" : "statefulsets"}/${encodeURIComponent(w.name)}`;

export async function scaleDown(
  client: KubeClient,
  namespace: string,
  workloads: ScalableWorkload[],
): Promise<void> {
  for (const w of workloads)
    await client.request("PATCH", workloadPath(namespace, w), {
      body: {
        metadata: { annotations: { [STOPPED_REPLICAS_ANNOTATION]: String(w.replicas) } },
        spec: { replicas: 0 },
      },
      contentType: MERGE_PATCH,
    });
}

/** Scales each workload back to the replicas it had and drops the annotation; tries them all. */
export async function scaleBack(
  client: KubeClient,
  namespace: string,
  workloads: ScalableWorkload[],
): Promise<void> {
  const failed: string[] = [];
  for (const w of workloads) {
    try {
      await client.request("PATCH", workloadPath(namespace, w), {
        body: {
          metadata: { annotations: { [STOPPED_REPLICAS_ANNOTATION]: null } },
          spec: { replicas: w.replicas },
        },
        contentType: MERGE_PATCH,
      });
    } catch (err) {
      failed.push(`${w.kind} ${namespace}/${w.name} (scale it to ${w.replicas}): ${(err as Error).message}`);
    }
  }
  if (failed.length) throw new Error(`could not start again ${failed.join("; ")}`);
}

/** Waits until no pod that has not finished uses the claim; throws at the deadline, naming them. */
export async function waitUnused(
  client: KubeClient,
  namespace: string,
  claim: string,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    const { items } = await client.get<{ items: V1Pod[] }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    );
    const using = items.filter(
      (p) =>
        p.status?.phase !== "Succeeded" &&
        p.status?.phase !== "Failed" &&
        (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim),
    );
    if (!using.length) return;
    if (Date.now() > deadline)
      throw new Error(
        `pods ${using.map((p) => p.metadata?.name).join(", ")} still use claim ${namespace}/${claim} after their workloads were scaled to 0`,
      );
    await sleep(POLL_MS, undefined, { signal });
  }
}
