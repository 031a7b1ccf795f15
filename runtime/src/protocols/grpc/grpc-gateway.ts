/**
 * The built-in gRPC gateway (Jina's `--protocol grpc`): the services Jina's gateway serves, on
 * raw bytes (documents are never decoded on the way through):
 *
 * - `jina.JinaRPC/Call` (bidi, see call-stream.ts) and `jina.JinaSingleDataRequestRPC/process_single_data`;
 * - `jina.JinaSingleDocumentRequestRPC/stream_doc` (generator endpoints, first node only);
 * - `jina.JinaDiscoverEndpointsRPC/endpoint_discovery` (the gateway layout, gateway-endpoints.ts);
 * - `jina.JinaGatewayDryRunRPC/dry_run` (what `jina ping flow grpc://...` calls) and `jina.JinaInfoRPC/_status`;
 * - gRPC health and server reflection, for the names Jina registers (GATEWAY_GRPC_SERVICES).
 *
 * Start-up: the port is bound at once, but health reads NOT_SERVING (so the orchestrator, probes
 * and `jina ping gateway` see "not ready") and Flow calls are refused with UNAVAILABLE naming the
 * deployments not answering, until endpoint discovery of every deployment succeeded — Jina only
 * starts its server then. `_status` answers from the start.
 *
 * Shutdown: health goes NOT_SERVING, new calls are refused, open Call streams stop reading new
 * requests and finish the ones in flight, unary calls finish; after `graceMs` whatever is left is
 * cut.
 */
import {
  Metadata,
  Server,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { HealthStatus, ServingStatus } from '../../grpc/health.js';
import { rawService } from '../../grpc/raw-service.js';
import { addReflection, type ReflectedPackage } from '../../grpc/reflection.js';
import { serverCredentials, serverOptions } from '../../grpc/server-options.js';
import { runtimeInfo } from '../../info.js';
import { encodeDataRequest } from '../../wire/data-request.js';
import { EndpointsProto, JinaInfoProto, StatusProto } from '../../wire/gen/jina/jina.pb.js';
import type { ProtocolServer, ProtocolServerOptions } from '../protocol-server.js';
import { traceGrpcServer } from '../../tracing/grpc-server-spans.js';
import { cancellationOf } from './call-cancellation.js';
import { serveCall } from './call-stream.js';
import { logErrorResponse, logFailedRequest } from '../failed-request-log.js';
import { guardGrpcServer } from '../auth/grpc-auth.js';
import { forwardGrpcMetadata } from './forward-grpc-metadata.js';
import { describeFailure } from './failure.js';
import { flowDryRun, notReadyStatus } from './flow-dry-run.js';
import { FlowReadiness } from './flow-readiness.js';
import { gatewayEndpoints } from './gateway-endpoints.js';
import { routeBytes } from './route-bytes.js';
import { refuseAfterHalfClose } from './refuse-client-stream.js';
import { serveStreamDoc } from './stream-doc.js';

/**
 * The services Jina's gRPC gateway marks SERVING in its health servicer and lists in reflection
 * (`GRPCServer.setup_server`). `jina.JinaDataRequestRPC` is among them although Jina's gateway
 * does not serve `process_data` (nor do we); reflection here lists the jina ones (our descriptor
 * set has no reflection service to list).
 */
export const GATEWAY_GRPC_SERVICES = [
  'jina.JinaRPC',
  'jina.JinaSingleDataRequestRPC',
  'jina.JinaDataRequestRPC',
  'jina.JinaGatewayDryRunRPC',
  'jina.JinaSingleDocumentRequestRPC',
  'jina.JinaDiscoverEndpointsRPC',
  'jina.JinaInfoRPC',
  'grpc.reflection.v1alpha.ServerReflection',
] as const;

/**
 * A gRPC service served next to Jina's on the same port (a generated gateway's typed
 * `gateway.v1.GatewayService`): listed by health (SERVING once the Flow is discovered) and by
 * reflection.
 */
export interface GrpcServiceRegistration {
  /** Fully qualified name, e.g. `gateway.v1.GatewayService`. */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  /** The service's .proto as proto-loader loads it, for reflection (its file descriptors). */
  readonly reflection?: ReflectedPackage | undefined;
}

export interface GrpcGatewayOptions extends ProtocolServerOptions {
  /** Pause between endpoint-discovery rounds while a deployment does not answer, ms. Default 1000 (Jina's). */
  discoveryRetryMs?: number;
  /** Services served next to Jina's (their calls are refused, like Jina's, until the Flow is discovered). */
  services?: readonly GrpcServiceRegistration[] | undefined;
}

export interface GrpcGateway extends ProtocolServer {
  readonly protocol: 'grpc';
  /** Resolves once every deployment answered discovery and the gateway serves the Flow; rejects if shut down first. */
  readonly ready: Promise<void>;
}

/** Default grace period of `shutdown()`, in ms. */
const DEFAULT_GRACE_MS = 10_000;

export async function startGrpcGateway(options: GrpcGatewayOptions): Promise<GrpcGateway> {
  const { streamer, logger } = options;
  const grpcOptions = serverOptions({
    // a body limit, when given, bounds what one message can make the gateway hold
    ...(options.bodyLimit !== undefined ? { 'grpc.max_receive_message_length': options.bodyLimit } : {}),
    ...options.grpcServerOptions,
  });
  const server = new Server(grpcOptions);
  if (streamer.tracing !== undefined) traceGrpcServer(server, streamer.tracing);
  if (options.auth !== undefined) guardGrpcServer(server, options.auth, logger);
  if (options.forwardMetadata !== undefined) forwardGrpcMetadata(server, options.forwardMetadata);
  const extra = options.services ?? [];
  const served = [...GATEWAY_GRPC_SERVICES, ...extra.map((service) => service.name)];
  const health = new HealthStatus(served);
  health.setAllNotServing();
  const readiness = new FlowReadiness(streamer, { logger, retryMs: options.discoveryRetryMs });
  const draining = new AbortController();
  let encodedEndpoints: Buffer | undefined;

  /** Refuses a Flow call before discovery is done (or while shutting down); true when refused. */
  const refused = (reply: (code: GrpcStatus, details: string) => void): boolean => {
    if (draining.signal.aborted) {
      reply(GrpcStatus.UNAVAILABLE, 'the gateway is shutting down');
      return true;
    }
    if (!readiness.isReady) {
      reply(GrpcStatus.UNAVAILABLE, readiness.notReadyReason());
      return true;
    }
    return false;
  };
  const unaryError = (callback: sendUnaryData<Buffer>) => (code: GrpcStatus, details: string) =>
    callback({ code, details, metadata: new Metadata() });

  server.addService(rawService('jina.JinaRPC', 'Call', { requestStream: true, responseStream: true }), {
    Call: (call: ServerDuplexStream<Buffer, Buffer>) => {
      if (refused((code, details) => refuseAfterHalfClose(call, () => call.emit('error', { code, details, metadata: new Metadata() })))) return;
      void serveCall(call, { streamer, logger, prefetch: options.prefetch, draining: draining.signal }).catch((error: unknown) => {
        logger.error({ err: error }, 'JinaRPC/Call failed');
        call.emit('error', { code: GrpcStatus.INTERNAL, details: 'internal gateway error', metadata: new Metadata() });
      });
    },
  });

  server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
    process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      if (refused(unaryError(callback))) return;
      const cancellation = cancellationOf(call);
      const cancelled = cancellation.signal;
      routeBytes(call.request, streamer, cancelled).then(
        (response) => {
          cancellation.release();
          logErrorResponse(logger, { protocol: 'grpc', what: 'process_single_data', endpoint: response.header.execEndpoint }, response);
          callback(null, encodeDataRequest(response));
        },
        (error: unknown) => {
          cancellation.release();
          if (cancelled.aborted) return;
          const failure = describeFailure(error);
          logFailedRequest(logger, { protocol: 'grpc', what: 'process_single_data' }, error);
          unaryError(callback)(failure.code, failure.details);
        },
      );
    },
  });

  server.addService(rawService('jina.JinaSingleDocumentRequestRPC', 'stream_doc', { responseStream: true }), {
    stream_doc: (call: ServerWritableStream<Buffer, Buffer>) => {
      if (refused((code, details) => call.emit('error', { code, details, metadata: new Metadata() }))) return;
      void serveStreamDoc(call, streamer, logger);
    },
  });

  server.addService(rawService('jina.JinaDiscoverEndpointsRPC', 'endpoint_discovery'), {
    endpoint_discovery: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      if (refused(unaryError(callback))) return;
      encodedEndpoints ??= Buffer.from(EndpointsProto.encode(gatewayEndpoints(readiness.endpoints!)).finish());
      callback(null, encodedEndpoints);
    },
  });

  server.addService(rawService('jina.JinaGatewayDryRunRPC', 'dry_run'), {
    dry_run: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const cancellation = cancellationOf(call);
      const cancelled = cancellation.signal;
      const status = readiness.isReady
        ? flowDryRun(streamer, { withDoc: true, signal: cancelled })
        : Promise.resolve(notReadyStatus(draining.signal.aborted ? 'the gateway is shutting down' : readiness.notReadyReason()));
      void status.then((result) => {
        cancellation.release();
        if (!cancelled.aborted) callback(null, Buffer.from(StatusProto.encode(result).finish()));
      });
    },
  });

  server.addService(rawService('jina.JinaInfoRPC', '_status'), {
    _status: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      callback(null, Buffer.from(JinaInfoProto.encode(runtimeInfo()).finish()));
    },
  });

  for (const service of extra) server.addService(service.definition, refusingUntilReady(service, refused));

  health.addTo(server);
  addReflection(server, served, extra.flatMap((service) => (service.reflection === undefined ? [] : [service.reflection])));

  const host = options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${options.port}`, serverCredentials(options.tls), (error, bound) =>
      error ? reject(new Error(`cannot listen on ${host}:${options.port} (gRPC): ${error.message}`, { cause: error })) : resolve(bound),
    );
  }).catch((error: unknown) => {
    // discovery already started: it would retry forever for a gateway that never served
    readiness.abort(error instanceof Error ? error : new Error(String(error)));
    server.forceShutdown();
    throw error;
  });
  const scheme = options.tls ? 'grpcs' : 'grpc';
  logger.info(`gRPC gateway listening on ${scheme}://${host}:${port}, discovering the Flow's endpoints`);

  const ready = readiness.ready.then(() => {
    if (draining.signal.aborted) throw new Error('the gRPC gateway is shutting down');
    for (const service of ['', ...served]) health.set(service, ServingStatus.SERVING);
    logger.info(`gRPC gateway ready on ${scheme}://${host}:${port}`);
  });
  ready.catch((error: unknown) => {
    if (!draining.signal.aborted) logger.error({ err: error }, 'gRPC gateway failed to start');
  });

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = (graceMs = DEFAULT_GRACE_MS): Promise<void> => {
    shutdownPromise ??= new Promise<void>((resolve) => {
      health.setAllNotServing();
      draining.abort(new Error('the gRPC gateway is shutting down'));
      readiness.abort(new Error('the gRPC gateway is shutting down'));
      const timer = setTimeout(() => {
        logger.warn(`gRPC gateway on port ${port}: calls still running after ${graceMs} ms are cut`);
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => logger.info(`gRPC gateway on port ${port} stopped`));
    return shutdownPromise;
  };

  return { protocol: 'grpc', port, ready, shutdown };
}

/** `service`'s handlers, each refusing its call (UNAVAILABLE naming why) until the Flow is discovered or while shutting down. */
function refusingUntilReady(service: GrpcServiceRegistration, refused: (reply: (code: GrpcStatus, details: string) => void) => boolean): UntypedServiceImplementation {
  const wrapped: UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(service.implementation)) {
    const shape = service.definition[method];
    if (shape?.responseStream === false && shape.requestStream === false) {
      wrapped[method] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        if (refused((code, details) => callback({ code, details, metadata: new Metadata() }))) return;
        (handler as (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void)(call, callback);
      };
    } else {
      wrapped[method] = (call: { emit(event: 'error', error: unknown): boolean }, ...rest: unknown[]) => {
        if (refused((code, details) => call.emit('error', { code, details, metadata: new Metadata() }))) return;
        (handler as (call: unknown, ...rest: unknown[]) => void)(call, ...rest);
      };
    }
  }
  return wrapped;
}
