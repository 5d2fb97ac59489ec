/**
 * `velero-ts restore rollback`: the claims a data-only restore by replace re-pointed go back to
 * the volumes they had, the same way they were re-pointed (workloads stopped, claims made again
 * bound to the old volumes, workloads started). The old volumes get back their reclaim policy;
 * the volumes the restore made are kept (Retain, Released), labelled as rolled back, for the user
 * to delete once they are sure.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import {
  REPLACED_BY_RESTORE_LABEL,
  REPLACED_CLAIM_ANNOTATION,
  REPLACED_RECLAIM_POLICY_ANNOTATION,
  REPLACEMENT_BY_RESTORE_LABEL,
  ROLLED_BACK_FROM_RESTORE_LABEL,
} from "../api/labels.js";
import { labelValue } from "../filters/label-value.js";
import type { KubeClient } from "../kube/client.js";
import { errorMessage } from "../kube/errors.js";
import { getOrUndefined } from "../kube/object-ops.js";
import { swapClaim } from "./claim-swap.js";
import { owners } from "./data-only-targets.js";
import { podsUsing, startWorkloads, stopWorkloads, waitUnused } from "./workload-scaling.js";

const STOP_WAIT_MS = 120_000;

/** The volumes a restore took claims away from, still kept for its rollback. */
export async function replacedVolumes(client: KubeClient, restore: string): Promise<V1PersistentVolume[]> {
  return (
    await client.get<{ items: V1PersistentVolume[] }>("/api/v1/persistentvolumes", {
      labelSelector: `${REPLACED_BY_RESTORE_LABEL}=${labelValue(restore)}`,
    })
  ).items;
}

/** The volumes a restore made that a rollback has taken the claims away from again. */
export async function rolledBackVolumes(client: KubeClient, restore: string): Promise<V1PersistentVolume[]> {
  return (
    await client.get<{ items: V1PersistentVolume[] }>("/api/v1/persistentvolumes", {
      labelSelector: `${ROLLED_BACK_FROM_RESTORE_LABEL}=${labelValue(restore)}`,
    })
  ).items;
}

/** Rolls the restore's replaced claims back; tells `say` each claim as it goes; throws with every failure. */
export async function rollBack(
  client: KubeClient,
  restore: string,
  say: (line: string) => void,
): Promise<void> {
  const old = await replacedVolumes(client, restore);
  if (!old.length)
    throw new Error(
      `no volume is kept for a rollback of restore ${restore}: it replaced no claim's volume (it was not a data-only restore by replace), or it was rolled back already, or the old volumes were deleted`,
    );
  const byNamespace = new Map<string, { claim: string; volume: V1PersistentVolume }[]>();
  for (const volume of old) {
    const [namespace, claim] = (volume.metadata?.annotations?.[REPLACED_CLAIM_ANNOTATION] ?? "").split("/");
    if (!namespace || !claim)
      throw new Error(
        `volume ${volume.metadata?.name} has no ${REPLACED_CLAIM_ANNOTATION} annotation: put it back by hand`,
      );
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), { claim, volume }]);
  }
  const failures: string[] = [];
  for (const [namespace, claims] of byNamespace) {
    const { items } = await client.get<{ items: V1Pod[] }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    );
    const using = podsUsing(
      items,
      claims.map((c) => c.claim),
    );
    const { workloads, unscalable } = await owners(client, namespace, using);
    if (unscalable.length) {
      failures.push(
        `${namespace}: pods ${unscalable.join(", ")} use the claims and cannot be stopped and started again: delete them, then roll back again`,
      );
      continue;
    }
    await stopWorkloads(client, namespace, workloads);
    try {
      await waitUnused(
        client,
        namespace,
        claims.map((c) => c.claim),
        Date.now() + STOP_WAIT_MS,
      );
      for (const { claim, volume } of claims) {
        const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(claim)}`;
        const current = await getOrUndefined<V1PersistentVolumeClaim>(client, path);
        try {
          if (!current?.spec?.volumeName)
            throw new Error(`claim ${namespace}/${claim} is not there, or bound to nothing`);
          await swapClaim(client, {
            namespace,
            name: claim,
            from: current.spec.volumeName,
            to: volume.metadata!.name!,
            leftMarks: {
              labels: {
                [REPLACEMENT_BY_RESTORE_LABEL]: null,
                [ROLLED_BACK_FROM_RESTORE_LABEL]: labelValue(restore),
              },
            },
            takenMarks: {
              labels: { [REPLACED_BY_RESTORE_LABEL]: null },
              annotations: { [REPLACED_CLAIM_ANNOTATION]: null, [REPLACED_RECLAIM_POLICY_ANNOTATION]: null },
            },
            reclaimPolicy: volume.metadata?.annotations?.[REPLACED_RECLAIM_POLICY_ANNOTATION] ?? "Delete",
          });
          say(
            `claim ${namespace}/${claim}: bound to its old volume ${volume.metadata!.name} again; the restored volume ${current.spec.volumeName} is kept (Retain): delete it with kubectl delete pv ${current.spec.volumeName} once you no longer need it`,
          );
        } catch (err) {
          failures.push(`claim ${namespace}/${claim}: ${errorMessage(err)}`);
        }
      }
    } finally {
      await startWorkloads(client, namespace, workloads).catch((err: unknown) =>
        failures.push(errorMessage(err)),
      );
    }
  }
  if (failures.length)
    throw new Error(`the rollback of restore ${restore} did not finish: ${failures.join("; ")}`);
}
