/**
 * One log line per failed request, naming the request id, the executor and the code, on each
 * front (HTTP, gRPC `process_single_data`, WebSocket), through a gateway started as the command
 * line starts it, in front of our TypeScript executor server (a real gRPC server on loopback)
 * whose `/boom` raises, and a deployment nobody listens on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DeploymentClient } from '../executor/deployment-client.js';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import { startGateway } from '../gateway/start-gateway.js';
import { dataContentFromDocList, decodeDataRequest, encodeDataRequest, isErrorStatus } from '../wire/data-request.js';
import { encodeDocList } from '../wire/doc-codec.js';

let executor: ExecutorServer;

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'worker',
    host: '127.0.0.1',
    port: 0,
    endpoints: {
      '/boom': {
        handler: () => {
          throw new TypeError('boom');
        },
      },
    },
  });
});

afterAll(async () => {
  await executor?.close();
});

interface LogLine {
  level: number;
  msg: string;
  protocol?: string;
  requestId?: string;
  endpoint?: string;
  executor?: string;
  code?: string;
  exception?: string;
}

async function gateway(addresses: Record<string, string[]>, protocols: string[]) {
  const lines: LogLine[] = [];
  const graph: Record<string, string[]> = { 'start-gateway': Object.keys(addresses) };
  for (const name of Object.keys(addresses)) graph[name] = ['end-gateway'];
  const started = await startGateway({
    argv: ['--graph-description', JSON.stringify(graph), '--deployments-addresses', JSON.stringify(addresses), '--host', '127.0.0.1', '--retries', '0', '--protocol', ...protocols],
    logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    env: {},
  });
  if (!started.ok) throw started.error;
  return { running: started.value, failures: () => lines.filter((line) => line.code !== undefined) };
}

function request(requestId: string): Buffer {
  return encodeDataRequest({
    header: { requestId, status: undefined, execEndpoint: '/boom', targetExecutor: undefined },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ id: 'd', text: 'x' }])),
  });
}

describe('a failed request is one log line naming request id, executor and code', () => {
  it('an executor that raised, over HTTP, gRPC and WebSocket: warn, code ERROR, the deployment and the exception', async () => {
    const { running, failures } = await gateway({ worker: [`grpc://127.0.0.1:${executor.port}`] }, ['http', 'grpc', 'websocket']);
    try {
      await running.ready;
      const [httpPort, grpcPort, wsPort] = running.ports;
      const http = await fetch(`http://127.0.0.1:${httpPort}/boom`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [{"text": "x"}], "header": {"request_id": "req-http"}}' });
      expect(http.status).toBe(500);

      const client = new DeploymentClient('gateway', [`grpc://127.0.0.1:${grpcPort}`]);
      const answer = await client.processSingleData(request('req-grpc'));
      expect(isErrorStatus(decodeDataRequest(answer.response).header.status)).toBe(true);
      client.close();

      const socket = new WebSocket(`ws://127.0.0.1:${wsPort}/`, 'bytes');
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const reply = new Promise<Buffer>((resolve) => socket.once('message', (data: Buffer) => resolve(data)));
      socket.send(request('req-ws'));
      expect(isErrorStatus(decodeDataRequest(await reply).header.status)).toBe(true);
      socket.close();

      const lines = failures().map(({ level, protocol, requestId, endpoint, executor: name, code, exception }) => ({ level, protocol, requestId, endpoint, executor: name, code, exception }));
      expect(lines).toEqual(
        (['http', 'grpc', 'websocket'] as const).map((protocol) => ({
          level: 40,
          protocol,
          requestId: protocol === 'http' ? expect.any(String) : `req-${protocol === 'websocket' ? 'ws' : protocol}`,
          endpoint: '/boom',
          executor: 'worker',
          code: 'ERROR',
          exception: 'TypeError',
        })),
      );
      expect(failures()[0]!.msg).toMatch(/boom/);
    } finally {
      await running.stop();
    }
  });

  it('a deployment gone after start-up: error, code UNAVAILABLE, the deployment, and Jina\'s text naming its address', async () => {
    const doomed = await serveExecutor({ name: 'doomed', host: '127.0.0.1', port: 0, endpoints: { '/x': { handler: (docs) => docs } } });
    const address = `127.0.0.1:${doomed.port}`;
    const { running, failures } = await gateway({ doomed: [`grpc://${address}`] }, ['http']);
    try {
      await running.ready;
      await doomed.close();
      const response = await fetch(`http://127.0.0.1:${running.ports[0]}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": []}' });
      expect(response.status).toBe(503);
      const lines = failures();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 50, protocol: 'http', executor: 'doomed', code: 'UNAVAILABLE', endpoint: '/x' });
      expect(lines[0]!.requestId).toMatch(/^[0-9a-f]{32}$/);
      expect(lines[0]!.msg).toContain(address);
    } finally {
      await running.stop();
    }
  });
});
