import { Command } from "commander";
import { backupCreateCommand } from "./create.js";
import { backupDeleteCommand } from "./delete.js";
import { backupDescribeCommand } from "./describe.js";
import { backupDownloadCommand } from "./download.js";
import { backupGetCommand } from "./get.js";
import { backupLogsCommand } from "./logs.js";

export function backupCommand(): Command {
  return new Command("backup")
    .description("work with backups")
    .addCommand(backupCreateCommand())
    .addCommand(backupGetCommand())
    .addCommand(backupDescribeCommand())
    .addCommand(backupLogsCommand())
    .addCommand(backupDownloadCommand())
    .addCommand(backupDeleteCommand());
}
