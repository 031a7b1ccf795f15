/**
 * A generated gateway serves all it emits, against real peers: a project made by `create-gateway`
 * from Jina executors (echo, kinds: a generator endpoint) and our TypeScript executor `scorer`
 * (which, asked to, breaks its declared output model), started with `--protocol grpc http`.
 *
 * - Jina's Python `Client` over gRPC and over HTTP gets through it the documents it gets through
 *   Jina's own gateway (same Flow), and `jina ping` finds it ready;
 * - grpcio-reflection (Python, Jina's own dependency) lists the typed `gateway.v1.GatewayService`
 *   next to Jina's services, and a call built only from the reflected descriptors answers;
 * - the generated ts-proto client calls the typed rpcs: documents back (a server stream for the
 *   generator endpoint), INVALID_ARGUMENT naming the field for a malformed document or
 *   undecodable bytes, INTERNAL naming executor, endpoint and JSON path for an output that breaks
 *   its model, UNAVAILABLE naming the deployment once its executor is gone;
 * - `/docs` answers Swagger UI, `/openapi.json` the typed routes with Jina's added.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Doc, type DocModel, type ExecutorServer, NdArray, serveExecutor } from '../runtime/src/index.js';
import { runCommand, runCommandOk } from './support/commands.js';
import { NPM_FLAGS, runCreateGateway } from './support/create-gateway.js';
import { EXECUTORS, grpcHealthServing, httpRootOk, JINA_ENV, type JinaExecutor, type JinaGateway, runJinaPython, startJinaExecutor, startJinaGateway, venvPython } from './support/jina.js';
import { freePort } from './support/ports.js';
import { SCORED } from './support/scored-model.js';
import { type ManagedProcess, startProcess, useProcessRegistry } from './support/processes.js';

useProcessRegistry();


/** The generated client's calls, as grpc-js makes them (callbacks). */
interface GatewayClient {
  close(): void;
  [rpc: string]: unknown;
}
interface GrpcError {
  code: number;
  details: string;
}

let base: string;
let project: string;
let scorer: ExecutorServer;
const jina: Record<'echo' | 'kinds', JinaExecutor> = {} as never;
let ours: ManagedProcess;
let oursEvery: ManagedProcess;
let grpcPort: number;
let everyGrpcPort: number;
let httpPort: number;
let jinaGrpc: JinaGateway;
let jinaHttp: JinaGateway;
let client: GatewayClient;
let grpcJs: typeof import('@grpc/grpc-js');

/**
 * Two Flows, two processes of the generated gateway. The one Jina's Client compares is kinds
 * alone, as Jina's own gateways front it: Jina refuses every multi-node Flow of these executors
 * (a chain fails its docarray check, `kinds does not expose /default which makes it impossible
 * to be chained with echo on /echo`; parallel branches fail its start-up with `AttributeError:
 * 'NoneType' object has no attribute '__name__'` while it merges the endpoints' models), and our
 * gateway, like Jina's, calls only deployments that are nodes of its Flow. The other one has every
 * executor in parallel branches, for the typed rpcs.
 */
const KINDS_FLOW = { 'start-gateway': ['kinds'], kinds: ['end-gateway'] };
const EVERY_FLOW = { 'start-gateway': ['echo', 'kinds', 'scorer'], echo: ['end-gateway'], kinds: ['end-gateway'], scorer: ['end-gateway'] };

/** `jina gateway --uses config.yml --protocol grpc http` of the project; resolves once both ports serve. */
async function startOurs(name: string, graph: object, addresses: Record<string, string[]>): Promise<{ process: ManagedProcess; grpcPort: number; httpPort: number }> {
  const [grpc, http] = await Promise.all([freePort(), freePort()]);
  const process = await startProcess({
    name: `${name} grpc :${grpc} http :${http}`,
    command: path.join(project, 'node_modules', '.bin', 'jina'),
    args: ['gateway', '--uses', 'config.yml', '--host', '127.0.0.1', '--protocol', 'grpc', 'http', '--port', String(grpc), String(http), '--graph-description', JSON.stringify(graph), '--deployments-addresses', JSON.stringify(addresses), '--retries', '0'],
    cwd: project,
    env: JINA_ENV,
    ready: async (_proc, signal) => {
      while (!signal.aborted && !((await grpcHealthServing(grpc, 500)) && (await httpRootOk(http, 500)))) await new Promise((resolve) => setTimeout(resolve, 100));
    },
    readyTimeoutMs: 30_000,
  });
  return { process, grpcPort: grpc, httpPort: http };
}

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'grpc-gateway-e2e-'));
  const [echo, kinds] = await Promise.all([startJinaExecutor({ name: 'echo', ...EXECUTORS.echo }), startJinaExecutor({ name: 'kinds', ...EXECUTORS.kinds })]);
  Object.assign(jina, { echo, kinds });
  scorer = await serveExecutor({
    name: 'scorer',
    className: 'Scorer',
    host: '127.0.0.1',
    endpoints: {
      '/score': {
        input: SCORED,
        output: SCORED,
        // honest unless the text says otherwise: then a 2-d embedding
        handler: (docs: Doc[]) =>
          docs.map((doc) => ({
            id: doc.id ?? null,
            text: doc.text ?? null,
            embedding: new NdArray(Float32Array.from(doc.text === 'lie' ? [1, 2] : [1, 2, 3]), [doc.text === 'lie' ? 2 : 3], '<f4'),
            score: String(doc.text ?? '').length,
          })),
      },
    },
  });
  const addresses = { echo: [echo.address], kinds: [kinds.address], scorer: [scorer.address] };
  // Jina's own gateways for the kinds Flow, while the project is generated and installed
  const jinaGateways = Promise.all((['grpc', 'http'] as const).map((protocol) => startJinaGateway({ graphDescription: KINDS_FLOW, deploymentsAddresses: { kinds: addresses.kinds }, protocol })));
  project = path.join(base, 'grpc-gw');
  const flags = Object.entries(addresses).flatMap(([name, [address]]) => ['--executor', `${name}=${address}`]);
  const created = await runCreateGateway([project, ...flags, '--runtime', 'link'], base);
  if (created.code !== 0) throw new Error(`create-gateway failed\n${created.output}`);
  await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 120_000 });
  await runCommandOk('npm', ['run', 'build'], { cwd: project, timeoutMs: 120_000 });
  const [kindsOnly, every] = await Promise.all([startOurs('grpc-gw kinds', KINDS_FLOW, { kinds: addresses.kinds }), startOurs('grpc-gw every', EVERY_FLOW, addresses)]);
  ours = kindsOnly.process;
  oursEvery = every.process;
  grpcPort = kindsOnly.grpcPort;
  httpPort = kindsOnly.httpPort;
  everyGrpcPort = every.grpcPort;
  [jinaGrpc, jinaHttp] = (await jinaGateways) as [JinaGateway, JinaGateway];
  // the project's own grpc-js and generated client, as its users load them
  grpcJs = (await import(pathToFileURL(path.join(project, 'node_modules', '@grpc', 'grpc-js', 'build', 'src', 'index.js')).href)) as typeof import('@grpc/grpc-js');
  const generated = (await import(pathToFileURL(path.join(project, 'dist', 'gen', 'proto', 'gateway.js')).href)) as { GatewayServiceClient: new (address: string, credentials: unknown) => GatewayClient };
  client = new generated.GatewayServiceClient(`127.0.0.1:${everyGrpcPort}`, grpcJs.credentials.createInsecure());
}, 240_000);

afterAll(async () => {
  client?.close();
  await Promise.all([ours?.stop(), oursEvery?.stop()]);
  await Promise.all([jinaGrpc?.stop(), jinaHttp?.stop()]);
  await scorer?.close(500);
  await Promise.all(Object.values(jina).map((executor) => executor.stop()));
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

/** A unary rpc of the generated client: the response, or the gRPC error. */
function unary<T>(rpc: string, request: unknown): Promise<{ ok: true; value: T } | { ok: false; error: GrpcError }> {
  return new Promise((resolve) => {
    (client[rpc] as (request: unknown, callback: (error: GrpcError | null, response: T) => void) => void).call(client, request, (error, response) =>
      resolve(error === null ? { ok: true, value: response } : { ok: false, error }),
    );
  });
}

const JINA_CLIENT = `
import asyncio
import numpy as np
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
out = {}
for target in INPUT['targets']:
    c = Client(host='127.0.0.1', port=target['port'], protocol=target['protocol'])
    docs = DocList[TextDoc]([TextDoc(id=f'd{i}', text=f'hello {i}') for i in range(3)])
    single = c.post('/single', docs, return_type=DocList[TextDoc])
    # a batch whose JSON (~2 MB of embeddings) outgrows fastify's default body limit of 1 MiB
    big = DocList[TextDoc]([TextDoc(id=f'b{i}', text='b', embedding=np.random.rand(1024)) for i in range(100)])
    big_count = len(c.post('/single', big, return_type=DocList[TextDoc]))
    try:
        c.post('/boom', docs, return_type=DocList[TextDoc])
        boom = None
    except Exception as error:
        boom = {'type': type(error).__name__, 'names_exception': 'boom' in str(error)}
    async def stream():
        streaming = Client(host='127.0.0.1', port=target['port'], protocol=target['protocol'], asyncio=True)
        return [[d.id, d.text] async for d in streaming.stream_doc(on='/stream', inputs=TextDoc(id='s', text='x'), return_type=TextDoc)]
    out[target['name']] = {'single': [[d.id, d.text] for d in single], 'big': big_count, 'boom': boom, 'stream': asyncio.run(stream()), 'ready': c.is_flow_ready()}
output(out)
`;

describe("Jina's Client through the generated gateway", () => {
  it('gets over gRPC and over HTTP the documents (a singleton endpoint, a stream, an executor error) it gets through Jina\'s own gateway', async () => {
    const results = await runJinaPython<Record<string, { single: string[][]; big: number; boom: { type: string; names_exception: boolean } | null; stream: string[][]; ready: boolean }>>(JINA_CLIENT, {
      targets: [
        { name: 'jina-grpc', protocol: 'grpc', port: jinaGrpc.port },
        { name: 'ours-grpc', protocol: 'grpc', port: grpcPort },
        { name: 'jina-http', protocol: 'http', port: jinaHttp.port },
        { name: 'ours-http', protocol: 'http', port: httpPort },
      ],
    });
    for (const name of ['jina-grpc', 'jina-http']) {
      expect(results[name]!.single, name).toEqual([0, 1, 2].map((i) => [`d${i}`, `single:hello ${i}`]));
      expect(results[name]!.big, name).toBe(100);
      expect(results[name]!.stream, name).toEqual([0, 1, 2].map((i) => [`s-${i}`, `x-${i}`]));
      expect(results[name]!.boom?.names_exception, name).toBe(true);
      expect(results[name]!.ready, name).toBe(true);
    }
    expect(results['ours-grpc']).toEqual(results['jina-grpc']);
    expect(results['ours-http']).toEqual(results['jina-http']);
  }, 120_000);

  it('jina ping finds its gRPC port and its HTTP port ready', async () => {
    const jinaBin = path.join(path.dirname(venvPython()), 'jina');
    for (const target of [`grpc://127.0.0.1:${grpcPort}`, `http://127.0.0.1:${httpPort}`]) {
      const ping = await runCommand(jinaBin, ['ping', 'gateway', target], { env: JINA_ENV });
      expect(ping.code, ping.output).toBe(0);
    }
  }, 60_000);
});

const REFLECTION_CLIENT = `
import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
channel = grpc.insecure_channel(f"127.0.0.1:{INPUT['port']}")
database = ProtoReflectionDescriptorDatabase(channel)
services = sorted(database.get_services())
pool = descriptor_pool.DescriptorPool(database)
service = pool.FindServiceByName('gateway.v1.GatewayService')
method = service.FindMethodByName('KindsSingle')
Request = message_factory.GetMessageClass(method.input_type)
Response = message_factory.GetMessageClass(method.output_type)
call = channel.unary_unary(f'/gateway.v1.GatewayService/{method.name}', request_serializer=Request.SerializeToString, response_deserializer=Response.FromString)
request = Request()
doc = request.docs.add()
doc.id = 'r1'
doc.text = 'reflection'
response = call(request, timeout=10)
output({'services': services, 'methods': sorted(m.name for m in service.methods), 'docs': [[d.id, d.text] for d in response.docs]})
`;

describe('the typed gRPC service', () => {
  it('is listed by server reflection next to Jina\'s services, and callable from the reflected descriptors alone', async () => {
    // on the kinds Flow's gateway: the service lists every endpoint the project was generated for
    const reflected = await runJinaPython<{ services: string[]; methods: string[]; docs: string[][] }>(REFLECTION_CLIENT, { port: grpcPort });
    expect(reflected.services).toEqual(expect.arrayContaining(['gateway.v1.GatewayService', 'jina.JinaRPC', 'jina.JinaSingleDataRequestRPC', 'jina.JinaDiscoverEndpointsRPC', 'jina.JinaInfoRPC']));
    expect(reflected.methods).toEqual(['EchoDefault', 'EchoEcho', 'KindsBoom', 'KindsSingle', 'KindsStream', 'ScorerScore']);
    expect(reflected.docs).toEqual([['r1', 'single:reflection']]);
  }, 60_000);

  it('answers the typed rpcs with the executors\' documents, a generator endpoint as a server stream', async () => {
    const echoed = await unary<{ docs: Array<{ id?: string; text?: string }> }>('echoEcho', { docs: [{ id: 'a', text: 'typed' }, { id: 'b', text: 'grpc' }] });
    if (!echoed.ok) throw new Error(echoed.error.details);
    expect(echoed.value.docs.map((doc) => [doc.id, doc.text])).toEqual([
      ['a', 'typed'],
      ['b', 'grpc'],
    ]);
    const scored = await unary<{ docs: Array<{ id?: string; score: number; embedding?: { data: number[]; shape: number[]; dtype: string } }> }>('scorerScore', {
      docs: [{ id: 's', text: 'four', embedding: { data: [0, 0, 0], shape: [3], dtype: '<f4' }, score: 0 }],
    });
    if (!scored.ok) throw new Error(scored.error.details);
    expect(scored.value.docs).toEqual([{ id: 's', text: 'four', score: 4, embedding: { data: [1, 2, 3], shape: [3], dtype: '<f4' } }]);

    const stream = (client.kindsStream as (request: unknown) => NodeJS.ReadableStream & AsyncIterable<{ doc?: { id?: string; text?: string } }>).call(client, { doc: { id: 'q', text: 'x' } });
    const parts: string[][] = [];
    for await (const part of stream) parts.push([part.doc!.id!, part.doc!.text!]);
    expect(parts).toEqual([
      ['q-0', 'x-0'],
      ['q-1', 'x-1'],
      ['q-2', 'x-2'],
    ]);
  });

  it('refuses a malformed request with INVALID_ARGUMENT naming the field', async () => {
    const ragged = await unary('scorerScore', { docs: [{ text: 't', embedding: { data: [1, 2, 3], shape: [2], dtype: '<f4' }, score: 1 }] });
    expect(ragged).toMatchObject({ ok: false, error: { code: grpcJs.status.INVALID_ARGUMENT, details: 'docs[0].embedding.data: 3 elements do not fill shape [2] (2)' } });
    const missing = await unary('scorerScore', { docs: [{ id: 'ok', embedding: { data: [1, 2, 3], shape: [3], dtype: '<f4' }, score: 1 }, { text: 'no embedding', score: 1 }] });
    expect(missing).toMatchObject({ ok: false, error: { code: grpcJs.status.INVALID_ARGUMENT, details: 'docs[1].embedding: required (the model has no default for it)' } });
    const dtype = await unary('scorerScore', { docs: [{ embedding: { data: [1, 2, 3], shape: [3], dtype: '<c8' }, score: 1 }] });
    expect(dtype).toMatchObject({ ok: false, error: { code: grpcJs.status.INVALID_ARGUMENT } });
    expect((dtype as { error: GrpcError }).error.details).toMatch(/^docs\[0\]\.embedding\.dtype: unsupported tensor dtype "<c8"/);

    // a generator endpoint's stream without its one document
    const streamFailure = await new Promise<GrpcError>((resolve) => {
      const stream = (client.kindsStream as (request: unknown) => NodeJS.EventEmitter).call(client, {});
      stream.on('data', () => undefined);
      stream.on('error', (error: GrpcError) => resolve(error));
    });
    expect(streamFailure).toMatchObject({ code: grpcJs.status.INVALID_ARGUMENT, details: 'doc: required (a generator endpoint reads one document)' });

    // bytes that are no EchoEchoRequest at all, on the raw wire
    const raw = new grpcJs.Client(`127.0.0.1:${everyGrpcPort}`, grpcJs.credentials.createInsecure());
    try {
      const undecodable = await new Promise<GrpcError | null>((resolve) =>
        raw.makeUnaryRequest('/gateway.v1.GatewayService/EchoEcho', (value: Buffer) => value, (value: Buffer) => value, Buffer.from([0x0a, 0x05, 0x01]), (error) => resolve(error as GrpcError | null)),
      );
      expect(undecodable?.code).toBe(grpcJs.status.INVALID_ARGUMENT);
      expect(undecodable?.details).toMatch(/^request: not a EchoEchoRequest message: /);
    } finally {
      raw.close();
    }
  });

  it('answers INTERNAL naming executor, endpoint and JSON path for an output that breaks its model, UNKNOWN for an executor exception', async () => {
    const lied = await unary('scorerScore', { docs: [{ text: 'fine', embedding: { data: [0, 0, 0], shape: [3], dtype: '<f4' } }, { text: 'lie', embedding: { data: [0, 0, 0], shape: [3], dtype: '<f4' } }] });
    expect(lied).toMatchObject({
      ok: false,
      error: { code: grpcJs.status.INTERNAL, details: 'scorer /score returned a document that is not a valid Scored: scorer/score[1].embedding: must be a tensor of shape [3]' },
    });
    const boom = await unary('kindsBoom', { docs: [{ text: 'a' }] });
    expect(boom).toMatchObject({ ok: false, error: { code: grpcJs.status.UNKNOWN } });
    expect((boom as { error: GrpcError }).error.details).toMatch(/^kinds \/boom: executor raised ValueError\('boom'\)/);
  });
});

describe('HTTP docs', () => {
  it('serves Swagger UI at /docs and /openapi.json with the typed routes and Jina\'s', async () => {
    const docs = await fetch(`http://127.0.0.1:${httpPort}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toMatch(/swagger/i);
    const openapi = (await (await fetch(`http://127.0.0.1:${httpPort}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/echo/echo', '/kinds/stream', '/scorer/score', '/single', '/boom', '/stream', '/status', '/dry_run']));
    expect(Object.keys(openapi.paths['/single']!)).toEqual(['post']);
    expect(Object.keys(openapi.paths['/stream']!)).toEqual(['get']);
  });
});

describe('an executor that is gone', () => {
  it('makes its typed rpc answer UNAVAILABLE naming the deployment and its address', async () => {
    await scorer.close(500);
    const gone = await unary('scorerScore', { docs: [{ text: 'x', embedding: { data: [0, 0, 0], shape: [3], dtype: '<f4' } }] });
    expect(gone).toMatchObject({ ok: false, error: { code: grpcJs.status.UNAVAILABLE } });
    expect((gone as { error: GrpcError }).error.details).toContain(`communication error with deployment "scorer" at address(es) ${scorer.address}`);
  });
});
