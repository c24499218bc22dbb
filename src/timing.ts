// Timing helpers for stages that stream: pages are produced and written in turn,
// so the time spent producing them is summed item by item.

/** Yields what `items` yields, adding the time spent producing each one to `clock.ms`. */
export function* timeEach<T>(items: Iterable<T>, clock: { ms: number }): Generator<T> {
  const iterator = items[Symbol.iterator]();
  try {
    for (;;) {
      const start = performance.now();
      const next = iterator.next();
      clock.ms += performance.now() - start;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    iterator.return?.();
  }
}

/** timeEach for async iterables. */
export async function* timeEachAsync<T>(items: AsyncIterable<T>, clock: { ms: number }): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      const start = performance.now();
      const next = await iterator.next();
      clock.ms += performance.now() - start;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
