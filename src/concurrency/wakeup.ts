import { setTimeout as sleep } from "node:timers/promises";

/** How long a woken sleep waits on, so that a burst of changes costs one round, not one each. */
const SETTLE_MS = 50;

/**
 * A poller's sleep that ends early when it is told something changed: it waits its interval,
 * or until the first change and a moment more. A change told while the poller is not sleeping
 * (during its round) ends its next sleep at once, so no change is missed between two rounds.
 * A change may name what changed (a key): the sleep says which keys changed, so the poller looks
 * at those alone; after a full interval, or a change that names nothing, it says "all".
 */
export class Wakeup {
  /** What changed since the last sleep: nothing while it is an empty set. */
  #keys: Set<string> | "all" = new Set();
  #wake: (() => void) | undefined;

  get #changed(): boolean {
    return this.#keys === "all" || this.#keys.size > 0;
  }

  notify(key?: string): void {
    if (key === undefined) this.#keys = "all";
    else if (this.#keys !== "all") this.#keys.add(key);
    this.#wake?.();
  }

  async sleep(ms: number): Promise<Set<string> | "all"> {
    let slept = false;
    if (!this.#changed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          slept = true;
          resolve();
        }, ms);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    if (this.#changed) await sleep(SETTLE_MS);
    const changed = slept ? "all" : this.#keys;
    this.#keys = new Set();
    return changed;
  }
}
