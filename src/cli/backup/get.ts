import { Command } from "commander";
import type { Backup } from "../../api/v1/index.js";
import { formatLabelSelector } from "../../filters/label-selector.js";
import { veleroClient, withClientFlags, type ClientFlags } from "../client-flags.js";
import {
  formatTimestamp,
  humanUntil,
  outputFormat,
  printObjects,
  printTable,
  type OutputFormat,
} from "../output.js";

export function backupGetCommand(): Command {
  return withClientFlags(new Command("get"))
    .description("get backups")
    .argument("[names...]", "names of backups to show (default: all)")
    .option("-o, --output <format>", "table, json or yaml", outputFormat, "table")
    .option("-l, --selector <selector>", "only show backups matching this label selector")
    .action(async (names: string[], flags: ClientFlags & { output: OutputFormat; selector?: string }) => {
      const velero = veleroClient(flags);
      let backups = await velero.list<Backup>("backups", flags.selector);
      if (names.length) {
        const missing = names.filter((n) => !backups.some((b) => b.metadata.name === n));
        if (missing.length) throw new Error(`backups not found: ${missing.join(", ")}`);
        backups = backups.filter((b) => names.includes(b.metadata.name!));
      }
      backups.sort((a, b) =>
        (b.metadata.creationTimestamp ?? "")
          .toString()
          .localeCompare((a.metadata.creationTimestamp ?? "").toString()),
      );
      if (flags.output !== "table") {
        printObjects(backups, flags.output, names.length === 1);
        return;
      }
      printTable(
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
      );
    });
}
