import { Command } from "commander";
import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { backupAndStore } from "./store-of.js";

export function backupDownloadCommand(): Command {
  return withClientFlags(new Command("download"))
    .description("download all the Kubernetes manifests of a backup (its .tar.gz)")
    .argument("<name>", "name of the backup")
    .option("-o, --output <file>", "file to write (default: <name>-data.tar.gz in the current directory)")
    .option("--force", "overwrite the file if it exists")
    .action(async (name: string, flags: ClientFlags & { output?: string; force?: boolean }) => {
      const file = path.resolve(flags.output ?? `${name}-data.tar.gz`);
      if (existsSync(file) && !flags.force)
        throw new Error(`file ${file} already exists: remove it or use --force`);
      const { store } = await backupAndStore(veleroClient(flags), name);
      const tmp = `${file}.part`;
      try {
        await pipeline(await store.getBackupContents(name), createWriteStream(tmp));
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      console.log(`Backup ${name} has been successfully downloaded to ${file}`);
    });
}
