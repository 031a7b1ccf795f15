/**
 * The messages of a gRPC call's request stream as an async iterable that reads one message per
 * pull. grpc-js reads from the connection only as its Readable is drained, so a consumer that pulls
 * slowly (the prefetch pipeline) holds the client back instead of buffering its requests.
 *
 * Unlike `for await (... of stream)`, stopping early does not destroy the stream (the call's
 * response side must stay writable), `return()` ends a `next()` that is still waiting for the
 * client (a generator suspended in an await could not), and `stop` ends the input without waiting
 * for the client: the shutdown drain, where requests already taken are answered and the rest are
 * not read.
 */
import type { Readable } from 'node:stream';

export interface MessageSource<T> extends AsyncIterable<T> {
  /** The client half-closed its side and every message was read. */
  readonly ended: boolean;
}

export function readMessages<T>(stream: Readable, stop: AbortSignal): MessageSource<T> {
  let ended = false;
  let stopped = false;
  let failed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failed = true;
    failure = error;
    notify();
  };
  stream.on('readable', notify);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stop.addEventListener('abort', notify);
  const detach = () => {
    stopped = true;
    stream.off('readable', notify);
    stream.off('end', onEnd);
    stream.off('error', onError);
    stop.removeEventListener('abort', notify);
    notify();
  };

  const done = (): IteratorResult<T> => {
    detach();
    return { done: true, value: undefined };
  };
  const next = async (): Promise<IteratorResult<T>> => {
    for (;;) {
      if (stopped || stop.aborted) return done();
      const message = stream.read() as T | null;
      if (message !== null) return { done: false, value: message };
      if (failed) {
        detach();
        throw failure;
      }
      if (ended || stream.readableEnded || stream.destroyed) {
        ended ||= stream.readableEnded;
        return done();
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };

  return {
    get ended() {
      return ended;
    },
    [Symbol.asyncIterator]: () => ({
      next,
      return: () => Promise.resolve(done()),
    }),
  };
}
