/**
 * Our built-in gRPC and WebSocket gateways against real peers: real Jina executors
 * (test/executors) behind them, the official Jina Python `Client(protocol='grpc')` and
 * `Client(protocol='websocket')` and `jina ping` in front of them.
 *
 * The same client script also runs against Jina's own gRPC and WebSocket gateways on the `kinds`
 * Flow, and what the client sees (docs, streamed docs, the executor error as the client raises it,
 * readiness, order) must be the same through ours.
 *
 * One exception, measured: over WebSocket the Jina client raises an executor error (BadServer)
 * only when it handles the error response before the gateway's close frame arrives; through Jina's
 * own WebSocket gateway it swallows the error in most posts (26 of 30 in one run: `post()` returns
 * nothing and raises nothing). Our gateway waits for the client to close after an error response,
 * so the client raises every time; the WebSocket differential leaves that case out.
 *
 * A Jina client bug, measured: `post(docs, results_in_order=True, prefetch=N)` with a list of docs
 * hangs now and then through any gateway, Jina's own included (through Jina's WebSocket gateway
 * within 15 s of back-to-back posts; through ours too, more often the faster the gateway and the
 * busier the machine). Its RequestStreamer pulls the sync input in a worker thread; when every
 * response is consumed before that thread reports the end of the input, the in-order receive loop
 * waits on a queue the end-of-stream marker is never put in (jina/serve/stream/__init__.py,
 * `receive_responses` reads `future_queue`, `iterate_requests` puts the marker in `result_queue`).
 * An async generator as input ends without the thread hop, so the race cannot happen: the posts
 * here use one (1157 back-to-back posts in 30 s, no hang, where the list hung within 15 s).
 * Jina's own gRPC gateway has the same race on its side (its RequestStreamer iterates the client's
 * request stream, whose half-close can arrive after the last response was consumed): that post
 * still hangs through it now and then whatever the input, so the gRPC differential leaves it out.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, GatewayStreamer, type ProtocolServer, serveExecutor } from '../runtime/src/index.js';
import { startGrpcGateway } from '../runtime/src/protocols/grpc/index.js';
import { startWebSocketGateway } from '../runtime/src/protocols/websocket/index.js';
import {
  discoverEndpoints,
  EXECUTORS,
  JINA_ENV,
  type JinaExecutor,
  type JinaGateway,
  runJinaPython,
  singleNodeGraph,
  startJinaExecutor,
  startJinaGateway,
  venvPython,
} from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';
import { makeTestCertificate } from './support/tls.js';

useProcessRegistry();

const logger = pino({ level: 'silent' });

type FlowName = 'kinds' | 'echo' | 'params' | 'nested' | 'embedder';
type Protocol = 'grpc' | 'websocket';
const FLOWS: readonly FlowName[] = ['kinds', 'echo', 'params', 'nested', 'embedder'];

const executors = {} as Record<FlowName, JinaExecutor>;
const ours = { grpc: {}, websocket: {} } as Record<Protocol, Record<FlowName, ProtocolServer>>;
const jina = {} as Record<Protocol, JinaGateway>;
const streamers: GatewayStreamer[] = [];

async function startOurs(protocol: Protocol, graph: Record<string, string[]>, addresses: Record<string, string[]>): Promise<ProtocolServer> {
  const streamer = new GatewayStreamer({ graphDescription: graph, deploymentsAddresses: addresses });
  streamers.push(streamer);
  const options = { streamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000 };
  const gateway = protocol === 'grpc' ? await startGrpcGateway(options) : await startWebSocketGateway(options);
  await (gateway as ProtocolServer & { ready: Promise<void> }).ready;
  return gateway;
}

beforeAll(async () => {
  await Promise.all(
    FLOWS.map(async (name) => {
      executors[name] = await startJinaExecutor({ name, ...EXECUTORS[name] });
    }),
  );
  const kinds = { graph: singleNodeGraph('kinds'), addresses: { kinds: executors.kinds.addresses } };
  await Promise.all([
    ...(['grpc', 'websocket'] as const).map(async (protocol) => {
      jina[protocol] = await startJinaGateway({ protocol, graphDescription: kinds.graph, deploymentsAddresses: kinds.addresses });
    }),
    ...(['grpc', 'websocket'] as const).flatMap((protocol) =>
      FLOWS.map(async (name) => {
        ours[protocol][name] = await startOurs(protocol, singleNodeGraph(name), { [name]: executors[name].addresses });
      }),
    ),
  ]);
});

afterAll(async () => {
  await Promise.all((['grpc', 'websocket'] as const).flatMap((protocol) => Object.values(ours[protocol]).map((gateway) => gateway.shutdown(1000))));
  for (const streamer of streamers) streamer.close();
});

/**
 * What the Jina client sees, for the Flows in INPUT['ports'] (a Flow not given is skipped).
 * Executor errors are reported by exception type and whether the executor's repr is in the text.
 */
const CLIENT_SCRIPT = `
import asyncio
import faulthandler
# a hang shows where it is stuck (in the output of the failed test) instead of a bare timeout
faulthandler.dump_traceback_later(60, exit=True)
import numpy as np
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client

proto = INPUT['protocol']
ports = INPUT['ports']

def client(name, **kwargs):
    return Client(host='127.0.0.1', port=ports[name], protocol=proto, **kwargs)

out = {}
texts = DocList[TextDoc]([TextDoc(id='t1', text='hi'), TextDoc(id='t2', text='hello', embedding=np.array([1.5, 2.0, 3.0]))])

if 'kinds' in ports:
    out['single'] = [(d.id, d.text) for d in client('kinds').post('/single', texts, return_type=DocList[TextDoc])]
    if not INPUT['skip_in_order_post']:
        many = DocList[TextDoc]([TextDoc(id=f'm{i}', text=str(i)) for i in range(60)])
        async def many_docs():  # not the list itself: see the Jina client bug in the header
            for doc in many:
                yield doc
        got = client('kinds').post('/single', many_docs(), request_size=7, results_in_order=True, prefetch=3, return_type=DocList[TextDoc])
        out['many'] = {'count': len(got), 'in_order': [d.id for d in got] == [d.id for d in many], 'last': got[-1].text}
    try:
        client('kinds').post('/boom', texts, return_type=DocList[TextDoc])
        out['boom'] = None
    except Exception as error:
        out['boom'] = {'type': type(error).__name__, 'names_exception': "ValueError('boom')" in str(error) or 'boom' in str(error)}
    out['ready'] = client('kinds').is_flow_ready()
    if proto == 'grpc':
        out['unary'] = [d.text for d in client('kinds').post('/single', texts, stream=False, return_type=DocList[TextDoc])]
        async def stream():
            streaming = Client(host='127.0.0.1', port=ports['kinds'], protocol=proto, asyncio=True)
            return [(d.id, d.text) async for d in streaming.stream_doc(on='/stream', inputs=TextDoc(id='s', text='x'), return_type=TextDoc)]
        out['stream'] = asyncio.run(stream())

if 'echo' in ports:
    echoed = client('echo').post('/echo', texts, return_type=DocList[TextDoc])
    out['echo'] = [{'id': d.id, 'text': d.text, 'embedding': None if d.embedding is None else d.embedding.tolist()} for d in echoed]
    out['default'] = [d.text for d in client('echo').post('/unknown', texts, return_type=DocList[TextDoc])]

if 'embedder' in ports:
    from embedder import EmbeddedDoc
    e32 = client('embedder').post('/embed32', texts, return_type=DocList[EmbeddedDoc])
    e64 = client('embedder').post('/embed64', texts, return_type=DocList[EmbeddedDoc])
    out['embed'] = {
        'dtype32': str(e32[1].embedding.dtype), 'dtype64': str(e64[1].embedding.dtype),
        'shape': list(e32[1].embedding.shape), 'first32': [float(x) for x in e32[1].embedding[:3]],
        'first64': [float(x) for x in e64[1].embedding[:3]], 'score': e32[1].score, 'text': e32[1].text,
    }

if 'nested' in ports:
    from nested import Inner, Outer
    doc = Outer(id='n1', title='abc', inner=Inner(label='in', value=1), items=[Inner(label='a', value=2), Inner(label='b', value=3)])
    got = client('nested').post('/nested', DocList[Outer]([doc]), return_type=DocList[Outer])[0]
    out['nested'] = {'id': got.id, 'title': got.title, 'inner': [got.inner.label, got.inner.value], 'items': [[i.label, i.value] for i in got.items]}

if 'params' in ports:
    from params import ParamsDoc
    resp = client('params').post('/params', DocList[ParamsDoc]([ParamsDoc(id='p1')]), parameters={'tag': 'x'}, return_type=DocList[ParamsDoc], return_responses=True)[0]
    out['params'] = {'docs': [[d.k, d.tag] for d in resp.docs], 'parameters': resp.parameters}

output(out)
`;

function clientRun(protocol: Protocol, ports: Record<string, number>, name: string, skipInOrderPost = false): Promise<Record<string, any>> {
  return runJinaPython<Record<string, any>>(CLIENT_SCRIPT, { protocol, ports, skip_in_order_post: skipInOrderPost }, { name, timeoutMs: 90_000 });
}

const portsOf = (protocol: Protocol) => Object.fromEntries(FLOWS.map((name) => [name, ours[protocol][name].port]));

describe.each(['grpc', 'websocket'] as const)('the Jina Python Client (protocol %s) against our gateway', (protocol) => {
  it('gets the right docs: tensors, nested docs, parameters and __results__, /default, singleton, streaming, errors', async () => {
    const result = await clientRun(protocol, portsOf(protocol), `jina Client (${protocol}) against our gateway`);
    expect(result.echo).toEqual([
      { id: 't1', text: 'hi', embedding: null },
      { id: 't2', text: 'hello', embedding: [1.5, 2, 3] },
    ]);
    expect(result.default).toEqual(['default:hi', 'default:hello']);
    expect({ ...result.embed, first32: result.embed.first32.map(Math.fround) }).toEqual({
      dtype32: 'float32',
      dtype64: 'float64',
      shape: [128],
      first32: [5 / 3, 6 / 3, 7 / 3].map(Math.fround),
      first64: [5 / 3, 6 / 3, 7 / 3],
      score: 5.25,
      text: 'hello',
    });
    expect(result.nested).toEqual({ id: 'n1', title: 'ABC', inner: ['in', 2], items: [['a', 20], ['b', 30], ['count', 2]] });
    expect(result.params).toEqual({ docs: [[3, 'x']], parameters: { tag: 'x', __results__: { 'params/rep-0': { k: 3, tag: 'x', count: 1 } } } });
    expect(result.single).toEqual([
      ['t1', 'single:hi'],
      ['t2', 'single:hello'],
    ]);
    expect(result.many).toEqual({ count: 60, in_order: true, last: 'single:59' });
    expect(result.boom).toEqual({ type: 'BadServer', names_exception: true });
    expect(result.ready).toBe(true);
    if (protocol === 'grpc') {
      expect(result.unary).toEqual(['single:hi', 'single:hello']);
      expect(result.stream).toEqual([
        ['s-0', 'x-0'],
        ['s-1', 'x-1'],
        ['s-2', 'x-2'],
      ]);
    }
  });

  it("sees the same as through Jina's own gateway (docs, streamed docs, the executor error as raised, readiness)", async () => {
    const skipInOrderPost = protocol === 'grpc'; // Jina's gRPC gateway hangs on it now and then (see the header)
    const [theirs, mine] = await Promise.all([
      clientRun(protocol, { kinds: jina[protocol].port }, `jina Client (${protocol}) against Jina's gateway`, skipInOrderPost),
      clientRun(protocol, { kinds: ours[protocol].kinds.port }, `jina Client (${protocol}) against our gateway (kinds)`, skipInOrderPost),
    ]);
    if (protocol === 'websocket') {
      // Jina's own WebSocket gateway lets the client swallow the error most of the time (see above)
      expect(mine.boom).toEqual({ type: 'BadServer', names_exception: true });
      expect(theirs.boom === null || theirs.boom.type === 'BadServer').toBe(true);
      delete mine.boom;
      delete theirs.boom;
    }
    expect(mine).toEqual(theirs);
  });

  it('raises the executor error on every post', async () => {
    const counts = await runJinaPython<Record<string, number>>(
      `
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
counts = {}
for _ in range(10):
    try:
        Client(host='127.0.0.1', port=INPUT['port'], protocol=INPUT['protocol']).post('/boom', DocList[TextDoc]([TextDoc(text='a')]))
        outcome = 'nothing raised'
    except Exception as error:
        outcome = type(error).__name__
    counts[outcome] = counts.get(outcome, 0) + 1
output(counts)
`,
      { protocol, port: ours[protocol].kinds.port },
      { name: `jina Client (${protocol}) posting to an erroring endpoint` },
    );
    expect(counts).toEqual({ BadServer: 10 });
  });
});

describe("the gateway's endpoint_discovery", () => {
  it("has Jina's gateway layout: same endpoints and flags, schemas without name/model wrapper or parameters", async () => {
    const [theirs, mine] = await Promise.all([discoverEndpoints(jina.grpc.port), discoverEndpoints(ours.grpc.kinds.port)]);
    expect([...mine.endpoints].sort()).toEqual([...theirs.endpoints].sort());
    for (const endpoint of theirs.endpoints) {
      const their = theirs.schemas![endpoint];
      const my = mine.schemas![endpoint];
      expect(Object.keys(my).sort()).toEqual(Object.keys(their).sort());
      expect([endpoint, my.is_generator, my.is_singleton_doc]).toEqual([endpoint, their.is_generator, their.is_singleton_doc]);
      // the same model; Jina's is its pydantic rebuild, which adds `required: ["id"]`
      for (const side of ['input', 'output']) {
        expect(my[side].title).toBe(their[side].title);
        expect(Object.keys(my[side].properties ?? {}).sort()).toEqual(Object.keys(their[side].properties ?? {}).sort());
      }
    }
  });
});

describe('network failures, as the Jina client surfaces them', () => {
  it('a deployment that went away: ConnectionError naming it, over gRPC and WebSocket', async () => {
    const doomed: ExecutorServer = await serveExecutor({ name: 'doomed', host: '127.0.0.1', endpoints: { '/x': { handler: (docs) => docs } } });
    const graph = singleNodeGraph('doomed');
    const addresses = { doomed: [doomed.address] };
    const streamer = new GatewayStreamer({ graphDescription: graph, deploymentsAddresses: addresses, retries: 0 });
    streamers.push(streamer);
    const options = { streamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000 };
    const [grpc, ws] = await Promise.all([startGrpcGateway(options), startWebSocketGateway(options)]);
    try {
      await Promise.all([grpc.ready, ws.ready]);
      await doomed.close(0);
      const result = await runJinaPython<Record<string, string>>(
        `
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
out = {}
for proto, port in INPUT.items():
    try:
        Client(host='127.0.0.1', port=port, protocol=proto).post('/x', DocList[TextDoc]([TextDoc(text='a')]))
        out[proto] = 'no error'
    except Exception as error:
        out[proto] = type(error).__name__ + ': ' + str(error)
output(out)
`,
        { grpc: grpc.port, websocket: ws.port },
        { name: 'jina Client against a gateway whose deployment is down' },
      );
      expect(result.grpc).toMatch(/^ConnectionError: gRPC error: StatusCode.UNAVAILABLE .*Communication error with deployment doomed/);
      expect(result.websocket).toMatch(/^ConnectionError: Network error while connecting to deployment doomed at grpc:\/\/127\.0\.0\.1:\d+\. It may be down\./);
    } finally {
      await Promise.all([grpc.shutdown(100), ws.shutdown(100)]);
    }
  });
});

describe('TLS', () => {
  it('the Jina client reaches both gateways over TLS (grpcs, wss) with a certificate made here', async () => {
    const { dir, certFile, keyFile } = makeTestCertificate('jina-ts-grpc-ws-tls-');
    const streamer = new GatewayStreamer({ graphDescription: singleNodeGraph('echo'), deploymentsAddresses: { echo: executors.echo.addresses } });
    streamers.push(streamer);
    const options = { streamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000, tls: { certFile, keyFile } };
    const [grpc, ws] = await Promise.all([startGrpcGateway(options), startWebSocketGateway(options)]);
    try {
      await Promise.all([grpc.ready, ws.ready]);
      const result = await runJinaPython<Record<string, unknown>>(
        `
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
out = {}
for proto, port in INPUT.items():
    c = Client(host='127.0.0.1', port=port, protocol=proto, tls=True)
    out[proto] = [c.is_flow_ready(), [d.text for d in c.post('/echo', DocList[TextDoc]([TextDoc(text='secure')]), return_type=DocList[TextDoc])]]
output(out)
`,
        { grpc: grpc.port, websocket: ws.port },
        // grpcio and aiohttp (OpenSSL) trust the test's certificate through these
        { name: 'jina Client over TLS', env: { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certFile, SSL_CERT_FILE: certFile } },
      );
      expect(result).toEqual({ grpc: [true, ['secure']], websocket: [true, ['secure']] });
    } finally {
      await Promise.all([grpc.shutdown(100), ws.shutdown(100)]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('jina ping against our gateways', () => {
  it('`jina ping gateway` and `jina ping flow` succeed (grpc://, websocket://), and fail (exit 1) once the gateway is down', async () => {
    const echo = { graph: singleNodeGraph('echo'), addresses: { echo: executors.echo.addresses } };
    const [grpc, ws] = await Promise.all([startOurs('grpc', echo.graph, echo.addresses), startOurs('websocket', echo.graph, echo.addresses)]);
    const grpcUrl = `grpc://127.0.0.1:${grpc.port}`;
    const wsUrl = `websocket://127.0.0.1:${ws.port}`;
    const up = await Promise.all([jinaPing(['gateway', grpcUrl]), jinaPing(['gateway', wsUrl]), jinaPing(['flow', grpcUrl]), jinaPing(['flow', wsUrl])]);
    expect(up).toEqual([0, 0, 0, 0]);
    await Promise.all([grpc.shutdown(100), ws.shutdown(100)]);
    const down = await Promise.all([jinaPing(['gateway', grpcUrl]), jinaPing(['gateway', wsUrl]), jinaPing(['flow', grpcUrl]), jinaPing(['flow', wsUrl])]);
    expect(down).toEqual([1, 1, 1, 1]);
  });
});

/** `jina ping <args>` from the venv; resolves with the exit code. */
function jinaPing(args: string[]): Promise<number> {
  const jinaBin = path.join(path.dirname(venvPython()), 'jina');
  return new Promise((resolve) => {
    execFile(jinaBin, ['ping', ...args], { env: { ...process.env, ...JINA_ENV }, timeout: 60_000 }, (error) => {
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1);
    });
  });
}
