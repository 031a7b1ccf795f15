/**
 * Inbound auth and client metadata forwarding, end to end, with Jina's Python Client as the
 * caller (gRPC `metadata=`, HTTP / WebSocket `headers=`) and our TypeScript executor server (a
 * real gRPC server on loopback) reporting the metadata each call carried:
 *
 * - `--auth-token-env` + `--forward-metadata x-tenant`: the token is required on all three
 *   protocols; only the listed header reaches the executor (not the others the client sent,
 *   not `authorization`), and `--deployments-metadata` wins over a client value of the same name;
 * - a gateway class overriding `authorize()` (the built-in gateway, a FastifyBaseGateway with a
 *   gRPC port): its decision is what counts, an async one too, and one that throws refuses.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthRequest,
  BuiltinGateway,
  ClientMetadataForwarding,
  type Doc,
  type ExecutorServer,
  FastifyBaseGateway,
  type RunningGateway,
  serveExecutor,
  startGateway,
} from '../runtime/src/index.js';
import { DeploymentClient } from '../runtime/src/executor/deployment-client.js';
import { dataContentFromDocList, decodeDataRequest, docListFromDataContent, encodeDataRequest } from '../runtime/src/wire/data-request.js';
import { decodeDocList, encodeDocList } from '../runtime/src/wire/doc-codec.js';
import { runJinaPython } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

const TOKEN = 'the-Token_42';
const SEEN = ['authorization', 'x-tenant', 'x-other', 'x-fixed'];
let executor: ExecutorServer;
const running: RunningGateway[] = [];

beforeAll(async () => {
  executor = await serveExecutor({
    name: 'seen',
    host: '127.0.0.1',
    port: 0,
    endpoints: {
      // each doc comes back with the metadata names its call carried: name=value;...
      '/seen': {
        handler: (docs: Doc[], context) =>
          docs.map((doc) => ({ ...doc, text: SEEN.filter((name) => context.metadata[name] !== undefined).map((name) => `${name}=${context.metadata[name]}`).join(';') })),
      },
    },
  });
});

afterAll(async () => {
  await executor?.close();
});

afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.stop();
});

const flowArgv = () => [
  '--graph-description', JSON.stringify({ 'start-gateway': ['seen'], seen: ['end-gateway'] }),
  '--deployments-addresses', JSON.stringify({ seen: [`grpc://127.0.0.1:${executor.port}`] }),
  '--host', '127.0.0.1',
];

async function start(argv: string[], extra: { gatewayClass?: never; env?: NodeJS.ProcessEnv } | { gatewayClass: unknown; env?: NodeJS.ProcessEnv } = {}): Promise<RunningGateway> {
  const started = await startGateway({ argv: [...flowArgv(), ...argv], logDestination: { write: () => undefined }, env: extra.env ?? {}, gatewayClass: extra.gatewayClass as never });
  if (!started.ok) throw started.error;
  running.push(started.value);
  await started.value.ready;
  return started.value;
}

const CLIENT = `
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client

ports, token = INPUT['ports'], INPUT['token']
docs = lambda: DocList[TextDoc]([TextDoc(text='a')])
def attempt(fn):
    try:
        return [d.text for d in fn()]
    except Exception as error:
        return 'raised ' + type(error).__name__ + ': ' + str(error)[:300]

out = {}
if 'grpc' in ports:
    c = Client(host='127.0.0.1', port=ports['grpc'], protocol='grpc')
    out['grpc'] = attempt(lambda: c.post('/seen', docs(), return_type=DocList[TextDoc], metadata=(('authorization', 'Bearer ' + token), ('x-tenant', 'acme'), ('x-other', 'no'), ('x-fixed', 'client'))))
    # repeated: a refusal sent while the client is still writing reached it as INTERNAL about 1 in 5 times
    # (the first line of each: the trailing metadata that follows carries a date)
    outcomes = {str(attempt(lambda: c.post('/seen', docs(), return_type=DocList[TextDoc], metadata=(('x-tenant', 'acme'),)))).split('\\n')[0] for _ in range(INPUT['repeat'])}
    out['grpc_without_token'] = outcomes.pop() if len(outcomes) == 1 else 'differing outcomes: ' + ' | '.join(sorted(outcomes))
for protocol in ('http', 'websocket'):
    if protocol not in ports:
        continue
    headers = {'Authorization': 'Bearer ' + token, 'X-Tenant': 'acme', 'X-Other': 'no'}
    c = Client(host='127.0.0.1', port=ports[protocol], protocol=protocol)
    out[protocol] = attempt(lambda: c.post('/seen', docs(), return_type=DocList[TextDoc], headers=headers))
    out[protocol + '_without_token'] = attempt(lambda: Client(host='127.0.0.1', port=ports[protocol], protocol=protocol).post('/seen', docs(), return_type=DocList[TextDoc], headers={'X-Tenant': 'acme'}))
output(out)
`;

function jinaClient(ports: Record<string, number>, token = TOKEN, repeat = 1): Promise<Record<string, string[] | string>> {
  return runJinaPython(CLIENT, { ports, token, repeat }, { name: 'jina Client with auth and metadata', timeoutMs: 90_000 });
}

function portsOf(gateway: RunningGateway): Record<string, number> {
  return Object.fromEntries(gateway.args.protocols.map((protocol, index) => [protocol, gateway.ports[index]!]));
}

describe('ClientMetadataForwarding.parse', () => {
  it('takes names (lists, commas, any case) and refuses reserved, binary and malformed ones, naming them', () => {
    const parsed = ClientMetadataForwarding.parse(['X-Tenant,x-user', 'x-tenant']);
    expect(parsed.ok && parsed.value?.names).toEqual(['x-tenant', 'x-user']);
    const none = ClientMetadataForwarding.parse([]);
    expect(none.ok && none.value).toBeUndefined();
    const refused: [string, RegExp][] = [
      ['grpc-timeout', /--forward-metadata grpc-timeout: reserved/],
      ['traceparent', /--forward-metadata traceparent: reserved/],
      ['endpoint', /--forward-metadata endpoint: reserved/],
      ['x-key-bin', /--forward-metadata x-key-bin: binary/],
      ['x tenant', /--forward-metadata "x tenant": not a gRPC metadata name/],
    ];
    for (const [name, message] of refused) {
      const result = ClientMetadataForwarding.parse([name]);
      expect(!result.ok && result.error.message).toMatch(message);
    }
  });

  it('picks only the listed names, and only values gRPC metadata can carry', () => {
    const parsed = ClientMetadataForwarding.parse(['x-tenant', 'x-user']);
    if (!parsed.ok || parsed.value === undefined) throw new Error('expected a forwarding');
    expect(parsed.value.pick({ 'x-tenant': 'acme', 'x-other': 'no', 'x-user': 'caf\u00e9' })).toEqual({ 'x-tenant': 'acme' });
    expect(parsed.value.pick({ 'x-other': 'no' })).toBeUndefined();
  });

  it('a gateway refuses to start with a bad name, naming it', async () => {
    const started = await startGateway({ argv: [...flowArgv(), '--protocol', 'http', '--forward-metadata', 'grpc-status'], logDestination: { write: () => undefined }, env: {} });
    expect(!started.ok && started.error.message).toMatch(/^--forward-metadata grpc-status: reserved/);
  });
});

describe('the built-in gateway with --auth-token-env and --forward-metadata, called by the Jina Python Client', () => {
  it('needs the token on gRPC, HTTP and WebSocket, forwards x-tenant only, and lets --deployments-metadata win', async () => {
    const gateway = await start(
      [
        '--protocol', 'grpc', 'http', 'websocket',
        '--auth-token-env', 'GW_TOKEN',
        '--forward-metadata', 'x-tenant', 'x-fixed',
        '--deployments-metadata', JSON.stringify({ seen: { 'x-fixed': 'operator' } }),
      ],
      { env: { GW_TOKEN: TOKEN } },
    );
    const result = await jinaClient(portsOf(gateway), TOKEN, 50);
    // x-other is not listed, authorization is not listed; x-fixed is listed but the operator's value wins
    expect(result.grpc).toEqual(['x-tenant=acme;x-fixed=operator']);
    expect(result.http).toEqual(['x-tenant=acme;x-fixed=operator']);
    expect(result.websocket).toEqual(['x-tenant=acme;x-fixed=operator']);
    expect(result.grpc_without_token).toMatch(/^raised .*(UNAUTHENTICATED|Not authenticated)/s);
    expect(result.http_without_token).toMatch(/^raised .*(401|Not authenticated)/s);
    expect(result.websocket_without_token).toMatch(/^raised .*401/s);
  }, 120_000);

  it('forwards nothing without the flag', async () => {
    const gateway = await start(['--protocol', 'http']);
    const result = await jinaClient(portsOf(gateway));
    expect(result.http).toEqual(['']);
    expect(result.http_without_token).toEqual(['']);
  }, 120_000);
});

const KEY = 'k-123';

/** The built-in gateway with an API key header instead of a bearer token, decided asynchronously. */
class ApiKeyGateway extends BuiltinGateway {
  override async authorize(request: AuthRequest): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (request.headers['x-api-key'] === 'throw') throw new Error('the key service is down');
    return request.headers['x-api-key'] === KEY;
  }
}

function post(port: number, headers: Record<string, string>): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/seen`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ data: [{ id: 'd', text: 'a' }] }) });
}

function grpcRequest(): Buffer {
  return encodeDataRequest({
    header: { requestId: 'r1', status: undefined, execEndpoint: '/seen', targetExecutor: undefined },
    parameters: {},
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ id: 'd', text: 'a' }])),
  });
}

/** process_single_data to the gateway's gRPC port with `metadata`; resolves with the gRPC code and the doc texts. */
async function grpcCall(port: number, metadata: Record<string, string>): Promise<{ code: number; texts?: string[] }> {
  const client = new DeploymentClient('gateway', [`grpc://127.0.0.1:${port}`], { retries: 0, transport: 'grpc-js' });
  try {
    const result = await client.processSingleData(grpcRequest(), { metadata });
    const docs = decodeDocList(docListFromDataContent(decodeDataRequest(result.response).data));
    return { code: GrpcStatus.OK, texts: docs.map((doc) => String(doc.text)) };
  } catch (error) {
    return { code: (error as { code: number }).code };
  } finally {
    client.close();
  }
}

describe('a gateway that overrides authorize()', () => {
  it('the built-in gateway asks it on HTTP and gRPC; an async yes serves, a no and a throw refuse', async () => {
    const gateway = await start(['--protocol', 'http', 'grpc'], { gatewayClass: ApiKeyGateway });
    const [httpPort, grpcPort] = gateway.ports as [number, number];
    expect((await post(httpPort, { 'x-api-key': KEY })).status).toBe(200);
    for (const key of ['wrong', 'throw']) {
      const refused = await post(httpPort, { 'x-api-key': key });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ detail: 'Not authenticated' });
    }
    expect((await post(httpPort, {})).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${httpPort}/`)).status).toBe(200); // health stays open
    expect(await grpcCall(grpcPort, { 'x-api-key': KEY })).toMatchObject({ code: GrpcStatus.OK });
    expect(await grpcCall(grpcPort, { 'x-api-key': 'wrong' })).toEqual({ code: GrpcStatus.UNAUTHENTICATED });
  });

  it('a FastifyBaseGateway: its app and its gRPC port ask it, and its handlers forward the listed headers', async () => {
    const seen: AuthRequest[] = [];
    class TenantGateway extends FastifyBaseGateway {
      override authorize(request: AuthRequest): boolean {
        seen.push(request);
        return request.headers['x-tenant'] !== undefined;
      }

      get app() {
        const app = Fastify();
        app.get('/tenant', async () => {
          const docs = await this.executor['seen']!.post({ on: '/seen', inputs: [{ text: 'a' }] });
          return { texts: docs.map((doc) => doc.text) };
        });
        return app;
      }
    }
    const gateway = await start(['--protocol', 'http', 'grpc', '--forward-metadata', 'x-tenant'], { gatewayClass: TenantGateway });
    const [httpPort, grpcPort] = gateway.ports as [number, number];
    const served = await fetch(`http://127.0.0.1:${httpPort}/tenant`, { headers: { 'x-tenant': 'acme', 'x-other': 'no' } });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ texts: ['x-tenant=acme'] });
    expect((await fetch(`http://127.0.0.1:${httpPort}/tenant`)).status).toBe(401);
    expect(await grpcCall(grpcPort, { 'x-tenant': 'globex' })).toEqual({ code: GrpcStatus.OK, texts: ['x-tenant=globex'] });
    expect(await grpcCall(grpcPort, {})).toEqual({ code: GrpcStatus.UNAUTHENTICATED });
    expect(seen.map((request) => [request.protocol, request.method, request.path])).toEqual([
      ['http', 'GET', '/tenant'],
      ['http', 'GET', '/tenant'],
      ['grpc', 'POST', '/jina.JinaSingleDataRequestRPC/process_single_data'],
      ['grpc', 'POST', '/jina.JinaSingleDataRequestRPC/process_single_data'],
    ]);
  });
});
