/**
 * Runs up to `concurrency` async generators at once and yields their values as they
 * come. Each running generator has at most one value pending, so memory stays bounded
 * by `concurrency` values whatever the sources produce.
 */
export async function* mergeConcurrently<T>(
  sources: Iterable<() => AsyncGenerator<T>>,
  concurrency: number,
): AsyncGenerator<T> {
  const waiting = sources[Symbol.iterator]();
  const running = new Map<AsyncGenerator<T>, Promise<{ it: AsyncGenerator<T>; result: IteratorResult<T> }>>();
  const pull = (it: AsyncGenerator<T>) =>
    running.set(
      it,
      it.next().then((result) => ({ it, result })),
    );
  const startNext = () => {
    const next = waiting.next();
    if (!next.done) pull(next.value());
    return !next.done;
  };
  while (running.size < concurrency && startNext());
  try {
    while (running.size > 0) {
      const { it, result } = await Promise.race(running.values());
      if (result.done) {
        running.delete(it);
        startNext();
      } else {
        pull(it);
        yield result.value;
      }
    }
  } finally {
    // The consumer stopped early or a source failed: end every source still running.
    await Promise.allSettled([...running.keys()].map((it) => it.return(undefined)));
  }
}
