/**
 * What the request path needs to trace (`--tracing`): a tracer for the spans and the propagator
 * that reads an inbound W3C `traceparent` / `tracestate` and writes them into the metadata sent
 * to executors. Both are explicit (never OpenTelemetry's globals), so that without `--tracing`
 * nothing is traced or propagated, whatever SDK the process registered.
 */
import type { TextMapGetter, TextMapPropagator, Tracer } from '@opentelemetry/api';

export interface Tracing {
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
}

/** Reads propagation fields from HTTP headers or gRPC metadata maps (first value of a repeated field). */
export const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : Buffer.isBuffer(first) ? first.toString() : undefined;
  },
};
