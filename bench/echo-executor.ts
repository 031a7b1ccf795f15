/**
 * The benchmark's executor E: a grpc-js server answering process_single_data with the request
 * bytes unchanged, through identity serializers, so its own cost is the gRPC floor.
 *
 * It also answers what a gateway asks before it serves: endpoint_discovery (one `/echo`
 * endpoint, the payload's doc model in and out, with the schemas Jina's gateway needs to build its docarray v2
 * models), health and reflection (Jina's gateway creates its stubs from reflection
 * ListServices). So our gateways and Jina's own run in front of the very same E.
 *
 * The discovery answer is not written by hand: E asks a throw-away `serveExecutor` with the same
 * endpoint once at start-up and replays its bytes (echo-discovery.ts).
 *
 * Run in its own process: `node bench/dist/echo-executor.js <port> [S|M]` (the payload, see
 * payloads.ts: its doc model is what discovery reports); prints "ready <port>".
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { addReflection, HealthStatus, JINA_DEFAULT_GRPC_OPTIONS, rawService } from '@jina-ts/runtime';
import { discoveryBytes } from './echo-discovery.js';
import { payload } from './payloads.js';

const SERVICES = ['jina.JinaSingleDataRequestRPC', 'jina.JinaDiscoverEndpointsRPC'];

const port = Number(process.argv[2] ?? 0);
const discovery = await discoveryBytes(payload(process.argv[3] ?? 'S').model);
const server = new Server(JINA_DEFAULT_GRPC_OPTIONS);
server.addService(rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'), {
  process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request),
});
server.addService(rawService('jina.JinaDiscoverEndpointsRPC', 'endpoint_discovery'), {
  endpoint_discovery: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, discovery),
});
new HealthStatus(SERVICES).addTo(server);
addReflection(server, [...SERVICES, 'grpc.health.v1.Health']);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
  if (error) throw error;
  console.log(`ready ${bound}`);
});
process.on('SIGTERM', () => server.forceShutdown());
