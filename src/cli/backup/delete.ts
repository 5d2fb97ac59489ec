import { Command } from "commander";
import type { Backup } from "../../api/v1/index.js";
import { deleteBackupRequestFor } from "../../backup/delete-request.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { confirmed } from "../confirm.js";

export function backupDeleteCommand(): Command {
  return withClientFlags(new Command("delete"))
    .description("delete backups: every file in their storage location, then the Backup objects")
    .argument("<names...>", "names of the backups")
    .option("--confirm", "confirm the deletion without asking")
    .action(async (names: string[], flags: ClientFlags & { confirm?: boolean }) => {
      const velero = veleroClient(flags);
      const backups: Backup[] = [];
      for (const name of names) {
        const backup = await velero.get<Backup>("backups", name);
        if (!backup) throw new Error(`backup "${name}" does not exist in namespace ${velero.namespace}`);
        backups.push(backup);
      }
      if (!flags.confirm && !(await confirmed())) {
        console.log("Cancelled.");
        return;
      }
      for (const backup of backups) {
        await velero.create("deletebackuprequests", deleteBackupRequestFor(backup));
        console.log(
          `Request to delete backup "${backup.metadata.name}" submitted successfully.\nThe backup will be fully deleted after all associated data (disk snapshots, backup files, restores) are removed.`,
        );
      }
    });
}
