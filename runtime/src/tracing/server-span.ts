/**
 * The SERVER span of an inbound request (HTTP, WebSocket, gRPC): its parent is the W3C
 * `traceparent` the client sent, if any (else it starts a trace), and the context returned is
 * what the request's handler runs in, so the executor calls it makes are its children.
 */
import { type Attributes, type Context, context, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import { headerGetter, type Tracing } from './tracing.js';

export interface ServerSpan {
  readonly span: Span;
  /** The context to run the request's handler in (the span active). */
  readonly context: Context;
}

/** `carrier`: the request's headers or gRPC metadata map. */
export function startServerSpan(tracing: Tracing, name: string, carrier: Record<string, unknown>, attributes: Attributes): ServerSpan {
  const parent = tracing.propagator.extract(ROOT_CONTEXT, carrier, headerGetter);
  const span = tracing.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `fn` in the span's context, with the listeners later added to `emitters` bound to it too (request bodies arrive in events). */
export function runInSpan<T>(serverSpan: ServerSpan, emitters: readonly NodeJS.EventEmitter[], fn: () => T): T {
  for (const emitter of emitters) context.bind(serverSpan.context, emitter);
  return context.with(serverSpan.context, fn);
}
