/**
 * File-system restore, as Velero's pod volume restore action does it: a restored pod that had
 * pod volume backups (matched by the backup's pod name and namespace) gets the `restore-wait`
 * init container first, and once the pod exists, a PodVolumeRestore per volume, which the node
 * agent of the pod's node writes back into the new volume. The claims of those volumes are
 * provisioned anew (their old PVs are not restored). The restore waits for the PodVolumeRestores
 * as item operations, one per pod; a volume that fails, or runs past the pod volume timeout (it is
 * then canceled), is an error of its pod alone, and its pod still starts (the agent releases the
 * init container), as the error says.
 */
import type { V1Pod } from "@kubernetes/client-node";
import {
  PVC_NAME_ANNOTATION,
  POD_UID_LABEL,
  POD_VOLUME_TIMEOUT_ANNOTATION,
  RESTORE_NAME_LABEL,
} from "../api/labels.js";
import {
  FINISHED_POD_VOLUME_PHASES,
  VELERO_API_VERSION,
  type PodVolumeBackup,
  type PodVolumeRestore,
  type Restore,
} from "../api/v1/index.js";
import { labelValue } from "../filters/label-value.js";
import { DEFAULT_IMAGE } from "../install/options.js";
import type { OperationProgress } from "../items/item-operation.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import type { KubeClient } from "../kube/client.js";
import type { SharedReads } from "../kube/shared-reads.js";
import { VeleroClient } from "../kube/velero-client.js";
import type { PodVolumeInfo } from "../backup/volume-info.js";
import { restoreOwnedMetadata, restoreOwnedWatch } from "./restore-owned.js";
import type { RestoreVolumeRecords } from "./restore-volume-records.js";
import { restoreHelperContainer, withRestoreHelper } from "./restore-helper.js";

export interface PodVolumeRestoreState {
  /** The backup's completed pod volume backups, by backed-up pod (`<namespace>/<pod>`). */
  podVolumeBackups: Map<string, PodVolumeBackup[]>;
  restoreUID: string;
  /** How long each PodVolumeRestore may take before the restore cancels it. */
  podVolumeTimeoutMs: number;
  reads: SharedReads;
  volumes: RestoreVolumeRecords;
}

/** The backup's pod volume backups that a restore can write back, by pod: those with a snapshot. */
export function podVolumeBackupsByPod(pvbs: readonly PodVolumeBackup[]): Map<string, PodVolumeBackup[]> {
  const byPod = new Map<string, PodVolumeBackup[]>();
  for (const pvb of pvbs) {
    if (pvb.status?.phase !== "Completed" || !pvb.status.snapshotID) continue;
    const key = `${pvb.spec.pod.namespace}/${pvb.spec.pod.name}`;
    byPod.set(key, [...(byPod.get(key) ?? []), pvb]);
  }
  return byPod;
}

/** The claims (`<namespace>/<claim>` in the backup) whose data file-system restore writes, and how. */
export function fsRestoredClaims(byPod: Map<string, PodVolumeBackup[]>): Map<string, string> {
  const claims = new Map<string, string>();
  for (const pvbs of byPod.values())
    for (const pvb of pvbs) {
      const claim = pvb.metadata.annotations?.[PVC_NAME_ANNOTATION];
      if (claim)
        claims.set(
          `${pvb.spec.pod.namespace}/${claim}`,
          `its data is restored from pod volume backup ${pvb.metadata.name} (kopia snapshot ${pvb.status?.snapshotID})`,
        );
    }
  return claims;
}

interface Input {
  backups: PodVolumeBackup[];
}

export function podVolumeRestoreAction(state: PodVolumeRestoreState): RestoreItemAction {
  /** The volume info of each restored claim's volume (by `<namespace>/<pod>/<volume>`), kept up to date. */
  const infos = new Map<string, PodVolumeInfo>();
  return {
    name: "velero.io/pod-volume-restore",
    appliesTo: ["pods"],
    execute({ item, itemFromBackup, inCluster }) {
      if (inCluster) return undefined; // a pod the cluster has is left as it is
      const pod = item as V1Pod;
      const declared = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
      const backups = (
        state.podVolumeBackups.get(
          `${itemFromBackup.metadata?.namespace}/${itemFromBackup.metadata?.name}`,
        ) ?? []
      ).filter((b) => {
        const v = declared.get(b.spec.volume);
        // Projected and downward API data come from the cluster's state, not from the backup.
        return v !== undefined && !v.projected && !v.downwardAPI;
      });
      if (!backups.length) return undefined;
      const helper = restoreHelperContainer(
        DEFAULT_IMAGE,
        state.restoreUID,
        backups.map((b) => b.spec.volume),
      );
      pod.spec = withRestoreHelper(pod, helper).spec!;
      return {
        createReason: `created with Velero's restore-wait init container: its volumes ${backups.map((b) => b.spec.volume).join(", ")} are written back from file-system backup first`,
        operation: { input: { backups } satisfies Input },
      };
    },
    async startOperation(client, created, input, restore) {
      const { backups } = input as Input;
      const pod = created as V1Pod;
      const velero = new VeleroClient(client, restore.metadata.namespace!);
      for (const pvb of backups) {
        await velero.create<PodVolumeRestore>("podvolumerestores", podVolumeRestore(pvb, pod, restore));
        const claim = pod.spec?.volumes?.find((v) => v.name === pvb.spec.volume)?.persistentVolumeClaim;
        if (!claim) continue; // Velero's restore volume info lists claims only
        const info = pvrInfo(pvb, pod, "New");
        infos.set(`${pod.metadata!.namespace}/${pod.metadata!.name}/${pvb.spec.volume}`, info);
        state.volumes.record({
          pvcName: claim.claimName,
          pvcNamespace: pod.metadata!.namespace!,
          restoreMethod: "PodVolumeRestore",
          snapshotDataMoved: false,
          pvrInfo: info,
        });
      }
      return `${pod.metadata!.namespace}/${pod.metadata!.name}`;
    },
    progress: (operationId, restore, client) => restoreProgress(client, operationId, restore, state, infos),
    operationWatches: (_, restore) => [restoreOwnedWatch(restore, "podvolumerestores")],
  };
}

function podVolumeRestore(pvb: PodVolumeBackup, pod: V1Pod, restore: Restore): PodVolumeRestore {
  return podVolumeRestoreOf(restore, pod, pvb.spec.volume, {
    backupStorageLocation: pvb.spec.backupStorageLocation,
    snapshotID: pvb.status!.snapshotID!,
    sourceNamespace: pvb.spec.pod.namespace!,
    ...(pvb.status?.progress?.totalBytes !== undefined
      ? { snapshotSize: pvb.status.progress.totalBytes }
      : {}),
  });
}

/** A restore's PodVolumeRestore of one kopia snapshot into volume `volume` of `pod`. */
export function podVolumeRestoreOf(
  restore: Restore,
  pod: V1Pod,
  volume: string,
  snapshot: Pick<
    PodVolumeRestore["spec"],
    "backupStorageLocation" | "snapshotID" | "sourceNamespace" | "snapshotSize" | "uploaderSettings"
  >,
): PodVolumeRestore {
  return {
    apiVersion: VELERO_API_VERSION,
    kind: "PodVolumeRestore",
    metadata: restoreOwnedMetadata(restore, { [POD_UID_LABEL]: pod.metadata!.uid! }),
    spec: {
      pod: {
        kind: "Pod",
        namespace: pod.metadata!.namespace!,
        name: pod.metadata!.name!,
        uid: pod.metadata!.uid!,
      },
      volume,
      repoIdentifier: "",
      uploaderType: "kopia",
      ...snapshot,
    },
  };
}

function pvrInfo(pvb: PodVolumeBackup, pod: V1Pod, phase: string, node?: string): PodVolumeInfo {
  return {
    snapshotHandle: pvb.status?.snapshotID ?? "",
    size: pvb.status?.progress?.totalBytes ?? 0,
    uploaderType: "kopia",
    volumeName: pvb.spec.volume,
    podName: pod.metadata?.name ?? "",
    podNamespace: pod.metadata?.namespace ?? "",
    ...(node ? { nodeName: node } : {}),
    Phase: phase,
  };
}

/** Done once every PodVolumeRestore of the pod has finished; failed if one did not complete. */
async function restoreProgress(
  client: KubeClient,
  operationId: string,
  restore: Restore,
  state: PodVolumeRestoreState,
  infos: Map<string, PodVolumeInfo>,
): Promise<OperationProgress> {
  const [namespace, podName] = operationId.split("/") as [string, string];
  const velero = new VeleroClient(client, restore.metadata.namespace!);
  const all = await state.reads.read("podvolumerestores", () =>
    velero.list<PodVolumeRestore>(
      "podvolumerestores",
      `${RESTORE_NAME_LABEL}=${labelValue(restore.metadata.name!)}`,
    ),
  );
  const mine = all.filter((r) => r.spec.pod.namespace === namespace && r.spec.pod.name === podName);
  for (const r of mine) {
    const info = infos.get(`${operationId}/${r.spec.volume}`);
    if (!info) continue;
    info.Phase = r.status?.phase ?? "New";
    if (r.status?.node) info.nodeName = r.status.node;
  }
  const bytes = (f: (r: PodVolumeRestore) => number | undefined) => mine.reduce((n, r) => n + (f(r) ?? 0), 0);
  const progress = {
    nCompleted: bytes((r) => r.status?.progress?.bytesDone),
    nTotal: bytes((r) => r.status?.progress?.totalBytes ?? r.spec.snapshotSize),
    operationUnits: "Bytes",
  };
  const open = mine.filter((r) => !FINISHED_POD_VOLUME_PHASES.includes(r.status?.phase ?? "New"));
  const timedOut = open.filter(
    (r) =>
      Date.now() - new Date(r.metadata.creationTimestamp ?? Date.now()).getTime() > state.podVolumeTimeoutMs,
  );
  if (open.length > timedOut.length)
    return { completed: false, ...progress, description: "writing the pod's volumes back" };
  // Cancelled, the node agent stops kopia and releases the init container (one that restarts later does too).
  for (const r of timedOut)
    if (!r.spec.cancel) await velero.patch("podvolumerestores", r.metadata.name!, { spec: { cancel: true } });
  const errors = mine.flatMap((r) => {
    const where = `volume ${r.spec.volume} of pod ${namespace}/${podName}`;
    const phase = r.status?.phase ?? "New";
    if (timedOut.includes(r))
      return [
        `pod volume restore ${r.metadata.name} of ${where} timed out after ${state.podVolumeTimeoutMs / 1000}s (phase ${phase}) and was canceled: the node agent releases the pod's restore-wait init container, so the pod starts without that volume's data; raise the server's --pod-volume-operation-timeout or the backup's ${POD_VOLUME_TIMEOUT_ANNOTATION} annotation`,
      ];
    if (phase === "Completed") return [];
    return [
      `${where} was not restored (${phase}): ${r.status?.message ?? ""}; the pod's restore-wait init container was released, so the pod started without that volume's data`,
    ];
  });
  if (!errors.length)
    return { completed: true, ...progress, description: "the pod's volumes are written back" };
  return { completed: true, ...progress, error: errors.join("; ") };
}
