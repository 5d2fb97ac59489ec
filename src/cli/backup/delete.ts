import { Command } from "commander";
import type { Backup, BackupStorageLocation } from "../../api/v1/index.js";
import { deleteBackupRequestFor } from "../../backup/delete-request.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { confirmed } from "../confirm.js";
import { checkDeleteSelection, namedOrSelected } from "../select.js";
import { missingLocationMessage } from "./store-of.js";

interface DeleteFlags extends ClientFlags {
  confirm?: boolean;
  all?: boolean;
  selector?: string;
}

export function backupDeleteCommand(): Command {
  return withClientFlags(new Command("delete"))
    .description("delete backups: every file in their storage location, then the Backup objects")
    .argument("[names...]", "names of the backups")
    .option("--all", "delete all backups")
    .option("-l, --selector <selector>", "delete all backups matching this label selector")
    .option("--confirm", "confirm the deletion without asking")
    .action(async (names: string[], flags: DeleteFlags) => {
      checkDeleteSelection("backup", names, flags.all, flags.selector);
      const velero = veleroClient(flags);
      const backups = await namedOrSelected<Backup>(velero, "backups", names, flags.selector);
      if (!backups.length) {
        console.log("No backups found");
        return;
      }
      if (!flags.confirm && !(await confirmed())) {
        console.log("Cancelled.");
        return;
      }
      const locations = new Set(
        (await velero.list<BackupStorageLocation>("backupstoragelocations")).map((l) => l.metadata.name),
      );
      for (const backup of backups) {
        await velero.create("deletebackuprequests", deleteBackupRequestFor(backup));
        console.log(
          `Request to delete backup "${backup.metadata.name}" submitted successfully.\nThe backup will be fully deleted after all associated data (disk snapshots, backup files, restores) are removed.`,
        );
        const location = backup.spec.storageLocation;
        if (location && !locations.has(location)) {
          console.log(`Warning: ${missingLocationMessage(backup)}: only the Backup object is deleted.`);
        }
      }
    });
}
