import { setTimeout as sleep } from "node:timers/promises";

/** How long a woken sleep waits on, so that a burst of changes costs one round, not one each. */
const SETTLE_MS = 50;

/**
 * A poller's sleep that ends early when it is told something changed: it waits its interval,
 * or until the first change and a moment more. A change told while the poller is not sleeping
 * (during its round) ends its next sleep at once, so no change is missed between two rounds.
 */
export class Wakeup {
  #changed = false;
  #wake: (() => void) | undefined;

  notify(): void {
    this.#changed = true;
    this.#wake?.();
  }

  async sleep(ms: number): Promise<void> {
    if (!this.#changed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    if (this.#changed) await sleep(SETTLE_MS);
    this.#changed = false;
  }
}
