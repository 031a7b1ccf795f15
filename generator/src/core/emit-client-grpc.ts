/**
 * The consumer SDK's gRPC half (`client/src/grpc.ts`, the package's `./grpc` export): a
 * `createGrpcClient(address)` and the re-export of the TypeScript ts-proto made of
 * protos/gateway.proto for the gateway (src/gen/proto/, with its @grpc/grpc-js
 * `GatewayServiceClient`), which the SDK's build compiles along (client/tsconfig.json takes
 * ../src/gen/proto in). Neither a second ts-proto run nor a copy: that TypeScript is ~0.9 KB per
 * field (7 MB at 16 × 8 × 32), which a copy would make every generation and regenerate write and
 * hash twice. Node only (grpc-js); the HTTP client in the package's main export needs none of it.
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { PROTO_TS_DIR } from './compile-proto.js';
import { generatedHeader } from './generated-header.js';

export const CLIENT_GRPC_FILE = 'client/src/grpc.ts';

const GRPC_ENTRY = `/**
 * This gateway's gRPC service (protos/gateway.proto) for Node, as ts-proto compiles it for
 * @grpc/grpc-js (install @grpc/grpc-js and @bufbuild/protobuf next to this package):
 *
 *     const client = createGrpcClient('localhost:8080');
 *     client.executorEndpoint({ docs: [doc] }, (error, response) => { ... });
 */
import { type ChannelCredentials, type ClientOptions, credentials } from '@grpc/grpc-js';
import { GatewayServiceClient } from '../../src/gen/proto/gateway.js';

export * from '../../src/gen/proto/gateway.js';

/** A client of the gateway's gRPC service at \`address\` (host:port), plaintext unless credentials say otherwise. */
export function createGrpcClient(address: string, channelCredentials: ChannelCredentials = credentials.createInsecure(), options?: Partial<ClientOptions>): GatewayServiceClient {
  return new GatewayServiceClient(address, channelCredentials, options);
}
`;

/** The SDK's gRPC entry, when the protos' TypeScript has a service client (a gateway without endpoints has none). */
export function emitClientGrpc(protoTypeScript: readonly GeneratedFile[]): GeneratedFile[] {
  const service = protoTypeScript.find((file) => file.path === `${PROTO_TS_DIR}/gateway.ts`);
  if (service === undefined || !service.content.includes('export const GatewayServiceClient = ')) return [];
  return [{ path: CLIENT_GRPC_FILE, content: `${generatedHeader()}${GRPC_ENTRY}` }];
}
