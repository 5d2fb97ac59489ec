/**
 * The restore item actions velero-ts runs, in the order they run on an item: the per-kind rules
 * of velero-facts.md, then the volume methods of src/volumes/. A new volume method is one more
 * entry here, never a branch in the planner.
 */
import type { KubeClient } from "../../kube/client.js";
import { SharedReads } from "../../kube/shared-reads.js";
import type { ApiResource } from "../../kube/discovery.js";
import type { RestoreItemAction } from "../../items/restore-item-action.js";
import type { Restore } from "../../api/v1/index.js";
import { claimVolumeRestoreActions } from "../../volumes/claim-volume-restore-actions.js";
import { csiSnapshotRestoreActions, seenSnapshots } from "../../volumes/csi-snapshot-restore-actions.js";
import { dataDownloadRestoreActions } from "../../volumes/data-download-restore-actions.js";
import { nativeSnapshotRestoreAction } from "../../volumes/native-snapshot-restore-action.js";
import { podVolumeRestoreAction } from "../../volumes/pod-volume-restore-actions.js";
import { volumeDataRestoreActions, type VolumeDataState } from "../../volumes/volume-data-restore-actions.js";
import { volumeDataState } from "../../volumes/volume-data-setup.js";
import { RestoreVolumeRecords } from "../../volumes/restore-volume-records.js";
import {
  volumeRestoreState,
  type BackupVolumeFiles,
  type VolumeRestoreState,
} from "../../volumes/restore-setup.js";
import type { BackupIndex } from "../backup-index.js";
import type { RestoreScope } from "../scope.js";
import { customResourceDefinitionRestoreAction } from "./custom-resource-definitions.js";
import { jobRestoreAction } from "./jobs.js";
import {
  clusterRoleBindingRestoreAction,
  endpointSliceRestoreAction,
  endpointsRestoreAction,
  roleBindingRestoreAction,
} from "./namespace-references.js";
import { podRestoreAction } from "./pods.js";
import { secretRestoreAction } from "./secrets.js";
import { serviceAccountRestoreAction } from "./service-accounts.js";
import { serviceRestoreAction } from "./services.js";
import { parseDuration } from "../../api/duration.js";
import { DEFAULT_POD_VOLUME_TIMEOUT } from "../../volumes/pod-volume-backup-actions.js";

/** The actions that keep no state between items. */
export const KIND_RESTORE_ACTIONS: readonly RestoreItemAction[] = [
  podRestoreAction,
  jobRestoreAction,
  serviceRestoreAction,
  serviceAccountRestoreAction,
  secretRestoreAction,
  endpointsRestoreAction,
  endpointSliceRestoreAction,
  roleBindingRestoreAction,
  clusterRoleBindingRestoreAction,
];

/** What one restore's actions are made from. */
export interface RestoreActionState extends VolumeRestoreState {
  /** Group-resources of custom resources the restore takes: their CRDs come too. */
  restoredGroupResources: Set<string>;
  /** For a restore of volume data into existing claims: what it writes where. */
  volumeData?: VolumeDataState;
}

/** Makes the actions of one restore; a plugin-like addition is another factory. */
export type RestoreActionsFactory = (state: RestoreActionState) => RestoreItemAction[];

/** The actions of one restore, fresh: some remember what they decided for the items after. */
export function restoreItemActions(state: RestoreActionState): RestoreItemAction[] {
  const volumeData = state.volumeData ? volumeDataRestoreActions(state.volumeData) : [];
  // A data-only restore takes nothing but volume data: its action skips every other item.
  if (state.volumeData?.options.dataOnly) return volumeData;
  return [
    ...KIND_RESTORE_ACTIONS,
    customResourceDefinitionRestoreAction(state.restoredGroupResources),
    ...volumeData,
    ...claimVolumeRestoreActions(state),
    ...csiSnapshotRestoreActions(state),
    ...dataDownloadRestoreActions(state),
    nativeSnapshotRestoreAction(state),
    podVolumeRestoreAction(state),
  ];
}

/** The state of a restore that takes nothing from a backup that holds no volumes: a start to fill in. */
export function emptyRestoreActionState(restoreName: string): RestoreActionState {
  return {
    restoredClaims: new Set(),
    clusterVolumes: [],
    dataRestoredClaims: new Map(),
    newDiskVolumes: new Map(),
    nativeSnapshots: new Map(),
    snapshotters: new Map(),
    restoreUID: restoreName,
    restorePVs: true,
    snapshots: new Map(),
    claimSnapshots: new Map(),
    movedData: new Map(),
    podVolumeBackups: new Map(),
    podVolumeTimeoutMs: parseDuration(DEFAULT_POD_VOLUME_TIMEOUT),
    availableClasses: new Set(),
    reads: new SharedReads(),
    seen: seenSnapshots(),
    volumes: new RestoreVolumeRecords(),
    restoredGroupResources: new Set(),
  };
}

/** Reads what the actions of a restore need from its backup's index and the target cluster. */
export async function restoreActionState(
  client: KubeClient,
  resources: ApiResource[],
  index: BackupIndex,
  scope: RestoreScope,
  restore: Restore,
  volumeFiles: BackupVolumeFiles = { volumeSnapshots: [], podVolumeBackups: [] },
  podVolumeTimeoutMs?: number,
): Promise<RestoreActionState> {
  const restoredGroupResources = new Set(
    [...index.byResource]
      .filter(
        ([gr, items]) =>
          gr.includes(".") &&
          scope.includesResource(gr) &&
          items.namespaces().some((ns) => ns === undefined || scope.includesNamespace(ns)),
      )
      .map(([gr]) => gr),
  );
  const volumes = await volumeRestoreState(
    client,
    resources,
    index,
    scope,
    restore,
    volumeFiles,
    podVolumeTimeoutMs,
  );
  const volumeData = await volumeDataState(client, index, scope, restore, volumes);
  return { ...volumes, restoredGroupResources, ...(volumeData ? { volumeData } : {}) };
}
