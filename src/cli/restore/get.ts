import { Command } from "commander";
import type { Restore } from "../../api/v1/index.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import { formatTimestamp, outputFormat, printObjects, printTable, type OutputFormat } from "../output.js";

export function restoreGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get restores")
    .argument("[names...]", "names of restores to show (default: all)")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show restores matching this label selector")
    .action(async (names: string[], flags: ClientFlags & { output: OutputFormat; selector?: string }) => {
      const velero = veleroClient(flags);
      let restores = await velero.list<Restore>("restores", flags.selector);
      if (names.length) {
        const missing = names.filter((n) => !restores.some((r) => r.metadata.name === n));
        if (missing.length) throw new Error(`restores not found: ${missing.join(", ")}`);
        restores = restores.filter((r) => names.includes(r.metadata.name!));
      }
      restores.sort((a, b) =>
        String(b.metadata.creationTimestamp ?? "").localeCompare(String(a.metadata.creationTimestamp ?? "")),
      );
      if (flags.output !== "table") {
        printObjects(restores, flags.output, names.length === 1);
        return;
      }
      printTable(
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
      );
    });
}
