/**
 * The backup item actions velero-ts runs, in the order they run on an item. A new volume method
 * is one more entry here (from src/volumes/), never a branch in the collector.
 */
import type { BackupItemAction } from "../../items/backup-item-action.js";
import { claimVolumeBackupAction, podClaimsBackupAction } from "../../volumes/claim-volume-backup-actions.js";
import { customResourceDefinitionBackupAction } from "./custom-resource-definitions.js";

export const BACKUP_ITEM_ACTIONS: readonly BackupItemAction[] = [
  podClaimsBackupAction,
  claimVolumeBackupAction,
  customResourceDefinitionBackupAction,
];
