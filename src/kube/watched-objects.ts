/** What a watched object needs for WatchedObjects to file it. */
export interface Named {
  metadata?: { name?: string };
}

/**
 * The latest version of each object a watch has delivered, by name, while the watch runs: a
 * poller the watch wakes reads what it was woken for here rather than asking the API server
 * again. Emptied when the watch ends, so what it holds is never older than a running watch; a
 * watch started again sends every object anew. An object it lacks is to be read from the server.
 */
export class WatchedObjects<T extends Named = Named> {
  readonly #byName = new Map<string, T>();

  get(name: string): T | undefined {
    return this.#byName.get(name);
  }

  /** Told each event of the watch (ADDED, MODIFIED, DELETED; others are not objects). */
  event(type: string, object: T): void {
    const name = object?.metadata?.name;
    if (!name) return;
    if (type === "ADDED" || type === "MODIFIED") this.#byName.set(name, object);
    else if (type === "DELETED") this.#byName.delete(name);
  }

  /** Told when the watch ends. */
  clear(): void {
    this.#byName.clear();
  }
}
