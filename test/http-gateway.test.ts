/**
 * Our built-in HTTP gateway against real peers: real Jina executors (test/executors) behind it,
 * the official Jina Python `Client(protocol='http')` and `jina ping` in front of it, and Jina's
 * own HTTP gateway (`jina gateway --protocol HTTP`) on the same Flows as the reference.
 *
 * Differential: the same requests to both gateways give equal status codes and bodies, except
 * where ours deliberately differs (normalised below and listed in the report):
 * - Jina serialises tensors as a JSON *string* (`"embedding": "[1.0,2.5,3.0]"`); ours are lists.
 * - request ids Jina/we generate at random (no id given) are compared as "some 32-hex id".
 * - Our 500 body adds `header.status` (exception name, args, executor) next to Jina's `detail`.
 * - 422 details: same status; pydantic's `loc` has union-branch segments (`list[TextDoc]`),
 *   ours do not, so only the status (and where both agree, loc) is compared.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStreamer } from '../runtime/src/index.js';
import { type HttpGateway, startHttpGateway } from '../runtime/src/protocols/http/index.js';
import {
  EXECUTORS,
  type GraphDescription,
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

useProcessRegistry();

const logger = pino({ level: 'silent' });

type FlowName = 'kinds' | 'echo' | 'params' | 'dag' | 'embedder';
/** Flows both gateways serve (Jina's HTTP gateway cannot serve the embedder: see below). */
const DIFFERENTIAL: readonly FlowName[] = ['kinds', 'echo', 'params', 'dag'];
const DAG: GraphDescription = { 'start-gateway': ['dagA', 'dagB'], dagA: ['dagJoin'], dagB: ['dagJoin'], dagJoin: ['end-gateway'] };

const executors = {} as Record<'kinds' | 'echo' | 'params' | 'embedder' | 'dagA' | 'dagB' | 'dagJoin', JinaExecutor>;
const jina = {} as Record<FlowName, JinaGateway>;
const ours = {} as Record<FlowName, HttpGateway>;
const streamers: GatewayStreamer[] = [];

function flowOf(name: FlowName): { graph: GraphDescription; addresses: Record<string, string[]> } {
  if (name === 'dag') {
    return { graph: DAG, addresses: { dagA: executors.dagA.addresses, dagB: executors.dagB.addresses, dagJoin: executors.dagJoin.addresses } };
  }
  return { graph: singleNodeGraph(name), addresses: { [name]: executors[name].addresses } };
}

async function startOurs(name: FlowName): Promise<HttpGateway> {
  const { graph, addresses } = flowOf(name);
  const streamer = new GatewayStreamer({ graphDescription: graph, deploymentsAddresses: addresses });
  streamers.push(streamer);
  const gateway = await startHttpGateway({ streamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000 });
  await gateway.ready;
  return gateway;
}

beforeAll(async () => {
  await Promise.all(
    (['kinds', 'echo', 'params', 'embedder', 'dagA', 'dagB', 'dagJoin'] as const).map(async (name) => {
      executors[name] = await startJinaExecutor({ name, ...EXECUTORS[name] });
    }),
  );
  await Promise.all([
    ...DIFFERENTIAL.map(async (name) => {
      const { graph, addresses } = flowOf(name);
      jina[name] = await startJinaGateway({ protocol: 'http', graphDescription: graph, deploymentsAddresses: addresses });
    }),
    ...(['kinds', 'echo', 'params', 'dag', 'embedder'] as const).map(async (name) => {
      ours[name] = await startOurs(name);
    }),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(ours).map((gateway) => gateway.shutdown(1000)));
  for (const streamer of streamers) streamer.close();
});

const oursUrl = (name: FlowName) => `http://127.0.0.1:${ours[name].port}`;

interface Answer {
  status: number;
  body: unknown;
}

/** One HTTP request (GET may carry a JSON body, as the Jina client sends for streaming). */
function send(base: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<Answer & { text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    const req = httpRequest(`${base}${route}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let parsed: unknown = text;
        if (String(res.headers['content-type']).startsWith('text/event-stream')) parsed = sseUpdates(text);
        else {
          try {
            parsed = JSON.parse(text);
          } catch {
            // keep the text
          }
        }
        resolve({ status: res.statusCode!, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The docs of an SSE body's `update` events (Jina writes `json.dumps`, with spaces; same data). */
function sseUpdates(text: string): unknown[] {
  return text
    .split('\r\n\r\n')
    .filter((frame) => frame.startsWith('event: update\r\n'))
    .map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 'data: '.length)));
}

const HEX32 = /^[0-9a-f]{32}$/;

/** Makes the two gateways' bodies comparable (see the file comment). */
function normalize(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key === 'request_id' && HEX32.test(value)) return '<random id>';
    if (value.startsWith('[') && value.endsWith(']')) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (Array.isArray(parsed)) return parsed; // Jina's tensor-as-string
      } catch {
        // not a tensor
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => normalize(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, k)]));
  }
  return value;
}

interface Case {
  flow: FlowName;
  method: 'GET' | 'POST';
  route: string;
  body?: unknown;
  /** What to compare: the whole body (default), `detail` only (errors), or the status only. */
  compare?: 'body' | 'detail' | 'status' | 'loc';
}

const CASES: Record<string, Case> = {
  'single doc, its id is the request id': { flow: 'kinds', method: 'POST', route: '/single', body: { data: { id: 'a', text: 'hi' } } },
  'list with header request_id': {
    flow: 'kinds',
    method: 'POST',
    route: '/single',
    body: { data: [{ id: 'a', text: 'hi' }, { id: 'b', text: 'yo' }], header: { request_id: 'r1' } },
  },
  'random request id for a list': { flow: 'kinds', method: 'POST', route: '/single', body: { data: [{ id: 'a', text: 'hi' }] } },
  'target_executor that matches nothing': {
    flow: 'kinds',
    method: 'POST',
    route: '/single',
    body: { data: [{ id: 'a', text: 'hi' }], header: { request_id: 'r1', target_executor: 'nomatch' } },
  },
  'empty data': { flow: 'kinds', method: 'POST', route: '/single', body: { data: [] } },
  'executor error → 500 detail': { flow: 'kinds', method: 'POST', route: '/boom', body: { data: [{ id: 'a', text: 'hi' }] }, compare: 'detail' },
  'SSE with a JSON body': { flow: 'kinds', method: 'GET', route: '/stream', body: { id: 's', text: 'hey' } },
  'SSE with query parameters': { flow: 'kinds', method: 'GET', route: '/stream?id=q&text=yo' },
  'unknown path → 404': { flow: 'kinds', method: 'POST', route: '/nope', body: { data: [] } },
  'health': { flow: 'kinds', method: 'GET', route: '/' },
  'dry run': { flow: 'kinds', method: 'GET', route: '/dry_run' },
  'wrong field type → 422': { flow: 'kinds', method: 'POST', route: '/single', body: { data: [{ id: 'a', text: 5 }] }, compare: 'status' },
  'missing data → 422': { flow: 'kinds', method: 'POST', route: '/single', body: { dat: [] }, compare: 'loc' },
  'malformed JSON → 4xx': { flow: 'kinds', method: 'POST', route: '/single', body: undefined, compare: 'status' },
  'tensor field': { flow: 'echo', method: 'POST', route: '/echo', body: { data: [{ id: 'a', text: 'hi', embedding: [1, 2.5, 3] }] } },
  '2-D tensor field': { flow: 'echo', method: 'POST', route: '/echo', body: { data: [{ id: 'a', embedding: [[1, 2], [3, 4]] }] } },
  'bytes field': { flow: 'echo', method: 'POST', route: '/echo', body: { data: [{ id: 'a', bytes_: 'abc' }] } },
  'null id': { flow: 'echo', method: 'POST', route: '/echo', body: { data: [{ id: null, text: 'x' }] } },
  '/default endpoint': { flow: 'echo', method: 'POST', route: '/default', body: { data: [{ id: 'a', text: 'hi' }] } },
  'unknown doc fields are dropped (by the executor)': { flow: 'echo', method: 'POST', route: '/echo', body: { data: [{ id: 'a', text: 'hi', extra: 1 }] } },
  'free-form parameters come back': { flow: 'echo', method: 'POST', route: '/echo', body: { data: [{ id: 'a' }], parameters: { a: 1, b: 'x' } } },
  'parameters model, all given': { flow: 'params', method: 'POST', route: '/params', body: { data: [{ id: 'p' }], parameters: { k: 7, tag: 'x' } } },
  'parameters model defaults': { flow: 'params', method: 'POST', route: '/params', body: { data: [{ id: 'p' }], parameters: { tag: 'x' } } },
  'parameters model, empty': { flow: 'params', method: 'POST', route: '/params', body: { data: [{ id: 'p' }], parameters: {} } },
  'no parameters': { flow: 'params', method: 'POST', route: '/params', body: { data: [{ id: 'p', text: 't' }] } },
  'bad parameter → 422 at body.parameters.k': { flow: 'params', method: 'POST', route: '/params', body: { data: [{ id: 'p' }], parameters: { k: 5.5 } }, compare: 'loc' },
  'DAG fan-out and join': {
    flow: 'dag',
    method: 'POST',
    route: '/dag',
    body: { data: [{ id: 'd1', text: 'x' }, { id: 'd2', text: 'yy' }, { id: 'd3', text: null }] },
  },
};

describe("differential: our HTTP gateway vs Jina's, same Flow, same requests", () => {
  it.each(Object.keys(CASES))('%s', async (label) => {
    const testCase = CASES[label]!;
    const request = (base: string) =>
      testCase.body === undefined && label.startsWith('malformed')
        ? rawPost(`${base}${testCase.route}`, '{bad json')
        : send(base, testCase.method, testCase.route, testCase.body);
    const [theirs, mine] = await Promise.all([request(jina[testCase.flow].httpUrl), request(oursUrl(testCase.flow))]);
    const compare = testCase.compare ?? 'body';
    if (compare === 'status') {
      // Jina answers malformed JSON with 422 (FastAPI), we with 400: both refuse it as the client's fault
      if (label.startsWith('malformed')) {
        expect([theirs.status, mine.status]).toEqual([422, 400]);
      } else {
        expect(mine.status).toBe(theirs.status);
      }
      return;
    }
    expect(mine.status).toBe(theirs.status);
    if (compare === 'detail') {
      expect((mine.body as { detail: unknown }).detail).toEqual((theirs.body as { detail: unknown }).detail);
      return;
    }
    if (compare === 'loc') {
      const locs = (answer: Answer) => (answer.body as { detail: { loc: unknown[] }[] }).detail.map((detail) => detail.loc);
      expect(locs(mine)).toEqual(locs(theirs));
      return;
    }
    expect(normalize(mine.body)).toEqual(normalize(theirs.body));
  });

  it('Jina returns only the first 100 docs of a bigger body; we return all of them, in order', async () => {
    const data = Array.from({ length: 230 }, (_, i) => ({ id: `d${i}`, text: `t${i}` }));
    const [theirs, mine] = await Promise.all([send(jina.kinds.httpUrl, 'POST', '/single', { data }), send(oursUrl('kinds'), 'POST', '/single', { data })]);
    expect((theirs.body as { data: unknown[] }).data).toHaveLength(100);
    const docs = (mine.body as { data: { id: string; text: string }[] }).data;
    expect(docs.map((doc) => doc.id)).toEqual(data.map((doc) => doc.id));
    expect(docs[229]!.text).toBe('single:t229');
    // the first 100 are what Jina answered
    expect(normalize(docs.slice(0, 100))).toEqual(normalize((theirs.body as { data: unknown[] }).data));
  });

  it('errors: the 500 body keeps Jina\'s detail and adds the exception; a doc without id is accepted (Jina: 422)', async () => {
    const boom = await send(oursUrl('kinds'), 'POST', '/boom', { data: [{ id: 'a', text: 'hi' }], header: { request_id: 'rb' } });
    expect(boom.body).toMatchObject({
      detail: "ValueError('boom')",
      header: { request_id: 'rb', status: { code: 1, exception: { name: 'ValueError', args: ['boom'], executor: 'EndpointKinds' } } },
    });
    const [theirs, mine] = await Promise.all([
      send(jina.kinds.httpUrl, 'POST', '/single', { data: { text: 'no id' } }),
      send(oursUrl('kinds'), 'POST', '/single', { data: { text: 'no id' } }),
    ]);
    expect(theirs.status).toBe(422);
    expect(mine.status).toBe(200);
    expect((mine.body as { data: { text: string }[] }).data[0]!.text).toBe('single:no id');
  });

  it("serves the embedder, which Jina's HTTP gateway cannot (it rebuilds EmbeddedDoc wrongly and answers 500)", async () => {
    const { status, body } = await send(oursUrl('embedder'), 'POST', '/embed32', { data: [{ id: 'e', text: 'hey' }] });
    expect(status).toBe(200);
    const doc = (body as { data: { embedding: number[]; score: number; text: string }[] }).data[0]!;
    expect(doc.embedding).toHaveLength(128);
    // float32 values are written in their shortest float32 form (1.3333334), as orjson does
    expect(doc.embedding.slice(0, 3).map(Math.fround)).toEqual([3 / 3, 4 / 3, 5 / 3].map(Math.fround));
    expect(doc.score).toBe(3.25);
  });
});

describe('the Jina Python Client (protocol http) against our gateway', () => {
  it('posts and gets the right docs: tensors, parameters and __results__, singleton, >100 docs, errors, streaming', async () => {
    const ports = Object.fromEntries((Object.keys(ours) as FlowName[]).map((name) => [name, ours[name].port]));
    const result = await runJinaPython<Record<string, any>>(
      `
import asyncio
import numpy as np
from docarray import DocList
from docarray.documents import TextDoc
from jina import Client
from embedder import EmbeddedDoc
from params import ParamsDoc

def client(name):
    return Client(host='127.0.0.1', port=INPUT[name], protocol='http')

out = {}
texts = DocList[TextDoc]([TextDoc(id='t1', text='hi'), TextDoc(id='t2', text='hello', embedding=np.array([1.5, 2.0, 3.0]))])
echoed = client('echo').post('/echo', texts, return_type=DocList[TextDoc])
out['echo'] = [{'id': d.id, 'text': d.text, 'embedding': None if d.embedding is None else d.embedding.tolist()} for d in echoed]
out['default'] = [d.text for d in client('echo').post('/unknown', texts, return_type=DocList[TextDoc])]
embedded = client('embedder').post('/embed32', texts, return_type=DocList[EmbeddedDoc])
out['embed'] = {'shape': list(embedded[1].embedding.shape), 'first': [float(x) for x in embedded[1].embedding[:3]], 'score': embedded[1].score, 'text': embedded[1].text}
resp = client('params').post('/params', DocList[ParamsDoc]([ParamsDoc(id='p1')]), parameters={'tag': 'x'}, return_type=DocList[ParamsDoc], return_responses=True)[0]
out['params'] = {'docs': [(d.k, d.tag) for d in resp.docs], 'parameters': resp.parameters}
out['single'] = [d.text for d in client('kinds').post('/single', texts, return_type=DocList[TextDoc])]
many = DocList[TextDoc]([TextDoc(id=f'm{i}', text=str(i)) for i in range(250)])
got = client('kinds').post('/single', many, request_size=250, return_type=DocList[TextDoc])
out['many'] = {'count': len(got), 'first': got[0].text, 'last': got[-1].text, 'ids_in_order': [d.id for d in got] == [d.id for d in many]}
async def stream():
    streaming = Client(host='127.0.0.1', port=INPUT['kinds'], protocol='http', asyncio=True)
    return [(d.id, d.text) async for d in streaming.stream_doc(on='/stream', inputs=TextDoc(id='s', text='x'), return_type=TextDoc)]
out['stream'] = asyncio.run(stream())
try:
    client('kinds').post('/boom', texts, return_type=DocList[TextDoc])
    out['boom'] = None
except Exception as error:
    out['boom'] = type(error).__name__ + ': ' + str(error)[:300]
out['ready'] = client('dag').is_flow_ready()
dag = client('dag').post('/dag', DocList[TextDoc]([TextDoc(id='d1', text='x')]))
out['dag'] = dag[0].text_join if hasattr(dag[0], 'text_join') else dag.to_json()
output(out)
`,
      ports,
      { name: 'jina Client (http) against our gateway', timeoutMs: 120_000 },
    );
    expect(result.echo).toEqual([
      { id: 't1', text: 'hi', embedding: null },
      { id: 't2', text: 'hello', embedding: [1.5, 2, 3] },
    ]);
    expect(result.default).toEqual(['default:hi', 'default:hello']);
    expect({ ...result.embed, first: result.embed.first.map(Math.fround) }).toEqual({
      shape: [128],
      first: [5 / 3, 6 / 3, 7 / 3].map(Math.fround),
      score: 5.25,
      text: 'hello',
    });
    expect(result.params).toEqual({ docs: [[3, 'x']], parameters: { tag: 'x', k: 3, __results__: { 'params/rep-0': { k: 3, tag: 'x', count: 1 } } } });
    expect(result.single).toEqual(['single:hi', 'single:hello']);
    expect(result.many).toEqual({ count: 250, first: 'single:0', last: 'single:249', ids_in_order: true });
    expect(result.stream).toEqual([
      ['s-0', 'x-0'],
      ['s-1', 'x-1'],
      ['s-2', 'x-2'],
    ]);
    expect(result.boom).toMatch(/^ValueError: .*ValueError\('boom'\)/);
    expect(result.ready).toBe(true);
    expect(result.dag).toBe('a:x+b:x');
  });
});

describe('GET /status', () => {
  it("has Jina's layout, and jina-proto is the wire protocol version the pinned Jina's own gateway reports", async () => {
    const [theirs, mine] = await Promise.all(
      [jina.kinds.httpUrl, oursUrl('kinds')].map(async (base) => (await fetch(`${base}/status`)).json() as Promise<{ jina: Record<string, string>; envs: Record<string, string> }>),
    );
    expect(Object.keys(mine!).sort()).toEqual(Object.keys(theirs!).sort());
    expect(mine!.jina['jina-proto']).toBe(theirs!.jina['jina-proto']);
    expect(theirs!.jina['jina-proto']).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('jina ping against our gateway', () => {
  it('`jina ping gateway` and `jina ping flow` succeed, and `ping gateway` fails (exit 1) once it is down', async () => {
    const url = oursUrl('echo');
    expect(await jinaPing(['gateway', url])).toBe(0);
    expect(await jinaPing(['flow', url])).toBe(0);
    const doomed = await startOurs('kinds');
    const doomedUrl = `http://127.0.0.1:${doomed.port}`;
    expect(await jinaPing(['gateway', doomedUrl])).toBe(0);
    await doomed.shutdown(100);
    expect(await jinaPing(['gateway', doomedUrl])).toBe(1);
    expect(await jinaPing(['flow', doomedUrl])).toBe(1);
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

function rawPost(url: string, text: string): Promise<Answer & { text: string }> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }).then(async (response) => {
    const body = await response.text();
    return { status: response.status, body, text: body };
  });
}
