/**
 * The benchmark's executor E: a grpc-js server answering process_single_data with the request
 * bytes unchanged, through identity serializers, so its own cost is the gRPC floor.
 *
 * It also answers what a gateway asks before it serves: endpoint_discovery (one `/echo`
 * endpoint, TextDoc in and out, with the schemas Jina's gateway needs to build its docarray v2
 * models), health and reflection (Jina's gateway creates its stubs from reflection
 * ListServices). So our gateways and Jina's own run in front of the very same E.
 *
 * The discovery answer is not written by hand: E asks a throw-away `serveExecutor` with the same
 * endpoint once at start-up and replays its bytes.
 *
 * Run in its own process: `node bench/dist/echo-executor.js <port>`; prints "ready <port>".
 */
import { Client, credentials, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { addReflection, HealthStatus, JINA_DEFAULT_GRPC_OPTIONS, rawService, serveExecutor, type DocModel } from '@jina-ts/runtime';

/** The schema a pydantic-v2 docarray executor reports for `class TextDoc(BaseDoc): text: Optional[str]`. */
const TEXT_DOC: DocModel = {
  name: 'TextDoc',
  schema: {
    title: 'TextDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    },
  },
};

const SERVICES = ['jina.JinaSingleDataRequestRPC', 'jina.JinaDiscoverEndpointsRPC'];
const identity = (value: Buffer) => value;

/** The EndpointsProto bytes a TypeScript executor with one `/echo` TextDoc → TextDoc endpoint answers. */
async function discoveryBytes(): Promise<Buffer> {
  const template = await serveExecutor({
    name: 'echo',
    className: 'Echo',
    host: '127.0.0.1',
    endpoints: { '/echo': { input: TEXT_DOC, output: TEXT_DOC, handler: (docs) => docs } },
  });
  const client = new Client(`127.0.0.1:${template.port}`, credentials.createInsecure());
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest('/jina.JinaDiscoverEndpointsRPC/endpoint_discovery', identity, identity, Buffer.alloc(0), (error, value) =>
        error ? reject(error) : resolve(value!),
      );
    });
  } finally {
    client.close();
    await template.close(100);
  }
}

const port = Number(process.argv[2] ?? 0);
const discovery = await discoveryBytes();
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
