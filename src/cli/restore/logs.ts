import { Command } from "commander";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { FINISHED_RESTORE_PHASES } from "../../api/v1/index.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { restoreAndStore } from "./store-of.js";

export function restoreLogsCommand(): Command {
  return withClientFlags(new Command("logs"))
    .description("show the log of a restore")
    .argument("<name>", "name of the restore")
    .action(async (name: string, flags: ClientFlags) => {
      const { restore, store } = await restoreAndStore(veleroClient(flags), name);
      const phase = restore.status?.phase ?? "New";
      if (!FINISHED_RESTORE_PHASES.includes(phase) || phase === "FailedValidation") {
        throw new Error(
          phase === "FailedValidation"
            ? `restore "${name}" failed validation and has no log: run \`velero-ts restore describe ${name}\` to see why`
            : `logs for restore "${name}" are not available until it's finished, please wait until the restore has a phase of Completed or Failed and try again`,
        );
      }
      await pipeline(await (await store()).getRestoreLog(name), createGunzip(), process.stdout, {
        end: false,
      });
    });
}
