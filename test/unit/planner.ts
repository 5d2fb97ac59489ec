// A restore planner for unit tests: backup b1, restore r1, an empty cluster unless told otherwise.
import type { RestoreSpec } from "../../src/api/v1/index.js";
import type { Item } from "../../src/items/item.js";
import { ItemActionRegistry } from "../../src/items/registry.js";
import {
  emptyRestoreActionState,
  restoreItemActions,
  type RestoreActionState,
} from "../../src/restore/actions/index.js";
import { ExistingPolicies } from "../../src/restore/existing-policy.js";
import { type ItemContext, prepareItem } from "../../src/restore/item-rules.js";
import { RestorePlanner, type PlannerOptions } from "../../src/restore/plan.js";
import { runRestoreActions, type RestoreActionsOutcome } from "../../src/restore/run-restore-actions.js";
import { RestoreScope } from "../../src/restore/scope.js";

export function planner(
  spec: RestoreSpec,
  more: Partial<PlannerOptions> & Partial<RestoreActionState> = {},
): RestorePlanner {
  const state: RestoreActionState = emptyRestoreActionState("r1");
  const options: Partial<PlannerOptions> = {};
  for (const [key, value] of Object.entries(more)) {
    if (value === undefined) continue;
    if (key in state) Object.assign(state, { [key]: value });
    else Object.assign(options, { [key]: value });
  }
  return new RestorePlanner({
    scope: new RestoreScope({ backupName: "b1", ...spec }),
    backupName: "b1",
    restoreName: "r1",
    preserveNodePorts: false,
    policies: new ExistingPolicies({ backupName: "b1", ...spec }),
    actions: restoreItemActions(state),
    ...options,
  });
}

/** What a restore does to one item of an empty cluster: the common rules, then its kind's actions. */
export function restored(groupResource: string, item: Item, ctx: ItemContext): RestoreActionsOutcome {
  const registry = new ItemActionRegistry(restoreItemActions(emptyRestoreActionState("r1")));
  return runRestoreActions(
    registry,
    groupResource,
    prepareItem(groupResource, item, ctx),
    item,
    undefined,
    ctx,
  );
}

/** The item as a restore into an empty cluster creates it. */
export function restoredItem(groupResource: string, item: Item, ctx: ItemContext): Item {
  return restored(groupResource, item, ctx).item;
}

/** Nothing of that name in the cluster. */
export const none = () => undefined;
