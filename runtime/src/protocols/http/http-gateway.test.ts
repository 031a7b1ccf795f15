/**
 * The built-in HTTP gateway over real loopback sockets, with our TypeScript executor server as
 * the Flow's deployment: routes and bodies, validation (422 naming the field), every doc back
 * for > requestSize docs, executor/transport errors (500/502/503/504), SSE framing, the built-in
 * routes, start-up before the executor is up, CORS, body limits and shutdown draining.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, serveExecutor } from '../../executor-server/serve-executor.js';
import type { DocModel } from '../../executor-server/endpoint.js';
import { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { NdArray } from '../../wire/doc.js';
import { buildHttpApp } from './http-app.js';
import { type HttpGateway, startHttpGateway } from './http-gateway.js';

const logger = pino({ level: 'silent' });

class ValueError extends Error {
  override readonly name = 'ValueError';
}

const TEXT_DOC: DocModel = {
  name: 'TextDoc',
  schema: {
    title: 'TextDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
      embedding: {
        title: 'Embedding',
        anyOf: [{ type: 'array', items: { type: 'number' }, 'tensor/array shape': 'not specified' }, { type: 'null' }],
        default: null,
      },
      count: { title: 'Count', anyOf: [{ type: 'integer' }, { type: 'null' }], default: null },
      inner: { anyOf: [{ $ref: '#/$defs/Inner' }, { type: 'null' }], default: null },
    },
    required: ['id'],
    $defs: {
      Inner: {
        title: 'Inner',
        type: 'object',
        properties: { label: { title: 'Label', type: 'string' } },
        required: ['label'],
      },
    },
  },
};
const PARAMS: DocModel = {
  name: 'Params',
  schema: {
    title: 'Params',
    type: 'object',
    properties: { k: { title: 'K', type: 'integer', default: 3 }, tag: { title: 'Tag', anyOf: [{ type: 'string' }, { type: 'null' }] } },
  },
};

const batchSizes: number[] = [];
let executor: ExecutorServer;
let streamer: GatewayStreamer;
let gateway: HttpGateway;
let base: string;

function startGateway(overrides: Partial<Parameters<typeof startHttpGateway>[0]> = {}, flowStreamer = streamer) {
  return startHttpGateway({ streamer: flowStreamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000, ...overrides });
}

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'ts',
    className: 'TsExecutor',
    host: '127.0.0.1',
    endpoints: {
      '/echo': {
        input: TEXT_DOC,
        output: TEXT_DOC,
        handler: (docs) => {
          batchSizes.push(docs.length);
          return docs.map((doc) => ({ ...doc, text: `echo:${String(doc.text)}` }));
        },
      },
      '/params': { input: TEXT_DOC, output: TEXT_DOC, parameters: PARAMS, handler: (docs, { parameters }) => ({ k: parameters.k ?? null, n: docs.length }) },
      '/boom': {
        input: TEXT_DOC,
        handler: () => {
          throw new ValueError('boom');
        },
      },
      '/stream': {
        kind: 'generator',
        input: TEXT_DOC,
        output: TEXT_DOC,
        async *handler(doc) {
          for (let i = 0; i < 3; i++) {
            yield { id: `${String(doc.id)}-${i}`, text: `${String(doc.text)}-${i}`, embedding: new NdArray(Float32Array.from([i, 0.5]), [2], '<f4') };
          }
        },
      },
      '/stream-fail': {
        kind: 'generator',
        input: TEXT_DOC,
        output: TEXT_DOC,
        async *handler(doc) {
          yield { id: 'first', text: String(doc.text) };
          throw new ValueError('stream broke');
        },
      },
      '/slow': {
        input: TEXT_DOC,
        handler: async (docs, { parameters }) => {
          await new Promise((resolve) => setTimeout(resolve, Number(parameters.ms ?? 300)));
          return docs;
        },
      },
    },
  });
  streamer = new GatewayStreamer({
    graphDescription: { 'start-gateway': ['ts'], ts: ['end-gateway'] },
    deploymentsAddresses: { ts: [executor.address] },
  });
  gateway = await startGateway();
  await gateway.ready;
  base = `http://127.0.0.1:${gateway.port}`;
});

afterAll(async () => {
  await gateway?.shutdown(1000);
  streamer?.close();
  await executor?.close(500);
});

async function post(path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json, headers: response.headers };
}

/** GET with a body (fetch refuses one), returning status, headers and the raw text. */
function getWithBody(url: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(url, { method: 'GET', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('POST /{endpoint}', () => {
  it('answers a single doc with a list, the doc id as request id, all output fields present', async () => {
    const { status, json } = await post('/echo', { data: { id: 'a', text: 'hi' } });
    expect(status).toBe(200);
    expect(json).toEqual({
      data: [{ id: 'a', text: 'echo:hi', embedding: null, count: null, inner: null }],
      parameters: {},
      header: { request_id: 'a', target_executor: '' },
    });
  });

  it('takes a list, the header request id, tensors (2-D too) and nested docs, and returns them as JSON', async () => {
    const { status, json } = await post('/echo', {
      data: [
        { id: 'a', text: 'x', embedding: [1, 2.5, 3], inner: { label: 'L' } },
        { id: 'b', embedding: [[1, 2], [3, 4]] },
      ],
      header: { request_id: 'req-1', target_executor: null },
      parameters: { any: 'thing' },
    });
    expect(status).toBe(200);
    expect(json.header).toEqual({ request_id: 'req-1', target_executor: '' });
    expect(json.parameters).toEqual({ any: 'thing' });
    expect(json.data[0]).toMatchObject({ id: 'a', text: 'echo:x', embedding: [1, 2.5, 3], inner: { label: 'L' } });
    expect(json.data[1]).toMatchObject({ id: 'b', embedding: [[1, 2], [3, 4]] });
  });

  it("accepts Jina ≤ 3.33's camelCase header aliases", async () => {
    const { json } = await post('/echo', { data: [{ id: 'a', text: 'hi' }], header: { requestId: 'camel', targetExecutor: 'nomatch' } });
    expect(json.header.request_id).toBe('camel');
    expect(json.data[0].text).toBe('hi');
  });

  it('gives docs without an id a random one (docarray does; Jina 3.34 answers 422)', async () => {
    const { status, json } = await post('/echo', { data: [{ text: 'no id' }], header: {} });
    expect(status).toBe(200);
    expect(json.data[0].id).toMatch(/^[0-9a-f]{32}$/);
    expect(json.header.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('returns every doc, in order, for bodies larger than requestSize (Jina returns one batch)', async () => {
    batchSizes.length = 0;
    const data = Array.from({ length: 250 }, (_, i) => ({ id: `d${i}`, text: `t${i}` }));
    const { status, json } = await post('/echo', { data });
    expect(status).toBe(200);
    expect(json.data).toHaveLength(250);
    expect(json.data.map((doc: { id: string }) => doc.id)).toEqual(data.map((doc) => doc.id));
    expect(json.data[249].text).toBe('echo:t249');
    expect(batchSizes.sort((a, b) => b - a)).toEqual([100, 100, 50]);
  });

  it('sends an empty list through the Flow once (executors may answer in parameters)', async () => {
    const { status, json } = await post('/params', { data: [] });
    expect(status).toBe(200);
    expect(json.data).toEqual([]);
    expect(json.parameters.__results__).toEqual({ ts: { k: null, n: 0 } });
  });

  it('applies the parameters model defaults, as Jina sends the model instance', async () => {
    const { json } = await post('/params', { data: [{ id: 'a' }], parameters: { tag: 'x' } });
    expect(json.parameters).toMatchObject({ k: 3, tag: 'x', __results__: { ts: { k: 3, n: 1 } } });
    const none = await post('/params', { data: [{ id: 'a' }] });
    expect(none.json.parameters).toEqual({ __results__: { ts: { k: null, n: 1 } } });
  });

  it('routes with target_executor (a regex that matches nothing passes the docs through)', async () => {
    const { json } = await post('/echo', { data: [{ id: 'a', text: 'hi' }], header: { request_id: 'r', target_executor: 'nomatch' } });
    expect(json.data[0].text).toBe('hi');
    const bad = await post('/echo', { data: [{ id: 'a' }], header: { target_executor: '(' } });
    expect(bad.status).toBe(422);
    expect(bad.json.detail[0].loc).toEqual(['body', 'header', 'target_executor']);
  });

  it('ignores a trailing slash and answers 404 in FastAPI shape for unknown paths', async () => {
    expect((await post('/echo/', { data: [] })).status).toBe(200);
    const missing = await post('/nope', { data: [] });
    expect(missing).toMatchObject({ status: 404, json: { detail: 'Not Found' } });
  });
});

describe('validation', () => {
  it('names the field: wrong scalar type', async () => {
    const { status, json } = await post('/echo', { data: [{ id: 'a', text: 5 }] });
    expect(status).toBe(422);
    expect(json.detail).toEqual([{ type: 'string_type', loc: ['body', 'data', 0, 'text'], msg: 'Input should be a valid string', input: 5 }]);
  });

  it('names the field: single object, nested doc, tensor, parameters, missing data', async () => {
    const single = await post('/echo', { data: { id: 'a', count: 'many' } });
    expect(single.json.detail).toEqual([expect.objectContaining({ loc: ['body', 'data', 'count'], type: 'int_type' })]);
    const nested = await post('/echo', { data: [{ id: 'a' }, { id: 'b', inner: { label: 1 } }] });
    expect(nested.json.detail).toEqual([expect.objectContaining({ loc: ['body', 'data', 1, 'inner', 'label'] })]);
    const missingLabel = await post('/echo', { data: [{ id: 'a', inner: {} }] });
    expect(missingLabel.json.detail).toEqual([{ type: 'missing', loc: ['body', 'data', 0, 'inner', 'label'], msg: 'Field required' }]);
    const tensor = await post('/echo', { data: [{ id: 'a', embedding: 'x' }] });
    expect(tensor.status).toBe(422);
    expect(tensor.json.detail).toEqual([expect.objectContaining({ loc: ['body', 'data', 0, 'embedding'], type: 'tensor_type' })]);
    const ragged = await post('/echo', { data: [{ id: 'a', embedding: [[1, 2], [3]] }] });
    expect(ragged.status).toBe(422);
    expect(ragged.json.detail[0].loc.slice(0, 4)).toEqual(['body', 'data', 0, 'embedding']);
    const params = await post('/params', { data: [{ id: 'a' }], parameters: { k: 'x' } });
    expect(params.json.detail).toEqual([expect.objectContaining({ loc: ['body', 'parameters', 'k'], type: 'int_type' })]);
    const noData = await post('/echo', { dat: [] });
    expect(noData).toMatchObject({ status: 422, json: { detail: [{ type: 'missing', loc: ['body', 'data'], msg: 'Field required' }] } });
    const notObject = await post('/echo', { data: [1] });
    expect(notObject.json.detail[0].loc).toEqual(['body', 'data', 0]);
  });

  it('reports every problem of a body, capped', async () => {
    const data = Array.from({ length: 200 }, (_, i) => ({ id: i }));
    const { status, json } = await post('/echo', { data });
    expect(status).toBe(422);
    expect(json.detail.length).toBe(50);
    expect(json.detail[0].loc).toEqual(['body', 'data', 0, 'id']);
  });

  it('malformed JSON → 400, empty body → 422, form-encoded → 422, no Content-Type → JSON', async () => {
    const malformed = await post('/echo', '{bad json');
    expect(malformed.status).toBe(400);
    expect(malformed.json.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body'] });
    const empty = await post('/echo', '');
    expect(empty).toMatchObject({ status: 422, json: { detail: [{ type: 'missing', loc: ['body'] }] } });
    const form = await post('/echo', JSON.stringify({ data: [] }), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(422);
    expect(form.json.detail[0].type).toBe('model_attributes_type');
    const bare = await fetch(`${base}/echo`, { method: 'POST', body: new Blob([JSON.stringify({ data: [{ id: 'n', text: 't' }] })]) });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as any).data[0].text).toBe('echo:t');
  });

  it('deeply nested JSON is a 4xx, not a crash', async () => {
    const deep = `{"data":[{"id":"a","embedding":${'['.repeat(50_000)}1${']'.repeat(50_000)}}],"parameters":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
    const { status } = await post('/echo', deep);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect((await post('/echo', { data: [{ id: 'after' }] })).status).toBe(200);
  });
});

describe('errors', () => {
  it('executor error → 500 with Jina detail and the exception in header.status', async () => {
    const { status, json } = await post('/boom', { data: [{ id: 'a' }], header: { request_id: 'rb' } });
    expect(status).toBe(500);
    expect(json.detail).toBe("ValueError('boom')");
    expect(json.header).toMatchObject({
      request_id: 'rb',
      status: { code: 1, description: "ValueError('boom')", exception: { name: 'ValueError', args: ['boom'], executor: 'TsExecutor' } },
    });
    expect(json.header.status.exception.stacks.length).toBeGreaterThan(0);
  });

  it('unreachable deployment → 503, deadline → 504, each naming the deployment and address', async () => {
    const doomed = await serveExecutor({ name: 'doomed', host: '127.0.0.1', endpoints: { '/x': { handler: (docs) => docs } } });
    const doomedStreamer = new GatewayStreamer({
      graphDescription: { 'start-gateway': ['doomed'], doomed: ['end-gateway'] },
      deploymentsAddresses: { doomed: [doomed.address] },
      retries: 0,
    });
    const slowStreamer = new GatewayStreamer({
      graphDescription: { 'start-gateway': ['ts'], ts: ['end-gateway'] },
      deploymentsAddresses: { ts: [executor.address] },
      timeoutSend: 100,
      retries: 0,
    });
    const [g503, g504] = await Promise.all([startGateway({}, doomedStreamer), startGateway({}, slowStreamer)]);
    try {
      await Promise.all([g503.ready, g504.ready]);
      await doomed.close(0);
      const down = await fetch(`http://127.0.0.1:${g503.port}/x`, { method: 'POST', body: JSON.stringify({ data: [{ id: 'a' }] }) });
      expect(down.status).toBe(503);
      const downBody = (await down.json()) as any;
      expect(downBody.detail).toContain('"doomed"');
      expect(downBody.detail).toContain(doomed.address);
      expect(downBody.header.status.description).toBe(downBody.detail);

      const late = await fetch(`http://127.0.0.1:${g504.port}/slow`, {
        method: 'POST',
        body: JSON.stringify({ data: [{ id: 'a' }], parameters: { ms: 1000 } }),
      });
      expect(late.status).toBe(504);
      expect(((await late.json()) as any).detail).toMatch(/DEADLINE_EXCEEDED.*"ts".*127\.0\.0\.1/);
    } finally {
      await Promise.all([g503.shutdown(100), g504.shutdown(100)]);
      doomedStreamer.close();
      slowStreamer.close();
    }
  });
});

describe('GET /{endpoint} (SSE) for generator endpoints', () => {
  it('streams update frames with real tensors, then end (JSON body, as the Jina client sends)', async () => {
    const { status, headers, text } = await getWithBody(`${base}/stream`, { id: 's', text: 'hey' });
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['x-accel-buffering']).toBe('no');
    const frames = text.split('\r\n\r\n');
    expect(frames.at(-1)).toBe('');
    expect(frames.at(-2)).toBe('event: end');
    const updates = frames.filter((frame) => frame.startsWith('event: update\r\ndata: '));
    expect(updates).toHaveLength(3);
    expect(JSON.parse(updates[1]!.slice('event: update\r\ndata: '.length))).toEqual({
      id: 's-1',
      text: 'hey-1',
      embedding: [1, 0.5],
      count: null,
      inner: null,
    });
  });

  it('takes the input doc from query parameters', async () => {
    const response = await fetch(`${base}/stream?id=q&text=yo&count=3`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text.startsWith('event: update\r\ndata: {"id":"q-0","text":"yo-0"')).toBe(true);
    const invalid = await fetch(`${base}/stream?count=many`);
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as any).detail[0].loc).toEqual(['query', 'count']);
  });

  it('an executor error mid-stream is an error event, then end', async () => {
    const { status, text } = await getWithBody(`${base}/stream-fail`, { id: 'f', text: 'x' });
    expect(status).toBe(200);
    const frames = text.split('\r\n\r\n').filter(Boolean);
    expect(frames[0]).toMatch(/^event: update\r\ndata: \{"id":"first"/);
    expect(frames[1]).toMatch(/^event: error\r\ndata: /);
    expect(JSON.parse(frames[1]!.split('data: ')[1]!)).toMatchObject({ detail: "ValueError('stream broke')" });
    expect(frames[2]).toBe('event: end');
  });
});

describe('built-in routes', () => {
  it('GET / is the health check', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it('GET /status has jina and envs maps', async () => {
    const body = (await (await fetch(`${base}/status`)).json()) as any;
    expect(body.jina['jina-ts-runtime']).toBeTypeOf('string');
    expect(body.envs).toHaveProperty('JINA_LOG_LEVEL');
  });

  it('GET /dry_run answers code 0', async () => {
    expect(await (await fetch(`${base}/dry_run`)).json()).toEqual({ code: 0, description: '', exception: null });
  });

  it('GET /openapi.json describes the endpoints with compilable schemas; Swagger UI at /docs', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('My Jina Service');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/', '/status', '/dry_run', '/echo', '/params', '/boom', '/slow', '/stream']));
    expect(doc.paths['/echo'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/echo_input_model' });
    expect(doc.paths['/stream'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'text', 'count']);
    expect(doc.components.schemas.TextDoc.properties.inner.anyOf[0]).toEqual({ $ref: '#/components/schemas/Inner' });
    expect(doc.components.schemas.params_input_model.properties.parameters.anyOf[0]).toEqual({ $ref: '#/components/schemas/Params' });
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    for (const name of Object.keys(doc.components.schemas)) expect(() => ajv.compile({ $ref: `openapi#/components/schemas/${name}` })).not.toThrow();
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/echo_output_model' });
    expect(validate((await post('/echo', { data: { id: 'v', embedding: [1] } })).json)).toBe(true);
    const ui = await fetch(`${base}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});

describe('start-up and options', () => {
  it('answers 503 naming the missing deployment until discovery succeeds, then serves', async () => {
    const port = await freePort();
    const lateStreamer = new GatewayStreamer({
      graphDescription: { 'start-gateway': ['late'], late: ['end-gateway'] },
      deploymentsAddresses: { late: [`grpc://127.0.0.1:${port}`] },
    });
    const logs: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) });
    const late = await startGateway({ discoveryRetryMs: 50, logger: capture }, lateStreamer);
    let lateExecutor: ExecutorServer | undefined;
    try {
      // until the first discovery round has failed, the detail only says discovery is in progress
      let before: { status: number; detail: string } = { status: 0, detail: '' };
      for (let attempt = 0; attempt < 100 && !before.detail.includes('not answering'); attempt++) {
        const response = await fetch(`http://127.0.0.1:${late.port}/`);
        before = { status: response.status, detail: ((await response.json()) as any).detail };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(before.status).toBe(503);
      expect(before.detail).toContain(`deployment "late" at grpc://127.0.0.1:${port} is not answering`);
      expect((await fetch(`http://127.0.0.1:${late.port}/status`)).status).toBe(200);
      // logged once when it starts failing, not once per retry
      const warnings = logs.filter((line) => line.includes(`deployment \\"late\\" at grpc://127.0.0.1:${port} is not answering`));
      expect(warnings).toHaveLength(1);
      lateExecutor = await serveExecutor({ name: 'late', host: '127.0.0.1', port, endpoints: { '/x': { handler: (docs) => docs } } });
      await late.ready;
      expect((await fetch(`http://127.0.0.1:${late.port}/`)).status).toBe(200);
    } finally {
      await late.shutdown(100);
      lateStreamer.close();
      await lateExecutor?.close(0);
    }
  });

  it('shutdown during discovery rejects ready and frees the port', async () => {
    const port = await freePort();
    const never = new GatewayStreamer({
      graphDescription: { 'start-gateway': ['never'], never: ['end-gateway'] },
      deploymentsAddresses: { never: [`grpc://127.0.0.1:${port}`] },
    });
    const g = await startGateway({ discoveryRetryMs: 50 }, never);
    await g.shutdown(100);
    await expect(g.ready).rejects.toThrow(/shutting down/);
    await expect(fetch(`http://127.0.0.1:${g.port}/`)).rejects.toThrow();
    never.close();
  });

  it('CORS only when asked; title and description in the OpenAPI document; bodyLimit → 413', async () => {
    const g = await startGateway({ cors: true, title: 'T', description: 'D', bodyLimit: 1000 });
    try {
      await g.ready;
      const url = `http://127.0.0.1:${g.port}`;
      const withCors = await fetch(`${url}/echo`, { method: 'POST', headers: { origin: 'http://x.example' }, body: JSON.stringify({ data: [] }) });
      expect(withCors.headers.get('access-control-allow-origin')).toBe('http://x.example');
      const preflight = await fetch(`${url}/echo`, { method: 'OPTIONS', headers: { origin: 'http://x.example', 'access-control-request-method': 'POST' } });
      expect(preflight.status).toBeLessThan(300);
      const sse = await fetch(`${url}/stream?id=c`, { headers: { origin: 'http://x.example' } });
      expect(sse.headers.get('access-control-allow-origin')).toBe('http://x.example');
      await sse.text();
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
      expect(doc.info).toMatchObject({ title: 'T', description: 'D' });
      const big = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [{ id: 'x'.repeat(2000) }] }) });
      expect(big.status).toBe(413);
      expect(((await big.json()) as any).detail).toContain('1000 bytes');
    } finally {
      await g.shutdown(100);
    }
    const plain = await fetch(`${base}/echo`, { method: 'POST', headers: { origin: 'http://x.example' }, body: JSON.stringify({ data: [] }) });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shutdown lets requests in flight finish, then refuses connections', async () => {
    const g = await startGateway();
    await g.ready;
    const url = `http://127.0.0.1:${g.port}`;
    const inFlight = Array.from({ length: 5 }, (_, i) =>
      fetch(`${url}/slow`, { method: 'POST', body: JSON.stringify({ data: [{ id: `s${i}` }], parameters: { ms: 300 } }) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = g.shutdown(5000);
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((a) => a.body.data[0].id)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    await stopped;
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });
});

describe('TLS and reuse of the app', () => {
  it('serves https on the same port when given a certificate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jina-ts-http-tls-'));
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
        const ca = readFileSync(certFile);
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const payload = JSON.stringify({ data: { id: 'tls', text: 'secure' } });
          const req = httpsRequest(`https://127.0.0.1:${g.port}/echo`, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          req.on('error', reject);
          req.end(payload);
        });
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body).data[0].text).toBe('echo:secure');
        // plain http on the TLS port is refused, not served
        await expect(fetch(`http://127.0.0.1:${g.port}/`)).rejects.toThrow();
      } finally {
        await g.shutdown(100);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('buildHttpApp: the routes on an app that does not listen; own routes and own GET / can be added', async () => {
    const app = await buildHttpApp({ streamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000, healthCheck: false });
    app.get('/', async () => ({ mine: true }));
    app.post('/service', async (request) => ({ got: request.body }));
    const health = await app.inject({ method: 'GET', url: '/' });
    expect(health.json()).toEqual({ mine: true });
    const echo = await app.inject({ method: 'POST', url: '/echo', payload: { data: { id: 'i', text: 'injected' } } });
    expect(echo.json().data[0].text).toBe('echo:injected');
    const service = await app.inject({ method: 'POST', url: '/service', payload: { x: 1 } });
    expect(service.json()).toEqual({ got: { x: 1 } });
    await app.close();
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
