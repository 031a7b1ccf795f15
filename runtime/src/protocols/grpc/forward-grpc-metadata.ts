/**
 * `--forward-metadata` on a grpc-js server (the gateway's gRPC port, a custom gateway's own
 * services): every handler of a service added afterwards runs with its call's listed metadata
 * forwarded to the executors it calls (see protocols/client-metadata.ts).
 */
import type { Metadata, Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ClientMetadataForwarding } from '../client-metadata.js';

type Handler = (call: { metadata: Metadata }, callback?: unknown) => unknown;

export function forwardGrpcMetadata(server: Server, forwarding: ClientMetadataForwarding): void {
  const addService = server.addService.bind(server);
  server.addService = (definition: ServiceDefinition, implementation: UntypedServiceImplementation): void => {
    const forwarded: UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(implementation)) {
      const serve = handler as unknown as Handler;
      forwarded[method] = ((call: { metadata: Metadata }, callback?: unknown) =>
        forwarding.run(call.metadata.getMap(), () => (callback === undefined ? serve(call) : serve(call, callback)))) as never;
    }
    addService(definition, forwarded);
  };
}
