/**
 * Restoring volume data into claims that exist, as a restore item action. A claim the pre-flight
 * matched (data-only-targets.ts) is left as it is, and its data comes back as an item operation:
 * written in place (in-place-write.ts), or, by replace, into a new volume the claim is re-pointed
 * at (replace-run.ts, one run for all the claims). In a data-only restore the action applies to
 * every item and skips every other one, so nothing but volume data changes, and the plan says so
 * per item.
 */
import type { RestoreItemAction } from "../items/restore-item-action.js";
import type { PodVolumeInfo } from "../backup/volume-info.js";
import { mebibytes } from "../api/quantity.js";
import type { VolumeDataOptions } from "./data-only-options.js";
import { podsPlan, stopPlan, type KopiaData, type VolumeDataTarget } from "./data-only-targets.js";
import type { VolumeDataRestoreInfo } from "../restore/volume-info.js";
import { InPlaceWrite } from "./in-place-write.js";
import { workloadText } from "./workload-scaling.js";
import { ReplaceRun } from "./replace-run.js";
import type { VolumeSnapshotter } from "./snapshotters/volume-snapshotter.js";
import type { RestoreVolumeRecords } from "./restore-volume-records.js";

export interface VolumeDataState {
  options: VolumeDataOptions;
  targets: VolumeDataTarget[];
  /** The pre-flight's warnings, by backed-up claim. */
  warnings: Map<string, string>;
  /** How long each write may take (the pod volume timeout). */
  writeTimeoutMs: number;
  volumes: RestoreVolumeRecords;
  snapshotters: Map<string, VolumeSnapshotter | Error>;
}

type Writable = VolumeDataTarget & { data: { kopia: KopiaData } };

const ACTION = "velero-ts.io/volume-data";

export function volumeDataRestoreActions(state: VolumeDataState): RestoreItemAction[] {
  const { options } = state;
  const bySource = new Map(state.targets.map((t) => [t.source, t]));
  const leftAlone = (why: string) => (options.dataOnly ? { skip: why } : undefined);
  const replacing = options.mode === "replace";
  const writes = new Map<string, InPlaceWrite>();
  let replace: ReplaceRun | undefined;
  const restored = (t: VolumeDataTarget) => !!t.claim && !!(replacing ? t.data : t.data?.kopia);
  return [
    {
      name: ACTION,
      appliesTo: options.dataOnly ? ["*"] : ["persistentvolumeclaims"],
      execute({ groupResource, item, itemFromBackup, inCluster }) {
        if (groupResource !== "persistentvolumeclaims")
          return {
            skip: `data-only restore: only volume data is restored; no ${item.kind ?? groupResource} is created, updated or deleted`,
          };
        const source = `${itemFromBackup.metadata?.namespace}/${itemFromBackup.metadata?.name}`;
        const target = bySource.get(source);
        const warning = state.warnings.get(source);
        const warnings = warning ? { warnings: [warning] } : {};
        if (!target || !restored(target) || !inCluster) {
          const out = leftAlone(
            !target?.data
              ? "data-only restore: the backup holds no data of this claim; it is left as it is"
              : "data-only restore: no claim of this name is in the cluster, and a data-only restore creates nothing",
          );
          return out ? { ...out, ...warnings } : undefined;
        }
        return {
          existing: { reason: replacing ? replacePlan(target, state) : planOf(target as Writable, options) },
          operation: { input: target },
          ...warnings,
        };
      },
      startOperation(client, _claim, input, restore) {
        const target = input as VolumeDataTarget;
        const id = `${target.namespace}/${target.name}`;
        if (replacing) {
          replace ??= new ReplaceRun(client, restore, state.targets.filter(restored), {
            storageClassMapping: options.storageClassMapping,
            snapshotters: state.snapshotters,
            timeoutMs: state.writeTimeoutMs,
            onVolume: (t, volume) =>
              state.volumes.update(t.namespace, t.name, {
                volumeDataRestoreInfo: { ...replaceInfo(t, options), newVolume: volume },
              }),
          });
          state.volumes.record({
            pvcName: target.name,
            pvcNamespace: target.namespace,
            restoreMethod:
              target.data!.method === "CSISnapshot" || target.data!.method === "NativeSnapshot"
                ? target.data!.method
                : "PodVolumeRestore",
            snapshotDataMoved: target.data!.method === "DataMover",
            volumeDataRestoreInfo: replaceInfo(target, options),
          });
          return Promise.resolve(id);
        }
        const writable = target as Writable;
        writes.set(id, new InPlaceWrite(client, restore, writable, options, state.writeTimeoutMs));
        state.volumes.record({
          pvcName: target.name,
          pvcNamespace: target.namespace,
          restoreMethod: "PodVolumeRestore",
          snapshotDataMoved: target.data!.method === "DataMover",
          pvrInfo: pvrInfo(writable, "New"),
          volumeDataRestoreInfo: {
            mode: "in-place",
            policy: options.policy,
            backupMethod: target.data!.method,
            ...(options.deleteExtraFiles ? { deleteExtraFiles: true } : {}),
            ...(options.includePaths.length ? { includePaths: options.includePaths } : {}),
            ...(options.runningPods === "stop-workloads" && target.workloads.length
              ? { stoppedWorkloads: target.workloads.map(workloadText) }
              : {}),
            ...(options.runningPods === "allow" && target.pods.length
              ? { runningPods: target.pods.map((p) => p.metadata?.name ?? "") }
              : {}),
          },
        });
        return Promise.resolve(id);
      },
      progress(operationId) {
        if (replace) return Promise.resolve(replace.progress(operationId));
        const write = writes.get(operationId);
        if (!write)
          return Promise.reject(new Error(`no write of claim ${operationId}'s data in this server`));
        const { pvr, target } = write;
        if (pvr) {
          const info = pvrInfo(target, pvr.status?.phase ?? "New");
          info.podName = pvr.spec.pod.name ?? "";
          if (pvr.status?.node) info.nodeName = pvr.status.node;
          state.volumes.update(target.namespace, target.name, { pvrInfo: info });
        }
        return Promise.resolve(write.progress());
      },
      async cancel(operationId) {
        return replace ? replace.cancel() : writes.get(operationId)?.cancel();
      },
    },
  ];
}

function replaceInfo(t: VolumeDataTarget, options: VolumeDataOptions): VolumeDataRestoreInfo {
  return {
    mode: "replace",
    backupMethod: t.data!.method,
    oldVolume: t.claim?.spec?.volumeName ?? "",
    bytes: t.data?.kopia?.bytes ?? t.data?.csi?.restoreSizeBytes ?? 0,
    ...(t.workloads.length ? { stoppedWorkloads: t.workloads.map(workloadText) } : {}),
    ...(options.storageClassMapping[t.claim?.spec?.storageClassName ?? ""]
      ? { storageClass: options.storageClassMapping[t.claim?.spec?.storageClassName ?? ""] }
      : {}),
  };
}

/** What a replace does with the claim, for the plan and --dry-run. */
function replacePlan(t: VolumeDataTarget, state: VolumeDataState): string {
  const from = t.claim?.spec?.storageClassName ?? "";
  const to = state.options.storageClassMapping[from];
  const cls = to ? `of class ${to} (mapped from ${from})` : `of class ${from}`;
  const pods = t.pods.map((p) => `${t.namespace}/${p.metadata?.name}`).join(", ");
  const stop = t.workloads.length
    ? `for the pods using it (${pods}): ${t.workloads.map(stopPlan).join(", ")}`
    : "no pod uses it";
  return (
    `replaces its volume: a new volume ${cls} is made from ${t.data!.from}; once every claim's new volume is ready, ${stop}, ` +
    `the claim is made again bound to the new volume, and its old volume ${t.claim?.spec?.volumeName} is kept (Retain) for \`velero-ts restore rollback\``
  );
}

function pvrInfo(target: Writable, phase: string): PodVolumeInfo {
  return {
    snapshotHandle: target.data.kopia.snapshotID,
    size: target.data.kopia.bytes,
    uploaderType: "kopia",
    volumeName: "data",
    podName: "",
    podNamespace: target.namespace,
    Phase: phase,
  };
}

/** What the restore does with the claim, for the plan and --dry-run. */
function planOf(t: Writable, options: VolumeDataOptions): string {
  const { kopia } = t.data;
  const what = options.includePaths.length ? `paths ${options.includePaths.join(", ")} of ` : "";
  const extra = options.deleteExtraFiles
    ? "files the backup does not hold are deleted"
    : "files the backup does not hold are kept (--delete-extra-files deletes them)";
  const policy =
    options.policy === "incremental" ? "incremental: files that match are left as they are" : "full";
  return (
    `restores its volume data in place (${policy}): ${what}${t.data.from} (${mebibytes(kopia.bytes)}, kopia snapshot ${kopia.snapshotID}) ` +
    `is written into its volume ${t.claim?.spec?.volumeName}; ${extra}; ${podsPlan(t, options)}; the claim itself is left as it is`
  );
}
