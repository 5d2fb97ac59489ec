import { Command } from "commander";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { FINISHED_RESTORE_PHASES, type Restore } from "../../api/v1/index.js";
import { downloadTarget } from "../../kube/download-request.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { timeoutOption, type TimeoutFlag } from "../timeout-option.js";

export function restoreLogsCommand(): Command {
  return timeoutOption(withClientFlags(new Command("logs")), "how long to wait to receive logs")
    .description("show the log of a restore")
    .argument("<name>", "name of the restore")
    .action(async (name: string, flags: ClientFlags & TimeoutFlag) => {
      const velero = veleroClient(flags);
      const restore = await velero.get<Restore>("restores", name);
      if (!restore) throw new Error(`restore "${name}" does not exist in namespace ${velero.namespace}`);
      const phase = restore.status?.phase ?? "New";
      if (!FINISHED_RESTORE_PHASES.includes(phase) || phase === "FailedValidation") {
        throw new Error(
          phase === "FailedValidation"
            ? `restore "${name}" failed validation and has no log: run \`velero-ts restore describe ${name}\` to see why`
            : `logs for restore "${name}" are not available until it's finished, please wait until the restore has a phase of Completed or Failed and try again`,
        );
      }
      const log = await downloadTarget(velero, { kind: "RestoreLog", name }, flags.timeout);
      await pipeline(log, createGunzip(), process.stdout, { end: false });
    });
}
