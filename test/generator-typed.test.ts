/**
 * The typed part of a generated project, end to end against real executors: Jina's embedder
 * (NdArray[128] output), nested (`List[Inner]` field), kinds (a generator endpoint), params (a
 * parameters model), and our TypeScript executor `liar`, which declares one output model and,
 * asked to, returns documents that break it.
 *
 * - the project compiles, and user code with a misspelt endpoint, a wrong input shape and a read
 *   of a field the output lacks does not: tsc names each line;
 * - served with `jina gateway --uses config.yml`, the typed routes of src/gen/routes.ts answer
 *   with the executors' documents (tensors, nested lists, streams, parameters); the liar's bad
 *   document is caught by the return-type validator with the executor and the JSON path (502),
 *   bad parameters and bodies are 400s naming the path;
 * - the consumer SDK (client/), packed with npm (its prepare script builds it) and installed from
 *   the tarball into a consumer package, calls every endpoint of the served gateway (failures as
 *   typed values, the stream as an async iterable); its gRPC client type-checks against the
 *   service of protos/gateway.proto.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Doc, type DocModel, type ExecutorServer, NdArray, serveExecutor } from '../runtime/src/index.js';
import { runCommand, runCommandOk } from './support/commands.js';
import { EXECUTORS, grpcHealthServing, httpRootOk, JINA_ENV, type JinaExecutor, REPO_ROOT, startJinaExecutor } from './support/jina.js';
import { freePort } from './support/ports.js';
import { SCORED } from './support/scored-model.js';
import { type ManagedProcess, startProcess, useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const CLI = path.join(REPO_ROOT, 'generator', 'dist', 'cli', 'main.js');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];


let base: string;
let project: string;
let liar: ExecutorServer;
const jina: Record<'embedder' | 'nested' | 'kinds' | 'params', JinaExecutor> = {} as never;
let gateway: ManagedProcess | undefined;
let url: string;
let grpcAddress: string;
/** Whether the gateway serves its typed gRPC service next to HTTP (the runtime's, built in parallel). */
let grpcServed = false;

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'typed-gateway-e2e-'));
  const [embedder, nested, kinds, params] = await Promise.all([
    startJinaExecutor({ name: 'embedder', ...EXECUTORS.embedder }),
    startJinaExecutor({ name: 'nested', ...EXECUTORS.nested }),
    startJinaExecutor({ name: 'kinds', ...EXECUTORS.kinds }),
    startJinaExecutor({ name: 'params', ...EXECUTORS.params }),
  ]);
  Object.assign(jina, { embedder, nested, kinds, params });
  liar = await serveExecutor({
    name: 'liar',
    className: 'Liar',
    host: '127.0.0.1',
    endpoints: {
      '/score': {
        input: SCORED,
        output: SCORED,
        // honest unless the text says otherwise: then a 2-d embedding and a string score
        handler: (docs: Doc[]) =>
          docs.map((doc) =>
            doc.text === 'lie'
              ? { id: doc.id ?? null, text: 'lie', embedding: new NdArray(Float32Array.from([1, 2]), [2], '<f4'), score: 'high' }
              : { id: doc.id ?? null, text: doc.text ?? null, embedding: new NdArray(Float32Array.from([1, 2, 3]), [3], '<f4'), score: 0.5 },
          ),
      },
    },
  });
  project = path.join(base, 'typed-gw');
  const flags = [`liar=${liar.address}`, ...Object.values(jina).map((executor) => `${executor.name}=${executor.address}`)].flatMap((spec) => ['--executor', spec]);
  const created = await runCommand(process.execPath, [CLI, project, ...flags, '--runtime', 'link'], { cwd: base, env: JINA_ENV, timeoutMs: 60_000 });
  if (created.code !== 0) throw new Error(`create-gateway failed\n${created.output}`);
  await runCommandOk('npm', ['install', ...NPM_FLAGS], { cwd: project, timeoutMs: 120_000 });
}, 240_000);

afterAll(async () => {
  await gateway?.stop();
  await liar?.close(500);
  await Promise.all(Object.values(jina).map((executor) => executor.stop()));
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('typed executor map', () => {
  it('compiles as generated, and names each broken line of user code', async () => {
    await runCommandOk('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project });
    const broken = path.join(project, 'src', 'broken.ts');
    await writeFile(
      broken,
      [
        "import { typedExecutors } from './gen/index.js';",
        "import type { ExecutorStreamer } from '@jina-ts/runtime';",
        'export async function broken(executor: Readonly<Record<string, ExecutorStreamer>>): Promise<unknown> {',
        '  const executors = typedExecutors(executor);',
        "  await executors.embedder.post({ on: '/embed23', inputs: [] });",
        "  await executors.nested.post({ on: '/nested', inputs: [{ title: 't', inner: { label: 'l', value: 'one' }, items: [] }] });",
        "  const [embedded] = await executors.embedder.post({ on: '/embed32', inputs: [{ text: 'x' }] });",
        '  return embedded!.rank;',
        '}',
        '',
      ].join('\n'),
    );
    try {
      const checked = await runCommand('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project });
      expect(checked.code).not.toBe(0);
      const errors = checked.stdout.split('\n').filter((line) => line.startsWith('src/broken.ts('));
      expect(errors.map((line) => /^src\/broken\.ts\((\d+),/.exec(line)![1])).toEqual(['5', '6', '8']);
      expect(errors[0]).toMatch(/"\/embed23"/);
      expect(errors[1]).toMatch(/Type 'string' is not assignable to type 'number'/);
      expect(errors[2]).toMatch(/Property 'rank' does not exist on type 'EmbeddedDoc'/);
    } finally {
      await rm(broken);
    }
  });
});

describe('typed routes, served', () => {
  beforeAll(async () => {
    await runCommandOk('npm', ['run', 'build'], { cwd: project });
    const [port, grpcPort] = await Promise.all([freePort(), freePort()]);
    url = `http://127.0.0.1:${port}`;
    grpcAddress = `127.0.0.1:${grpcPort}`;
    const addresses = Object.fromEntries([['liar', [liar.address]], ...Object.values(jina).map((executor) => [executor.name, [executor.address]])]);
    gateway = await startProcess({
      name: `typed-gw :${port}`,
      command: path.join(project, 'node_modules', '.bin', 'jina'),
      // gRPC too: the typed service where the runtime serves it (issue 15, built in parallel), ignored where it does not
      args: ['gateway', '--uses', 'config.yml', '--host', '127.0.0.1', '--protocol', 'http', 'grpc', '--port', String(port), String(grpcPort), '--deployments-addresses', JSON.stringify(addresses)],
      cwd: project,
      env: JINA_ENV,
      ready: async (_proc, signal) => {
        while (!signal.aborted && !(await httpRootOk(port, 500))) await new Promise((resolve) => setTimeout(resolve, 100));
      },
      readyTimeoutMs: 30_000,
    });
    grpcServed = await grpcHealthServing(grpcPort, 1_000);
  }, 120_000);

  const post = async (route: string, body: unknown) => {
    const response = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  it('answers with the executors\' documents: a 128-d tensor, a List[Inner] field, parameters', async () => {
    const embedded = await post('/embedder/embed32', { data: [{ text: 'hello' }] });
    expect(embedded.status, embedded.text).toBe(200);
    const [doc] = embedded.json().data as Array<{ embedding: number[]; score: number; text: string }>;
    expect(doc!.embedding).toHaveLength(128);
    expect(doc!.text).toBe('hello');

    const nested = await post('/nested/nested', { data: [{ title: 't', inner: { label: 'l', value: 1 }, items: [{ label: 'm', value: 2 }] }] });
    expect(nested.status, nested.text).toBe(200);
    const [outer] = nested.json().data as Array<{ title: string; inner: { value: number }; items: Array<{ label: string; value: number }> }>;
    expect(outer!.title).toBe('T');
    expect(outer!.items.map((item) => [item.label, item.value])).toEqual([
      ['m', 20],
      ['count', 1],
    ]);

    const params = await post('/params/params', { data: [{ text: 'a' }], parameters: { k: 7 } });
    expect(params.status, params.text).toBe(200);
    expect((params.json().data as Array<{ k: number }>)[0]!.k).toBe(7);
  });

  it('streams a generator endpoint as server-sent events', async () => {
    const streamed = await post('/kinds/stream', { data: [{ text: 'x' }] });
    expect(streamed.status).toBe(200);
    const events = streamed.text.split('\n\n').filter((event) => event.startsWith('data: ')).map((event) => (JSON.parse(event.slice(6)) as { text: string }).text);
    expect(events).toEqual(['x-0', 'x-1', 'x-2']);
  });

  it('catches a document that breaks the declared output model, naming the executor and the path', async () => {
    const honest = await post('/liar/score', { data: [{ text: 'truth' }] });
    expect(honest.status, honest.text).toBe(200);
    const lied = await post('/liar/score', { data: [{ text: 'fine' }, { text: 'lie' }] });
    expect(lied.status).toBe(502);
    expect(lied.json()).toEqual({
      executor: 'liar',
      error: 'liar /score returned a document that is not a valid Scored: liar/score[1].embedding: must be a tensor of shape [3]; liar/score[1].score: must be number',
    });
  });

  it('answers 400 naming the path for bad parameters and bad documents', async () => {
    const badParameters = await post('/params/params', { data: [], parameters: { k: 'many' } });
    expect(badParameters.status).toBe(400);
    expect(badParameters.json().error).toBe('the parameters for params /params are not a valid Params: parameters.k: must be integer,null');
    const badDoc = await post('/nested/nested', { data: [{ title: 't', inner: 'not a doc', items: [] }] });
    expect(badDoc.status).toBe(400);
    expect(badDoc.json().error).toMatch(/^data\[0\]\.inner: /);
  });
});

/**
 * A consumer of the SDK (its own package next to the project): every endpoint through the typed
 * HTTP client, the results summed up with typed field reads; gRPC calls typed by the service.
 */
const CONSUMER_HTTP = `import { createClient, type Failure } from 'typed-gw-client';

const failure = (result: Failure) => ({ kind: result.kind, status: result.status, body: 'body' in result ? result.body : undefined });

export async function callEveryEndpoint(baseUrl: string) {
  // a fetch of the caller's own (here: one that counts), with a header on every request
  let fetched = 0;
  const counting: typeof fetch = (input, init) => {
    fetched += new Headers(init?.headers).get('x-caller') === 'sdk-test' ? 1 : 0;
    return fetch(input, init);
  };
  const client = createClient({ baseUrl, fetch: counting, headers: { 'x-caller': 'sdk-test' } });
  const health = await client.health();
  const embed32 = await client.post('embedder', '/embed32', { data: [{ text: 'hello' }] });
  const embed64 = await client.post('embedder', '/embed64', { data: { text: 'hi' } });
  const nested = await client.post('nested', '/nested', { data: [{ title: 't', inner: { label: 'l', value: 1 }, items: [{ label: 'm', value: 2 }] }] });
  const single = await client.post('kinds', '/single', { data: [{ text: 'x' }] });
  const boom = await client.post('kinds', '/boom', { data: [{ text: 'x' }] });
  const streamed: string[] = [];
  for await (const event of client.stream('kinds', '/stream', { data: { text: 'x' } })) streamed.push(event.ok ? event.doc.text ?? '' : event.kind);
  const params = await client.post('params', '/params', { data: [{ text: 'a' }], parameters: { k: 7, tag: 't' } });
  const badParameters = await client.post('params', '/params', { data: [], parameters: { k: 1.5 } });
  const honest = await client.post('liar', '/score', { data: [{ text: 'truth', embedding: [0, 0, 0], score: 0 }] });
  const lied = await client.post('liar', '/score', { data: [{ text: 'fine', embedding: [0, 0, 0], score: 0 }, { text: 'lie', embedding: [0, 0, 0], score: 0 }] });
  const unreachable = await createClient({ baseUrl: 'http://127.0.0.1:9' }).post('kinds', '/single', { data: [] });
  return {
    health: health.ok,
    embed32: embed32.ok ? embed32.data.map((doc) => ({ text: doc.text, length: doc.embedding.length, first: doc.embedding[1], score: doc.score })) : failure(embed32),
    embed64: embed64.ok ? embed64.data.map((doc) => doc.embedding.length) : failure(embed64),
    nested: nested.ok ? nested.data.map((doc) => ({ title: doc.title, inner: doc.inner.value, items: doc.items.map((item) => [item.label, item.value]) })) : failure(nested),
    single: single.ok ? single.data.map((doc) => doc.text) : failure(single),
    boom: boom.ok ? 'no error' : failure(boom),
    streamed,
    params: params.ok ? params.data.map((doc) => [doc.k, doc.tag]) : failure(params),
    badParameters: badParameters.ok ? 'no error' : failure(badParameters),
    honest: honest.ok ? honest.data.map((doc) => [doc.text, doc.embedding, doc.score]) : failure(honest),
    lied: lied.ok ? 'no error' : failure(lied),
    unreachable: unreachable.ok ? 'no error' : { kind: unreachable.kind, status: unreachable.status },
    fetched,
  };
}
`;

const CONSUMER_GRPC = `import * as grpc from 'typed-gw-client/grpc';

function unary<T>(call: (done: (error: Error | null, response: T) => void) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => call((error, response) => (error === null ? resolve(response) : reject(error))));
}

async function streamed<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const messages: T[] = [];
  for await (const message of stream) messages.push(message);
  return messages;
}

/** One call of every rpc of the gateway's service (type-checked; called where the service is served). */
export function callEveryRpc(address: string): Promise<unknown[]> {
  const client: grpc.GatewayServiceClient = grpc.createGrpcClient(address);
  return Promise.all([
    unary<grpc.EmbedderEmbed32Response>((done) => client.embedderEmbed32({ docs: [{ text: 'hello' }] }, done)).then((response) => response.docs.map((doc) => doc.embedding?.shape)),
    unary<grpc.EmbedderEmbed64Response>((done) => client.embedderEmbed64({ docs: [{ text: 'hi' }] }, done)).then((response) => response.docs.map((doc) => doc.score)),
    unary<grpc.NestedNestedResponse>((done) => client.nestedNested({ docs: [{ title: 't', inner: { label: 'l', value: 1 }, items: [] }] }, done)).then((response) => response.docs.map((doc) => doc.title)),
    unary<grpc.KindsSingleResponse>((done) => client.kindsSingle({ docs: [{ text: 'x' }] }, done)).then((response) => response.docs.map((doc) => doc.text)),
    unary<grpc.KindsBoomResponse>((done) => client.kindsBoom({ docs: [{ text: 'x' }] }, done)).catch((error: Error) => error.message),
    streamed<grpc.KindsStreamResponse>(client.kindsStream({ doc: { text: 'x' } })).then((messages) => messages.map((message) => message.doc?.text)),
    unary<grpc.ParamsParamsResponse>((done) => client.paramsParams({ docs: [{ text: 'a' }], parameters: { k: 7 } }, done)).then((response) => response.docs.map((doc) => doc.k)),
    unary<grpc.LiarScoreResponse>((done) => client.liarScore({ docs: [{ text: 'truth', embedding: { data: [0, 0, 0], shape: [3], dtype: '<f4' }, score: 0 }] }, done)).then((response) => response.docs.map((doc) => doc.score)),
  ]).finally(() => client.close());
}
`;

describe('consumer SDK (client/), against the served gateway', () => {
  let consumer: string;
  let packedFiles: string[];

  beforeAll(async () => {
    // the SDK packed as it would be published (`prepare` builds it with the project's toolchain),
    // installed from the tarball into a consumer package outside the project, with the optional
    // peers its gRPC half needs (from the npm cache the project's install filled)
    const packed = await runCommandOk('npm', ['pack', '--json', ...NPM_FLAGS], { cwd: path.join(project, 'client'), timeoutMs: 120_000 });
    const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packedFiles = tarball!.files.map((file) => file.path);
    consumer = path.join(base, 'consumer');
    await mkdir(consumer, { recursive: true });
    const runtime = JSON.parse(await readFile(path.join(REPO_ROOT, 'runtime', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    await writeFile(path.join(consumer, 'package.json'), '{ "type": "module", "private": true }\n');
    const peers = ['@grpc/grpc-js', '@bufbuild/protobuf'].map((name) => `${name}@${runtime.dependencies[name]}`);
    await runCommandOk('npm', ['install', path.join(project, 'client', tarball!.filename), ...peers, ...NPM_FLAGS], { cwd: consumer, timeoutMs: 120_000 });
    const compilerOptions = { target: 'es2023', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023', 'dom'], types: ['node'], typeRoots: [path.join(project, 'node_modules/@types')], strict: true, noUncheckedIndexedAccess: true, skipLibCheck: true, outDir: 'dist' };
    await writeFile(path.join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    await writeFile(path.join(consumer, 'http-calls.ts'), CONSUMER_HTTP);
    await writeFile(path.join(consumer, 'grpc-calls.ts'), CONSUMER_GRPC);
    await runCommandOk(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: consumer });
  }, 120_000);

  it('is its own package, named after the project and versioned as openapi.json, listed in gateway.lock.json', async () => {
    const manifest = JSON.parse(await readFile(path.join(project, 'client', 'package.json'), 'utf8')) as { name: string; version: string; exports: Record<string, unknown> };
    const openapi = JSON.parse(await readFile(path.join(project, 'openapi.json'), 'utf8')) as { info: { version: string } };
    expect(manifest.name).toBe('typed-gw-client');
    expect(manifest.version).toBe(openapi.info.version);
    expect(Object.keys(manifest.exports)).toEqual(['.', './grpc']);
    const lock = JSON.parse(await readFile(path.join(project, 'gateway.lock.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(lock.files)).toEqual(expect.arrayContaining(['client/package.json', 'client/src/http.ts', 'client/src/models.ts', 'client/src/endpoints.ts', 'client/src/grpc.ts', 'client/tsconfig.json']));
    // what npm publishes: the build, the gRPC half with the gateway's ts-proto output it compiled along
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'dist/client/src/index.js', 'dist/client/src/index.d.ts', 'dist/client/src/http.js', 'dist/client/src/grpc.js', 'dist/src/gen/proto/gateway.js', 'dist/src/gen/proto/gateway.d.ts']));
    expect(packedFiles.filter((file) => !file.startsWith('dist/') && file !== 'package.json')).toEqual([]);
  });

  it('calls every rpc of the typed gRPC service with its grpc-js client, where the gateway serves it', async (context) => {
    // verified on a trial merge with the branch that serves it (grpc@a22e174): the same calls, these results
    if (!grpcServed) context.skip();
    const calls = (await import(pathToFileURL(path.join(consumer, 'dist', 'grpc-calls.js')).href)) as { callEveryRpc(address: string): Promise<unknown[]> };
    expect(await calls.callEveryRpc(grpcAddress)).toEqual([[[128]], [2.25], ['T'], ['single:x'], expect.stringMatching(/boom/), ['x-0', 'x-1', 'x-2'], [7], [0.5]]);
  });

  it('calls every endpoint: documents typed by the models, failures as values with the status and the gateway\'s error, the stream as an async iterable', async () => {
    const calls = (await import(pathToFileURL(path.join(consumer, 'dist', 'http-calls.js')).href)) as { callEveryEndpoint(baseUrl: string): Promise<Record<string, unknown>> };
    const results = await calls.callEveryEndpoint(url);
    expect(results).toEqual({
      health: true,
      embed32: [{ text: 'hello', length: 128, first: 2, score: 5.25 }],
      embed64: [128],
      nested: [{ title: 'T', inner: 2, items: [['m', 20], ['count', 1]] }],
      single: ['single:x'],
      boom: { kind: 'executor-failed', status: 502, body: { executor: 'kinds', error: expect.stringMatching(/boom/) } },
      streamed: ['x-0', 'x-1', 'x-2'],
      params: [[7, 't']],
      badParameters: { kind: 'bad-request', status: 400, body: { error: 'the parameters for params /params are not a valid Params: parameters.k: must be integer,null' } },
      honest: [['truth', [1, 2, 3], 0.5]],
      lied: {
        kind: 'executor-failed',
        status: 502,
        body: { executor: 'liar', error: 'liar /score returned a document that is not a valid Scored: liar/score[1].embedding: must be a tensor of shape [3]; liar/score[1].score: must be number' },
      },
      unreachable: { kind: 'network', status: 0 },
      fetched: 11,
    });
  });
});
