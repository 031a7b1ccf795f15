/**
 * An AbortSignal that fires when the client cancels a gRPC call (or its connection goes away),
 * so the Flow requests made for that call stop instead of running on for nobody.
 */
import type { EventEmitter } from 'node:events';

export function cancellationOf(call: EventEmitter): AbortSignal {
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort(Object.assign(new Error('the client cancelled the call'), { name: 'AbortError' })));
  return controller.signal;
}
