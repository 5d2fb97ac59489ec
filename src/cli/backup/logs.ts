import { Command } from "commander";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { FINISHED_BACKUP_PHASES, type Backup } from "../../api/v1/index.js";
import { downloadTarget } from "../../kube/download-request.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { timeoutOption, type TimeoutFlag } from "../timeout-option.js";

export function backupLogsCommand(): Command {
  return timeoutOption(withClientFlags(new Command("logs")), "how long to wait to receive logs")
    .description("show the log of a backup")
    .argument("<name>", "name of the backup")
    .action(async (name: string, flags: ClientFlags & TimeoutFlag) => {
      const velero = veleroClient(flags);
      const backup = await velero.get<Backup>("backups", name);
      if (!backup) throw new Error(`backup "${name}" does not exist in namespace ${velero.namespace}`);
      const phase = backup.status?.phase ?? "New";
      if (!FINISHED_BACKUP_PHASES.includes(phase) || phase === "FailedValidation") {
        throw new Error(
          phase === "FailedValidation"
            ? `backup "${name}" failed validation and has no log: run \`velero-ts backup describe ${name}\` to see why`
            : `logs for backup "${name}" are not available until it's finished, please wait until the backup has a phase of Completed or Failed and try again`,
        );
      }
      const log = await downloadTarget(velero, { kind: "BackupLog", name }, flags.timeout);
      await pipeline(log, createGunzip(), process.stdout, { end: false });
    });
}
