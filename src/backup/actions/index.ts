/**
 * The backup item actions velero-ts runs, in the order they run on an item. A new volume method
 * is one more entry here (from src/volumes/), never a branch in the collector.
 */
import type { BackupItemAction } from "../../items/backup-item-action.js";
import { claimVolumeBackupAction, podClaimsBackupAction } from "../../volumes/claim-volume-backup-actions.js";
import {
  csiSnapshotBackupActions,
  type CsiBackupContext,
} from "../../volumes/csi-snapshot-backup-actions.js";
import {
  nativeSnapshotBackupAction,
  type NativeBackupContext,
} from "../../volumes/native-snapshot-backup-action.js";
import {
  FsBackupClaims,
  podVolumeBackupAction,
  type PodVolumeBackupContext,
} from "../../volumes/pod-volume-backup-actions.js";
import { customResourceDefinitionBackupAction } from "./custom-resource-definitions.js";

/** What one backup's actions work with. */
export type BackupActionContext = Omit<CsiBackupContext, "fsBackupClaims"> &
  Omit<NativeBackupContext, "fsBackupClaims"> &
  PodVolumeBackupContext;

/** Makes the actions of one backup, fresh: the volume methods keep what they did for it. */
export function backupItemActions(ctx: BackupActionContext): BackupItemAction[] {
  // The snapshot methods leave alone the claims that file-system backup takes.
  const fsBackupClaims = new FsBackupClaims(ctx.client, ctx.backup);
  return [
    podClaimsBackupAction,
    podVolumeBackupAction(ctx),
    ...csiSnapshotBackupActions({ ...ctx, fsBackupClaims }),
    nativeSnapshotBackupAction({ ...ctx, fsBackupClaims }),
    claimVolumeBackupAction,
    customResourceDefinitionBackupAction,
  ];
}
