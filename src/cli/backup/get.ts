import { Command } from "commander";
import type { Backup } from "../../api/v1/index.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { veleroClient, withClientFlags } from "../client-flags.js";
import { objectsToGet, withLabelsColumn, type GetFlags } from "../select.js";
import { formatTimestamp, humanUntil, outputFormat, printObjects, printTable } from "../output.js";

export function backupGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get backups")
    .argument("[names...]", "names of backups to show (default: all)")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show backups matching this label selector")
    .option("--show-labels", "show labels in the last column")
    .action(async (names: string[], flags: GetFlags) => {
      const backups = await objectsToGet<Backup>(veleroClient(flags), "backups", names, flags.selector);
      if (flags.output !== "table") {
        printObjects(backups, flags.output, names.length === 1);
        return;
      }
      const [headers, rows] = withLabelsColumn(
        ["NAME", "STATUS", "ERRORS", "WARNINGS", "CREATED", "EXPIRES", "STORAGE LOCATION", "SELECTOR"],
        backups.map((b) => [
          b.metadata.name!,
          b.status?.phase || "New",
          String(b.status?.errors ?? 0),
          String(b.status?.warnings ?? 0),
          formatTimestamp(b.metadata.creationTimestamp as unknown as string),
          humanUntil(b.status?.expiration),
          b.spec.storageLocation ?? "",
          formatLabelSelector(b.spec.labelSelector),
        ]),
        backups,
        flags.showLabels,
      );
      printTable(headers, rows);
    });
}
