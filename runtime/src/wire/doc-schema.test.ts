import { describe, it, expect } from 'vitest';
import { Struct } from './gen/google/protobuf/struct.pb.js';
import { fieldPlan, modelPlan, planFor, type FieldPlan, type JsonSchema } from './doc-schema.js';

/** jina 3.34's LegacyDocumentJina schema (pydantic v2, descriptions dropped): a root `$ref`, self-referencing. */
const LEGACY_V2: JsonSchema = {
  $defs: {
    LegacyDocumentJina: {
      properties: {
        id: { anyOf: [{ type: 'string' }, { type: 'null' }], title: 'Id' },
        tensor: { anyOf: [{ items: { type: 'number' }, 'tensor/array shape': 'not specified', type: 'array' }, { type: 'null' }], default: null },
        chunks: { anyOf: [{ items: { $ref: '#/$defs/LegacyDocumentJina' }, type: 'array' }, { type: 'null' }], default: null },
        matches: { anyOf: [{ items: { $ref: '#/$defs/LegacyDocumentJina' }, type: 'array' }, { type: 'null' }], default: null },
        blob: { anyOf: [{ format: 'binary', type: 'string' }, { type: 'null' }], default: null },
        text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
        url: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
        embedding: { anyOf: [{ items: { type: 'number' }, 'tensor/array shape': 'not specified', type: 'array' }, { type: 'null' }], default: null },
        tags: { default: {}, title: 'Tags', type: 'object' },
        scores: { anyOf: [{ type: 'object' }, { type: 'null' }], default: null },
      },
      title: 'LegacyDocumentJina',
      type: 'object',
    },
  },
  $ref: '#/$defs/LegacyDocumentJina',
};

/** A pydantic v1 schema of the same shapes (`definitions`, `allOf`, plain `T` for Optional[T]). */
const V1_SCHEMA: JsonSchema = {
  title: 'MyDoc',
  type: 'object',
  properties: {
    id: { title: 'Id', type: 'string', example: 'abc' },
    embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' },
    inner: { title: 'Inner', allOf: [{ $ref: '#/definitions/Inner' }] },
    inners: { title: 'Inners', type: 'array', items: { $ref: '#/definitions/Inner' } },
    url: { title: 'Url', type: 'string', format: 'uri', minLength: 1, maxLength: 65536 },
    tags: { title: 'Tags', type: 'object' },
    names: { title: 'Names', type: 'object', additionalProperties: { type: 'string' } },
    blob: { title: 'Blob', type: 'string', format: 'binary' },
    pair: { title: 'Pair', type: 'array', items: [{ type: 'integer' }, { type: 'string' }] },
    color: { $ref: '#/definitions/Color' },
  },
  required: ['embedding'],
  definitions: {
    Inner: { title: 'Inner', type: 'object', properties: { id: { type: 'string' }, score: { type: 'number' } } },
    Color: { title: 'Color', enum: ['red', 'green'], type: 'string' },
  },
};

function kinds(plan: FieldPlan): unknown {
  switch (plan.kind) {
    case 'doc':
    case 'doc_array':
      return `${plan.kind}<${String(plan.model.schema.title)}>`;
    case 'dict':
      return { dict: kinds(plan.values) };
    case 'list':
    case 'set':
      return { [plan.kind]: kinds(plan.items) };
    case 'tuple':
      return { tuple: plan.prefix.map(kinds) };
    case 'union':
      return { union: plan.options.map(kinds) };
    default:
      return plan.kind;
  }
}

describe('modelPlan', () => {
  it('reads the v2 dialect: $defs, anyOf with null, a root $ref, self reference', () => {
    const model = modelPlan(LEGACY_V2);
    expect(model.schema.title).toBe('LegacyDocumentJina');
    expect(kinds(model.field('tensor'))).toBe('tensor');
    expect(kinds(model.field('chunks'))).toBe('doc_array<LegacyDocumentJina>');
    expect(kinds(model.field('blob'))).toBe('bytes');
    expect(kinds(model.field('text'))).toBe('string');
    expect(kinds(model.field('tags'))).toEqual({ dict: 'any' });
    expect(kinds(model.field('scores'))).toEqual({ dict: 'any' });
    expect(kinds(model.field('unknown'))).toBe('any');
    const chunks = model.field('chunks');
    expect(chunks.kind === 'doc_array' && chunks.model).toBe(model); // the cycle closes on the same plan
  });

  it('reads the v1 dialect: definitions, allOf, plain optional types, draft-4 tuples, enums', () => {
    const model = modelPlan(V1_SCHEMA);
    expect(kinds(model.field('embedding'))).toBe('tensor');
    expect(kinds(model.field('inner'))).toBe('doc<Inner>');
    expect(kinds(model.field('inners'))).toEqual({ list: 'doc<Inner>' });
    expect(kinds(model.field('url'))).toBe('string');
    expect(kinds(model.field('tags'))).toEqual({ dict: 'any' });
    expect(kinds(model.field('names'))).toEqual({ dict: 'string' });
    expect(kinds(model.field('blob'))).toBe('bytes');
    expect(kinds(model.field('pair'))).toEqual({ tuple: ['integer', 'string'] });
    expect(kinds(model.field('color'))).toBe('string');
    const inner = model.field('inner');
    expect(inner.kind === 'doc' && kinds(inner.model.field('score'))).toBe('number');
  });

  it('reads v2 containers: sets, prefixItems tuples, Dict[str, Model], nested lists, unions', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        st: { type: 'array', items: { type: 'integer' }, uniqueItems: true },
        tu: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }], minItems: 2, maxItems: 2 },
        di: { type: 'object', additionalProperties: { $ref: '#/$defs/Inner' } },
        ll: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
        u: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
        opt: { anyOf: [{ $ref: '#/$defs/Inner' }, { type: 'null' }], default: null },
        tensors: { type: 'array', items: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2]' } },
        nullable: { type: ['string', 'null'] },
      },
      $defs: { Inner: { title: 'Inner', type: 'object', properties: {} } },
    };
    const model = modelPlan(schema);
    expect(kinds(model.field('st'))).toEqual({ set: 'integer' });
    expect(kinds(model.field('tu'))).toEqual({ tuple: ['integer', 'string'] });
    expect(kinds(model.field('di'))).toEqual({ dict: 'doc<Inner>' });
    expect(kinds(model.field('ll'))).toEqual({ list: { list: 'number' } });
    expect(kinds(model.field('u'))).toEqual({ union: ['integer', 'string'] });
    expect(kinds(model.field('opt'))).toBe('doc<Inner>');
    expect(kinds(model.field('tensors'))).toEqual({ list: 'tensor' });
    expect(kinds(model.field('nullable'))).toBe('string');
  });

  it('reads a schema that went through a protobuf Struct (numbers as doubles, keys reordered)', () => {
    const crossed = Struct.unwrap(Struct.decode(Struct.encode(Struct.wrap(V1_SCHEMA)).finish())) as JsonSchema;
    const model = modelPlan(crossed);
    expect(kinds(model.field('embedding'))).toBe('tensor');
    expect(kinds(model.field('inners'))).toEqual({ list: 'doc<Inner>' });
    expect(kinds(model.field('pair'))).toEqual({ tuple: ['integer', 'string'] });
  });

  it('resolves a ref written in the other dialect', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { inner: { $ref: '#/definitions/Inner' } },
      $defs: { Inner: { title: 'Inner', type: 'object', properties: {} } },
    };
    expect(kinds(modelPlan(schema).field('inner'))).toBe('doc<Inner>');
    expect(kinds(modelPlan({ properties: { x: { $ref: '#/$defs/Missing' } } }).field('x'))).toBe('any');
  });

  it('caches plans per schema object', () => {
    expect(modelPlan(LEGACY_V2)).toBe(modelPlan(LEGACY_V2));
    expect(modelPlan(LEGACY_V2).field('chunks')).toBe(modelPlan(LEGACY_V2).field('chunks'));
  });

  it('compiles loose field schemas', () => {
    expect(kinds(fieldPlan({ type: 'array', items: { $ref: '#/$defs/X' }, $defs: { X: { title: 'X', properties: {} } } }))).toEqual({ list: 'doc<X>' });
  });
});

describe('planFor', () => {
  const union = modelPlan({
    properties: {
      a: { anyOf: [{ type: 'integer' }, { type: 'number' }, { type: 'string' }, { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2]' }] },
      b: { anyOf: [{ type: 'object' }, { $ref: '#/$defs/M' }, { type: 'string', format: 'binary' }] },
    },
    $defs: { M: { title: 'M', properties: {} } },
  });

  it('picks the option that fits the value', () => {
    const a = union.field('a');
    expect(planFor(a, 3).kind).toBe('integer');
    expect(planFor(a, 3.5).kind).toBe('number');
    expect(planFor(a, 'x').kind).toBe('string');
    expect(planFor(a, [1, 2]).kind).toBe('tensor');
    expect(planFor(a, true).kind).toBe('any');
    const b = union.field('b');
    expect(planFor(b, {}).kind).toBe('doc');
    expect(planFor(b, 'x').kind).toBe('bytes');
    expect(planFor(b, new Uint8Array(1)).kind).toBe('bytes');
  });
});
