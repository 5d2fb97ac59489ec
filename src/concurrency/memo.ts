/**
 * Promises kept by key: the first ask for a key makes it, every later ask (also while it is
 * being made) gets the same promise. One that fails is forgotten, so the next ask tries again.
 */
export class Memo<T> {
  readonly #held = new Map<string, Promise<T>>();

  get(key: string, make: () => Promise<T>): Promise<T> {
    let found = this.#held.get(key);
    if (!found) {
      found = make();
      this.#held.set(key, found);
      found.catch(() => this.#held.delete(key));
    }
    return found;
  }
}
