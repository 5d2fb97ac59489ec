/**
 * Polls the operations item actions started until each has ended or the time allowed for them
 * (`spec.itemOperationTimeout`, 4h by default) has run out; then the ones still going fail, as
 * Velero's do. Statuses are updated in place, so the itemoperations file is written from them.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { forEachConcurrently } from "../concurrency/pool.js";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Wakeup } from "../concurrency/wakeup.js";
import { withChangeWakeup, type WatchedCollection } from "../kube/change-watch.js";
import {
  operationEnded,
  polledStatus,
  type OperationProgress,
  type OperationStatus,
} from "./item-operation.js";

const FIRST_POLL_MS = 250;
/** Velero's words for an operation that ran out of time. */
const TIMED_OUT = "Asynchronous action timed out";
/** Progress asked of this many operations at once: a round of many operations is not one request after another. */
const POLL_CONCURRENCY = 16;

export interface PolledOperation {
  spec: { OperationID: string };
  status: OperationStatus;
}

export interface PollOptions<O extends PolledOperation = PolledOperation> {
  timeoutMs: number;
  intervalMs: number;
  /**
   * Called for each operation that ran out of time, once it is marked Failed (Velero's Cancel):
   * undoes what the operation made, and says what, for the operation's error.
   */
  onTimeout?: (op: O) => Promise<string | undefined>;
  /**
   * What the operations wait on (their actions' operationWatches), watched while they are
   * polled: a change ends the wait between two rounds early.
   */
  watch?: { kubeConfig: KubeConfig; collections: WatchedCollection[] };
  /** Called after each round, with how many have ended. */
  onRound?: (ended: number, all: number) => void;
  now?: () => number;
}

export async function pollOperations<O extends PolledOperation>(
  operations: O[],
  progressOf: (op: O) => Promise<OperationProgress>,
  options: PollOptions<O>,
): Promise<void> {
  const { watch } = options;
  if (!watch?.collections.length) return pollRounds(operations, progressOf, options);
  await withChangeWakeup(watch.kubeConfig, watch.collections, (wakeup) =>
    pollRounds(operations, progressOf, options, wakeup),
  );
}

async function pollRounds<O extends PolledOperation>(
  operations: O[],
  progressOf: (op: O) => Promise<OperationProgress>,
  options: PollOptions<O>,
  wakeup?: Wakeup,
): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  // Most operations end within a second or two: poll soon, then back off to the interval.
  let wait = Math.min(FIRST_POLL_MS, options.intervalMs);
  // Woken by changes of objects that name their operations, a round asks those operations alone;
  // every operation is asked at least once an interval, however often some change.
  let due: Set<string> | "all" = "all";
  let askedAll = now();
  for (;;) {
    const asked = due !== "all" && now() - askedAll >= options.intervalMs ? "all" : due;
    if (asked === "all") askedAll = now();
    await forEachConcurrently(
      operations.filter(
        (op) => !operationEnded(op.status) && (asked === "all" || asked.has(op.spec.OperationID)),
      ),
      POLL_CONCURRENCY,
      async (op) => {
        let progress: OperationProgress;
        try {
          progress = await progressOf(op);
        } catch (err) {
          progress = {
            completed: false,
            error: `could not get the operation's progress: ${(err as Error).message}`,
          };
        }
        op.status = polledStatus(op.status, progress, new Date(now()).toISOString());
      },
    );
    const ended = operations.filter((op) => operationEnded(op.status)).length;
    options.onRound?.(ended, operations.length);
    if (ended === operations.length) return;
    if (now() >= deadline) {
      for (const op of operations) {
        if (operationEnded(op.status)) continue;
        op.status = { ...op.status, phase: "Failed", error: TIMED_OUT };
        const undone = await options
          .onTimeout?.(op)
          .catch((err: unknown) => `cleaning up after it failed: ${(err as Error).message}`);
        if (undone) op.status.error = `${TIMED_OUT}; ${undone}`;
      }
      return;
    }
    due = wakeup ? await wakeup.sleep(wait) : await sleep(wait).then(() => "all" as const);
    wait = Math.min(wait * 2, options.intervalMs);
  }
}

/** How many operations ended each way, for the Backup's and Restore's status counters. */
export function operationCounts(operations: PolledOperation[]): {
  attempted: number;
  completed: number;
  failed: number;
} {
  return {
    attempted: operations.length,
    completed: operations.filter((op) => op.status.phase === "Completed").length,
    failed: operations.filter((op) => op.status.phase === "Failed" || op.status.phase === "Canceled").length,
  };
}

/** What the actions of these operations watch: each action is asked once, with its own operations' IDs. */
export function watchedCollections<O extends PolledOperation>(
  operations: O[],
  actionOf: (op: O) => string,
  watchesOf: (action: string, operationIds: string[]) => WatchedCollection[] | undefined,
): WatchedCollection[] {
  const ids = new Map<string, string[]>();
  for (const op of operations) {
    const action = actionOf(op);
    ids.set(action, [...(ids.get(action) ?? []), op.spec.OperationID]);
  }
  return [...ids].flatMap(([action, operationIds]) => watchesOf(action, operationIds) ?? []);
}
