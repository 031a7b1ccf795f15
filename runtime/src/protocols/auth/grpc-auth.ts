/**
 * Inbound auth on a grpc-js server (the gateway's gRPC port, Jina's services and a custom
 * gateway's own): every service added afterwards answers UNAUTHENTICATED, before its handler
 * runs, to a call its authenticator refuses. Health checking stays open for probes (`jina ping`,
 * Kubernetes' gRPC probe).
 */
import { Metadata, type Server, type ServiceDefinition, status as GrpcStatus, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type Authenticator, grpcHeaders, isAuthorized } from './authenticator.js';
import { UNAUTHENTICATED_DETAIL } from './bearer-auth.js';
import { logAuthorizeError } from './http-auth.js';
import { refuseAfterHalfClose } from '../grpc/refuse-client-stream.js';

const OPEN = /^\/grpc\.health\.v1\./;

interface GrpcCall extends NodeJS.EventEmitter {
  metadata: Metadata;
}
type Handler = (call: GrpcCall, callback?: (error: unknown) => void) => void;

export function guardGrpcServer(server: Server, authenticator: Authenticator, logger: Logger): void {
  const addService = server.addService.bind(server);
  server.addService = (definition: ServiceDefinition, implementation: UntypedServiceImplementation): void => {
    const guarded: UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(implementation)) {
      const path = definition[method]?.path ?? method;
      const requestStream = definition[method]?.requestStream ?? false;
      guarded[method] = OPEN.test(path) ? handler : (guard(authenticator, path, requestStream, logger, handler as unknown as Handler) as never);
    }
    addService(definition, guarded);
  };
}

function guard(authenticator: Authenticator, path: string, requestStream: boolean, logger: Logger, handler: Handler): Handler {
  return (call, callback) => {
    const request = { protocol: 'grpc' as const, method: 'POST', path, headers: grpcHeaders(call.metadata) };
    // A stream's messages wait in its readable buffer while the authenticator answers.
    void isAuthorized(authenticator, request, (error) => logAuthorizeError(logger, error)).then((authorized) => {
      if (authorized) return callback === undefined ? handler(call) : handler(call, callback);
      const error = { code: GrpcStatus.UNAUTHENTICATED, details: UNAUTHENTICATED_DETAIL, metadata: new Metadata() };
      // unary calls answer through the callback, streams by emitting the error (grpc-js's convention)
      const refuse = (): void => (callback !== undefined ? callback(error) : void call.emit('error', error));
      if (requestStream) refuseAfterHalfClose(call, refuse);
      else refuse();
    });
  };
}
