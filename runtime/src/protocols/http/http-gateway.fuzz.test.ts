/**
 * Property tests of the built-in HTTP gateway's JSON bodies: random bodies shaped like requests
 * (docs of the endpoint's model with values of every JSON type where the model wants one,
 * parameters, headers), random JSON, and mutated texts of valid bodies go to a real gateway app
 * (fastify `inject`) in front of our TypeScript executor server on loopback. The answer is a 200
 * or a 4xx whose body names the problem, never a 5xx other than the declared 502/503/504, and the
 * gateway keeps answering. A fixed seed unless FUZZ_SEED is given; `make fuzz` runs many more cases.
 */
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../../../../test/support/hostile-names.js';
import type { DocModel } from '../../executor-server/endpoint.js';
import { type ExecutorServer, serveExecutor } from '../../executor-server/serve-executor.js';
import { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { buildHttpApp } from './http-app.js';

const logger = pino({ level: 'silent' });

const TEXT_DOC: DocModel = {
  name: 'TextDoc',
  schema: {
    title: 'TextDoc',
    type: 'object',
    properties: {
      id: { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }] },
      text: { title: 'Text', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
      embedding: { title: 'Embedding', anyOf: [{ type: 'array', items: { type: 'number' }, 'tensor/array shape': 'not specified' }, { type: 'null' }], default: null },
      count: { title: 'Count', anyOf: [{ type: 'integer' }, { type: 'null' }], default: null },
      tags: { title: 'Tags', type: 'object', additionalProperties: { type: 'string' }, default: {} },
      inner: { anyOf: [{ $ref: '#/$defs/Inner' }, { type: 'null' }], default: null },
    },
    required: ['id'],
    $defs: { Inner: { title: 'Inner', type: 'object', properties: { label: { title: 'Label', type: 'string' } }, required: ['label'] } },
  },
};
const PARAMS: DocModel = {
  name: 'Params',
  schema: { title: 'Params', type: 'object', properties: { k: { title: 'K', type: 'integer', default: 3 }, tag: { title: 'Tag', anyOf: [{ type: 'string' }, { type: 'null' }] } } },
};

const key = fc.oneof(fc.constantFrom('id', 'text', 'embedding', 'count', 'tags', 'inner', 'label', '__proto__', 'constructor', ''), fc.string({ maxLength: 6 }));
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e308, -1e-308, 2 ** 53 + 1, 2 ** 31)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  ),
}));
/** Mostly what the model wants, now and then any JSON. */
const mostly = <T,>(wanted: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: wanted }, { weight: 1, arbitrary: json });
/** A doc of the model, each field mostly what the model wants. */
const doc = fc.record(
  {
    id: mostly(fc.string({ maxLength: 8 })),
    text: mostly(fc.string({ maxLength: 12 })),
    embedding: mostly(fc.oneof(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 6 }), fc.array(fc.array(fc.integer(), { minLength: 2, maxLength: 2 }), { maxLength: 3 }))),
    count: mostly(fc.integer()),
    tags: mostly(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 })),
    inner: mostly(fc.record({ label: fc.string({ maxLength: 6 }) })),
    extra: json,
  },
  { requiredKeys: [] },
);
const requestBody = fc.record(
  {
    data: mostly(fc.oneof(doc, fc.array(doc, { maxLength: 3 }))),
    parameters: mostly(fc.record({ k: mostly(fc.integer()), tag: mostly(fc.string({ maxLength: 5 })) }, { requiredKeys: [] })),
    header: mostly(fc.record({ request_id: mostly(fc.string({ maxLength: 8 })), target_executor: mostly(fc.constantFrom('ts', '.*', '(', '[a-', '(?P<x>ts)', '\\')), requestId: json }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);
/** The text of a body: JSON of a request-shaped body or of any value, or such a text mutated (invalid JSON mostly). */
const bodyText = fc.oneof(
  { weight: 4, arbitrary: requestBody.map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: json.map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 2,
    arbitrary: fc.tuple(requestBody, fc.array(fc.record({ at: fc.nat(), text: fc.string({ maxLength: 3 }), cut: fc.boolean() }), { minLength: 1, maxLength: 3 })).map(([body, changes]) => {
      let text = JSON.stringify(body);
      for (const { at, text: inserted, cut } of changes) {
        const i = at % (text.length + 1);
        text = cut ? text.slice(0, i) : text.slice(0, i) + inserted + text.slice(i + 1);
      }
      return text;
    }),
  },
);

describe('the HTTP gateway\'s JSON bodies, property tests', () => {
  let executor: ExecutorServer;
  let streamer: GatewayStreamer;
  let app: FastifyInstance;

  beforeAll(async () => {
    executor = await serveExecutor({
      name: 'ts',
      className: 'TsExecutor',
      host: '127.0.0.1',
      endpoints: {
        '/echo': { input: TEXT_DOC, output: TEXT_DOC, handler: (docs) => docs },
        '/params': { input: TEXT_DOC, output: TEXT_DOC, parameters: PARAMS, handler: (docs, { parameters }) => ({ k: parameters.k ?? null, n: docs.length }) },
      },
    });
    streamer = new GatewayStreamer({ graphDescription: { 'start-gateway': ['ts'], ts: ['end-gateway'] }, deploymentsAddresses: { ts: [executor.address] } });
    app = await buildHttpApp({ streamer, host: '127.0.0.1', port: 0, logger, prefetch: 1000, healthCheck: false });
  });

  afterAll(async () => {
    await app?.close();
    streamer?.close();
    await executor?.close(500);
  });

  it('any body answers 200 or a 4xx naming the problem, never a 5xx but the declared 502/503/504', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/echo', '/echo', '/params', '/params', '/nothing-here'), bodyText, fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', ''), async (url, payload, contentType) => {
        const response = await app.inject({ method: 'POST', url, payload, headers: contentType ? { 'content-type': contentType } : {} });
        const where = `${response.statusCode} ${response.body.slice(0, 300)}`;
        expect(response.statusCode === 200 || (response.statusCode >= 400 && response.statusCode < 500) || [502, 503, 504].includes(response.statusCode), where).toBe(true);
        if (response.statusCode >= 400) {
          const body = response.json() as { detail?: unknown; message?: unknown };
          expect(JSON.stringify(body.detail ?? body.message ?? ''), where).not.toMatch(/^""$/);
        }
      }),
      { numRuns: fuzzRuns(300), seed: fuzzSeed() },
    );
    const alive = await app.inject({ method: 'POST', url: '/echo', payload: { data: { id: 'after', text: 'still here' } } });
    expect(alive.json().data[0].text).toBe('still here');
  }, 600_000);
});
