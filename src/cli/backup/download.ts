import { Command } from "commander";
import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Backup } from "../../api/v1/index.js";
import { downloadTarget } from "../../kube/download-request.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { timeoutOption, type TimeoutFlag } from "../timeout-option.js";

export function backupDownloadCommand(): Command {
  return timeoutOption(withClientFlags(new Command("download")), "how long to wait for the download URL")
    .description("download all the Kubernetes manifests of a backup (its .tar.gz)")
    .argument("<name>", "name of the backup")
    .option("-o, --output <file>", "file to write (default: <name>-data.tar.gz in the current directory)")
    .option("--force", "overwrite the file if it exists")
    .action(async (name: string, flags: ClientFlags & TimeoutFlag & { output?: string; force?: boolean }) => {
      const file = path.resolve(flags.output ?? `${name}-data.tar.gz`);
      if (existsSync(file) && !flags.force)
        throw new Error(`file ${file} already exists: remove it or use --force`);
      const velero = veleroClient(flags);
      if (!(await velero.get<Backup>("backups", name)))
        throw new Error(`backup "${name}" does not exist in namespace ${velero.namespace}`);
      const contents = await downloadTarget(velero, { kind: "BackupContents", name }, flags.timeout);
      const tmp = `${file}.part`;
      try {
        await pipeline(contents, createWriteStream(tmp));
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      console.log(`Backup ${name} has been successfully downloaded to ${file}`);
    });
}
