import { Command } from "commander";
import { restoreCreateCommand } from "./create.js";
import { restoreDeleteCommand } from "./delete.js";
import { restoreDescribeCommand } from "./describe.js";
import { restoreGetCommand } from "./get.js";
import { restoreLogsCommand } from "./logs.js";
import { restoreRollbackCommand } from "./rollback.js";

export function restoreCommand(): Command {
  return new Command("restore")
    .description("work with restores")
    .addCommand(restoreCreateCommand())
    .addCommand(restoreGetCommand())
    .addCommand(restoreDescribeCommand())
    .addCommand(restoreLogsCommand())
    .addCommand(restoreDeleteCommand())
    .addCommand(restoreRollbackCommand());
}
