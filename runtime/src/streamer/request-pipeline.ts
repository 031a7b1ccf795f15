/**
 * Runs `handle` over a (possibly async, possibly endless) sequence of requests with at most
 * `prefetch` in flight, yielding results in completion order, or in input order when asked.
 * This is Jina's RequestStreamer discipline: a client flooding the gateway gets backpressure
 * instead of unbounded memory (prefetch 0 = unbounded, as in Jina).
 */
export interface PipelineOptions {
  /** Maximum requests in flight; 0 or less: no limit. */
  prefetch?: number;
  /** Yield results in input order (Jina's `results_in_order` / `__results_in_order__`). */
  inOrder?: boolean;
}

export async function* pipeline<I, O>(
  inputs: Iterable<I> | AsyncIterable<I>,
  handle: (input: I, index: number) => Promise<O>,
  options: PipelineOptions = {},
): AsyncGenerator<O> {
  const limit = options.prefetch !== undefined && options.prefetch > 0 ? options.prefetch : Infinity;
  const inOrder = options.inOrder ?? false;
  const iterator = toAsyncIterator(inputs);

  // Settled results waiting to be yielded, by input index.
  const settled = new Map<number, { ok: true; value: O } | { ok: false; error: unknown }>();
  let inFlight = 0;
  let started = 0;
  let nextToYield = 0;
  let inputDone = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const start = (input: I) => {
    const index = started++;
    inFlight++;
    handle(input, index).then(
      (value) => settled.set(index, { ok: true, value }),
      (error: unknown) => settled.set(index, { ok: false, error }),
    ).finally(() => {
      inFlight--;
      notify();
    });
  };

  // Reading the next input is itself asynchronous; at most one read is pending at a time.
  let pendingRead: Promise<void> | undefined;
  const read = () => {
    pendingRead ??= iterator.next().then(
      (next) => {
        pendingRead = undefined;
        if (next.done) inputDone = true;
        else start(next.value);
        notify();
      },
      (error: unknown) => {
        pendingRead = undefined;
        inputDone = true;
        settled.set(started++, { ok: false, error });
        notify();
      },
    );
  };

  try {
    for (;;) {
      if (!inputDone && inFlight < limit) read();
      const ready = takeReady();
      if (ready !== undefined) {
        if (!ready.ok) throw ready.error;
        yield ready.value;
        continue;
      }
      if (inputDone && inFlight === 0 && pendingRead === undefined && settled.size === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    await iterator.return?.();
  }

  function takeReady(): { ok: true; value: O } | { ok: false; error: unknown } | undefined {
    if (inOrder) {
      const result = settled.get(nextToYield);
      if (result === undefined) return undefined;
      settled.delete(nextToYield++);
      return result;
    }
    const first = settled.keys().next();
    if (first.done) return undefined;
    const result = settled.get(first.value)!;
    settled.delete(first.value);
    return result;
  }
}

function toAsyncIterator<T>(inputs: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in inputs) return (inputs as AsyncIterable<T>)[Symbol.asyncIterator]();
  const sync = (inputs as Iterable<T>)[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async () => sync.return?.() ?? { done: true, value: undefined },
  };
}
