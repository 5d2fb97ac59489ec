/**
 * Backup item actions (Velero's BackupItemAction, typed and in-process): called by the collector
 * for every item of the resources they apply to, before the item is written to the archive.
 */
import type { Backup } from "../api/v1/index.js";
import type { Item, ResourceIdentifier } from "./item.js";
import type { OperationProgress } from "./item-operation.js";
import type { WatchedCollection } from "../kube/change-watch.js";

export interface BackupItemActionInput {
  groupResource: string;
  item: Item;
  backup: Backup;
  /**
   * For an action whose item then waits long (a CSI snapshot until it is ready to use): called
   * once what starts the wait is done. The collector lists the other resources from then on, not
   * while the requests that start the wait are still to go out.
   */
  started?: () => void;
}

/**
 * An item an action asks for. One it has just read itself comes with it, and is backed up as the
 * action read it rather than read again: a CSI snapshot's claim, snapshot and content would
 * otherwise cost a GET each twice over, while the API server is busy taking the snapshots.
 */
export type AdditionalItem = ResourceIdentifier & { item?: Item };

export interface BackupItemActionOutput {
  /** The item as it goes into the backup, when the action changed it. */
  item?: Item;
  /** Items this one needs in the backup too (a pod's claims, a claim's volume). */
  additionalItems?: AdditionalItem[];
  /** Errors of this item for the backup's results; the item is still backed up. */
  errors?: string[];
  /** Leave the item out of the backup, and why. */
  skip?: string;
  /** An operation the action started, which the controller polls until it ends. */
  operationId?: string;
  /** Items to back up again once the operation has ended. */
  postOperationItems?: ResourceIdentifier[];
}

export interface BackupItemAction {
  /** As Velero names its actions (`velero.io/pod`): what the itemoperations file records. */
  readonly name: string;
  /** Group-resources (`pods`, `deployments.apps`), or `*` for every resource. */
  readonly appliesTo: readonly string[];
  execute(input: BackupItemActionInput): Promise<BackupItemActionOutput | undefined>;
  /**
   * Told, as the collector starts to list a resource the action applies to, the namespaces its
   * items come from (maybe more than once): the action may start the reads its items will need, so
   * they go out with the LIST rather than after it. An API server serves a LIST from its watch
   * cache once the cache has caught up with etcd, which after a write can take up to 100 ms (its
   * progress requests go out that often): LISTs made one after another each wait their turn.
   */
  prepare?(namespaces: readonly string[]): void;
  /** How an operation this action started is going; required of an action that starts any. */
  progress?(operationId: string, backup: Backup): Promise<OperationProgress>;
  /** The collections whose changes may end the given operations: watched while the backup waits (see the restore's). */
  operationWatches?(operationIds: string[], backup: Backup): WatchedCollection[];
  /**
   * Velero's Cancel: the operation ran out of time (`itemOperationTimeout`); stops it, and says
   * what became of what it made, for the backup's results.
   */
  cancel?(operationId: string, backup: Backup): Promise<string | undefined>;
}
