/**
 * Restore item actions (Velero's RestoreItemAction, typed and in-process). Unlike Velero's, they
 * run while the restore is planned, so they decide without writing: the planner calls them for
 * every item it takes and records what they say in the plan, which `--dry-run` shows as is.
 * What must touch the cluster is an operation, started by the executor once the item exists.
 */
import type { Restore } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import type { Item } from "./item.js";
import type { OperationProgress } from "./item-operation.js";
import type { WatchedCollection } from "../kube/change-watch.js";

/** What every action of one restore may know about it. */
export interface RestoreActionContext {
  backupName: string;
  restoreName: string;
  /** The namespace an item of a backed-up namespace goes to (itself when not mapped). */
  mapNamespace: (namespace: string) => string;
  preserveNodePorts: boolean;
}

export interface RestoreItemActionInput {
  groupResource: string;
  /**
   * The item as the restore would create it so far: metadata reset, namespace mapped, restore
   * labels added, and the actions before this one applied. The action may change it in place.
   */
  item: Item;
  /** The item as the backup holds it. */
  itemFromBackup: Item;
  /** The object of that name the target cluster holds, if any. */
  inCluster?: Item;
  restore: RestoreActionContext;
}

export interface RestoreItemActionOutput {
  /** Do not restore the item, and why (a completed pod, a volume whose claim is provisioned anew). */
  skip?: string;
  /** Warnings for the restore's results, about this item. */
  warnings?: string[];
  /** Why the item is created, where "not in the cluster" says too little. */
  createReason?: string;
  /**
   * What to do with the object the cluster already holds, in place of the existing-resource
   * policy: send this merge patch, or, without one, leave the object as it is.
   */
  existing?: { reason: string; patch?: Item };
  /** Start an operation once the item is created; `input` is handed back to startOperation. */
  operation?: { input?: unknown };
  /**
   * Change the item just before it is created (a volume made from a snapshot): what must touch
   * the outside world waits for execution; `input` is handed back to beforeCreate.
   */
  beforeCreate?: { input?: unknown };
}

export interface RestoreItemAction {
  /** As Velero names its actions (`velero.io/pod`): what the itemoperations file records. */
  readonly name: string;
  /** Group-resources (`pods`, `deployments.apps`), or `*` for every resource. */
  readonly appliesTo: readonly string[];
  /**
   * Whether items the restore takes need this item, so it comes whatever the restore's resource,
   * cluster-resource and label filters say (Velero's additional items); a namespaced item still
   * needs its namespace included.
   */
  needs?(groupResource: string, item: Item): boolean;
  execute(input: RestoreItemActionInput): RestoreItemActionOutput | undefined;
  /** Does what `execute` asked for just before the item is created; returns the item to create. */
  beforeCreate?(item: Item, input: unknown, restore: Restore): Promise<Item>;
  /** Starts the operation asked for in `execute`, once the item exists; returns its ID. */
  startOperation?(client: KubeClient, created: Item, input: unknown, restore: Restore): Promise<string>;
  progress?(operationId: string, restore: Restore, client: KubeClient): Promise<OperationProgress>;
  /**
   * The collections whose changes may end the given operations (a VolumeSnapshot becoming
   * ready, a PodVolumeRestore finishing): watched while the restore waits, so it polls the
   * moment one changes rather than at its next interval.
   */
  operationWatches?(operationIds: string[], restore: Restore): WatchedCollection[];
  /**
   * Velero's Cancel: the operation ran out of time (`itemOperationTimeout`); undoes what it
   * made, and says what, for the restore's results.
   */
  cancel?(operationId: string, restore: Restore, client: KubeClient): Promise<string | undefined>;
}
