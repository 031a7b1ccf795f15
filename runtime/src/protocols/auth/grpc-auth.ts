/**
 * `--auth-token-env` on a grpc-js server (the gateway's gRPC port, Jina's services and a custom
 * gateway's own): every service added afterwards answers UNAUTHENTICATED, before its handler
 * runs, to a call whose `authorization` metadata is not `Bearer <token>`. Health checking stays
 * open for probes (`jina ping`, Kubernetes' gRPC probe).
 */
import { Metadata, type Server, type ServiceDefinition, status as GrpcStatus, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { type BearerAuth, UNAUTHENTICATED_DETAIL } from './bearer-auth.js';

const OPEN = /^\/grpc\.health\.v1\./;

interface GrpcCall extends NodeJS.EventEmitter {
  metadata: Metadata;
}
type Handler = (call: GrpcCall, callback?: (error: unknown) => void) => void;

export function guardGrpcServer(server: Server, auth: BearerAuth): void {
  const addService = server.addService.bind(server);
  server.addService = (definition: ServiceDefinition, implementation: UntypedServiceImplementation): void => {
    const guarded: UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(implementation)) {
      const path = definition[method]?.path ?? method;
      guarded[method] = OPEN.test(path) ? handler : (guard(auth, handler as unknown as Handler) as never);
    }
    addService(definition, guarded);
  };
}

function guard(auth: BearerAuth, handler: Handler): Handler {
  return (call, callback) => {
    if (auth.accepts(call.metadata.get('authorization').map(String))) {
      return callback === undefined ? handler(call) : handler(call, callback);
    }
    const error = { code: GrpcStatus.UNAUTHENTICATED, details: UNAUTHENTICATED_DETAIL, metadata: new Metadata() };
    // unary calls answer through the callback, streams by emitting the error (grpc-js's convention)
    if (callback !== undefined) callback(error);
    else call.emit('error', error);
  };
}
