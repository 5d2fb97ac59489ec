import { Command } from "commander";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { FINISHED_BACKUP_PHASES } from "../../api/v1/index.js";
import { errorMessage } from "../../kube/errors.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { backupWithStore } from "./store-of.js";

export function backupLogsCommand(): Command {
  return withClientFlags(new Command("logs"))
    .description("show the log of a backup")
    .argument("<name>", "name of the backup")
    .action(async (name: string, flags: ClientFlags) => {
      const { backup, store: openStore } = await backupWithStore(veleroClient(flags), name);
      const store = await openStore().catch((err: unknown) => {
        throw new Error(`the logs of backup "${name}" cannot be reached: ${errorMessage(err)}`);
      });
      const phase = backup.status?.phase ?? "New";
      if (!FINISHED_BACKUP_PHASES.includes(phase) || phase === "FailedValidation") {
        throw new Error(
          phase === "FailedValidation"
            ? `backup "${name}" failed validation and has no log: run \`velero-ts backup describe ${name}\` to see why`
            : `logs for backup "${name}" are not available until it's finished, please wait until the backup has a phase of Completed or Failed and try again`,
        );
      }
      await pipeline(await store.getBackupLog(name), createGunzip(), process.stdout, { end: false });
    });
}
