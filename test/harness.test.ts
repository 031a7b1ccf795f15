/**
 * The end-to-end harness against the real peers (jina 3.34.0, docarray 0.40, pydantic 2.10 from
 * .venv): every executor in test/executors/ starts (all in parallel), answers endpoint discovery
 * with the endpoints and models it declares and behaves as its docstring says; Jina's own gateway
 * (HTTP, gRPC, WebSocket, and a 3-node DAG) serves them, Jina's Client reaches them through
 * runJinaPython; stop() frees every port and the stdin watchdog ends an executor whose parent
 * went away.
 *
 * What jina 3.34 really does (observed here, 2-core machine):
 * - Start-up, spawn to health SERVING: one `jina executor --native` ~1.1-1.3 s (mostly imports),
 *   3 in parallel ~1.7 s, all 13 below in parallel ~7 s (machine otherwise busy). `jina gateway`
 *   ~1.0 s (gRPC) to ~1.4 s (HTTP) alone, the 4 below in parallel ~3 s, once its executors are up:
 *   it serves only after every node's endpoint discovery succeeded (jina-wire.md §6.2: retried
 *   forever). A graceful stop (SIGTERM) takes ~1.2-1.5 s.
 * - A busy port fails start-up with PortAlreadyUsed; `--host 127.0.0.1` listens on
 *   `[::ffff:127.0.0.1]:P`.
 * - Discovery: `endpoints` lists `_jina_dry_run_` after the declared ones, and `/default` when a
 *   method has `@requests` without `on`. Generator endpoints report is_generator AND
 *   is_singleton_doc. A method that returns a dict needs a return annotation, else its output
 *   model is LegacyDocumentJina. Models without a docstring carry no top-level `description`
 *   (TextDoc has its own); `id` has a random per-process `example`; numbers come back as
 *   doubles (Struct), e.g. `default: 3`.
 * - A doc with a `DocList[...]` field breaks discovery (gRPC UNKNOWN, PydanticInvalidForJsonSchema):
 *   jina calls `.schema()` on the original model before converting it, and DocList has no JSON
 *   schema under pydantic 2. `List[Doc]` works. Jina's gateway cannot front such an executor.
 * - HTTP gateway: the request model is rebuilt from the executor's schema with `id` REQUIRED
 *   (anyOf string/null, no default), so `{"data":[{"text":"hi"}]}` is a 422; `"id": null` passes
 *   and comes back as null. Response header keys are snake_case (`request_id`).
 * - Jina's sync `Client` has no `stream_doc`; only `Client(asyncio=True)` does. `Client.post`
 *   works directly against an executor's port (JinaRPC/Call), no gateway needed.
 * - An executor's `--name` keys its `__results__`; a Flow names workers `<name>/rep-<i>` (so
 *   `params/rep-0`), and startJinaExecutor does the same. Unknown CLI flags are only warned about.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deploymentsAddresses,
  discoverEndpoints,
  EXECUTORS,
  type GraphDescription,
  type JinaExecutor,
  type JinaGateway,
  runJinaPython,
  singleNodeGraph,
  startJinaExecutor,
  startJinaGateway,
} from './support/jina.js';
import { isPortFree, waitForPortFree } from './support/ports.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

type ExecutorKey = keyof typeof EXECUTORS;
const executors = {} as Record<ExecutorKey, JinaExecutor>;
const gateways = {} as Record<'echoHttp' | 'echoGrpc' | 'echoWs' | 'dagHttp', JinaGateway>;

const DAG: GraphDescription = {
  'start-gateway': ['dagA', 'dagB'],
  dagA: ['dagJoin'],
  dagB: ['dagJoin'],
  dagJoin: ['end-gateway'],
};

beforeAll(async () => {
  await Promise.all(
    (Object.keys(EXECUTORS) as ExecutorKey[]).map(async (name) => {
      // textOps runs as two replicas, to cover replicasPorts/`replicas`.
      executors[name] = await startJinaExecutor({ name, ...EXECUTORS[name], ...(name === 'textOps' ? { replicas: 2 } : {}) });
    }),
  );
  const overEcho = { graphDescription: singleNodeGraph('echo'), deploymentsAddresses: deploymentsAddresses(executors.echo) };
  const [echoHttp, echoGrpc, echoWs, dagHttp] = await Promise.all([
    startJinaGateway({ protocol: 'http', ...overEcho }),
    startJinaGateway({ protocol: 'grpc', ...overEcho }),
    startJinaGateway({ protocol: 'websocket', ...overEcho }),
    startJinaGateway({
      protocol: 'http',
      graphDescription: DAG,
      deploymentsAddresses: deploymentsAddresses(executors.dagA, executors.dagB, executors.dagJoin),
    }),
  ]);
  Object.assign(gateways, { echoHttp, echoGrpc, echoWs, dagHttp });
});

afterAll(async () => {
  await Promise.all([...Object.values(gateways), ...Object.values(executors)].map((peer) => peer.stop()));
});

interface ExpectedEndpoint {
  input: string;
  output: string;
  generator?: boolean;
  singleton?: boolean;
  parameters?: string;
}

const EXPECTED: Record<Exclude<ExecutorKey, 'nestedDocList'>, Record<string, ExpectedEndpoint>> = {
  echo: { '/echo': { input: 'TextDoc', output: 'TextDoc' }, '/default': { input: 'TextDoc', output: 'TextDoc' } },
  embedder: { '/embed32': { input: 'TextDoc', output: 'EmbeddedDoc' }, '/embed64': { input: 'TextDoc', output: 'EmbeddedDoc' } },
  nested: { '/nested': { input: 'Outer', output: 'Outer' } },
  optional: { '/optional': { input: 'MaybeDoc', output: 'MaybeDoc' } },
  params: { '/params': { input: 'ParamsDoc', output: 'ParamsDoc', parameters: 'Params' } },
  kinds: {
    '/single': { input: 'TextDoc', output: 'TextDoc', singleton: true },
    '/stream': { input: 'TextDoc', output: 'TextDoc', generator: true, singleton: true },
    '/boom': { input: 'TextDoc', output: 'TextDoc' },
  },
  textOps: { '/upper': { input: 'TextDoc', output: 'TextDoc' }, '/length': { input: 'TextDoc', output: 'LengthDoc' } },
  dagA: { '/dag': { input: 'DagDoc', output: 'DagDoc' } },
  dagB: { '/dag': { input: 'DagDoc', output: 'DagDoc' } },
  dagJoin: { '/dag': { input: 'DagDoc', output: 'DagDoc' } },
  slow: { '/slow': { input: 'TextDoc', output: 'TextDoc' } },
};

// google.protobuf.Struct as plain JSON.
type Schemas = Record<string, any>;

describe('executors', () => {
  it('all start and report their start-up time', () => {
    for (const executor of Object.values(executors)) {
      expect(executor.address).toMatch(/^grpc:\/\/127\.0\.0\.1:\d+$/);
      expect(executor.startupMs).toBeGreaterThan(0);
    }
    const times = [...Object.values(executors), ...Object.values(gateways)].map((peer) => peer.startupMs);
    console.info(`start-up, spawn to ready (ms): executors ${Object.values(executors).map((e) => `${e.name} ${e.startupMs}`).join(', ')}; ` +
      `gateways ${Object.entries(gateways).map(([name, g]) => `${name} ${g.startupMs}`).join(', ')}; max ${Math.max(...times)}`);
  });

  it('textOps runs as two replicas, each its own process and port, both discoverable', async () => {
    const { replicas, addresses } = executors.textOps;
    expect(replicas.map((replica) => replica.process.name)).toEqual([
      expect.stringMatching(/^jina executor textOps\/rep-0 :/),
      expect.stringMatching(/^jina executor textOps\/rep-1 :/),
    ]);
    expect(new Set(addresses).size).toBe(2);
    for (const address of addresses) expect((await discoverEndpoints(address)).endpoints).toContain('/length');
  });

  it.each(Object.keys(EXPECTED) as (keyof typeof EXPECTED)[])('%s: endpoint_discovery lists its endpoints and models', async (name) => {
    const found = await discoverEndpoints(executors[name].address);
    const expected = EXPECTED[name];
    expect(found.endpoints).toEqual([...Object.keys(expected), '_jina_dry_run_']);
    expect(found.writeEndpoints).toEqual([]);
    const schemas = found.schemas as Schemas;
    expect(Object.keys(schemas).sort()).toEqual([...Object.keys(expected), '_jina_dry_run_'].sort());
    for (const [endpoint, want] of Object.entries(expected)) {
      const schema = schemas[endpoint];
      expect(schema.input.name, `${endpoint} input`).toBe(want.input);
      expect(schema.output.name, `${endpoint} output`).toBe(want.output);
      expect(schema.input.model.title).toBe(want.input);
      expect(schema.is_generator, `${endpoint} is_generator`).toBe(want.generator ?? false);
      expect(schema.is_singleton_doc, `${endpoint} is_singleton_doc`).toBe(want.singleton ?? false);
      expect(schema.parameters.name, `${endpoint} parameters`).toBe(want.parameters ?? null);
    }
    expect(schemas._jina_dry_run_.input.name).toBe('LegacyDocumentJina');
  });

  it('/embed32 output schema: embedding is a [128] tensor, score a required number', async () => {
    const schemas = (await discoverEndpoints(executors.embedder.port)).schemas as Schemas;
    const model = schemas['/embed32'].output.model;
    expect(model.properties.embedding).toMatchObject({ type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' });
    // The example is a JSON *string* of 128 zeros (prod(shape) <= 256), not an array.
    expect(typeof model.properties.embedding.example).toBe('string');
    expect(model.properties.score).toEqual({ title: 'Score', type: 'number' });
    expect(model.properties.text).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }], default: null });
    expect([...model.required].sort()).toEqual(['embedding', 'score']);
    // pydantic 2 dialect; no docstring on EmbeddedDoc, so no description.
    expect(model.description).toBeUndefined();
    expect(schemas['/embed64'].output.model.properties.embedding['tensor/array shape']).toBe('[128]');
  });

  it('/nested: nested model in $defs, List[Inner] as an array of $refs', async () => {
    const model = ((await discoverEndpoints(executors.nested.port)).schemas as Schemas)['/nested'].input.model;
    expect(model.properties.inner).toEqual({ $ref: '#/$defs/Inner' });
    expect(model.properties.items).toMatchObject({ type: 'array', items: { $ref: '#/$defs/Inner' } });
    expect(model.$defs.Inner.properties.value).toMatchObject({ type: 'integer' });
  });

  it('/params: the pydantic parameters model is reported with its defaults', async () => {
    const parameters = ((await discoverEndpoints(executors.params.port)).schemas as Schemas)['/params'].parameters;
    expect(parameters.name).toBe('Params');
    expect(parameters.model.properties.k).toEqual({ title: 'K', type: 'integer', default: 3 });
    expect(parameters.model.properties.tag).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }], default: null });
  });

  it('a DocList field breaks discovery under jina 3.34 + pydantic 2 (gRPC UNKNOWN)', async () => {
    await expect(discoverEndpoints(executors.nestedDocList.port)).rejects.toMatchObject({
      code: 2,
      details: expect.stringContaining('PydanticInvalidForJsonSchema'),
    });
  });

  it("behave as documented, called directly with Jina's Client", async () => {
    const ports = Object.fromEntries(Object.entries(executors).map(([name, executor]) => [name, executor.port]));
    const result = await runJinaPython<Record<string, unknown>>(
      `
import asyncio
import numpy as np
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
from embedder import EmbeddedDoc
from nested import Outer, OuterDocList, Inner
from optional_fields import MaybeDoc, MaybeInner
from params import ParamsDoc
from text_ops import LengthDoc

def client(name):
    return Client(host=f'grpc://127.0.0.1:{INPUT[name]}')

out = {}
texts = DocList[TextDoc]([TextDoc(id='t1', text='hi'), TextDoc(id='t2', text='hello')])
out['echo'] = [d.model_dump() for d in client('echo').post('/echo', texts, return_type=DocList[TextDoc])]
out['default'] = [d.text for d in client('echo').post('/unknown', texts, return_type=DocList[TextDoc])]
e32 = client('embedder').post('/embed32', texts, return_type=DocList[EmbeddedDoc])
e64 = client('embedder').post('/embed64', texts, return_type=DocList[EmbeddedDoc])
out['embed'] = {
    'dtypes': [str(e32[0].embedding.dtype), str(e64[0].embedding.dtype)],
    'shape': list(e32[0].embedding.shape),
    'e32_first': [float(x) for x in e32[1].embedding[:3]],
    'e64_first': [float(x) for x in e64[1].embedding[:3]],
    'score': e64[1].score,
}
def nested(name, cls):
    doc = cls(id='n1', title='t', inner=Inner(label='in', value=1), items=[Inner(label='x', value=2)])
    res = client(name).post('/nested', DocList[cls]([doc]), return_type=DocList[cls])[0]
    return {'title': res.title, 'inner': res.inner.value, 'items': [(i.label, i.value) for i in res.items]}
out['nested'] = nested('nested', Outer)
out['nestedDocList'] = nested('nestedDocList', OuterDocList)
maybe = DocList[MaybeDoc]([MaybeDoc(id='m1', text='x', count=0, vec=np.zeros(2)), MaybeDoc(id='m2', inner=MaybeInner(label=None), flag=False)])
out['optional'] = [d.present for d in client('optional').post('/optional', maybe, return_type=DocList[MaybeDoc])]
resp = client('params').post('/params', DocList[ParamsDoc]([ParamsDoc(id='p1')]), parameters={'tag': 'x'}, return_type=DocList[ParamsDoc], return_responses=True)[0]
out['params'] = {'docs': [(d.k, d.tag) for d in resp.docs], 'parameters': resp.parameters}
out['single'] = [d.text for d in client('kinds').post('/single', texts, return_type=DocList[TextDoc])]
async def stream():
    # stream_doc exists only on the asyncio client.
    streaming = Client(host=f'grpc://127.0.0.1:{INPUT["kinds"]}', asyncio=True)
    return [d.id async for d in streaming.stream_doc(on='/stream', inputs=TextDoc(id='s', text='x'), return_type=TextDoc)]
out['stream'] = asyncio.run(stream())
try:
    client('kinds').post('/boom', texts, return_type=DocList[TextDoc])
    out['boom'] = None
except Exception as error:
    out['boom'] = type(error).__name__ + ': ' + str(error)[:200]
out['length'] = [d.length for d in client('textOps').post('/length', texts, return_type=DocList[LengthDoc])]
out['slow'] = [d.text for d in client('slow').post('/slow', texts[:1], parameters={'ms': 50}, return_type=DocList[TextDoc])]
output(out)
`,
      ports,
      { name: 'jina Client against every executor' },
    );
    expect(result.echo).toEqual([
      { id: 't1', text: 'hi', url: null, embedding: null, bytes_: null },
      { id: 't2', text: 'hello', url: null, embedding: null, bytes_: null },
    ]);
    expect(result.default).toEqual(['default:hi', 'default:hello']);
    expect(result.embed).toEqual({
      dtypes: ['float32', 'float64'],
      shape: [128],
      e32_first: [5 / 3, 6 / 3, 7 / 3].map(Math.fround),
      e64_first: [5 / 3, 6 / 3, 7 / 3],
      score: 5.25,
    });
    const nested = { title: 'T', inner: 2, items: [['x', 20], ['count', 1]] };
    expect(result.nested).toEqual(nested);
    expect(result.nestedDocList).toEqual(nested);
    expect(result.optional).toEqual([['count', 'text', 'vec'], ['flag', 'inner']]);
    expect(result.params).toEqual({ docs: [[3, 'x']], parameters: { tag: 'x', __results__: { 'params/rep-0': { k: 3, tag: 'x', count: 1 } } } });
    expect(result.single).toEqual(['single:hi', 'single:hello']);
    expect(result.stream).toEqual(['s-0', 's-1', 's-2']);
    expect(result.boom).toMatch(/boom/);
    expect(result.length).toEqual([2, 5]);
    expect(result.slow).toEqual(['slept:50']);
  });
});

describe("Jina's gateway", () => {
  it('HTTP: POST /echo returns the docs, but only docs that carry an id', async () => {
    const post = (body: unknown) =>
      fetch(`${gateways.echoHttp.httpUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // jina 3.34 + pydantic 2 rebuilds TextDoc from the executor's schema with `id` required
    // (anyOf string/null, no default), so the textbook body without ids is a 422.
    const withoutId = await post({ data: [{ text: 'hi' }] });
    expect(withoutId.status).toBe(422);
    expect(await withoutId.json()).toMatchObject({ detail: [{ type: 'missing', loc: ['body', 'data', 'list[TextDoc]', 0, 'id'] }, {}] });

    const list = await post({ data: [{ id: 'h1', text: 'hi' }, { id: 'h2', text: 'there' }] });
    expect(list.status, await list.clone().text()).toBe(200);
    const listBody = (await list.json()) as { data: unknown[]; parameters: unknown; header: { request_id: string; target_executor: string } };
    expect(listBody.data).toEqual([
      { id: 'h1', text: 'hi', url: null, embedding: null, bytes_: null },
      { id: 'h2', text: 'there', url: null, embedding: null, bytes_: null },
    ]);
    expect(listBody.parameters).toEqual({});
    // snake_case header keys under pydantic 2; a random request id for a list body.
    expect(listBody.header).toEqual({ request_id: expect.stringMatching(/^[0-9a-f]{32}$/), target_executor: '' });

    // A single object is accepted too; the response is still a list and the doc id becomes the request id.
    const single = await post({ data: { id: 'h3', text: 'one' } });
    expect(single.status, await single.clone().text()).toBe(200);
    expect(await single.json()).toMatchObject({ data: [{ id: 'h3', text: 'one' }], header: { request_id: 'h3' } });
  });

  it('HTTP: the DAG joins both branches by doc id before the join node', async () => {
    const response = await fetch(`${gateways.dagHttp.httpUrl}/dag`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [{ id: 'd1', text: 'x' }] }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as { data: Record<string, unknown>[] };
    expect(body.data).toEqual([{ id: 'd1', text: 'x', text_a: 'a:x', text_b: 'b:x', text_join: 'a:x+b:x' }]);
  });

  it("gRPC and WebSocket: Jina's Client posts through them (runJinaPython)", async () => {
    const texts = await runJinaPython<Record<string, string[]>>(
      `
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
docs = DocList[TextDoc]([TextDoc(text=t) for t in INPUT['texts']])
output({host: [d.text for d in Client(host=host).post('/echo', docs, return_type=DocList[TextDoc])] for host in INPUT['hosts']})
`,
      { hosts: [gateways.echoGrpc.address, gateways.echoWs.address], texts: ['a', 'b'] },
    );
    expect(texts).toEqual({ [gateways.echoGrpc.address]: ['a', 'b'], [gateways.echoWs.address]: ['a', 'b'] });
  });
});

describe('harness', () => {
  it('runJinaPython rejects with the traceback when the script fails', async () => {
    await expect(runJinaPython('raise ValueError("snippet went wrong")')).rejects.toThrow(/exit code 1[\s\S]*ValueError: snippet went wrong/);
  });

  it('a failing start-up rejects with the process name and its output', async () => {
    await expect(startJinaExecutor({ name: 'bogus', uses: 'NoSuchExecutor', module: 'echo.py', readyTimeoutMs: 30_000 })).rejects.toThrow(
      /jina executor bogus\/rep-0 :\d+: exited during start-up[\s\S]*NoSuchExecutor/,
    );
  });

  it('an executor whose parent goes away (stdin closed) takes itself down', async () => {
    const replica = executors.slow.replicas[0]!;
    replica.process.reportUnexpectedExit = false;
    replica.process.child.stdin?.destroy();
    const exit = await replica.process.exited;
    expect(exit.code !== null || exit.signal !== null).toBe(true);
    await waitForPortFree(replica.port, 5_000);
  });

  it('stop() ends every process group and frees every port', async () => {
    const peers = [...Object.values(gateways), ...Object.values(executors)];
    const ports = peers.flatMap((peer) => ('replicas' in peer ? peer.replicas.map((replica) => replica.port) : [peer.port]));
    const processes = peers.flatMap((peer) => ('replicas' in peer ? peer.replicas.map((replica) => replica.process) : [peer.process]));
    // Not vacuous: while they run, every port but the one the watchdog test freed is taken.
    const slowPort = executors.slow.port;
    for (const port of ports) expect(await isPortFree(port), `port ${port} while running`).toBe(port === slowPort);
    await Promise.all(peers.map((peer) => peer.stop()));
    for (const proc of processes) {
      expect(proc.hasExited, proc.name).toBe(true);
      // Signal 0 to the group: ESRCH once no member of it is left.
      expect(() => process.kill(-proc.pid, 0), proc.name).toThrow(/ESRCH/);
    }
    await Promise.all(ports.map((port) => waitForPortFree(port, 5_000)));
    for (const port of ports) expect(await isPortFree(port), `port ${port}`).toBe(true);
  });
});
