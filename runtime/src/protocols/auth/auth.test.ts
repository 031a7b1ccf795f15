/**
 * `--auth-token-env` over the three fronts, through a gateway started as the command line starts
 * it, in front of our TypeScript executor server (a real gRPC server on loopback): no token or a
 * wrong one is refused without saying why (401 + WWW-Authenticate, a refused upgrade,
 * UNAUTHENTICATED), the right one gets docs, and the probes' routes stay open.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DeploymentClient } from '../../executor/deployment-client.js';
import { type ExecutorServer, serveExecutor } from '../../executor-server/serve-executor.js';
import { startGateway } from '../../gateway/start-gateway.js';
import { dataContentFromDocList, decodeDataRequest, docListFromDataContent, encodeDataRequest } from '../../wire/data-request.js';
import { decodeDocList, encodeDocList } from '../../wire/doc-codec.js';
import { BearerAuth } from './bearer-auth.js';

const TOKEN = 's3cret-token';
let executor: ExecutorServer;
const logDestination = { write: () => undefined };

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'upper',
    host: '127.0.0.1',
    port: 0,
    endpoints: { '/upper': { handler: (docs) => docs.map((doc) => ({ ...doc, text: String(doc.text).toUpperCase() })) } },
  });
});

afterAll(async () => {
  await executor?.close();
});

const flowArgv = () => [
  '--graph-description', JSON.stringify({ 'start-gateway': ['upper'], upper: ['end-gateway'] }),
  '--deployments-addresses', JSON.stringify({ upper: [`grpc://127.0.0.1:${executor.port}`] }),
  '--host', '127.0.0.1',
];

function request(): Buffer {
  return encodeDataRequest({
    header: { requestId: 'r1', status: undefined, execEndpoint: '/upper', targetExecutor: undefined },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ id: 'd', text: 'hi' }])),
  });
}

function upgrade(port: number, headers: Record<string, string>): Promise<{ status: number; body?: string } | { open: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, 'bytes', { headers });
    socket.once('open', () => resolve({ open: socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => (error.message.includes('Unexpected server response') ? undefined : reject(error)));
  });
}

describe('BearerAuth', () => {
  it('accepts exactly `Bearer <token>` (scheme in any case), nothing else', () => {
    const auth = new BearerAuth(TOKEN);
    expect(auth.accepts(`Bearer ${TOKEN}`)).toBe(true);
    expect(auth.accepts(`bearer ${TOKEN}`)).toBe(true);
    for (const wrong of [undefined, '', TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, 'Bearer ']) expect(auth.accepts(wrong)).toBe(false);
  });

  it('refuses to start when the variable is unset or empty, naming it', async () => {
    for (const env of [{}, { GW_TOKEN: '' }]) {
      const started = await startGateway({ argv: [...flowArgv(), '--protocol', 'http', '--auth-token-env', 'GW_TOKEN'], logDestination, env });
      expect(!started.ok && started.error.message).toMatch(/^--auth-token-env GW_TOKEN: the environment variable GW_TOKEN is (not set|empty)/);
    }
  });
});

describe('a gateway started with --auth-token-env', () => {
  it('refuses HTTP, WebSocket and gRPC requests without the token, serves them with it, and leaves GET / and gRPC health open', async () => {
    const started = await startGateway({
      argv: [...flowArgv(), '--protocol', 'http', 'grpc', 'websocket', '--auth-token-env', 'GW_TOKEN'],
      logDestination,
      env: { GW_TOKEN: TOKEN },
    });
    if (!started.ok) throw started.error;
    const [httpPort, grpcPort, wsPort] = started.value.ports as [number, number, number];
    try {
      await started.value.ready;
      // HTTP
      const post = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${httpPort}/upper`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"data": [{"text": "hi"}]}' });
      for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: TOKEN }] as Array<Record<string, string>>) {
        const refused = await post(headers);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Bearer');
        expect(await refused.json()).toEqual({ detail: 'Not authenticated' });
      }
      const served = await post({ authorization: `Bearer ${TOKEN}` });
      expect(((await served.json()) as { data: Array<{ text: string }> }).data[0]!.text).toBe('HI');
      expect((await fetch(`http://127.0.0.1:${httpPort}/`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${httpPort}/status`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${wsPort}/`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${wsPort}/status`)).status).toBe(401);

      // WebSocket: the upgrade itself is refused
      const noToken = await upgrade(wsPort, {});
      expect(noToken).toEqual({ status: 401, body: '{"detail":"Not authenticated"}' });
      const withToken = await upgrade(wsPort, { authorization: `Bearer ${TOKEN}` });
      if (!('open' in withToken)) throw new Error(`upgrade refused: ${JSON.stringify(withToken)}`);
      const reply = new Promise<Buffer>((resolve) => withToken.open.once('message', (data: Buffer) => resolve(data)));
      withToken.open.send(request());
      const [doc] = decodeDocList(docListFromDataContent(decodeDataRequest(await reply).data));
      expect(doc!.text).toBe('HI');
      withToken.open.close();

      // gRPC
      const client = new DeploymentClient('gateway', [`grpc://127.0.0.1:${grpcPort}`], { retries: 0 });
      try {
        const error = (await client.processSingleData(request()).catch((e: unknown) => e)) as { code?: number; details?: string };
        expect([error.code, error.details]).toEqual([GrpcStatus.UNAUTHENTICATED, 'Not authenticated']);
        const answer = await client.processSingleData(request(), { metadata: { authorization: `Bearer ${TOKEN}` } });
        expect(decodeDocList(docListFromDataContent(decodeDataRequest(answer.response).data))[0]!.text).toBe('HI');
        expect(await client.isHealthy()).toBe(true);
      } finally {
        client.close();
      }
    } finally {
      await started.value.stop();
    }
  });
});
