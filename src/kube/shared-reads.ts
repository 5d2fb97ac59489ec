/**
 * Callers that want the same read at the same moment share one request: many item operations
 * polled in one round ask for the objects of the same namespace, and one LIST answers them all.
 * A read is shared only while it is in flight, so no caller gets an answer older than its call's
 * round trip.
 */
export class SharedReads {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  read<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const held = this.inFlight.get(key);
    if (held) return held as Promise<T>;
    const reading = fetch().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, reading);
    return reading;
  }
}
