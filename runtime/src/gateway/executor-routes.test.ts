/**
 * The typed routes a generated gateway registers (registerExecutorRoutes), against our TS
 * executor over real gRPC on loopback: endpoint and executor names fastify's router cannot take
 * literally, the JSON body, errors, a stream, and one percent-encoding shared with openapi.json.
 */
import fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../executor/connection-pool.js';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import { ExecutorStreamer } from '../streamer/executor-streamer.js';
import type { ExecutorDescriptors } from '../streamer/typed-executors.js';
import type { Doc } from '../wire/doc.js';
import { executorRoutePath, registerExecutorRoutes, useGatewayLogger } from './executor-routes.js';

const ODD = ['/a:b', '/st*r', '/ünï', '/sp ace', '/plain'];
const EXECUTOR = 'my:exec';
let server: ExecutorServer;
let pool: ConnectionPool;
let app: FastifyInstance;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  server = await serveExecutor({
    name: EXECUTOR,
    className: 'Odd',
    host: '127.0.0.1',
    endpoints: {
      ...Object.fromEntries(ODD.map((on) => [on, { handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, text: `${on}:${String(doc.text)}` })) }])),
      '/stream': {
        kind: 'generator' as const,
        async *handler(doc: Doc) {
          for (let i = 0; i < 2; i++) yield { text: `${String(doc.text)}-${i}` };
        },
      },
      '/boom': {
        handler: () => {
          throw new Error('boom');
        },
      },
    },
  });
  pool = new ConnectionPool({ [EXECUTOR]: [server.address] });
  const checkOutput = (doc: Doc, path: string): unknown => {
    if (typeof doc.text !== 'string') throw new Error(`${path}.text: must be string`);
    return doc;
  };
  const endpoint = (streaming: boolean) => ({ streaming, inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, checkOutput });
  const descriptors: ExecutorDescriptors = { [EXECUTOR]: { ...Object.fromEntries(ODD.map((on) => [on, endpoint(false)])), '/stream': endpoint(true), '/boom': endpoint(false) } };
  app = fastify();
  app.post('/service', async () => ({ mine: true }));
  registerExecutorRoutes(app, { [EXECUTOR]: new ExecutorStreamer(EXECUTOR, pool) }, descriptors);
  useGatewayLogger(app, pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) }));
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  pool?.close();
  await server?.close(200);
});

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

describe('registerExecutorRoutes', () => {
  it('percent-encodes every byte outside [A-Za-z0-9-._~] of the names', () => {
    expect(executorRoutePath('my:exec', '/a:b')).toBe('/my%3Aexec/a%3Ab');
    expect(executorRoutePath('enc', 'no-slash')).toBe('/enc/no-slash');
    expect(executorRoutePath('a/b', '/ünï')).toBe('/a%2Fb/%C3%BCn%C3%AF');
  });

  it('serves every endpoint at its encoded path, whatever its name, next to the app\'s own routes', async () => {
    for (const on of ODD) {
      const response = await post(executorRoutePath(EXECUTOR, on), { data: [{ text: 'x' }] });
      expect(response.statusCode, `${on}: ${response.body}`).toBe(200);
      expect(response.json()).toMatchObject({ data: [{ text: `${on}:x` }] });
    }
    // a client that encodes less (a literal ':' is legal in a path) reaches the same route
    expect((await post('/my:exec/a:b', { data: [{ text: 'y' }] })).json()).toMatchObject({ data: [{ text: '/a:b:y' }] });
    expect((await post('/service', {})).json()).toEqual({ mine: true });
    const unknown = await post('/my%3Aexec/nope', { data: [] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'no route POST /my%3Aexec/nope' });
  });

  it('answers 400 for a malformed body, 502 naming the executor for its error, and streams a generator endpoint', async () => {
    const notObject = await post(executorRoutePath(EXECUTOR, '/plain'), [1]);
    expect(notObject.statusCode).toBe(400);
    const badDoc = await post(executorRoutePath(EXECUTOR, '/plain'), { data: [{ text: { nested: 1 } }] });
    expect(badDoc.statusCode).toBe(400);
    expect(badDoc.json().error).toMatch(/^data\[0\]\.text: expected a string/);
    logged.length = 0;
    const boom = await post(executorRoutePath(EXECUTOR, '/boom'), { data: [{ text: 'x' }] });
    expect(boom.statusCode).toBe(502);
    expect(boom.json()).toMatchObject({ executor: EXECUTOR, error: expect.stringMatching(/boom/) });
    // one line on the gateway's logger, naming the executor and the code
    expect(logged).toMatchObject([{ level: 40, protocol: 'http', endpoint: '/boom', executor: EXECUTOR, code: 'ERROR' }]);
    const streamed = await post(executorRoutePath(EXECUTOR, '/stream'), { data: [{ text: 's' }] });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(streamed.body).toBe('data: {"text":"s-0"}\n\ndata: {"text":"s-1"}\n\n');
  });
});
