/**
 * The streamer over real gRPC on loopback, with our TypeScript executors as the peers: Flow
 * routing (fan-out, join with reduce, `when` filters, target_executor, pass-through of nodes that
 * do not bind the endpoint, executor-specific parameters, __results__), errors and post().
 */
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { rawService } from '../grpc/raw-service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataContentFromDocList, decodeDataRequest, encodeDataRequest } from '../wire/data-request.js';
import { encodeDocList } from '../wire/doc-codec.js';
import { ExecutorError, ExecutorNetworkError } from '../executor/errors.js';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import type { Doc } from '../wire/doc.js';
import { GatewayStreamer } from './gateway-streamer.js';

const servers: ExecutorServer[] = [];
const streamers: GatewayStreamer[] = [];
let addresses: Record<string, string[]>;

async function serve(name: string, endpoints: Parameters<typeof serveExecutor>[0]['endpoints']): Promise<string> {
  const server = await serveExecutor({ name, host: '127.0.0.1', endpoints });
  servers.push(server);
  return server.address;
}

function streamer(options: ConstructorParameters<typeof GatewayStreamer>[0]): GatewayStreamer {
  const created = new GatewayStreamer(options);
  streamers.push(created);
  return created;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

beforeAll(async () => {
  const tag = (field: string, value: string) => ({
    handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, [field]: value })),
  });
  addresses = {
    enc: [await serve('enc', { '/run': tag('stage', 'enc'), '/other': tag('stage', 'enc-other') })],
    a: [await serve('a', { '/run': { handler: (docs: Doc[], { parameters }) => {
      for (const doc of docs) doc.text_a = `a:${String(doc.text)}:${String(parameters.suffix ?? '')}`;
      return { seen: docs.length };
    } } })],
    b: [await serve('b', { '/run': { handler: (docs: Doc[]) => {
      for (const doc of docs) doc.text_b = `b:${String(doc.text)}`;
    } } })],
    join: [await serve('join', { '/default': { handler: (docs: Doc[]) => docs.map((doc) => ({ ...doc, joined: true })) } })],
    boom: [await serve('boom', { '/run': { handler: () => {
      throw new TypeError('bad input');
    } } })],
    slow: [await serve('slow', { '/run': { handler: async (docs: Doc[]) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return docs;
    } } })],
  };
});

afterAll(async () => {
  for (const created of streamers) created.close();
  await Promise.all(servers.map((server) => server.close(100)));
});

const dag = () => ({
  graphDescription: JSON.stringify({ 'start-gateway': ['enc'], enc: ['a', 'b'], a: ['join'], b: ['join'], join: ['end-gateway'] }),
  deploymentsAddresses: JSON.stringify({ enc: addresses.enc, a: addresses.a, b: addresses.b, join: addresses.join }),
});

describe('GatewayStreamer', () => {
  it('fans out, joins with reduce by id, and merges __results__', async () => {
    const flow = streamer(dag());
    const [result] = await collect(
      flow.stream({ docs: [{ id: 'd1', text: 'x' }, { id: 'd2', text: 'y' }], execEndpoint: '/run', parameters: { a__suffix: '!' } }),
    );
    expect(result!.error).toBeUndefined();
    expect(result!.docs).toEqual([
      { id: 'd1', text: 'x', stage: 'enc', text_a: 'a:x:!', text_b: 'b:x', joined: true },
      { id: 'd2', text: 'y', stage: 'enc', text_a: 'a:y:!', text_b: 'b:y', joined: true },
    ]);
    expect(result!.response.parameters).toEqual({ a__suffix: '!', __results__: { a: { seen: 2 } } });
    expect(result!.response.routes.map((route) => route.executor)).toEqual(['gateway', 'enc', 'a', 'b', 'join']);
  });

  it('passes through nodes that bind neither the endpoint nor /default', async () => {
    const flow = streamer(dag());
    const [docs] = await collect(flow.streamDocs({ docs: [{ id: 'd1', text: 'x' }], execEndpoint: '/other' }));
    // a and b do not bind /other: only enc and join (via /default) run
    expect(docs).toEqual([{ id: 'd1', text: 'x', stage: 'enc-other', joined: true }]);
  });

  it('applies when-filters and restores the request order', async () => {
    const flow = streamer({
      ...dag(),
      graphConditions: JSON.stringify({ a: { text: { $eq: 'x' } }, b: { text: { $neq: 'x' } } }),
    });
    const [docs] = await collect(flow.streamDocs({ docs: [{ id: 'd1', text: 'x' }, { id: 'd2', text: 'y' }], execEndpoint: '/run' }));
    expect(docs).toEqual([
      { id: 'd1', text: 'x', stage: 'enc', text_a: 'a:x:', joined: true },
      { id: 'd2', text: 'y', stage: 'enc', text_b: 'b:y', joined: true },
    ]);
  });

  it('runs only target_executor matches (re.match)', async () => {
    const flow = streamer(dag());
    const [docs] = await collect(flow.streamDocs({ docs: [{ id: 'd1', text: 'x' }], execEndpoint: '/run', targetExecutor: 'en' }));
    expect(docs).toEqual([{ id: 'd1', text: 'x', stage: 'enc' }]);
  });

  it('splits into requestSize batches and keeps order with resultsInOrder', async () => {
    const flow = streamer(dag());
    const docs = Array.from({ length: 23 }, (_, i) => ({ id: `d${i}`, text: `t${i}` }));
    const batches = await collect(flow.streamDocs({ docs, execEndpoint: '/run', requestSize: 5, resultsInOrder: true }));
    expect(batches.map((batch) => batch.length)).toEqual([5, 5, 5, 5, 3]);
    expect(batches.flat().map((doc) => doc.id)).toEqual(docs.map((doc) => doc.id));
  });

  it('stops a branch at an executor error and reports it in-band (stream) or raises (streamDocs)', async () => {
    const options = {
      graphDescription: { 'start-gateway': ['boom'], boom: ['join'], join: ['end-gateway'] },
      deploymentsAddresses: { boom: addresses.boom, join: addresses.join },
    };
    const flow = streamer(options);
    const [result] = await collect(flow.stream({ docs: [{ id: 'd1' }], execEndpoint: '/run' }));
    expect(result!.error).toBeInstanceOf(ExecutorError);
    expect(result!.error!.exceptionName).toBe('TypeError');
    expect(result!.error!.args).toEqual(['bad input']);
    // join was not called after the error
    expect(result!.response.routes.map((route) => route.executor)).toEqual(['gateway', 'boom']);
    await expect(collect(flow.streamDocs({ docs: [{ id: 'd1' }], execEndpoint: '/run' }))).rejects.toThrow(/TypeError\('bad input'\)/);
  });

  it('names the deployment and address when an executor is unreachable', async () => {
    const flow = streamer({
      graphDescription: { 'start-gateway': ['ghost'], ghost: ['end-gateway'] },
      deploymentsAddresses: { ghost: ['grpc://127.0.0.1:1'] },
      retries: 1,
    });
    const error = await collect(flow.streamDocs({ docs: [{ id: 'd1' }], execEndpoint: '/run' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorNetworkError);
    expect((error as Error).message).toMatch(/UNAVAILABLE: communication error with deployment "ghost" at address\(es\) grpc:\/\/127\.0\.0\.1:1/);
    await expect(flow.executor.ghost!.post({ on: '/run', inputs: [{}] })).rejects.toThrow(/deployment "ghost"/);
  });

  it('gives DEADLINE_EXCEEDED naming the deployment when --timeout-send passes', async () => {
    const flow = streamer({
      graphDescription: { 'start-gateway': ['slow'], slow: ['end-gateway'] },
      deploymentsAddresses: { slow: addresses.slow },
      timeoutSend: 50,
      retries: 0,
    });
    const error = await collect(flow.streamDocs({ docs: [{ id: 'd1' }], execEndpoint: '/run' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorNetworkError);
    expect((error as ExecutorNetworkError).code).toBe(4);
    expect((error as Error).message).toMatch(/DEADLINE_EXCEEDED.*deployment "slow"/);
  });

  it('rebuilds itself from JINA_STREAMER_ARGS', async () => {
    const options = dag();
    const rebuilt = GatewayStreamer.get({ JINA_STREAMER_ARGS: GatewayStreamer.argsFor(options) });
    streamers.push(rebuilt);
    const [docs] = await collect(rebuilt.streamDocs({ docs: [{ id: 'd1', text: 'x' }], execEndpoint: '/run' }));
    expect(docs?.[0]).toMatchObject({ text_a: 'a:x:', text_b: 'b:x', joined: true });
    expect(() => GatewayStreamer.get({})).toThrow(/JINA_STREAMER_ARGS environment variable is not set/);
    // the executor transport comes from JINA_TS_EXECUTOR_TRANSPORT (startGateway sets it from the flag)
    const overGrpcJs = GatewayStreamer.get({ JINA_STREAMER_ARGS: GatewayStreamer.argsFor(options), JINA_TS_EXECUTOR_TRANSPORT: 'grpc-js' });
    streamers.push(overGrpcJs);
    const [again] = await collect(overGrpcJs.streamDocs({ docs: [{ id: 'd1', text: 'y' }], execEndpoint: '/run' }));
    expect(again?.[0]).toMatchObject({ text_a: 'a:y:', text_b: 'b:y', joined: true });
    expect(() => GatewayStreamer.get({ JINA_STREAMER_ARGS: GatewayStreamer.argsFor(options), JINA_TS_EXECUTOR_TRANSPORT: 'h2' })).toThrow(
      'JINA_TS_EXECUTOR_TRANSPORT: expected one of own | grpc-js, got "h2"',
    );
  });

  it('forwards the client bytes untouched when a node gets the request unchanged, re-encodes otherwise', async () => {
    const received: Buffer[] = [];
    const recorder = new Server();
    recorder.addService(
      rawService('jina.JinaSingleDataRequestRPC', 'process_single_data'),
      { process_single_data: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        received.push(call.request);
        callback(null, call.request);
      } },
    );
    const port = await new Promise<number>((resolve, reject) =>
      recorder.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const flow = streamer({ deploymentsAddresses: { rec: [`grpc://127.0.0.1:${port}`] }, graphDescription: { 'start-gateway': ['rec'], rec: ['end-gateway'] } });
    try {
      const encode = (targetExecutor?: string) =>
        encodeDataRequest({
          header: { requestId: 'r', status: undefined, execEndpoint: '/x', ...(targetExecutor === undefined ? {} : { targetExecutor }) },
          parameters: { k: 1 },
          routes: [],
          data: dataContentFromDocList(encodeDocList([{ id: 'd', text: 'payload' }])),
        });
      const plain = encode();
      await flow.processRequest(decodeDataRequest(plain), { raw: plain });
      expect(received[0]!.equals(plain)).toBe(true);
      // a target_executor must be cleared before it reaches the executor: the request is rebuilt
      const targeted = encode('rec');
      await flow.processRequest(decodeDataRequest(targeted), { raw: targeted });
      expect(received[1]!.equals(targeted)).toBe(false);
      expect(decodeDataRequest(received[1]!).header.targetExecutor).toBe('');
    } finally {
      recorder.forceShutdown();
    }
  });

  it('types and checks returned docs with returnType, naming the failing doc', async () => {
    const flow = streamer(dag());
    interface Tagged {
      id: string;
      text_a: string;
    }
    const tagged = (doc: Doc, path: string): Tagged => {
      if (typeof doc.id !== 'string' || typeof doc.text_a !== 'string') throw new TypeError(`${path}: not a Tagged doc`);
      return { id: doc.id, text_a: doc.text_a };
    };
    const docs: Tagged[] = await flow.executor.a!.post({ on: '/run', inputs: [{ id: 'q', text: 'z' }], returnType: tagged });
    expect(docs).toEqual([{ id: 'q', text_a: 'a:z:' }]);
    const [streamed] = await collect(flow.streamDocs({ docs: [{ id: 'q', text: 'z' }], execEndpoint: '/run', returnType: tagged }));
    expect(streamed).toEqual([{ id: 'q', text_a: 'a:z:' }]);
    await expect(flow.executor.b!.post({ on: '/run', inputs: [{ id: 'q' }], returnType: tagged })).rejects.toThrow('b/run[0]: not a Tagged doc');
  });

  it('offers executor[name].post for every deployment, raising executor errors', async () => {
    const flow = streamer(dag());
    expect(Object.keys(flow.executor).sort()).toEqual(['a', 'b', 'enc', 'join']);
    const docs = await flow.executor.a!.post({ on: '/run', inputs: [{ id: 'q', text: 'z' }], parameters: { suffix: '?' } });
    expect(docs).toEqual([{ id: 'q', text: 'z', text_a: 'a:z:?' }]);
  });
});
