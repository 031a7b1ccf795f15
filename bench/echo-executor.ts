/**
 * The benchmark's executor E: a grpc-js server answering process_single_data (and Call) with the
 * request bytes unchanged, through identity serializers, so its own cost is the gRPC floor.
 * Run in its own process: `node bench/dist/echo-executor.js <port>`; prints "ready <port>".
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { JINA_DEFAULT_GRPC_OPTIONS, rawService } from '@jina-ts/runtime';
const port = Number(process.argv[2] ?? 0);
const server = new Server(JINA_DEFAULT_GRPC_OPTIONS);
server.addService(
  rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'),
  {
    process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request),
  },
);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
  if (error) throw error;
  console.log(`ready ${bound}`);
});
process.on('SIGTERM', () => server.forceShutdown());
