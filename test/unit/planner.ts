// A restore planner for unit tests: backup b1, restore r1, an empty cluster unless told otherwise.
import type { RestoreSpec } from "../../src/api/v1/index.js";
import { ExistingPolicies } from "../../src/restore/existing-policy.js";
import { RestorePlanner, type PlannerOptions } from "../../src/restore/plan.js";
import { RestoreScope } from "../../src/restore/scope.js";

export function planner(spec: RestoreSpec, more: Partial<PlannerOptions> = {}): RestorePlanner {
  return new RestorePlanner({
    scope: new RestoreScope({ backupName: "b1", ...spec }),
    backupName: "b1",
    restoreName: "r1",
    preserveNodePorts: false,
    restoredClaims: new Set(),
    restoredGroupResources: new Set(),
    clusterVolumes: [],
    policies: new ExistingPolicies({ backupName: "b1", ...spec }),
    ...more,
  });
}

/** Nothing of that name in the cluster. */
export const none = () => undefined;
