/**
 * Our TypeScript executor server, called over real gRPC on loopback by our own executor client:
 * the three endpoint kinds, /default routing, executor errors in-band, discovery and health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../executor/connection-pool.js';
import { ExecutorError } from '../executor/errors.js';
import { ExecutorStreamer } from '../streamer/executor-streamer.js';
import { NdArray } from '../wire/doc.js';
import { decodeDataRequest } from '../wire/data-request.js';
import { docFromProto, docToProto } from '../wire/doc-codec.js';
import { SingleDocumentRequestProto } from '../wire/gen/jina/jina.pb.js';
import { type ExecutorServer, serveExecutor } from './serve-executor.js';

let server: ExecutorServer;
let pool: ConnectionPool;
let executor: ExecutorStreamer;

beforeAll(async () => {
  server = await serveExecutor({
    name: 'upper',
    className: 'UpperExecutor',
    host: '127.0.0.1',
    endpoints: {
      '/upper': {
        handler: (docs) => docs.map((doc) => ({ ...doc, text: String(doc.text).toUpperCase() })),
      },
      '/embed': {
        handler: (docs) =>
          docs.map((doc) => ({ id: doc.id!, embedding: new NdArray(Float32Array.from([1, 2, 3]), [3], '<f4') })),
      },
      '/count': { handler: (docs, { parameters }) => ({ count: docs.length, echo: parameters.echo ?? null }) },
      '/single': { kind: 'singleton', handler: (doc) => ({ ...doc, text: `single:${String(doc.text)}` }) },
      '/stream': {
        kind: 'generator',
        async *handler(doc) {
          for (let i = 0; i < 3; i++) yield { text: `${String(doc.text)}-${i}` };
        },
      },
      '/boom': {
        handler: () => {
          throw new RangeError("it's broken");
        },
      },
      '/default': { handler: (docs) => docs.map((doc) => ({ ...doc, text: 'default' })) },
    },
  });
  pool = new ConnectionPool({ upper: [server.address] });
  executor = new ExecutorStreamer('upper', pool);
});

afterAll(async () => {
  pool.close();
  await server.close();
});

describe('serveExecutor', () => {
  it('runs batch endpoints, keeping ids and order across parallel batches', async () => {
    const inputs = Array.from({ length: 25 }, (_, i) => ({ id: `d${i}`, text: `t${i}` }));
    const docs = await executor.post({ on: '/upper', inputs, requestSize: 4 });
    expect(docs.map((doc) => doc.id)).toEqual(inputs.map((doc) => doc.id));
    expect(docs[24]).toMatchObject({ id: 'd24', text: 'T24' });
  });

  it('returns tensors with dtype and shape', async () => {
    const [doc] = await executor.post({ on: '/embed', inputs: [{ id: 'x', text: 'hi' }] });
    const embedding = doc!.embedding as NdArray;
    expect(embedding.dtype).toBe('<f4');
    expect(embedding.shape).toEqual([3]);
    expect(Array.from(embedding.data as Float32Array)).toEqual([1, 2, 3]);
  });

  it('adds a returned dict to __results__ under the deployment name', async () => {
    const deployment = pool.get('upper');
    const { encodeDataRequest, dataContentFromDocList } = await import('../wire/data-request.js');
    const { encodeDocList } = await import('../wire/doc-codec.js');
    const request = encodeDataRequest({
      header: { requestId: 'r', status: undefined, execEndpoint: '/count' },
      parameters: { echo: 'yes', other__echo: 'not for me' },
      routes: [],
      data: dataContentFromDocList(encodeDocList([{ text: 'a' }, { text: 'b' }])),
    });
    const { response, isError } = await deployment.processSingleData(request, { endpoint: '/count' });
    expect(isError).toBe(false);
    const decoded = decodeDataRequest(response);
    expect(decoded.parameters.__results__).toEqual({ upper: { count: 2, echo: 'yes' } });
    expect(decoded.routes.map((route) => route.executor)).toEqual(['upper']);
  });

  it('calls singleton endpoints once per doc', async () => {
    const docs = await executor.post({ on: '/single', inputs: [{ text: 'a' }, { text: 'b' }] });
    expect(docs.map((doc) => doc.text)).toEqual(['single:a', 'single:b']);
  });

  it('serves /default for endpoints it does not bind', async () => {
    const docs = await executor.post({ on: '/nope', inputs: [{ text: 'a' }] });
    expect(docs[0]?.text).toBe('default');
  });

  it('raises executor errors with name, args, stacks and class, as Jina reports them', async () => {
    const error = await executor.post({ on: '/boom', inputs: [{ text: 'a' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorError);
    const executorError = error as ExecutorError;
    expect(executorError.exceptionName).toBe('RangeError');
    expect(executorError.args).toEqual(["it's broken"]);
    expect(executorError.description).toBe(`RangeError("it's broken")`);
    expect(executorError.executor).toBe('UpperExecutor');
    expect(executorError.stacks.length).toBeGreaterThan(0);
    expect(executorError.deployment).toBe('upper');
  });

  it('streams generator endpoints through stream_doc', async () => {
    const request = Buffer.from(
      SingleDocumentRequestProto.encode({
        header: { requestId: 's', status: undefined, execEndpoint: '/stream' },
        parameters: {},
        routes: [],
        document: docToProto({ text: 'x' }),
      }).finish(),
    );
    const texts: string[] = [];
    for await (const bytes of pool.get('upper').streamDoc(request, { endpoint: '/stream' })) {
      const reply = SingleDocumentRequestProto.decode(bytes);
      texts.push(String(docFromProto(reply.document!).text));
    }
    expect(texts).toEqual(['x-0', 'x-1', 'x-2']);
  });

  it('reports its endpoints and schemas in Jina executor layout, with _jina_dry_run_', async () => {
    const discovery = await pool.get('upper').endpointDiscovery();
    expect(discovery.endpoints).toEqual(['/upper', '/embed', '/count', '/single', '/stream', '/boom', '/default', '_jina_dry_run_']);
    const schemas = discovery.schemas as Record<string, Record<string, unknown>>;
    expect(schemas['/stream']).toMatchObject({ is_generator: true, is_singleton_doc: false, input: { name: 'BaseDoc' } });
    expect(schemas['/single']).toMatchObject({ is_generator: false, is_singleton_doc: true });
    expect(schemas['/upper']!.parameters).toEqual({ name: null, model: null });
  });

  it('answers health checks and _status', async () => {
    expect(await pool.get('upper').isHealthy()).toBe(true);
    const info = await pool.get('upper').status();
    expect(info.jina['jina-ts-runtime']).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.envs).toHaveProperty('JINA_LOG_LEVEL');
  });
});
