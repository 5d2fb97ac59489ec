import { stringify } from "yaml";
import type { FieldChange } from "../../restore/compare.js";
import type { PlanAction, PlanEntry } from "../../restore/plan.js";
import type { RestorePlan } from "../../restore/planning.js";
import { printTable, type OutputFormat } from "../output.js";

const ACTIONS: PlanAction[] = ["create", "update", "recreate", "prune", "skip", "fail"];
/** Field changes shown per object in the table; -o json has them all. */
const CHANGES_SHOWN = 10;
const VALUE_WIDTH = 60;

/**
 * A restore plan as a table (one row per item, in restore order; then the delta between the backup
 * and the cluster, with field-level changes; then the counts) or as data.
 */
export async function printPlan(plan: RestorePlan, format: OutputFormat): Promise<void> {
  const entries: PlanEntry[] = [];
  for await (const chunk of plan.chunks()) entries.push(...chunk.steps.map((s) => s.entry));
  const counts = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<PlanAction, number>;
  for (const e of entries) counts[e.action]++;
  const delta = {
    create: entries.filter((e) => e.action === "create"),
    differs: entries.filter((e) => e.existing === "differs"),
    identical: entries.filter((e) => e.existing === "identical"),
    absentFromBackup: entries.filter((e) => e.existing === "absent-from-backup"),
  };
  if (format !== "table") {
    const refs = (list: PlanEntry[]) => list.map(ref);
    const value = {
      kind: "RestorePlan",
      counts,
      delta: {
        create: refs(delta.create),
        differs: delta.differs.map((e) => ({ ...ref(e), changes: e.changes ?? [] })),
        identical: refs(delta.identical),
        absentFromBackup: delta.absentFromBackup.map((e) => ({ ...ref(e), action: e.action })),
      },
      items: entries,
    };
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
      e.sourceName ? `${e.name} (from ${e.sourceName})` : e.name,
      e.action,
      [e.reason, ...e.warnings.map((w) => `warning: ${w}`)].join("; "),
    ]),
  );
  console.log(`\nDelta between the backup and the cluster:`);
  console.log(`  not in the cluster: ${delta.create.length}`);
  console.log(`  in the cluster and identical: ${delta.identical.length}`);
  console.log(`  in the cluster and different: ${delta.differs.length}`);
  for (const e of delta.differs) {
    console.log(`    ${label(e)} (${e.action}):`);
    const changes = e.changes ?? [];
    for (const c of changes.slice(0, CHANGES_SHOWN)) console.log(`      ${formatChange(c)}`);
    if (changes.length > CHANGES_SHOWN) console.log(`      ... and ${changes.length - CHANGES_SHOWN} more`);
  }
  console.log(`  made by an earlier restore, no longer in this backup: ${delta.absentFromBackup.length}`);
  for (const e of delta.absentFromBackup) {
    console.log(`    ${label(e)}: ${e.action === "prune" ? "would be deleted" : e.reason}`);
  }
  console.log(
    `\n${entries.length} items: ${ACTIONS.filter((a) => counts[a])
      .map((a) => `${counts[a]} to ${a}`)
      .join(", ")}. Dry run: nothing was changed.`,
  );
}

function ref(e: PlanEntry): { groupResource: string; namespace?: string; name: string } {
  return { groupResource: e.groupResource, ...(e.namespace ? { namespace: e.namespace } : {}), name: e.name };
}

function label(e: PlanEntry): string {
  return `${e.groupResource} ${e.namespace ? `${e.namespace}/` : ""}${e.name}`;
}

/** `spec.replicas: 1 -> 3`, with absent values shown as <none>. */
export function formatChange(c: FieldChange): string {
  const show = (present: boolean, v: unknown) => {
    if (!present) return "<none>";
    const text = typeof v === "string" && v === "<masked>" ? v : JSON.stringify(v);
    return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 3)}...` : text;
  };
  return `${c.path}: ${show("inCluster" in c, c.inCluster)} -> ${show("inBackup" in c, c.inBackup)}`;
}
