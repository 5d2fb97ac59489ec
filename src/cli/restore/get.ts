import { Command } from "commander";
import type { Restore } from "../../api/v1/index.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { veleroClient, withClientFlags } from "../client-flags.js";
import { objectsToGet, withLabelsColumn, type GetFlags } from "../select.js";
import { formatTimestamp, outputFormat, printObjects, printTable } from "../output.js";

export function restoreGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get restores")
    .argument("[names...]", "names of restores to show (default: all)")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show restores matching this label selector")
    .option("--show-labels", "show labels in the last column")
    .action(async (names: string[], flags: GetFlags) => {
      const restores = await objectsToGet<Restore>(veleroClient(flags), "restores", names, flags.selector);
      if (flags.output !== "table") {
        printObjects(restores, flags.output, names.length === 1);
        return;
      }
      const [headers, rows] = withLabelsColumn(
        ["NAME", "BACKUP", "STATUS", "STARTED", "COMPLETED", "ERRORS", "WARNINGS", "CREATED", "SELECTOR"],
        restores.map((r) => [
          r.metadata.name!,
          r.spec.backupName ?? "",
          r.status?.phase || "New",
          formatTimestamp(r.status?.startTimestamp),
          formatTimestamp(r.status?.completionTimestamp),
          String(r.status?.errors ?? 0),
          String(r.status?.warnings ?? 0),
          formatTimestamp(r.metadata.creationTimestamp as unknown as string),
          formatLabelSelector(r.spec.labelSelector),
        ]),
        restores,
        flags.showLabels,
      );
      printTable(headers, rows);
    });
}
