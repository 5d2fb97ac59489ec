import { stringify } from "yaml";
import type { PlanAction, PlanEntry } from "../../restore/plan.js";
import type { RestorePlan } from "../../restore/planning.js";
import { printTable, type OutputFormat } from "../output.js";

/** A restore plan as a table (one row per item, in restore order, then the counts) or as data. */
export async function printPlan(plan: RestorePlan, format: OutputFormat): Promise<void> {
  const entries: PlanEntry[] = [];
  for await (const chunk of plan.chunks()) entries.push(...chunk.steps.map((s) => s.entry));
  const counts: Record<PlanAction, number> = { create: 0, update: 0, skip: 0, fail: 0 };
  for (const e of entries) counts[e.action]++;
  if (format !== "table") {
    const value = { kind: "RestorePlan", counts, items: entries };
    process.stdout.write(format === "json" ? JSON.stringify(value, null, 2) + "\n" : stringify(value));
    return;
  }
  printTable(
    ["RESOURCE", "NAMESPACE", "NAME", "ACTION", "REASON"],
    entries.map((e) => [
      e.groupResource,
      e.namespace
        ? e.sourceNamespace
          ? `${e.namespace} (from ${e.sourceNamespace})`
          : e.namespace
        : "<cluster>",
      e.name,
      e.action,
      [e.reason, ...e.warnings.map((w) => `warning: ${w}`)].join("; "),
    ]),
  );
  console.log(
    `\n${entries.length} items: ${counts.create} to create, ${counts.update} to update, ${counts.skip} to skip, ${counts.fail} failing. Dry run: nothing was changed.`,
  );
}
