/**
 * Our topology code against the real docarray and jina (from .venv), on one batch of cases:
 * test/python/topology_peer.py evaluates every case in Python (docarray's filter_docs and
 * reduce_all, jina's _parse_specific_params, TopologyGraph and reduce_requests), the same inputs
 * are built here the way the doc codec marks them, and the answers must agree, or both sides
 * must fail. Cases where we knowingly differ say why.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  filterDocs,
  parametersForExecutor,
  parseFlowTopology,
  reduceAll,
  reduceRequests,
} from '../runtime/src/topology/index.js';
import { type Doc, type DocValue, kindOf, markKind, NdArray } from '../runtime/src/wire/doc.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const python = path.join(process.env.JINA_VENV ?? path.join(root, '.venv'), 'bin', 'python');

type JsonDoc = Record<string, unknown>;

const ITEM_FIELDS = ['text', 'price', 'count', 'flag', 'tags', 'cats', 'nums', 'pair', 'labels', 'inner', 'matches', 'emb', 'blob'];
const INNER_FIELDS = ['name', 'text', 'vals', 'score'];

/** The doc the codec would decode from docarray's DocProto of this Item: every field present, kinds marked. */
function item(json: JsonDoc): Doc {
  const doc: Doc = { id: json.id as string };
  for (const field of ITEM_FIELDS) {
    const value = json[field] ?? null;
    doc[field] = value === null ? null : itemField(field, value);
  }
  return markKind(doc, 'doc');
}

function itemField(field: string, value: unknown): DocValue {
  switch (field) {
    case 'tags':
      return markKind({ ...(value as Doc) }, 'dict');
    case 'cats':
    case 'nums':
      return markKind([...(value as DocValue[])], 'list');
    case 'pair':
      return markKind([...(value as DocValue[])], 'tuple');
    case 'labels':
      return markKind([...(value as DocValue[])], 'set');
    case 'inner':
      return inner(value as JsonDoc);
    case 'matches':
      return markKind((value as JsonDoc[]).map(inner), 'doc_array');
    case 'emb': {
      const data = Float64Array.from(value as number[]);
      return new NdArray(data, [data.length], '<f8');
    }
    case 'blob':
      return new Uint8Array(Buffer.from(value as string, 'base64'));
    default:
      return value as DocValue;
  }
}

function inner(json: JsonDoc): Doc {
  const doc: Doc = { id: json.id as string };
  for (const field of INNER_FIELDS) {
    const value = json[field] ?? null;
    doc[field] = field === 'vals' && value !== null ? markKind([...(value as number[])], 'list') : (value as DocValue);
  }
  return markKind(doc, 'doc');
}

/** A doc as the Python side prints it: sets sorted, tensors and tuples as lists, bytes as base64. */
function toJson(value: unknown): unknown {
  if (value instanceof NdArray) return Array.from(value.data as Float64Array);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) {
    const items = value.map(toJson);
    return kindOf(value) === 'set' ? items.sort() : items;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  }
  return value;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

const DOCS: JsonDoc[] = [
  {
    id: '1',
    text: 'Text of Document 1',
    price: 3,
    count: 3,
    flag: false,
    tags: { a: 0, b: 1, c: 2 },
    cats: ['cat1', 'cat2'],
    nums: [1, 2, 3],
    pair: [1, 2],
    labels: ['x', 'y'],
    inner: { id: 'i1', name: 'alpha', text: 'inner text one', vals: [1, 2] },
    matches: [{ id: 'm1', name: 'm' }, { id: 'm2' }],
    emb: [1.0],
    blob: b64('abc'),
  },
  {
    id: '2',
    text: 'Text of Document 2',
    price: 1000.5,
    count: 30,
    flag: true,
    tags: {},
    cats: [],
    inner: { id: 'i2', text: 'other' },
    emb: [1, 2, 3],
  },
  { id: '3', tags: { a: 0, b: 1 }, matches: [] },
  { id: '4', text: 'ünïcödé wörd', count: 0, flag: true, cats: ['a'], labels: [] },
];

interface FilterCase {
  query: unknown;
  docs?: JsonDoc[];
  /** Why our answer differs from docarray's, when it knowingly does. */
  divergence?: string;
}

const FILTERS: FilterCase[] = [
  { query: { text: { $eq: 'Text of Document 1' } } },
  { query: { text: { $neq: 'Text of Document 1' } } },
  { query: { text: { $gt: 'T' } } },
  { query: { text: { $gt: 5 } } },
  { query: { price: { $gte: 500 } } },
  { query: { price: { $lt: 500 } } },
  { query: { price: { $lte: 3 } } },
  { query: { price: { $gt: 3 } } },
  { query: { count: { $eq: 3.0 } } },
  { query: { count: { $eq: false } } },
  { query: { flag: { $eq: 1 } } },
  { query: { flag: { $gte: 0.5 } } },
  { query: { count: { $gt: 1, $lt: 100 } } },
  { query: { tags: { $eq: {} } } },
  { query: { tags: { $eq: { a: 0, b: 1 } } } },
  { query: { tags__a: { $eq: 0 } } },
  { query: { tags__c: { $exists: true } } },
  { query: { tags__c: { $exists: false } } },
  { query: { 'tags.a': { $eq: 0 } } },
  { query: { 'tags.a': { $exists: false } } },
  { query: { tags__a__b: { $exists: true } } },
  { query: { tags__0: { $exists: true } } },
  { query: { inner__name: { $eq: 'alpha' } } },
  { query: { inner__name: { $exists: true } } },
  { query: { inner__name: { $eq: null } } },
  { query: { inner__vals__0: { $eq: 1 } } },
  { query: { inner__vals__5: { $eq: 1 } } },
  { query: { inner__vals__1: { $eq: 2 } } },
  { query: { inner__vals___1: { $eq: 2 } } },
  { query: { matches__0__name: { $eq: 'm' } } },
  { query: { matches__0__name: { $eq: 'm' } }, docs: DOCS.slice(0, 2) },
  { query: { matches__id: { $eq: 'm1' } } },
  { query: { matches: { $size: 2 } } },
  { query: { cats: { $size: 0 } } },
  { query: { text: { $size: 18 } } },
  { query: { text: { $size: 12 } } },
  { query: { tags: { $size: 3 } } },
  { query: { emb: { $size: 3 } } },
  { query: { labels: { $size: 2 } } },
  { query: { blob: { $size: 3 } } },
  { query: { count: { $size: 1 } } },
  { query: { text: { $regex: 'Document [12]$' } } },
  { query: { text: { $regex: '^\\w+ \\w+$' } } },
  { query: { text: { $regex: '(?i)^TEXT' } } },
  { query: { inner: { $regex: 'inner' } } },
  { query: { inner: { $regex: 'name' } }, divergence: 'docarray searches str(doc) (the pydantic repr); we search the nested doc\'s text' },
  { query: { text: { $regex: 5 } } },
  { query: { count: { $regex: '3' } } },
  { query: { blob: { $regex: 'a' } }, docs: DOCS.slice(0, 1) },
  { query: { text: { $in: ['Text of Document 1', 'x'] } } },
  { query: { text: { $nin: ['Text of Document 1'] } } },
  { query: { text: { $in: 'Text of Document 1 and more' } } },
  { query: { text: { $in: 'Text of Document 1 and more' } }, docs: DOCS.slice(0, 2) },
  { query: { count: { $in: [3, 30] } } },
  { query: { tags__a: { $in: [0] } } },
  { query: { count: { $in: 5 } } },
  { query: { text: { $in: { 'Text of Document 2': 1 } } } },
  { query: { cats: { $in: [['cat1', 'cat2']] } } },
  { query: { emb__0: { $in: [1] } } },
  { query: { pair: { $eq: [1, 2] } } },
  { query: { pair: { $lt: [1, 3] } } },
  { query: { nums: { $lt: [1, 2, 4] } } },
  { query: { nums: { $gte: [1, 2] } } },
  { query: { labels: { $eq: ['x', 'y'] } } },
  { query: { emb: { $eq: 1 } } },
  { query: { emb: { $eq: 1 } }, docs: [DOCS[0]!, DOCS[3]!] },
  { query: { emb__0: { $gt: 0.5 } } },
  { query: { emb__1: { $gt: 0.5 } }, docs: DOCS.slice(1, 2) },
  { query: { blob: { $eq: 'abc' } } },
  { query: { id: { $eq: '{text}' } } },
  { query: { text: { $eq: '{missing}' } } },
  { query: { text: { $eq: '{a}{b}' } } },
  { query: { text: { $neq: '{ text }' } } },
  { query: { $or: [{ text: { $eq: 'Text of Document 1' } }, { count: { $eq: 0 } }] } },
  { query: { $and: { text: { $regex: 'Text' }, price: { $lte: 500 } } } },
  { query: { $not: { $or: { text: { $eq: 'Text of Document 1' }, count: { $eq: 30 } } } } },
  { query: { $or: [{ text: { $eq: 'Text of Document 1' } }], id: { $eq: '3' } } },
  { query: { id: { $eq: '3' }, $or: [{ text: { $eq: 'Text of Document 1' } }] } },
  { query: { $not: { id: { $eq: '1' } }, count: { $eq: 30 } } },
  { query: [{ id: { $eq: '1' } }, { id: { $eq: '2' } }] },
  { query: [{ id: { $eq: '1' }, text: { $eq: 'x' } }, { id: { $eq: '2' } }] },
  { query: [{ $or: [{ id: { $eq: '1' } }] }, { id: { $eq: '2' } }] },
  { query: { text: { $or: [{ id: { $eq: '1' } }, { id: { $eq: '4' } }] } } },
  { query: { $and: [] } },
  { query: { $or: [] } },
  { query: { $not: {} } },
  { query: {} },
  { query: [] },
  { query: '' },
  { query: '{"count": {"$gte": 3}}' },
  { query: { text: { $not: { $eq: 'x' } } } },
  { query: { text: { $foo: 1 } } },
  { query: { $foo: {} } },
  { query: { text: {} } },
  { query: { text: 5 } },
  { query: { $or: 5 } },
  { query: { text: { $exists: 'yes' } } },
  { query: { '0__x': { $eq: 1 } } },
  { query: { text__x: { $eq: 1 } } },
  { query: { count__x: { $exists: false } } },
  { query: { labels__0: { $eq: 'x' } } },
];

interface ReduceCase {
  lists: JsonDoc[][];
  divergence?: string;
}

const base = (id: string, extra: JsonDoc = {}): JsonDoc => ({ id, ...extra });

const REDUCES: ReduceCase[] = [
  // docarray's test_reduce, on our Item model
  {
    lists: [
      [
        base('d1', {
          text: 'hey here',
          cats: ['a', 'b', 'c'],
          price: 10,
          matches: [{ id: 'x1' }],
          labels: ['a'],
          inner: { id: 'in1', score: 2, vals: [1, 2] },
          tags: { a: 0, b: 2, d: 4, z: 3 },
        }),
        base('n1'),
      ],
      [
        base('n2'),
        base('d1', {
          text: 'hey here 2',
          cats: ['d', 'e', 'f'],
          price: 5,
          count: 5,
          matches: [{ id: 'x2' }],
          labels: ['a', 'b'],
          inner: { id: 'in1', score: 3, vals: [3, 4] },
          tags: { a: 10, b: 10, c: 3, z: null },
        }),
      ],
    ],
  },
  // test_reduce_all: a third list repeats the first doc
  {
    lists: [
      [base('d1', { text: 'a', cats: ['a'], nums: [1] }), base('n1')],
      [base('n2'), base('d1', { text: 'b', cats: ['b'] })],
      [base('n3'), base('n4'), base('d1', { cats: ['c'], count: 7 })],
    ],
  },
  // an id new in two later lists is appended twice: the index never learns appended docs
  { lists: [[base('1')], [base('2', { text: 'x' }), base('2', { text: 'y' })], [base('2', { text: 'z' })]] },
  // with an empty first list the index is rebuilt for every later list
  { lists: [[], [base('2', { text: 'x' }), base('2', { text: 'y' })], [base('2', { text: 'z' })]] },
  { lists: [[], [], [base('1')]] },
  { lists: [[base('1', { text: 'a' })], []] },
  // nested docs merge recursively; their ids are overwritten like any field
  {
    lists: [
      [base('1', { inner: { id: 'a', name: 'n', vals: [1] } })],
      [base('1', { inner: { id: 'b', text: 't', vals: [2] } })],
    ],
  },
  // None never overwrites; tuples, tensors and bytes are replaced; sets unioned
  {
    lists: [
      [base('1', { text: 'keep', pair: [1, 2], emb: [1, 2], blob: b64('a'), labels: ['x'], flag: true })],
      [base('1', { pair: [3], emb: [3], blob: b64('b'), labels: ['y', 'x'], flag: false, count: 0 })],
    ],
  },
  // DocLists reduce by id, recursively
  {
    lists: [
      [base('1', { matches: [{ id: 'm1', vals: [1], name: 'left' }, { id: 'm2' }] })],
      [base('1', { matches: [{ id: 'm3' }, { id: 'm1', vals: [2], name: 'right' }] })],
    ],
  },
  // None on the left takes the right value, for every kind
  {
    lists: [
      [base('1')],
      [base('1', { cats: ['a'], tags: { k: 1 }, matches: [{ id: 'm' }], labels: ['s'], price: 2.5 })],
    ],
  },
  {
    lists: [[base('1', { inner: { id: 'a', name: 'n' } })], [base('1')]],
    divergence: 'docarray raises AttributeError updating a nested doc with None; we keep the left doc',
  },
  {
    lists: [[base('1')], [base('1', { inner: { id: 'a', name: 'n' } })]],
    divergence: 'docarray raises AttributeError updating None with a nested doc; we take the right doc',
  },
];

interface ParamsCase {
  parameters: Record<string, unknown>;
  executor: string;
  divergence?: string;
}

const PARAMETERS = {
  top: 1,
  enc__top: 2,
  other__top: 3,
  enc__only: 'e',
  __results__: { prior: { x: 1 } },
  enc: { top: 4, nested: { deep: true } },
  'x__': 5,
  __y: 6,
  my__exec__k: 7,
  'a____b': 8,
};

const PARAMS: ParamsCase[] = [
  { parameters: PARAMETERS, executor: 'enc' },
  { parameters: PARAMETERS, executor: 'other' },
  { parameters: PARAMETERS, executor: 'myexec' },
  { parameters: PARAMETERS, executor: 'my__exec' },
  { parameters: PARAMETERS, executor: 'a' },
  { parameters: PARAMETERS, executor: 'nobody' },
  { parameters: { enc: {}, enc__k: 1 }, executor: 'enc' },
  { parameters: {}, executor: 'enc' },
  { parameters: { enc: 'not a dict' }, executor: 'enc', divergence: 'jina raises TypeError on a non-dict <executor> entry; we leave it alone' },
];

const GRAPHS: unknown[] = [
  // §4.2: Flow().add(name='enc').add(name='a',needs='enc').add(name='b',needs='enc').needs(['a','b'],name='join')
  { 'start-gateway': ['enc'], enc: ['a', 'b'], a: ['join'], b: ['join'], join: ['end-gateway'] },
  // §4.2: the k8s test's key order
  { executor0: ['executor1'], 'start-gateway': ['executor0'], executor1: ['executor2'], executor2: ['end-gateway'] },
  // a Deployment behind its own gateway
  { 'start-gateway': ['executor'], executor: ['end-gateway'] },
  // floating executor next to the main line
  { 'start-gateway': ['a'], a: ['b', 'end-gateway'], b: [] },
  { 'start-gateway': ['a', 'f'], a: ['end-gateway'], f: [] },
  // a node without an entry is an awaited leaf
  { 'start-gateway': ['a'], a: ['b'] },
  // the client request plus a predecessor
  { 'start-gateway': ['a', 'c'], a: ['c'], c: ['end-gateway'] },
  // several responders; jina tries them in its walk order
  { 'start-gateway': ['x', 'y'], x: ['z', 'w'], y: ['w'], z: ['end-gateway'], w: ['end-gateway'] },
  { 'start-gateway': ['p', 'q'], p: ['r'], q: ['s', 'r'], r: ['end-gateway'], s: ['end-gateway'] },
  {},
];

interface ReduceRequestsCase {
  parts: { id: string; code: number; parameters: Record<string, unknown>; docs: { id: string; text?: string }[] }[];
}

const REDUCE_REQUESTS: ReduceRequestsCase[] = [
  {
    parts: [
      { id: 'r1', code: 1, parameters: { a: 1 }, docs: [{ id: '1', text: 'a' }] },
      { id: 'r2', code: 0, parameters: { b: 2, __results__: { e: { k: 1 } } }, docs: [{ id: '1', text: 'b' }, { id: '2' }] },
    ],
  },
  {
    parts: [
      { id: 'r1', code: 0, parameters: { a: 1, __results__: { x: { v: 1 } } }, docs: [] },
      { id: 'r2', code: 0, parameters: { a: 1, __results__: { y: { v: 2 } } }, docs: [] },
    ],
  },
  {
    parts: [
      { id: 'r1', code: 1, parameters: {}, docs: [{ id: '1' }] },
      { id: 'r2', code: 1, parameters: {}, docs: [{ id: '2', text: 'z' }] },
      { id: 'r3', code: 0, parameters: {}, docs: [{ id: '2', text: 'w' }, { id: '3' }] },
    ],
  },
];

interface PythonAnswers {
  filter: (string[] | { error: string; message: string })[];
  reduce: (JsonDoc[] | { error: string; message: string })[];
  params: Record<string, unknown>[];
  graphs: Record<string, unknown>[];
  reduce_requests: Record<string, unknown>[];
}

let answers: PythonAnswers;

beforeAll(() => {
  if (!existsSync(python)) throw new Error(`no Python at ${python}: run \`make venv\``);
  const input = JSON.stringify({
    filter: FILTERS.map((c) => ({ query: c.query, docs: c.docs ?? DOCS })),
    reduce: REDUCES.map((c) => ({ lists: c.lists })),
    params: PARAMS.map((c) => ({ parameters: c.parameters, executor: c.executor })),
    graphs: GRAPHS,
    reduce_requests: REDUCE_REQUESTS,
  });
  const run = spawnSync(python, [path.join(root, 'test/python/topology_peer.py')], {
    input,
    encoding: 'utf8',
    env: { ...process.env, JINA_OPTOUT_TELEMETRY: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`topology_peer.py failed (${run.status}): ${run.stderr}`);
  answers = JSON.parse(run.stdout) as PythonAnswers;
});

function ours<T>(action: () => T): T | { error: string } {
  try {
    return action();
  } catch (error) {
    return { error: (error as Error).name };
  }
}

describe('filterDocs agrees with docarray.utils.filter.filter_docs', () => {
  it.each(FILTERS.map((c, index) => [JSON.stringify(c.query), index] as const))('%s', (_, index) => {
    const testCase = FILTERS[index]!;
    const expected = answers.filter[index]!;
    const actual = ours(() => filterDocs((testCase.docs ?? DOCS).map(item), testCase.query).map((doc) => doc.id));
    if (testCase.divergence) {
      expect(actual, testCase.divergence).not.toEqual(expected);
      return;
    }
    if (!Array.isArray(expected)) {
      expect(actual, `docarray raised ${expected.error}: ${expected.message}`).toHaveProperty('error');
    } else {
      expect(actual).toEqual(expected);
    }
  });
});

describe('reduceAll agrees with docarray.utils.reduce.reduce_all', () => {
  it.each(REDUCES.map((c, index) => [index, c.divergence ?? ''] as const))('case %i %s', (index) => {
    const testCase = REDUCES[index]!;
    const expected = answers.reduce[index]!;
    const actual = ours(() => toJson(reduceAll(testCase.lists.map((docs) => docs.map(item)))));
    if (testCase.divergence) {
      expect(expected, 'docarray should still raise here').toHaveProperty('error');
      expect(actual).not.toHaveProperty('error');
      return;
    }
    expect(actual).toEqual(expected);
  });
});

describe('parametersForExecutor agrees with jina\'s _parse_specific_params', () => {
  it.each(PARAMS.map((c, index) => [c.executor, index] as const))('for %s (case %i)', (executor, index) => {
    const testCase = PARAMS[index]!;
    const expected = answers.params[index]!;
    const actual = parametersForExecutor(testCase.parameters, executor);
    if (testCase.divergence) {
      expect(expected, testCase.divergence).toHaveProperty('error');
      expect(actual).toEqual(testCase.parameters);
      return;
    }
    expect(actual).toEqual(expected);
  });
});

describe('parseFlowTopology agrees with jina\'s TopologyGraph', () => {
  it.each(GRAPHS.map((graph, index) => [JSON.stringify(graph), index] as const))('%s', (_, index) => {
    const expected = answers.graphs[index]!;
    const topology = parseFlowTopology({ graphDescription: GRAPHS[index] });
    expect({
      all_nodes: topology.nodeOrder,
      origins: topology.origins,
      parts: Object.fromEntries([...topology.nodes.values()].map((node) => [node.name, node.parts])),
      floating: [...topology.floatingNodes].sort(),
      responding: topology.respondingNodes,
    }).toEqual(expected);
  });
});

describe('reduceRequests agrees with jina\'s WorkerRequestHandler.reduce_requests', () => {
  it.each(REDUCE_REQUESTS.map((_, index) => index))('case %i', (index) => {
    const expected = answers.reduce_requests[index]!;
    const reduced = reduceRequests(
      REDUCE_REQUESTS[index]!.parts.map((part) => ({
        request: {
          header: { requestId: part.id, status: { code: part.code, description: '', exception: undefined } },
          parameters: part.parameters,
          routes: [],
          data: undefined,
        },
        docs: part.docs.map((doc) => ({ id: doc.id, text: doc.text ?? null })),
      })),
    );
    expect({
      id: reduced.request.header.requestId,
      parameters: reduced.request.parameters,
      docs: reduced.docs.map((doc) => ({ id: doc.id, text: doc.text })),
    }).toEqual(expected);
  });
});
