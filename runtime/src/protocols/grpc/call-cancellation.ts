/**
 * An AbortSignal that fires when the client cancels a gRPC call (or its connection goes away),
 * so the Flow requests made for that call stop instead of running on for nobody.
 *
 * `release()` once the call is answered: grpc-js clients reset every finished stream with
 * RST_STREAM CANCEL, which grpc-js servers report as 'cancelled' after the answer went out, so
 * a listener left on would abort (and build an Error with its stack) for every call: ~9 µs a
 * request in the gRPC gateway's profile.
 */
import type { EventEmitter } from 'node:events';

export interface CallCancellation {
  readonly signal: AbortSignal;
  release(): void;
}

export function cancellationOf(call: EventEmitter): CallCancellation {
  const controller = new AbortController();
  const onCancelled = () => controller.abort(Object.assign(new Error('the client cancelled the call'), { name: 'AbortError' }));
  call.once('cancelled', onCancelled);
  return { signal: controller.signal, release: () => call.removeListener('cancelled', onCancelled) };
}
