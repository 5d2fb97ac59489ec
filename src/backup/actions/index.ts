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
import { customResourceDefinitionBackupAction } from "./custom-resource-definitions.js";

/** What one backup's actions work with. */
export type BackupActionContext = CsiBackupContext & NativeBackupContext;

/** Makes the actions of one backup, fresh: the volume methods keep what they did for it. */
export function backupItemActions(ctx: BackupActionContext): BackupItemAction[] {
  return [
    podClaimsBackupAction,
    ...csiSnapshotBackupActions(ctx),
    nativeSnapshotBackupAction(ctx),
    claimVolumeBackupAction,
    customResourceDefinitionBackupAction,
  ];
}
