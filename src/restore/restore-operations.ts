import type { Restore, RestoreStatus } from "../api/v1/index.js";
import type { KubeClient } from "../kube/client.js";
import type { Item } from "../items/item.js";
import { storedIdentifier, type RestoreOperation } from "../items/item-operation.js";
import { operationCounts, pollOperations, watchedCollections } from "../items/operation-poller.js";
import type { ItemActionRegistry } from "../items/registry.js";
import type { RestoreItemAction } from "../items/restore-item-action.js";
import type { PlanStep } from "./planning.js";

/**
 * The longest wait between two polls. Short, because a restore is done only when its last
 * operation is seen done: a poll is a LIST per kind and namespace the actions share, not a read
 * per operation, so polling every second costs little.
 */
const DEFAULT_POLL_MS = 1000;

/**
 * What the restore's actions do at execution: changes just before an item is created, and item
 * operations, started as their items are created, then waited for.
 */
export class RestoreOperations {
  readonly list: RestoreOperation[] = [];

  constructor(
    private readonly restore: Restore,
    private readonly actions: ItemActionRegistry<RestoreItemAction>,
    private readonly client: KubeClient,
  ) {}

  /** Starts what the step's actions asked for, now that its item exists. */
  async start(step: PlanStep, created: Item): Promise<void> {
    for (const { action: name, input } of step.operations ?? []) {
      const action = this.actions.named(name);
      if (!action?.startOperation || !action.progress)
        throw new Error(`item action ${name} asked for an operation but cannot start or follow one`);
      const operationId = await action.startOperation(this.client, created, input, this.restore);
      const { entry } = step;
      this.list.push({
        spec: {
          restoreName: this.restore.metadata.name ?? "",
          restoreUID: this.restore.metadata.uid ?? "",
          restoreItemAction: name,
          ResourceIdentifier: storedIdentifier({
            groupResource: entry.groupResource,
            ...(entry.namespace ? { namespace: entry.namespace } : {}),
            name: entry.name,
          }),
          OperationID: operationId,
        },
        status: { phase: "New", created: new Date().toISOString() },
      });
    }
  }

  /** Lets the step's actions change its item just before it is created. */
  async beforeCreate(step: PlanStep, body: Buffer): Promise<Buffer> {
    let item = JSON.parse(body.toString("utf8")) as Item;
    for (const { action: name, input } of step.beforeCreate ?? []) {
      const action = this.actions.named(name);
      if (!action?.beforeCreate)
        throw new Error(`item action ${name} asked to change the item before it is created but cannot`);
      item = await action.beforeCreate(item, input, this.restore);
    }
    return Buffer.from(JSON.stringify(item));
  }

  /** Polls every operation until it ends or the restore's itemOperationTimeout runs out. */
  async waitAll(timeoutMs: number, intervalMs = DEFAULT_POLL_MS): Promise<void> {
    await pollOperations(
      this.list,
      (op) =>
        this.actions.named(op.spec.restoreItemAction)!.progress!(
          op.spec.OperationID,
          this.restore,
          this.client,
        ),
      {
        timeoutMs,
        intervalMs,
        watch: {
          kubeConfig: this.client.kubeConfig,
          collections: watchedCollections(
            this.list,
            (op) => op.spec.restoreItemAction,
            (name, ids) => this.actions.named(name)?.operationWatches?.(ids, this.restore),
          ),
        },
        onTimeout: (op) =>
          this.actions
            .named(op.spec.restoreItemAction)
            ?.cancel?.(op.spec.OperationID, this.restore, this.client) ?? Promise.resolve(undefined),
      },
    );
  }

  counts(): Pick<
    RestoreStatus,
    "restoreItemOperationsAttempted" | "restoreItemOperationsCompleted" | "restoreItemOperationsFailed"
  > {
    if (!this.list.length) return {};
    const { attempted, completed, failed } = operationCounts(this.list);
    return {
      restoreItemOperationsAttempted: attempted,
      restoreItemOperationsCompleted: completed,
      restoreItemOperationsFailed: failed,
    };
  }
}
