import { InvalidArgumentError } from "commander";
import { stringify } from "yaml";

export type OutputFormat = "table" | "json" | "yaml";

export function outputFormat(value: string): OutputFormat {
  if (value === "table" || value === "json" || value === "yaml") return value;
  throw new InvalidArgumentError("must be one of table, json, yaml");
}

/** Prints objects as JSON or YAML the way kubectl does: one object alone, several as a List. */
export function printObjects(objects: unknown[], format: "json" | "yaml", single: boolean): void {
  const value =
    single && objects.length === 1 ? objects[0] : { apiVersion: "v1", kind: "List", items: objects };
  process.stdout.write(format === "json" ? JSON.stringify(value, null, 4) + "\n" : stringify(value));
}

/** A table with left-aligned columns three spaces apart, like Velero's printers. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("   ")
      .trimEnd();
  console.log(line(headers));
  for (const row of rows) console.log(line(row));
}

/** "2026-11-21 15:53:24 +0000 UTC", Velero's (Go's) timestamp format. */
export function formatTimestamp(iso: string | undefined): string {
  if (!iso) return "<n/a>";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000 UTC`;
}

/** Time left until a moment, as Velero prints EXPIRES: "29d", "5h", "12m", or "0s" when past. */
export function humanUntil(iso: string | undefined): string {
  if (!iso) return "n/a";
  const ms = Date.parse(iso) - Date.now();
  if (ms <= 0) return "0s";
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return "0s";
}
