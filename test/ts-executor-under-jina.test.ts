/**
 * Our TypeScript executor is a drop-in for a Python one: Jina's own gateway (from .venv) discovers
 * it through reflection and endpoint discovery, rebuilds its models from our schemas, and the
 * official Jina Python Client gets the right documents through it, over gRPC and HTTP.
 *
 * And the whole stack ours: the built-in gateway of `startGateway` (gRPC, HTTP and WebSocket at
 * once, one port each) in front of the same executor gives the Jina Client the same documents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, NdArray, type RunningGateway, serveExecutor, startGateway, type Doc, type DocModel } from '../runtime/src/index.js';
import { type JinaGateway, runJinaPython, singleNodeGraph, startJinaGateway } from './support/jina.js';
import { useProcessRegistry } from './support/processes.js';

useProcessRegistry();

/** The schemas a pydantic-v2 docarray executor reports (Jina 3.34 shape). */
const TEXT_DOC: DocModel = {
  name: 'InDoc',
  schema: {
    title: 'InDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    },
  },
};
const EMBEDDED_DOC: DocModel = {
  name: 'OutDoc',
  schema: {
    title: 'OutDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
      embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[4]' },
      length: { title: 'Length', type: 'integer' },
    },
    required: ['embedding', 'length'],
  },
};

let server: ExecutorServer;
const gateways = {} as Record<'grpc' | 'http', JinaGateway>;
let ours: RunningGateway | undefined;

beforeAll(async () => {
  server = await serveExecutor({
    name: 'tsenc',
    className: 'TsEncoder',
    host: '127.0.0.1',
    endpoints: {
      '/encode': {
        input: TEXT_DOC,
        output: EMBEDDED_DOC,
        handler: (docs: Doc[]) =>
          docs.map((doc) => {
            const text = String(doc.text ?? '');
            return { id: doc.id ?? null, text, embedding: new NdArray(Float32Array.from([text.length, 1, 2, 3]), [4], '<f4'), length: text.length };
          }),
      },
      '/fail': {
        input: TEXT_DOC,
        output: TEXT_DOC,
        handler: () => {
          throw new Error('ts says no');
        },
      },
    },
  });
  const graph = singleNodeGraph('tsenc');
  const addresses = { tsenc: [server.address] };
  const [grpc, http] = await Promise.all([
    startJinaGateway({ protocol: 'grpc', graphDescription: graph, deploymentsAddresses: addresses }),
    startJinaGateway({ protocol: 'http', graphDescription: graph, deploymentsAddresses: addresses }),
  ]);
  gateways.grpc = grpc;
  gateways.http = http;
  const started = await startGateway({
    args: { graphDescription: graph, deploymentsAddresses: addresses, host: '127.0.0.1', protocols: ['grpc', 'http', 'websocket'] },
    logDestination: { write: () => undefined },
    env: {},
  });
  if (!started.ok) throw new Error(started.error.message);
  ours = started.value;
  await ours.ready;
});

afterAll(async () => {
  await ours?.stop();
  await server?.close(500);
});

const CLIENT_SCRIPT = `
from jina import Client
from docarray import BaseDoc, DocList
from docarray.typing import NdArray
from typing import Optional

class InDoc(BaseDoc):
    text: Optional[str] = None

class OutDoc(BaseDoc):
    text: Optional[str] = None
    embedding: NdArray[4]
    length: int

client = Client(host=INPUT['host'], port=INPUT['port'], protocol=INPUT['protocol'])
docs = client.post('/encode', inputs=DocList[InDoc]([InDoc(id='a', text='hello'), InDoc(id='b', text='')]), return_type=DocList[OutDoc])
result = [{'id': d.id, 'text': d.text, 'embedding': d.embedding.tolist(), 'dtype': str(d.embedding.dtype), 'length': d.length} for d in docs]
try:
    client.post('/fail', inputs=DocList[InDoc]([InDoc(text='x')]))
    failure = None
except Exception as e:
    failure = f'{type(e).__name__}: {e}'
output({'docs': result, 'failure': failure})
`;

describe('Jina gateway in front of our TypeScript executor', () => {
  it.each(['grpc', 'http'] as const)('answers the Jina Client over %s', async (protocol) => {
    const gateway = gateways[protocol];
    const result = await runJinaPython<{ docs: unknown[]; failure: string | null }>(CLIENT_SCRIPT, {
      host: '127.0.0.1',
      port: gateway.port,
      protocol,
    });
    expect(result.docs).toEqual([
      { id: 'a', text: 'hello', embedding: [5, 1, 2, 3], dtype: protocol === 'grpc' ? 'float32' : expect.any(String), length: 5 },
      { id: 'b', text: '', embedding: [0, 1, 2, 3], dtype: protocol === 'grpc' ? 'float32' : expect.any(String), length: 0 },
    ]);
    // the executor's error reaches the Python client, named
    expect(result.failure).toMatch(/ts says no/);
  });
});

describe('our built-in gateway in front of our TypeScript executor', () => {
  it.each(['grpc', 'http', 'websocket'] as const)('answers the Jina Client over %s as Jina\'s gateway does', async (protocol) => {
    const port = ours!.ports[ours!.args.protocols.indexOf(protocol)]!;
    const result = await runJinaPython<{ docs: unknown[]; failure: string | null }>(CLIENT_SCRIPT, { host: '127.0.0.1', port, protocol });
    expect(result.docs).toEqual([
      { id: 'a', text: 'hello', embedding: [5, 1, 2, 3], dtype: protocol === 'http' ? expect.any(String) : 'float32', length: 5 },
      { id: 'b', text: '', embedding: [0, 1, 2, 3], dtype: protocol === 'http' ? expect.any(String) : 'float32', length: 0 },
    ]);
    expect(result.failure).toMatch(/ts says no/);
  });
});
