import type { Logger } from "pino";
import { errorMessage } from "./errors.js";

/** What a reconcile asks for next: nothing, or another look after a delay in milliseconds. */
export type Outcome = "done" | { retryAfterMs: number };

/**
 * A keyed work queue in the style of client-go's: a key queued many times is worked
 * once, one key is never worked twice at the same time, failures are retried with backoff.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly name: string,
    private readonly reconcile: (key: string) => Promise<Outcome>,
    private readonly log: Logger,
    private readonly concurrency = 8,
  ) {}

  add(key: string): void {
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queued.add(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    setTimeout(() => this.add(key), ms).unref();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queued.size > 0) {
      const key = this.queued.values().next().value as string;
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      void this.work(key);
    }
  }

  private async work(key: string): Promise<void> {
    try {
      const outcome = await this.reconcile(key);
      this.failures.delete(key);
      if (outcome !== "done") this.addAfter(key, outcome.retryAfterMs);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(30_000, 250 * 2 ** Math.min(n, 7));
      this.log.warn({ queue: this.name, key, err: errorMessage(err), retryInMs: delay }, "reconcile failed");
      this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.queued.add(key);
      this.pump();
    }
  }
}
