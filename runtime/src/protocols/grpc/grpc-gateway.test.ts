/**
 * The built-in gRPC gateway over real loopback sockets, with our TypeScript executor server as the
 * Flow's deployment and raw grpc-js clients in front: Call (completion order, request order,
 * prefetch from the gateway and from `__prefetch__`), process_single_data, stream_doc, the
 * gateway's endpoint_discovery layout, dry_run, _status, health and reflection, executor errors
 * in-band, network failures with Jina's code and details, malformed bytes, start-up before the
 * executor is up, TLS, body limit and shutdown draining.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials, type ChannelCredentials, Metadata, type ServiceError, status as GrpcStatus, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocModel } from '../../executor-server/endpoint.js';
import { type ExecutorServer, serveExecutor } from '../../executor-server/serve-executor.js';
import { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { type Doc, NdArray } from '../../wire/doc.js';
import { decodeDocList, docFromProto, docToProto, encodeDocList } from '../../wire/doc-codec.js';
import { type DataRequest, dataContentFromDocList, decodeDataRequest, docListFromDataContent, encodeDataRequest } from '../../wire/data-request.js';
import { HealthCheckRequest, HealthCheckResponse, HealthCheckResponse_ServingStatus } from '../../wire/gen/grpc/health/v1/health.pb.js';
import { EndpointsProto, JinaInfoProto, SingleDocumentRequestProto, StatusProto, StatusProto_StatusCode } from '../../wire/gen/jina/jina.pb.js';
import { GATEWAY_GRPC_SERVICES, type GrpcGateway, type GrpcGatewayOptions, startGrpcGateway } from './grpc-gateway.js';

const logger = pino({ level: 'silent' });
const identity = (value: Buffer): Buffer => value;
const EMPTY = Buffer.alloc(0);

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
    },
  },
};
const PARAMS: DocModel = { name: 'Params', schema: { title: 'Params', type: 'object', properties: { k: { title: 'K', type: 'integer', default: 3 } } } };

let executor: ExecutorServer;
let streamer: GatewayStreamer;
let gateway: GrpcGateway;
const concurrency = { active: 0, max: 0 };

function startGateway(overrides: Partial<GrpcGatewayOptions> = {}, flowStreamer = streamer): Promise<GrpcGateway> {
  return startGrpcGateway({ streamer: flowStreamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000, ...overrides });
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
        output: TEXT_DOC,
        handler: async (docs, { parameters }) => {
          concurrency.active++;
          concurrency.max = Math.max(concurrency.max, concurrency.active);
          await new Promise((resolve) => setTimeout(resolve, Number(parameters.ms ?? 200)));
          concurrency.active--;
          return docs.map((doc) => ({ ...doc, text: `slept:${String(parameters.ms ?? 200)}` }));
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
      '/single': { kind: 'singleton', input: TEXT_DOC, output: TEXT_DOC, handler: (doc) => ({ ...doc, text: `single:${String(doc.text)}` }) },
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

// ---------------------------------------------------------------------------------------------
// Raw clients

function request(requestId: string, endpoint: string, docs: Doc[] = [], parameters: Record<string, unknown> = {}): Buffer {
  return encodeDataRequest({
    header: { requestId, status: undefined, execEndpoint: endpoint },
    parameters,
    routes: [],
    data: dataContentFromDocList(encodeDocList(docs)),
  });
}

const docsOf = (response: DataRequest): Doc[] => decodeDocList(docListFromDataContent(response.data));

function clientFor(port: number, creds: ChannelCredentials = credentials.createInsecure()): Client {
  // the test certificate is for `localhost`; naming it avoids an IP address as TLS server name
  return new Client(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost' });
}

interface CallResult {
  responses: DataRequest[];
  code: GrpcStatus;
  details: string;
}

/** One Call with the given requests (all sent, then half-close unless `open`), collecting every response and the status. */
function call(port: number, requests: Buffer[], metadata: Record<string, string> = {}, client = clientFor(port), open = false): Promise<CallResult> {
  const meta = new Metadata();
  for (const [key, value] of Object.entries(metadata)) meta.set(key, value);
  return new Promise<CallResult>((resolve) => {
    const stream = client.makeBidiStreamRequest('/jina.JinaRPC/Call', identity, identity, meta);
    const responses: DataRequest[] = [];
    stream.on('data', (bytes: Buffer) => responses.push(decodeDataRequest(bytes)));
    stream.on('error', () => undefined);
    stream.on('status', (status) => resolve({ responses, code: status.code, details: status.details }));
    for (const bytes of requests) stream.write(bytes);
    if (!open) stream.end();
  }).finally(() => client.close());
}

function unary(port: number, method: string, body: Buffer, client = clientFor(port)): Promise<{ error: ServiceError | null; response: Buffer | undefined }> {
  return new Promise<{ error: ServiceError | null; response: Buffer | undefined }>((resolve) => {
    client.makeUnaryRequest(method, identity, identity, body, new Metadata(), {}, (error, response) => resolve({ error, response }));
  }).finally(() => client.close());
}

function serverStream(port: number, method: string, body: Buffer): Promise<{ messages: Buffer[]; code: GrpcStatus; details: string }> {
  const client = clientFor(port);
  return new Promise<{ messages: Buffer[]; code: GrpcStatus; details: string }>((resolve) => {
    const stream = client.makeServerStreamRequest(method, identity, identity, body, new Metadata());
    const messages: Buffer[] = [];
    stream.on('data', (bytes: Buffer) => messages.push(bytes));
    stream.on('error', () => undefined);
    stream.on('status', (status) => resolve({ messages, code: status.code, details: status.details }));
  }).finally(() => client.close());
}

async function healthOf(port: number, service: string): Promise<HealthCheckResponse_ServingStatus | string> {
  const { error, response } = await unary(port, '/grpc.health.v1.Health/Check', Buffer.from(HealthCheckRequest.encode({ service }).finish()));
  return error ? GrpcStatus[error.code]! : HealthCheckResponse.decode(response!).status;
}

async function dryRun(port: number): Promise<StatusProto> {
  const { error, response } = await unary(port, '/jina.JinaGatewayDryRunRPC/dry_run', EMPTY);
  if (error) throw error;
  return StatusProto.decode(response!);
}

// ---------------------------------------------------------------------------------------------

describe('JinaRPC/Call', () => {
  it('routes every request through the Flow and answers each with its docs, tensors and routes', async () => {
    const embedding = new NdArray(Float64Array.from([1, 2.5, 3]), [3], '<f8');
    const result = await call(gateway.port, [request('r1', '/echo', [{ id: 'a', text: 'hi', embedding }]), request('r2', '/echo', [{ id: 'b', text: 'yo' }])]);
    expect(result.code).toBe(GrpcStatus.OK);
    const byId = new Map(result.responses.map((response) => [response.header.requestId, response]));
    expect([...byId.keys()].sort()).toEqual(['r1', 'r2']);
    const [doc] = docsOf(byId.get('r1')!);
    expect(doc).toMatchObject({ id: 'a', text: 'echo:hi' });
    expect(Array.from((doc!.embedding as NdArray).data as Float64Array)).toEqual([1, 2.5, 3]);
    expect(byId.get('r1')!.routes.map((route) => route.executor)).toEqual(['gateway', 'ts']);
    expect(byId.get('r1')!.header.status).toBeUndefined();
  });

  it('answers in completion order by default and in request order with __results_in_order__', async () => {
    const requests = [request('slow', '/slow', [{ id: 's' }], { ms: 300 }), request('fast', '/slow', [{ id: 'f' }], { ms: 10 })];
    const free = await call(gateway.port, requests);
    expect(free.responses.map((response) => response.header.requestId)).toEqual(['fast', 'slow']);
    const ordered = await call(gateway.port, requests, { __results_in_order__: 'true' });
    expect(ordered.responses.map((response) => response.header.requestId)).toEqual(['slow', 'fast']);
  });

  it("keeps at most `prefetch` requests in flight per call, or the client's __prefetch__", async () => {
    const bounded = await startGateway({ prefetch: 2 });
    try {
      await bounded.ready;
      const requests = Array.from({ length: 6 }, (_, i) => request(`p${i}`, '/slow', [{ id: `d${i}` }], { ms: 60 }));
      concurrency.max = 0;
      const first = await call(bounded.port, requests);
      expect(first.responses).toHaveLength(6);
      expect(concurrency.max).toBe(2);
      concurrency.max = 0;
      const second = await call(bounded.port, requests, { __prefetch__: '1' });
      expect(second.responses).toHaveLength(6);
      expect(concurrency.max).toBe(1);
      // unparsable or 0: the gateway's prefetch, as in Jina
      concurrency.max = 0;
      await call(bounded.port, requests, { __prefetch__: 'many' });
      expect(concurrency.max).toBe(2);
    } finally {
      await bounded.shutdown(100);
    }
  });

  it('passes executor errors in-band (status ERROR, exception named) and goes on with the next requests', async () => {
    const result = await call(gateway.port, [request('bad', '/boom', [{ id: 'a' }]), request('good', '/echo', [{ id: 'b', text: 'x' }])], {
      __results_in_order__: 'true',
    });
    expect(result.code).toBe(GrpcStatus.OK);
    const [bad, good] = result.responses;
    expect(bad!.header.status).toMatchObject({
      code: StatusProto_StatusCode.ERROR,
      description: "ValueError('boom')",
      exception: { name: 'ValueError', args: ['boom'], executor: 'TsExecutor' },
    });
    expect(docsOf(good!)[0]!.text).toBe('echo:x');
  });

  it('answers parameters and __results__, singleton endpoints and an empty call', async () => {
    const result = await call(gateway.port, [request('p', '/params', [{ id: 'a' }], { k: 7 }), request('s', '/single', [{ id: 'a', text: 'x' }, { id: 'b', text: 'y' }])], {
      __results_in_order__: 'true',
    });
    expect(result.responses[0]!.parameters).toEqual({ k: 7, __results__: { ts: { k: 7, n: 1 } } });
    expect(docsOf(result.responses[1]!).map((doc) => doc.text)).toEqual(['single:x', 'single:y']);
    const empty = await call(gateway.port, []);
    expect(empty).toEqual({ responses: [], code: GrpcStatus.OK, details: 'OK' });
  });

  it('ends the call with INVALID_ARGUMENT naming what is wrong for malformed bytes', async () => {
    const garbage = await call(gateway.port, [Buffer.from([0xff, 0xff, 0xff])]);
    expect(garbage.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(garbage.details).toMatch(/DataRequestProto: invalid field tag/);
    // also while the client keeps its side open
    const open = await call(gateway.port, [request('fine', '/echo', [{ id: 'a' }]), Buffer.from([0xff])], {}, clientFor(gateway.port), true);
    expect(open.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    // docs cut short inside a valid envelope: named, and never sent to the executor
    const good = request('cut', '/echo', [{ id: 'a', text: 'hello' }, { id: 'b', text: 'world' }]);
    const cut = await call(gateway.port, [good.subarray(0, good.length - 3)]);
    expect(cut.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(cut.details).toMatch(/DataRequestProto/);
    const badRegex = await call(gateway.port, [
      encodeDataRequest({ header: { requestId: 'x', status: undefined, execEndpoint: '/echo', targetExecutor: '(' }, parameters: {}, routes: [], data: undefined }),
    ]);
    expect(badRegex.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(badRegex.details).toMatch(/target_executor/);
  });
});

describe('process_single_data', () => {
  it('answers one request; executor errors in-band', async () => {
    const ok = await unary(gateway.port, '/jina.JinaSingleDataRequestRPC/process_single_data', request('u1', '/echo', [{ id: 'a', text: 'hi' }]));
    expect(ok.error).toBeNull();
    const response = decodeDataRequest(ok.response!);
    expect(response.header.requestId).toBe('u1');
    expect(docsOf(response)[0]!.text).toBe('echo:hi');
    const boom = await unary(gateway.port, '/jina.JinaSingleDataRequestRPC/process_single_data', request('u2', '/boom', [{ id: 'a' }]));
    expect(boom.error).toBeNull();
    expect(decodeDataRequest(boom.response!).header.status?.exception?.name).toBe('ValueError');
  });

  it('refuses malformed bytes with INVALID_ARGUMENT', async () => {
    const { error } = await unary(gateway.port, '/jina.JinaSingleDataRequestRPC/process_single_data', Buffer.from([0x0a, 0x05, 0x61]));
    expect(error?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/field 1 \(header\).*cut short/);
  });
});

describe('network failures', () => {
  it("sets the failure's gRPC code and Jina's details naming the deployment and address", async () => {
    const doomed = await serveExecutor({ name: 'doomed', host: '127.0.0.1', endpoints: { '/x': { handler: (docs) => docs } } });
    const doomedStreamer = flowOf('doomed', doomed.address, { retries: 0 });
    const g = await startGateway({}, doomedStreamer);
    try {
      await g.ready;
      await doomed.close(0);
      const result = await call(g.port, [request('lost', '/x', [{ id: 'a' }])], {}, clientFor(g.port), true);
      expect(result.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(result.details).toContain(`|Gateway: Communication error with deployment doomed at address(es) {'${doomed.address}'}. Head or worker(s) may be down.`);
      // as in Jina: an empty response carrying only the failed request's id comes first
      expect(result.responses).toHaveLength(1);
      expect(result.responses[0]).toMatchObject({ header: { requestId: 'lost' }, data: undefined, routes: [] });
      const single = await unary(g.port, '/jina.JinaSingleDataRequestRPC/process_single_data', request('lost2', '/x'));
      expect(single.error?.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(single.error?.details).toContain('deployment doomed');
      const status = await dryRun(g.port);
      expect(status.code).toBe(StatusProto_StatusCode.ERROR);
      expect(status.description).toContain('Communication error with deployment doomed');
      expect(status.exception?.name).toBe('ExecutorNetworkError');
      const streamed = await serverStream(g.port, '/jina.JinaSingleDocumentRequestRPC/stream_doc', singleDocRequest('s', '/x', { id: 'a' }));
      expect(streamed.code).toBe(GrpcStatus.UNAVAILABLE);
    } finally {
      await g.shutdown(100);
      doomedStreamer.close();
    }
  });

  it('DEADLINE_EXCEEDED with the timeout wording', async () => {
    const slow = flowOf('ts', executor.address, { timeoutSend: 50, retries: 0 });
    const g = await startGateway({}, slow);
    try {
      await g.ready;
      const result = await call(g.port, [request('late', '/slow', [{ id: 'a' }], { ms: 500 })]);
      expect(result.code).toBe(GrpcStatus.DEADLINE_EXCEEDED);
      expect(result.details).toMatch(/Connection with deployment ts at address\(es\) .* could be established, but timed out/);
    } finally {
      await g.shutdown(100);
      slow.close();
    }
  });
});

function singleDocRequest(requestId: string, endpoint: string, doc: Doc): Buffer {
  return Buffer.from(
    SingleDocumentRequestProto.encode({ header: { requestId, status: undefined, execEndpoint: endpoint }, parameters: {}, routes: [], document: docToProto(doc) }).finish(),
  );
}

describe('stream_doc', () => {
  it('streams each document the generator yields, tensors included', async () => {
    const { messages, code } = await serverStream(gateway.port, '/jina.JinaSingleDocumentRequestRPC/stream_doc', singleDocRequest('sd', '/stream', { id: 'q', text: 'hey' }));
    expect(code).toBe(GrpcStatus.OK);
    const replies = messages.map((bytes) => SingleDocumentRequestProto.decode(bytes));
    expect(replies.map((reply) => reply.header?.requestId)).toEqual(['sd', 'sd', 'sd']);
    const docs = replies.map((reply) => docFromProto(reply.document!));
    expect(docs.map((doc) => [doc.id, doc.text])).toEqual([
      ['q-0', 'hey-0'],
      ['q-1', 'hey-1'],
      ['q-2', 'hey-2'],
    ]);
    expect(Array.from((docs[1]!.embedding as NdArray).data as Float32Array)).toEqual([1, 0.5]);
  });

  it('passes a generator error in-band after the docs already sent; malformed bytes → INVALID_ARGUMENT', async () => {
    const { messages, code } = await serverStream(gateway.port, '/jina.JinaSingleDocumentRequestRPC/stream_doc', singleDocRequest('sf', '/stream-fail', { id: 'q', text: 'x' }));
    expect(code).toBe(GrpcStatus.OK);
    const replies = messages.map((bytes) => SingleDocumentRequestProto.decode(bytes));
    expect(docFromProto(replies[0]!.document!).id).toBe('first');
    expect(replies[1]!.header?.status).toMatchObject({ code: StatusProto_StatusCode.ERROR, exception: { name: 'ValueError', args: ['stream broke'] } });
    const bad = await serverStream(gateway.port, '/jina.JinaSingleDocumentRequestRPC/stream_doc', Buffer.from([0x22, 0x10, 0x01]));
    expect(bad.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(bad.details).toMatch(/SingleDocumentRequestProto: field 4 \(document\)/);
  });
});

describe('discovery, dry run, status, health and reflection', () => {
  it("answers endpoint_discovery in the gateway layout: schemas without name/model wrapper or parameters", async () => {
    const { error, response } = await unary(gateway.port, '/jina.JinaDiscoverEndpointsRPC/endpoint_discovery', EMPTY);
    expect(error).toBeNull();
    const discovered = EndpointsProto.decode(response!);
    expect(discovered.endpoints).toEqual(expect.arrayContaining(['/echo', '/slow', '/params', '/boom', '/stream', '/single', '_jina_dry_run_']));
    expect(discovered.schemas!['/echo']).toEqual({ input: TEXT_DOC.schema, output: TEXT_DOC.schema, is_generator: false, is_singleton_doc: false });
    expect(discovered.schemas!['/stream']).toMatchObject({ is_generator: true, is_singleton_doc: false });
    expect(discovered.schemas!['/single']).toMatchObject({ is_generator: false, is_singleton_doc: true });
    expect(Object.keys(discovered.schemas!['/params'])).toEqual(['input', 'output', 'is_generator', 'is_singleton_doc']);
  });

  it('dry_run: SUCCESS through the whole Flow', async () => {
    expect(await dryRun(gateway.port)).toEqual({ code: StatusProto_StatusCode.SUCCESS, description: '', exception: undefined });
  });

  it('_status: jina and envs maps', async () => {
    const { response } = await unary(gateway.port, '/jina.JinaInfoRPC/_status', EMPTY);
    const info = JinaInfoProto.decode(response!);
    expect(info.jina).toHaveProperty('jina-ts-runtime');
    expect(info.envs).toHaveProperty('JINA_LOG_LEVEL');
  });

  it("health: SERVING for '' and every name Jina registers, NOT_FOUND otherwise", async () => {
    for (const service of ['', ...GATEWAY_GRPC_SERVICES]) {
      expect([service, await healthOf(gateway.port, service)]).toEqual([service, HealthCheckResponse_ServingStatus.SERVING]);
    }
    expect(await healthOf(gateway.port, 'grpc.health.v1.Health')).toBe('NOT_FOUND');
  });

  it('reflection lists the jina services', async () => {
    const protoFile = fileURLToPath(import.meta.resolve('@grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto'));
    const definition = loadPackageDefinition(loadSync(protoFile, { keepCase: true })) as any;
    const client = new definition.grpc.reflection.v1alpha.ServerReflection(`127.0.0.1:${gateway.port}`, credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', (reply: any) => {
        resolve(reply.list_services_response.service.map((service: { name: string }) => service.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '' });
    }).finally(() => client.close());
    expect(names.sort()).toEqual(GATEWAY_GRPC_SERVICES.filter((name) => name.startsWith('jina.')).sort());
  });
});

describe('start-up, options and shutdown', () => {
  it('is NOT_SERVING and refuses Flow calls naming the missing deployment until discovery succeeds', async () => {
    const port = await freePort();
    const lateStreamer = flowOf('late', `grpc://127.0.0.1:${port}`);
    const late = await startGateway({ discoveryRetryMs: 50 }, lateStreamer);
    let lateExecutor: ExecutorServer | undefined;
    try {
      let refused: CallResult = { responses: [], code: GrpcStatus.OK, details: '' };
      for (let attempt = 0; attempt < 100 && !refused.details.includes('not answering'); attempt++) {
        refused = await call(late.port, [request('early', '/x')]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(refused.code).toBe(GrpcStatus.UNAVAILABLE);
      expect(refused.details).toContain(`deployment "late" at grpc://127.0.0.1:${port} is not answering`);
      expect(await healthOf(late.port, '')).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      expect((await dryRun(late.port)).code).toBe(StatusProto_StatusCode.ERROR);
      expect((await unary(late.port, '/jina.JinaInfoRPC/_status', EMPTY)).error).toBeNull();
      lateExecutor = await serveExecutor({ name: 'late', host: '127.0.0.1', port, endpoints: { '/x': { handler: (docs) => docs.map((doc) => ({ ...doc, text: 'late' })) } } });
      await late.ready;
      expect(await healthOf(late.port, '')).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const served = await call(late.port, [request('now', '/x', [{ id: 'a' }])]);
      expect(docsOf(served.responses[0]!)[0]!.text).toBe('late');
    } finally {
      await late.shutdown(100);
      lateStreamer.close();
      await lateExecutor?.close(0);
    }
  });

  it('shutdown during discovery rejects ready and frees the port', async () => {
    const never = flowOf('never', `grpc://127.0.0.1:${await freePort()}`);
    const g = await startGateway({ discoveryRetryMs: 50 }, never);
    await g.shutdown(100);
    await expect(g.ready).rejects.toThrow(/shutting down/);
    expect(await healthOf(g.port, '')).toBe('UNAVAILABLE');
    never.close();
  });

  it('a port already in use fails start-up, naming it', async () => {
    await expect(startGateway({ port: gateway.port })).rejects.toThrow(`cannot listen on 127.0.0.1:${gateway.port} (gRPC)`);
  });

  it('bodyLimit: a larger message is refused with RESOURCE_EXHAUSTED', async () => {
    const g = await startGateway({ bodyLimit: 1000 });
    try {
      await g.ready;
      const big = await unary(g.port, '/jina.JinaSingleDataRequestRPC/process_single_data', request('big', '/echo', [{ id: 'a', text: 'x'.repeat(2000) }]));
      expect(big.error?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      const small = await unary(g.port, '/jina.JinaSingleDataRequestRPC/process_single_data', request('small', '/echo', [{ id: 'a', text: 'x' }]));
      expect(small.error).toBeNull();
    } finally {
      await g.shutdown(100);
    }
  });

  it('serves TLS when given a certificate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jina-ts-grpc-tls-'));
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
        const secure = clientFor(g.port, credentials.createSsl(readFileSync(certFile)));
        const result = await call(g.port, [request('tls', '/echo', [{ id: 'a', text: 'secure' }])], {}, secure);
        expect(result.code).toBe(GrpcStatus.OK);
        expect(docsOf(result.responses[0]!)[0]!.text).toBe('echo:secure');
        const plain = await unary(g.port, '/jina.JinaInfoRPC/_status', EMPTY);
        expect(plain.error?.code).toBe(GrpcStatus.UNAVAILABLE);
      } finally {
        await g.shutdown(100);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shutdown answers every request in flight (Call and unary), then refuses connections', async () => {
    const g = await startGateway();
    await g.ready;
    const client = clientFor(g.port);
    // a Call whose client keeps its side open: shutdown stops reading, answers what it took
    const meta = new Metadata();
    const open = new Promise<CallResult>((resolve) => {
      const stream = client.makeBidiStreamRequest('/jina.JinaRPC/Call', identity, identity, meta);
      const responses: DataRequest[] = [];
      stream.on('data', (bytes: Buffer) => responses.push(decodeDataRequest(bytes)));
      stream.on('error', () => undefined);
      stream.on('status', (status) => resolve({ responses, code: status.code, details: status.details }));
      for (let i = 0; i < 3; i++) stream.write(request(`open${i}`, '/slow', [{ id: `o${i}` }], { ms: 300 }));
    });
    const closed = call(g.port, Array.from({ length: 3 }, (_, i) => request(`closed${i}`, '/slow', [{ id: `c${i}` }], { ms: 300 })));
    const unaries = Array.from({ length: 3 }, (_, i) =>
      unary(g.port, '/jina.JinaSingleDataRequestRPC/process_single_data', request(`u${i}`, '/slow', [{ id: `u${i}` }], { ms: 300 })),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = g.shutdown(5000);
    const [openResult, closedResult, unaryResults] = await Promise.all([open, closed, Promise.all(unaries)]);
    expect(openResult.responses.map((response) => response.header.requestId).sort()).toEqual(['open0', 'open1', 'open2']);
    expect(openResult.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(openResult.details).toMatch(/shutting down/);
    expect(closedResult.code).toBe(GrpcStatus.OK);
    expect(closedResult.responses).toHaveLength(3);
    expect(unaryResults.map((result) => result.error)).toEqual([null, null, null]);
    await stopped;
    client.close();
    expect(await healthOf(g.port, '')).toBe('UNAVAILABLE');
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
