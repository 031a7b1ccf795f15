/**
 * An experiment's executor, not one of gateway-throughput.ts's subjects: the echo of
 * echo-executor.ts on bare `node:http2` instead of a grpc-js server, to see how much of a
 * gateway's request rate is the executor's own cost (BENCHMARKS.md, "Where D's remaining time
 * goes"). It answers process_single_data with the request's framed bytes, endpoint_discovery
 * with echo-discovery.ts's bytes and grpc.health.v1 Check with SERVING; anything else is
 * UNIMPLEMENTED. No reflection, so Jina's gateway cannot run in front of it; ours can.
 *
 * Run in its own process: `node bench/dist/h2-echo-executor.js <port>`; prints "ready <port>".
 */
import http2 from 'node:http2';
import { discoveryBytes } from './echo-discovery.js';

function framed(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0; // not compressed
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

const PROCESS_SINGLE_DATA = '/jina.JinaSingleDataRequestRPC/process_single_data';
const fixedAnswers = new Map<string, Buffer>([
  ['/jina.JinaDiscoverEndpointsRPC/endpoint_discovery', framed(await discoveryBytes())],
  ['/grpc.health.v1.Health/Check', framed(Buffer.from([0x08, 0x01]))], // HealthCheckResponse{status: SERVING}
]);
const OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on('stream', (stream, headers) => {
  const method = headers[':path'] ?? '';
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => {
    // the request is one uncompressed message: its framed bytes are the framed answer
    const answer = method === PROCESS_SINGLE_DATA ? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)) : fixedAnswers.get(method);
    if (answer === undefined) {
      stream.respond({ ...OK_HEADERS, 'grpc-status': '12', 'grpc-message': `${method} is not served here` }, { endStream: true });
      return;
    }
    stream.respond(OK_HEADERS, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(answer);
  });
  stream.on('error', () => stream.destroy());
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`ready ${typeof address === 'object' && address !== null ? address.port : address}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
