/**
 * The OpenAPI document and the body validators built from discovered schemas, in both pydantic
 * dialects (v1 `definitions` / `allOf: [$ref]`, v2 `$defs` / `anyOf`), with Jina's legacy
 * document (a root that is only a `$ref`), same-named models and odd endpoint names.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { BodyValidators } from './body-validator.js';
import type { FlowEndpoint, FlowModel } from './flow-endpoints.js';
import { buildOpenApi } from './openapi.js';
import { detailsFromAjv } from './validation-error.js';

const V1_OUTER: FlowModel = {
  name: 'Outer',
  schema: {
    title: 'Outer',
    type: 'object',
    properties: {
      id: { title: 'Id', type: 'string', example: 'abc' },
      title: { title: 'Title', type: 'string' },
      inner: { title: 'Inner', allOf: [{ $ref: '#/definitions/Inner' }] },
      items: { title: 'Items', type: 'array', items: { $ref: '#/definitions/Inner' } },
      pair: { title: 'Pair', type: 'array', items: [{ type: 'integer' }, { type: 'string' }] },
      matrix: { title: 'Matrix', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2, 2]' },
    },
    required: ['title', 'inner'],
    definitions: {
      Inner: { title: 'Inner', type: 'object', properties: { label: { title: 'Label', type: 'string' } }, required: ['label'] },
    },
  },
};

const LEGACY: FlowModel = {
  name: 'LegacyDocumentJina',
  schema: {
    $ref: '#/$defs/LegacyDocumentJina',
    $defs: {
      LegacyDocumentJina: {
        title: 'LegacyDocumentJina',
        type: 'object',
        properties: {
          id: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
          chunks: { anyOf: [{ type: 'array', items: { $ref: '#/$defs/LegacyDocumentJina' } }, { type: 'null' }], default: null },
        },
        required: ['id'],
      },
    },
  },
};

/** Another executor's class that happens to be called Inner too. */
const OTHER_INNER: FlowModel = {
  name: 'Inner',
  schema: { title: 'Inner', type: 'object', properties: { size: { title: 'Size', type: 'integer' } } },
};

const endpoint = (name: string, input: FlowModel, output: FlowModel = input, isGenerator = false): FlowEndpoint => ({
  endpoint: name,
  input,
  output,
  isGenerator,
  isSingletonDoc: false,
  parameters: undefined,
});

describe('buildOpenApi', () => {
  const endpoints = [endpoint('/nested', V1_OUTER), endpoint('/legacy', LEGACY), endpoint('/other', OTHER_INNER), endpoint('a:b/c', LEGACY, LEGACY, true)];
  const document = buildOpenApi({
    version: '0.0.0',
    routes: endpoints.map((e) => ({ path: `/${e.endpoint.replace(/^\/+/, '')}`, kind: e.isGenerator ? 'stream' : 'post', endpoint: e })),
    health: true,
    status: true,
    dryRun: true,
  });
  const schemas = document.components.schemas;

  it('hoists definitions into components and rewrites their refs', () => {
    expect(schemas.Outer!.properties).toMatchObject({
      inner: { allOf: [{ $ref: '#/components/schemas/Inner' }] },
      items: { items: { $ref: '#/components/schemas/Inner' } },
    });
    expect(schemas.Outer).not.toHaveProperty('definitions');
    expect(schemas.Inner).toMatchObject({ properties: { label: { type: 'string' } } });
  });

  it("resolves a root that is only a $ref (Jina's legacy document) to the definition, self-references included", () => {
    expect(schemas.legacy_input_model!.properties).toMatchObject({
      data: { anyOf: [{ type: 'array', items: { $ref: '#/components/schemas/LegacyDocumentJina' } }, { $ref: '#/components/schemas/LegacyDocumentJina' }] },
    });
    expect(schemas.LegacyDocumentJina!.properties).toMatchObject({
      chunks: { anyOf: [{ type: 'array', items: { $ref: '#/components/schemas/LegacyDocumentJina' } }, { type: 'null' }] },
    });
  });

  it('gives a different model with a taken name a suffix instead of merging them', () => {
    expect(schemas.Inner_2).toMatchObject({ properties: { size: { type: 'integer' } } });
    expect(document.paths['/other']).toMatchObject({
      post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/other_input_model' } } } } },
    });
  });

  it('names components and operations of odd endpoints with safe characters; generator endpoints are GET', () => {
    expect(document.paths['/a:b/c']).toHaveProperty('get');
    expect(schemas).not.toHaveProperty('a:b/c_input_model');
    expect(Object.keys(schemas).every((name) => /^[A-Za-z0-9._-]+$/.test(name))).toBe(true);
  });

  it('every component compiles as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', components: document.components });
    for (const name of Object.keys(schemas)) expect(() => ajv.compile({ $ref: `doc#/components/schemas/${name}` }), name).not.toThrow();
  });
});

describe('BodyValidators', () => {
  const validators = new BodyValidators();

  it('validates pydantic 1 schemas: allOf refs, definitions, tuples, n-d tensors; id is optional', () => {
    const validate = validators.body(endpoint('/nested', V1_OUTER));
    const good = { data: { title: 't', inner: { label: 'x' }, items: [{ label: 'y' }], pair: [1, 'a'], matrix: [[1, 2], [3, 4]] } };
    expect(validate(good)).toBe(true);
    const bad = { data: [{ title: 't', inner: {}, pair: ['a', 1], matrix: [['x']] }] };
    expect(validate(bad)).toBe(false);
    const locs = detailsFromAjv(validate.errors ?? [], bad).map((detail) => detail.loc);
    expect(locs).toEqual(
      expect.arrayContaining([
        ['body', 'data', 0, 'inner', 'label'],
        ['body', 'data', 0, 'pair', 0],
        ['body', 'data', 0, 'pair', 1],
        ['body', 'data', 0, 'matrix'],
      ]),
    );
  });

  it('validates the recursive legacy document', () => {
    const validate = validators.body(endpoint('/legacy', LEGACY));
    expect(validate({ data: [{ text: 'a', chunks: [{ id: 'c', text: 'b', chunks: null }] }] })).toBe(true);
    expect(validate({ data: [{ chunks: [{ text: 1 }] }] })).toBe(false);
    expect(detailsFromAjv(validate.errors ?? [], { data: [{ chunks: [{ text: 1 }] }] })).toEqual([
      { type: 'string_type', loc: ['body', 'data', 0, 'chunks', 0, 'text'], msg: 'Input should be a valid string', input: 1 },
    ]);
  });

  it('a schema ajv cannot compile degrades to "any object" instead of failing', () => {
    const broken: FlowModel = { name: 'Broken', schema: { type: 'object', properties: { x: { $ref: '#/$defs/Missing' } } } };
    const validate = validators.body(endpoint('/broken', broken));
    expect(validate({ data: [{ x: 1 }] })).toBe(true);
    expect(validate({ data: [1] })).toBe(false);
  });

  it('coerces query-string values for streaming input docs', () => {
    const model: FlowModel = {
      name: 'Q',
      schema: { type: 'object', properties: { n: { anyOf: [{ type: 'integer' }, { type: 'null' }] }, flag: { type: 'boolean' }, text: { type: 'string' } } },
    };
    const validate = validators.doc(endpoint('/q', model, model, true), true);
    const doc: Record<string, unknown> = { n: '3', flag: 'true', text: '5' };
    expect(validate(doc)).toBe(true);
    expect(doc).toEqual({ n: 3, flag: true, text: '5' });
  });
});
