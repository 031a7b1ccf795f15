/**
 * The consumer SDK's gRPC half (`client/src/grpc.ts`, the package's `./grpc` export): the
 * TypeScript ts-proto made of protos/gateway.proto for the gateway (src/gen/proto/, with its
 * @grpc/grpc-js `GatewayServiceClient`), copied as it is into client/src/grpc/, and a
 * `createGrpcClient(address)`. No second ts-proto run: a generation costs nothing more than the
 * copy. Node only (grpc-js); the HTTP client in the package's main export needs none of it.
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { PROTO_TS_DIR } from './compile-proto.js';
import { generatedHeader } from './generated-header.js';

export const CLIENT_GRPC_DIR = 'client/src/grpc';
export const CLIENT_GRPC_FILE = 'client/src/grpc.ts';

const GRPC_ENTRY = `/**
 * This gateway's gRPC service (protos/gateway.proto) for Node, as ts-proto compiles it for
 * @grpc/grpc-js (install @grpc/grpc-js and @bufbuild/protobuf next to this package):
 *
 *     const client = createGrpcClient('localhost:8080');
 *     client.executorEndpoint({ docs: [doc] }, (error, response) => { ... });
 */
import { type ChannelCredentials, type ClientOptions, credentials } from '@grpc/grpc-js';
import { GatewayServiceClient } from './grpc/gateway.js';

export * from './grpc/gateway.js';

/** A client of the gateway's gRPC service at \`address\` (host:port), plaintext unless credentials say otherwise. */
export function createGrpcClient(address: string, channelCredentials: ChannelCredentials = credentials.createInsecure(), options?: Partial<ClientOptions>): GatewayServiceClient {
  return new GatewayServiceClient(address, channelCredentials, options);
}
`;

/** The SDK's copies of the protos' TypeScript, and its gRPC entry when the service has a client (it has none without endpoints). */
export function emitClientGrpc(protoTypeScript: readonly GeneratedFile[]): GeneratedFile[] {
  const copies = protoTypeScript
    .filter((file) => file.path.startsWith(`${PROTO_TS_DIR}/`))
    .map((file) => ({ path: `${CLIENT_GRPC_DIR}/${file.path.slice(PROTO_TS_DIR.length + 1)}`, content: file.content }));
  const service = copies.find((file) => file.path === `${CLIENT_GRPC_DIR}/gateway.ts`);
  if (service === undefined || !service.content.includes('export const GatewayServiceClient = ')) return copies;
  return [...copies, { path: CLIENT_GRPC_FILE, content: `${generatedHeader()}${GRPC_ENTRY}` }];
}
