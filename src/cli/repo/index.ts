/**
 * Velero's `repo` commands: the BackupRepositories (one kopia repository per volume namespace and
 * storage location) file-system backups upload into, and their maintenance, which the server
 * runs on each repository's schedule and `repo maintenance` runs now.
 */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, Option } from "commander";
import type { BackupRepository } from "../../api/v1/index.js";
import { ensureKopia } from "../../volumes/kopia/kopia-build.js";
import { MAINTENANCE_SAFETY, type MaintenanceSafety } from "../../volumes/kopia/kopia-cli.js";
import { RepositoryConnections } from "../../volumes/kopia/repository-connections.js";
import {
  DEFAULT_MAINTENANCE_MEMORY_LIMIT,
  maintainRepository,
} from "../../volumes/repository-maintenance.js";
import type { VeleroClient } from "../../kube/velero-client.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { byteSize } from "../number-flag.js";
import { outputFormat, printObjects, printTable } from "../output.js";
import { withLabelsColumn, type GetFlags } from "../select.js";

const PLURAL = "backuprepositories";

/** The repositories named (all when none are), or an error naming those that do not exist. */
async function repositories(
  velero: VeleroClient,
  flags: { selector?: string },
  names: string[],
): Promise<BackupRepository[]> {
  const all = await velero.list<BackupRepository>(PLURAL, flags.selector);
  if (!names.length) return all;
  const missing = names.filter((n) => !all.some((r) => r.metadata.name === n));
  if (missing.length)
    throw new Error(
      `backup repositor${missing.length > 1 ? "ies" : "y"} ${missing.map((n) => `"${n}"`).join(", ")} not found in namespace ${velero.namespace}: check the name with \`velero-ts repo get\``,
    );
  return all.filter((r) => names.includes(r.metadata.name!));
}

export function repoGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get backup repositories")
    .argument("[names...]", "names of the repositories (default: all)")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show repositories matching this label selector")
    .option("--show-labels", "show labels in the last column")
    .action(async (names: string[], flags: GetFlags) => {
      const repos = await repositories(veleroClient(flags), flags, names);
      if (flags.output !== "table") {
        printObjects(repos, flags.output, names.length === 1);
        return;
      }
      const [headers, rows] = withLabelsColumn(
        ["NAME", "STATUS", "LAST MAINTENANCE"],
        repos.map((r) => [
          r.metadata.name!,
          r.status?.phase ?? "New",
          r.status?.lastMaintenanceTime ?? "<never>",
        ]),
        repos,
        flags.showLabels,
      );
      printTable(headers, rows);
    });
}

interface MaintenanceFlags extends ClientFlags {
  safety: MaintenanceSafety;
  memLimit: string;
}

export function repoMaintenanceCommand(): Command {
  return withClientFlags(new Command("maintenance"))
    .description(
      "run kopia's full maintenance of backup repositories now (the server also runs it on each repository's maintenance frequency): space of deleted backups is given back",
    )
    .argument("[names...]", "names of the repositories (default: all)")
    .addOption(
      new Option(
        "--safety <level>",
        "full waits before deleting what no snapshot uses, so backups running meanwhile stay safe; none deletes it at once (run it only when no backup is running)",
      )
        .choices(MAINTENANCE_SAFETY)
        .default("full"),
    )
    .option(
      "--mem-limit <size>",
      "the memory kopia may use (its GOMEMLIMIT), such as 512Mi",
      DEFAULT_MAINTENANCE_MEMORY_LIMIT,
    )
    .action(async (names: string[], flags: MaintenanceFlags) => {
      const memoryLimitBytes = byteSize(flags.memLimit, "--mem-limit");
      const velero = veleroClient(flags);
      const repos = await repositories(velero, {}, names);
      if (!repos.length) {
        console.log("No backup repositories: file-system backups make them.");
        return;
      }
      const workDir = await fs.mkdtemp(path.join(os.tmpdir(), "velero-ts-maintenance-"));
      let failed = 0;
      try {
        const connections = new RepositoryConnections(
          velero,
          () => ensureKopia(),
          () => Promise.resolve(workDir),
          false,
        );
        for (const repo of repos) {
          const run = await maintainRepository(velero, connections, repo, {
            safety: flags.safety,
            memoryLimitBytes,
          });
          if (run.result === "Succeeded")
            console.log(`Backup repository "${repo.metadata.name}" maintained.`);
          else {
            failed++;
            console.error(run.message);
          }
        }
      } finally {
        await fs.rm(workDir, { recursive: true, force: true });
      }
      if (failed) throw new Error(`maintenance of ${failed} of ${repos.length} backup repositories failed`);
    });
}

export function repoCommand(): Command {
  return new Command("repo")
    .description("work with backup repositories (the kopia repositories of file-system backups)")
    .addCommand(repoGetCommand())
    .addCommand(repoMaintenanceCommand());
}
