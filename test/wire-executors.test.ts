/**
 * Our runtime against real Jina Executors (jina 3.34.0 from .venv): every endpoint shape the
 * executors in test/executors/ declare, called through executor[name].post() and the
 * GatewayStreamer, with every field checked to round-trip exactly (tensor bytes, dtypes, shapes,
 * ids, None, nested docs, parameters, __results__, errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeDataRequest,
  DeploymentClient,
  dataContentFromDocList,
  decodeDocList,
  docListFromDataContent,
  encodeDataRequest,
  encodeDocList,
  ExecutorError,
  GatewayStreamer,
  NdArray,
  type Doc,
} from '../runtime/src/index.js';
import { EXECUTORS, type JinaExecutor, singleNodeGraph, startJinaExecutor } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const NAMES = ['embedder', 'nested', 'nestedDocList', 'optional', 'params', 'kinds', 'textOps'] as const;
const executors = {} as Record<(typeof NAMES)[number] | 'echo', JinaExecutor>;
let streamer: GatewayStreamer;

beforeAll(async () => {
  await Promise.all([
    ...NAMES.map(async (name) => {
      executors[name] = await startJinaExecutor({ name, ...EXECUTORS[name] });
    }),
    startJinaExecutor({ name: 'echo', ...EXECUTORS.echo, replicas: 2 }).then((echo) => {
      executors.echo = echo;
    }),
  ]);
  const addresses = Object.fromEntries(Object.values(executors).map((executor) => [executor.name, executor.addresses]));
  // A graph-less gateway: every deployment is reachable with executor[name].post()
  streamer = new GatewayStreamer({ deploymentsAddresses: addresses });
});

afterAll(() => streamer?.close());

describe('executor[name].post() against real Jina executors', () => {
  it('echoes TextDocs with their ids, over two replicas round-robin', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => ({ id: `id-${i}`, text: `hello ${i}` }));
    const docs = await streamer.executor.echo!.post({ on: '/echo', inputs, requestSize: 1 });
    expect(docs.map((doc) => [doc.id, doc.text])).toEqual(inputs.map((doc) => [doc.id, doc.text]));

    // the replica that answered each call: both, in turn
    const client = new DeploymentClient('echo', executors.echo.addresses);
    const answered = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const request = encodeDataRequest({
        header: { requestId: `r${i}`, status: undefined, execEndpoint: '/echo' },
        parameters: {},
        routes: [],
        data: dataContentFromDocList(encodeDocList([{ text: 'x' }])),
      });
      const result = await client.processSingleData(request, { endpoint: '/echo' });
      answered.add(result.address);
      // Jina's worker names its route by deployment, without the replica suffix of its --name
      expect(decodeDataRequest(result.response).routes.map((route) => route.executor)).toEqual(['echo']);
    }
    client.close();
    expect(answered).toEqual(new Set(executors.echo.addresses));
  });

  it('carries 4 MiB documents both ways, eight at once (HTTP/2 flow control against grpc-core\'s windows)', async () => {
    // grpc-core opens with 64 KiB windows: each request waits for its WINDOW_UPDATEs, and the
    // answers come back over the 8 MiB windows our client gives
    const texts = Array.from({ length: 8 }, (_, i) => String.fromCharCode(97 + i).repeat(4 * 1024 * 1024 - i));
    const docs = await Promise.all(texts.map((text, i) => streamer.executor.echo!.post({ on: '/echo', inputs: [{ id: `big-${i}`, text }] })));
    // each answer is its own request's document, byte for byte
    expect(docs.map((answer) => answer.map((doc) => [doc.id, String(doc.text).length, doc.text === texts[Number(String(doc.id).slice(4))]]))).toEqual(
      texts.map((text, i) => [[`big-${i}`, text.length, true]]),
    );
    // an answer larger than the 8 MiB stream window our client opens with: it must give the
    // window back while the answer arrives
    const huge = 'z'.repeat(12 * 1024 * 1024);
    const [echoed] = await streamer.executor.echo!.post({ on: '/echo', inputs: [{ id: 'huge', text: huge }] });
    expect(echoed?.text === huge).toBe(true);
  });

  it('speaks JinaRPC/Call (bidi) too, for peers that only serve the streaming path', async () => {
    const client = new DeploymentClient('echo', executors.echo.addresses);
    try {
      const request = encodeDataRequest({
        header: { requestId: 'call-1', status: undefined, execEndpoint: '/echo' },
        parameters: {},
        routes: [],
        data: dataContentFromDocList(encodeDocList([{ id: 'c1', text: 'via Call' }])),
      });
      const result = await client.call(request, { endpoint: '/echo' });
      const response = decodeDataRequest(result.response);
      expect(response.header.requestId).toBe('call-1');
      expect(decodeDocList(docListFromDataContent(response.data))).toEqual([{ id: 'c1', text: 'via Call', url: null, embedding: null, bytes_: null }]);
    } finally {
      client.close();
    }
  });

  it('routes an endpoint the executor does not name to its /default', async () => {
    const docs = await streamer.executor.echo!.post({ on: '/unknown', inputs: [{ text: 'q' }] });
    expect(docs[0]?.text).toBe('default:q');
  });

  it.each([
    ['/embed32', '<f4', Float32Array],
    ['/embed64', '<f8', Float64Array],
  ] as const)('returns NdArray[128] embeddings exactly (%s)', async (on, dtype, ArrayType) => {
    const docs = await streamer.executor.embedder!.post({ on, inputs: [{ id: 'e1', text: 'abcd' }, { id: 'e2', text: '' }] });
    expect(docs.map((doc) => doc.id)).toEqual(['e1', 'e2']);
    for (const [doc, n] of [[docs[0]!, 4], [docs[1]!, 0]] as const) {
      const embedding = doc.embedding as NdArray;
      expect(embedding).toBeInstanceOf(NdArray);
      expect(embedding.dtype).toBe(dtype);
      expect(embedding.shape).toEqual([128]);
      expect(embedding.data).toBeInstanceOf(ArrayType);
      // numpy: ((arange(128, float64) + n) / 3).astype(dtype): the same arithmetic, the same rounding
      const values = Array.from({ length: 128 }, (_, i) => (i + n) / 3);
      const expected = dtype === '<f4' ? Float32Array.from(values) : Float64Array.from(values);
      expect(Buffer.from(embedding.data.buffer, embedding.data.byteOffset, embedding.data.byteLength)).toEqual(
        Buffer.from(expected.buffer),
      );
      expect(doc.score).toBe(n + 0.25);
    }
    expect(docs[1]!.text).toBe('');
  });

  it('round-trips nested docs and lists of docs', async () => {
    const input = { id: 'n1', title: 'box', inner: { id: 'i0', label: 'in', value: 1 }, items: [{ id: 'i1', label: 'a', value: 2 }, { id: 'i2', label: 'b', value: 3 }] };
    for (const name of ['nested', 'nestedDocList'] as const) {
      const [doc] = await streamer.executor[name]!.post({ on: '/nested', inputs: [input] });
      expect(doc).toMatchObject({ id: 'n1', title: 'BOX', inner: { id: 'i0', label: 'in', value: 2 } });
      const items = doc!.items as Doc[];
      expect(items.map((item) => [item.id, item.label, item.value])).toEqual([
        ['i1', 'a', 20],
        ['i2', 'b', 30],
        [items[2]!.id, 'count', 2],
      ]);
      expect(items[2]!.id).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('keeps None fields as null and set fields as values', async () => {
    const inputs: Doc[] = [
      { id: 'o1', text: null, count: 7, ratio: null, flag: false, tags: { k: 'v' }, vec: null, inner: { label: 'x' } },
      { id: 'o2', text: 'hi', count: null, ratio: 0.5, flag: null, tags: null, vec: new NdArray(Float64Array.from([1, 2]), [2], '<f8'), inner: null },
    ];
    const docs = await streamer.executor.optional!.post({ on: '/optional', inputs });
    expect(docs[0]).toMatchObject({ id: 'o1', text: null, count: 7, ratio: null, flag: false, tags: { k: 'v' }, vec: null, present: ['count', 'flag', 'inner', 'tags'] });
    expect((docs[0]!.inner as Doc).label).toBe('x');
    expect(docs[1]).toMatchObject({ id: 'o2', text: 'hi', count: null, ratio: 0.5, flag: null, tags: null, inner: null, present: ['ratio', 'text', 'vec'] });
    const vec = docs[1]!.vec as NdArray;
    expect([vec.dtype, vec.shape, Array.from(vec.data as Float64Array)]).toEqual(['<f8', [2], [1, 2]]);
  });

  it('passes a parameters model and returns the executor dict as __results__', async () => {
    const flow = new GatewayStreamer({
      graphDescription: singleNodeGraph('params'),
      deploymentsAddresses: { params: executors.params.addresses },
    });
    try {
      const results = [];
      for await (const result of flow.stream({ docs: [{ id: 'p1', text: 'x' }], execEndpoint: '/params', parameters: { k: 5, tag: 'big' } })) {
        results.push(result);
      }
      expect(results[0]!.docs).toEqual([{ id: 'p1', text: 'x', k: 5, tag: 'big' }]);
      // Jina names a Flow's worker <name>/rep-<i>, even with one replica, and keys __results__ by it
      expect(results[0]!.response.parameters).toEqual({ k: 5, tag: 'big', __results__: { 'params/rep-0': { k: 5, tag: 'big', count: 1 } } });
      // the model's defaults apply when parameters are absent
      const docs = await flow.executor.params!.post({ on: '/params', inputs: [{ text: 'y' }] });
      expect(docs[0]).toMatchObject({ k: 3, tag: null });
    } finally {
      flow.close();
    }
  });

  it('calls singleton-doc endpoints once per doc', async () => {
    const docs = await streamer.executor.kinds!.post({ on: '/single', inputs: [{ id: 's1', text: 'a' }, { id: 's2', text: 'b' }] });
    expect(docs.map((doc) => [doc.id, doc.text])).toEqual([['s1', 'single:a'], ['s2', 'single:b']]);
  });

  it('streams a generator endpoint doc by doc', async () => {
    const flow = new GatewayStreamer({ graphDescription: singleNodeGraph('kinds'), deploymentsAddresses: { kinds: executors.kinds.addresses } });
    try {
      const streamed = [];
      for await (const { doc, error } of flow.streamDoc({ id: 'g', text: 'go' }, { execEndpoint: '/stream' })) {
        expect(error).toBeUndefined();
        streamed.push([doc!.id, doc!.text]);
      }
      expect(streamed).toEqual([['g-0', 'go-0'], ['g-1', 'go-1'], ['g-2', 'go-2']]);
    } finally {
      flow.close();
    }
  });

  it('raises an ExecutorError with name, args, stacks and executor class', async () => {
    const error = await streamer.executor.kinds!.post({ on: '/boom', inputs: [{ text: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorError);
    const executorError = error as ExecutorError;
    expect(executorError.exceptionName).toBe('ValueError');
    expect(executorError.args).toEqual(['boom']);
    expect(executorError.description).toBe("ValueError('boom')");
    expect(executorError.executor).toBe('EndpointKinds');
    expect(executorError.stacks.join('')).toContain('raise ValueError');
    expect(executorError.message).toContain('deployment "kinds"');
  });

  it('serves two endpoints of one executor with their own output models', async () => {
    const upper = await streamer.executor.textOps!.post({ on: '/upper', inputs: [{ id: 't', text: 'abc' }] });
    const length = await streamer.executor.textOps!.post({ on: '/length', inputs: [{ id: 't', text: 'abc' }] });
    expect(upper).toEqual([{ id: 't', text: 'ABC', url: null, embedding: null, bytes_: null }]);
    expect(length).toEqual([{ id: 't', text: 'abc', length: 3 }]);
  });
});
