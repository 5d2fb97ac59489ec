import type { Item } from "../items/item.js";
import type { ItemActionRegistry } from "../items/registry.js";
import type { RestoreActionContext, RestoreItemAction } from "../items/restore-item-action.js";

/** What the actions of an item said, together. */
export interface RestoreActionsOutcome {
  /** The item as the restore creates it. */
  item: Item;
  /** Set when an action skips the item: the first one to, and no action after it runs. */
  skip?: string;
  warnings: string[];
  createReason?: string;
  existing?: { reason: string; patch?: Item };
  /** Operations to start once the item exists, by the action that asked. */
  operations: { action: string; input?: unknown }[];
  /** Changes to make just before the item is created, by the action that asked. */
  beforeCreate: { action: string; input?: unknown }[];
}

/** Runs an item's restore item actions in order on `prepared`, which they change in place. */
export function runRestoreActions(
  registry: ItemActionRegistry<RestoreItemAction>,
  groupResource: string,
  prepared: Item,
  itemFromBackup: Item,
  inCluster: Item | undefined,
  restore: RestoreActionContext,
): RestoreActionsOutcome {
  const outcome: RestoreActionsOutcome = { item: prepared, warnings: [], operations: [], beforeCreate: [] };
  for (const action of registry.for(groupResource)) {
    const out = action.execute({
      groupResource,
      item: prepared,
      itemFromBackup,
      ...(inCluster ? { inCluster } : {}),
      restore,
    });
    if (!out) continue;
    outcome.warnings.push(...(out.warnings ?? []));
    if (out.skip) return { ...outcome, skip: out.skip };
    if (out.createReason) outcome.createReason = out.createReason;
    if (out.existing) outcome.existing = out.existing;
    if (out.operation) outcome.operations.push({ action: action.name, input: out.operation.input });
    if (out.beforeCreate) outcome.beforeCreate.push({ action: action.name, input: out.beforeCreate.input });
  }
  return outcome;
}
