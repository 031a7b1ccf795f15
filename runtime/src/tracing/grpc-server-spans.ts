/**
 * `--tracing` for a grpc-js server (the built-in gRPC gateway's, with any extra services): every
 * service added afterwards has its handlers run in a SERVER span per RPC, named by the method's
 * path and with the rpc.* attributes of the server interceptor Jina uses
 * (opentelemetry-instrumentation-grpc), e.g. `/jina.JinaRPC/Call`; parent: the client's
 * `traceparent` metadata. A streaming RPC is one span, its executor calls children of it. The span
 * ends with the RPC: the unary callback, the stream's end, an error status, or cancellation.
 * Unlike Jina's interceptor, health checks and reflection get no span.
 */
import { type Server, type ServiceDefinition, status as GrpcStatus, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { SpanStatusCode } from '@opentelemetry/api';
import { runInSpan, startServerSpan } from './server-span.js';
import type { Tracing } from './tracing.js';

/** Health checks (probes, every few seconds) and reflection are not traced: they carry no Flow request. */
const UNTRACED = /^\/grpc\.(health|reflection)\./;

type Handler = (call: GrpcCall, callback?: (error: unknown, ...rest: unknown[]) => void) => void;

interface GrpcCall extends NodeJS.EventEmitter {
  metadata: { getMap(): Record<string, unknown> };
  getPath?(): string;
}

export function traceGrpcServer(server: Server, tracing: Tracing): void {
  const addService = server.addService.bind(server);
  server.addService = (definition: ServiceDefinition, implementation: UntypedServiceImplementation): void => {
    const traced: UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(implementation)) {
      const path = definition[method]?.path ?? method;
      traced[method] = UNTRACED.test(path) ? handler : (tracedHandler(tracing, path, handler as unknown as Handler) as never);
    }
    addService(definition, traced);
  };
}

function tracedHandler(tracing: Tracing, path: string, handler: Handler): Handler {
  const [service = '', method = path] = path.slice(1).split('/');
  return (call, callback) => {
    const serverSpan = startServerSpan(tracing, path, call.metadata.getMap(), { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method });
    let ended = false;
    const end = (code: number, details?: string) => {
      if (ended) return;
      ended = true;
      serverSpan.span.setAttribute('rpc.grpc.status_code', code);
      // the server-side rule of the semantic conventions: client-caused codes are not server errors
      if (SERVER_ERRORS.has(code)) serverSpan.span.setStatus({ code: SpanStatusCode.ERROR, message: `${GrpcStatus[code] ?? code}${details ? `: ${details}` : ''}` });
      serverSpan.span.end();
    };
    // handlers answer a stream with an error by emitting it (grpc-js's convention)
    const emit = call.emit.bind(call);
    call.emit = (event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'error') end(codeOf(args[0]) ?? GrpcStatus.UNKNOWN, detailsOf(args[0]));
      return emit(event, ...args);
    };
    call.once('finish', () => end(GrpcStatus.OK));
    call.once('cancelled', () => end(GrpcStatus.CANCELLED, 'cancelled by the client'));
    const reply =
      callback === undefined
        ? undefined
        : (error: unknown, ...rest: unknown[]) => {
            end(error ? (codeOf(error) ?? GrpcStatus.UNKNOWN) : GrpcStatus.OK, detailsOf(error));
            callback(error, ...rest);
          };
    runInSpan(serverSpan, [call], () => (reply === undefined ? handler(call) : handler(call, reply)));
  };
}

const SERVER_ERRORS = new Set<number>([
  GrpcStatus.UNKNOWN,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.UNIMPLEMENTED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function detailsOf(error: unknown): string | undefined {
  const details = (error as { details?: unknown; message?: unknown } | null)?.details ?? (error as { message?: unknown } | null)?.message;
  return typeof details === 'string' ? details : undefined;
}
