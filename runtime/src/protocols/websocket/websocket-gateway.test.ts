/**
 * The built-in WebSocket gateway over real loopback sockets, with our TypeScript executor server
 * as the Flow's deployment and `ws` clients in front: binary frames in and out, the end-of-input
 * byte, prefetch, executor errors in-band, close codes for network failures (1011), malformed
 * (1007), text (1003) and oversized (1009) frames, `/dry_run` over WebSocket and HTTP, health and
 * status, start-up before the executor is up, TLS, and shutdown draining.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DocModel } from '../../executor-server/endpoint.js';
import { type ExecutorServer, serveExecutor } from '../../executor-server/serve-executor.js';
import { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { type Doc, NdArray } from '../../wire/doc.js';
import { decodeDocList, encodeDocList } from '../../wire/doc-codec.js';
import { type DataRequest, dataContentFromDocList, decodeDataRequest, docListFromDataContent, encodeDataRequest } from '../../wire/data-request.js';
import { StatusProto, StatusProto_StatusCode } from '../../wire/gen/jina/jina.pb.js';
import { startWebSocketGateway, type WebSocketGateway, type WebSocketGatewayOptions } from './websocket-gateway.js';

const logger = pino({ level: 'silent' });
const END_OF_INPUT = Buffer.from([0]);

class ValueError extends Error {
  override readonly name = 'ValueError';
}

const TEXT_DOC: DocModel = {
  name: 'TextDoc',
  schema: {
    title: 'TextDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    },
  },
};

let executor: ExecutorServer;
let streamer: GatewayStreamer;
let gateway: WebSocketGateway;
const concurrency = { active: 0, max: 0 };

function startGateway(overrides: Partial<WebSocketGatewayOptions> = {}, flowStreamer = streamer): Promise<WebSocketGateway> {
  return startWebSocketGateway({ streamer: flowStreamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000, ...overrides });
}

function flowOf(name: string, address: string, extra: Partial<ConstructorParameters<typeof GatewayStreamer>[0]> = {}): GatewayStreamer {
  return new GatewayStreamer({ graphDescription: { 'start-gateway': [name], [name]: ['end-gateway'] }, deploymentsAddresses: { [name]: [address] }, ...extra });
}

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'ts',
    className: 'TsExecutor',
    host: '127.0.0.1',
    endpoints: {
      '/echo': { input: TEXT_DOC, output: TEXT_DOC, handler: (docs) => docs.map((doc) => ({ ...doc, text: `echo:${String(doc.text)}` })) },
      '/slow': {
        input: TEXT_DOC,
        handler: async (docs, { parameters }) => {
          concurrency.active++;
          concurrency.max = Math.max(concurrency.max, concurrency.active);
          await new Promise((resolve) => setTimeout(resolve, Number(parameters.ms ?? 200)));
          concurrency.active--;
          return docs;
        },
      },
      '/boom': {
        handler: () => {
          throw new ValueError('boom');
        },
      },
    },
  });
  streamer = flowOf('ts', executor.address);
  gateway = await startGateway();
  await gateway.ready;
});

afterAll(async () => {
  await gateway?.shutdown(1000);
  streamer?.close();
  await executor?.close(500);
});

function request(requestId: string, endpoint: string, docs: Doc[] = [], parameters: Record<string, unknown> = {}): Buffer {
  return encodeDataRequest({
    header: { requestId, status: undefined, execEndpoint: endpoint },
    parameters,
    routes: [],
    data: dataContentFromDocList(encodeDocList(docs)),
  });
}

const docsOf = (response: DataRequest): Doc[] => decodeDocList(docListFromDataContent(response.data));

interface Session {
  ws: WebSocket;
  /** Binary frames received so far. */
  frames: Buffer[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string, protocols: string[] = ['bytes'], options: { ca?: Buffer } = {}): Session {
  const ws = new WebSocket(url, protocols, options.ca ? { ca: options.ca } : {});
  const frames: Buffer[] = [];
  ws.on('message', (data: Buffer) => frames.push(data));
  ws.on('error', () => undefined);
  return {
    ws,
    frames,
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    }),
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }))),
  };
}

/** Sends the frames, then (unless told not to) the end-of-input byte; resolves when the gateway closes. */
async function exchange(port: number, frames: Buffer[], endInput = true) {
  const session = connect(`ws://127.0.0.1:${port}/`);
  await session.opened;
  for (const frame of frames) session.ws.send(frame);
  if (endInput) session.ws.send(END_OF_INPUT);
  const close = await session.closed;
  return { ...close, responses: session.frames.map((frame) => decodeDataRequest(frame)), protocol: session.ws.protocol };
}

describe('WebSocket /', () => {
  it('answers each binary frame with the serialized response, echoes `bytes`, closes 1000 after end of input', async () => {
    const embedding = new NdArray(Float32Array.from([1, 2]), [2], '<f4');
    const result = await exchange(gateway.port, [request('r1', '/echo', [{ id: 'a', text: 'hi', embedding }]), request('r2', '/echo', [{ id: 'b', text: 'yo' }])]);
    expect(result.code).toBe(1000);
    expect(result.protocol).toBe('bytes');
    const byId = new Map(result.responses.map((response) => [response.header.requestId, response]));
    expect(docsOf(byId.get('r1')!)[0]).toMatchObject({ id: 'a', text: 'echo:hi' });
    expect(Array.from((docsOf(byId.get('r1')!)[0]!.embedding as NdArray).data as Float32Array)).toEqual([1, 2]);
    expect(docsOf(byId.get('r2')!)[0]!.text).toBe('echo:yo');
    expect(byId.get('r2')!.routes.map((route) => route.executor)).toEqual(['gateway', 'ts']);
  });

  it('answers in completion order, with at most `prefetch` in flight, under a flood', async () => {
    const bounded = await startGateway({ prefetch: 3 });
    try {
      await bounded.ready;
      const order = await exchange(bounded.port, [request('slow', '/slow', [{ id: 's' }], { ms: 200 }), request('fast', '/slow', [{ id: 'f' }], { ms: 5 })]);
      expect(order.responses.map((response) => response.header.requestId)).toEqual(['fast', 'slow']);
      concurrency.max = 0;
      const flood = Array.from({ length: 120 }, (_, i) => request(`f${i}`, '/slow', [{ id: `d${i}` }], { ms: 5 }));
      const result = await exchange(bounded.port, flood);
      expect(result.code).toBe(1000);
      expect(result.responses.map((response) => response.header.requestId).sort()).toEqual(flood.map((_, i) => `f${i}`).sort());
      expect(concurrency.max).toBe(3);
    } finally {
      await bounded.shutdown(100);
    }
  });

  it('passes executor errors in-band and keeps the socket open', async () => {
    const started = Date.now();
    const result = await exchange(gateway.port, [request('bad', '/boom', [{ id: 'a' }]), request('good', '/echo', [{ id: 'b', text: 'x' }])]);
    expect(result.code).toBe(1000);
    const byId = new Map(result.responses.map((response) => [response.header.requestId, response]));
    expect(byId.get('bad')!.header.status).toMatchObject({ code: StatusProto_StatusCode.ERROR, exception: { name: 'ValueError', args: ['boom'] } });
    expect(docsOf(byId.get('good')!)[0]!.text).toBe('echo:x');
    // after an error response the gateway lets the client close first (the Jina client needs it to raise)
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('after an error response, a client that closes itself is not kept waiting', async () => {
    const session = connect(`ws://127.0.0.1:${gateway.port}/`);
    await session.opened;
    session.ws.once('message', () => session.ws.close(1000));
    const started = Date.now();
    session.ws.send(request('bad', '/boom', [{ id: 'a' }]));
    session.ws.send(END_OF_INPUT);
    expect((await session.closed).code).toBe(1000);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('closes 1007 for a malformed frame, 1003 for a text frame, 1009 for a frame over bodyLimit', async () => {
    const malformed = await exchange(gateway.port, [Buffer.from([0xff, 0xff, 0xff])], false);
    expect(malformed.code).toBe(1007);
    expect(malformed.reason).toMatch(/^DataRequestProto: invalid field tag/);
    const text = connect(`ws://127.0.0.1:${gateway.port}/`, []);
    await text.opened;
    text.ws.send('{}');
    const textClose = await text.closed;
    expect(textClose.code).toBe(1003);
    expect(textClose.reason).toMatch(/binary frames/);
    const small = await startGateway({ bodyLimit: 1000 });
    try {
      await small.ready;
      const big = await exchange(small.port, [request('big', '/echo', [{ id: 'a', text: 'x'.repeat(2000) }])], false);
      expect(big.code).toBe(1009);
      // the gateway is still fine
      const after = await exchange(small.port, [request('ok', '/echo', [{ id: 'a', text: 'x' }])]);
      expect(after.responses).toHaveLength(1);
    } finally {
      await small.shutdown(100);
    }
  });

  it('serves a client that asked for no subprotocol (binary frames) and ignores an empty input', async () => {
    const session = connect(`ws://127.0.0.1:${gateway.port}/`, []);
    await session.opened;
    expect(session.ws.protocol).toBe('');
    session.ws.send(request('np', '/echo', [{ id: 'a', text: 'z' }]));
    session.ws.send(END_OF_INPUT);
    expect((await session.closed).code).toBe(1000);
    expect(decodeDataRequest(session.frames[0]!).header.requestId).toBe('np');
    const nothing = await exchange(gateway.port, []);
    expect(nothing).toMatchObject({ code: 1000, responses: [] });
  });

  it('closes 1011 naming the deployment when it cannot be reached', async () => {
    const doomed = await serveExecutor({ name: 'doomed', host: '127.0.0.1', endpoints: { '/x': { handler: (docs) => docs } } });
    const doomedStreamer = flowOf('doomed', doomed.address, { retries: 0 });
    const g = await startGateway({}, doomedStreamer);
    try {
      await g.ready;
      await doomed.close(0);
      const result = await exchange(g.port, [request('lost', '/x', [{ id: 'a' }])], false);
      expect(result.code).toBe(1011);
      expect(result.reason).toBe(`Network error while connecting to deployment doomed at ${doomed.address}. It may be down.`);
      const dry = connect(`ws://127.0.0.1:${g.port}/dry_run`);
      await dry.opened;
      expect((await dry.closed).code).toBe(1011);
      const http = (await (await fetch(`http://127.0.0.1:${g.port}/dry_run`)).json()) as any;
      expect(http.code).toBe(1);
      expect(http.description).toContain('Communication error with deployment doomed');
    } finally {
      await g.shutdown(100);
      doomedStreamer.close();
    }
  });
});

describe('dry run, health and status', () => {
  it('WebSocket /dry_run sends one StatusProto frame (SUCCESS) and closes 1000', async () => {
    const session = connect(`ws://127.0.0.1:${gateway.port}/dry_run`);
    await session.opened;
    session.ws.send(Buffer.alloc(0)); // what the Jina client sends
    expect((await session.closed).code).toBe(1000);
    expect(session.frames).toHaveLength(1);
    expect(StatusProto.decode(session.frames[0]!).code).toBe(StatusProto_StatusCode.SUCCESS);
  });

  it('GET /, /status, /dry_run; 404 and 405 in FastAPI shape', async () => {
    const base = `http://127.0.0.1:${gateway.port}`;
    const health = await fetch(`${base}/`);
    expect([health.status, await health.json()]).toEqual([200, {}]);
    const status = (await (await fetch(`${base}/status`)).json()) as any;
    expect(status.jina).toHaveProperty('jina-ts-runtime');
    expect(status.envs).toHaveProperty('JINA_LOG_LEVEL');
    expect(await (await fetch(`${base}/dry_run`)).json()).toEqual({ code: 0, description: '', exception: null });
    const missing = await fetch(`${base}/nope`);
    expect([missing.status, await missing.json()]).toEqual([404, { detail: 'Not Found' }]);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
    const upgradeElsewhere = connect(`ws://127.0.0.1:${gateway.port}/nope`);
    await expect(upgradeElsewhere.opened).rejects.toThrow(/404/);
  });
});

describe('start-up, TLS and shutdown', () => {
  it('answers 503 and closes sockets with 1011 naming the missing deployment until discovery succeeds', async () => {
    const port = await freePort();
    const lateStreamer = flowOf('late', `grpc://127.0.0.1:${port}`);
    const late = await startGateway({ discoveryRetryMs: 50 }, lateStreamer);
    let lateExecutor: ExecutorServer | undefined;
    try {
      let detail = '';
      for (let attempt = 0; attempt < 100 && !detail.includes('not answering'); attempt++) {
        const response = await fetch(`http://127.0.0.1:${late.port}/`);
        expect(response.status).toBe(503);
        detail = ((await response.json()) as any).detail;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(detail).toContain(`deployment "late" at grpc://127.0.0.1:${port} is not answering`);
      const early = connect(`ws://127.0.0.1:${late.port}/`);
      await early.opened;
      const close = await early.closed;
      expect(close.code).toBe(1011);
      expect(close.reason).toMatch(/^the gateway is starting/);
      expect(Buffer.byteLength(close.reason)).toBeLessThanOrEqual(123);
      lateExecutor = await serveExecutor({ name: 'late', host: '127.0.0.1', port, endpoints: { '/x': { handler: (docs) => docs } } });
      await late.ready;
      expect((await fetch(`http://127.0.0.1:${late.port}/`)).status).toBe(200);
    } finally {
      await late.shutdown(100);
      lateStreamer.close();
      await lateExecutor?.close(0);
    }
  });

  it('a port already in use fails start-up, naming it', async () => {
    await expect(startGateway({ port: gateway.port })).rejects.toThrow(`cannot listen on 127.0.0.1:${gateway.port} (WebSocket)`);
  });

  it('serves wss:// when given a certificate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jina-ts-ws-tls-'));
    try {
      const certFile = path.join(dir, 'cert.pem');
      const keyFile = path.join(dir, 'key.pem');
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile,
      ], { stdio: 'ignore' });
      const g = await startGateway({ tls: { certFile, keyFile } });
      try {
        await g.ready;
        const session = connect(`wss://localhost:${g.port}/`, ['bytes'], { ca: readFileSync(certFile) });
        await session.opened;
        session.ws.send(request('tls', '/echo', [{ id: 'a', text: 'secure' }]));
        session.ws.send(END_OF_INPUT);
        expect((await session.closed).code).toBe(1000);
        expect(docsOf(decodeDataRequest(session.frames[0]!))[0]!.text).toBe('echo:secure');
      } finally {
        await g.shutdown(100);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shutdown answers the frames taken, closes 1001, then refuses connections', async () => {
    const g = await startGateway();
    await g.ready;
    const session = connect(`ws://127.0.0.1:${g.port}/`);
    await session.opened;
    for (let i = 0; i < 4; i++) session.ws.send(request(`s${i}`, '/slow', [{ id: `d${i}` }], { ms: 300 }));
    const dry = fetch(`http://127.0.0.1:${g.port}/dry_run`).then((response) => response.json());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = g.shutdown(5000);
    const close = await session.closed;
    expect(close).toEqual({ code: 1001, reason: 'the gateway is shutting down' });
    expect(session.frames.map((frame) => decodeDataRequest(frame).header.requestId).sort()).toEqual(['s0', 's1', 's2', 's3']);
    expect(await dry).toEqual({ code: 0, description: '', exception: null });
    await stopped;
    await expect(fetch(`http://127.0.0.1:${g.port}/`)).rejects.toThrow();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
