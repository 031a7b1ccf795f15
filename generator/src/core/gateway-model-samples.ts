/**
 * Sample gateway models for the emitters' tests (OpenAPI, .proto): one hand-built model using
 * every kind of type, the same small executor in pydantic v1's and v2's dialect, and an
 * adversarial one (names that are keywords, `__proto__`, quotes, `*​/`, unicode, case twins;
 * self-reference, 20 levels of nesting, 1000 fields). All but the first go through
 * `normalizeSchemas`, as real schemas do.
 */
import type { RawEndpointSchema, RawSchemaFile } from '../introspect/schema-shape.js';
import type { GatewayModel } from './ir.js';
import { normalizeSchemas } from './normalize.js';

/** Every TypeRef kind, nullables, a generator endpoint, parameters, self-reference. */
export const EVERY_KIND: GatewayModel = {
  models: [
    {
      name: 'Everything',
      schemaName: 'Everything',
      description: 'Every kind of field */ "quoted"',
      fields: [
        { fieldName: 'any', type: { kind: 'unknown' }, required: false },
        { fieldName: 'blob', type: { kind: 'bytes' }, required: false },
        { fieldName: 'choice', type: { kind: 'literal', values: ['a', 'b'] }, required: true },
        { fieldName: 'count', type: { kind: 'integer' }, required: false, description: 'how many' },
        { fieldName: 'embedding', type: { kind: 'tensor', shape: [3, null, 4] }, required: true },
        { fieldName: 'flag', type: { kind: 'boolean' }, required: true },
        { fieldName: 'grid', type: { kind: 'array', items: { kind: 'array', items: { kind: 'number' } } }, required: false },
        { fieldName: 'inner', type: { kind: 'model', model: 'Inner' }, required: false },
        { fieldName: 'inners', type: { kind: 'array', items: { kind: 'model', model: 'Inner' } }, required: false },
        { fieldName: 'mixed', type: { kind: 'literal', values: [1, 'one', null] }, required: false },
        { fieldName: 'nothing', type: { kind: 'null' }, required: false },
        { fieldName: 'pair', type: { kind: 'tuple', items: [{ kind: 'string' }, { kind: 'integer' }] }, required: false },
        { fieldName: 'raw', type: { kind: 'tensor' }, required: false },
        { fieldName: 'scalar', type: { kind: 'tensor', shape: [] }, required: false },
        { fieldName: 'score', type: { kind: 'number' }, required: true },
        { fieldName: 'scores', type: { kind: 'dict', values: { kind: 'array', items: { kind: 'number' } } }, required: false },
        { fieldName: 'tables', type: { kind: 'dict', values: { kind: 'dict', values: { kind: 'model', model: 'Inner' } } }, required: false },
        { fieldName: 'tensors', type: { kind: 'array', items: { kind: 'tensor', shape: [2] } }, required: false },
        { fieldName: 'text', type: { kind: 'union', options: [{ kind: 'string' }, { kind: 'null' }] }, required: false },
        { fieldName: 'values', type: { kind: 'array', items: { kind: 'union', options: [{ kind: 'string' }, { kind: 'integer' }] } }, required: false },
        { fieldName: 'yes', type: { kind: 'literal', values: [true] }, required: false },
      ],
    },
    { name: 'Inner', schemaName: 'Inner', fields: [{ fieldName: 'label', type: { kind: 'string' }, required: true }] },
    {
      name: 'Params',
      schemaName: 'Params',
      fields: [
        { fieldName: 'k', type: { kind: 'integer' }, required: false },
        { fieldName: 'mode', type: { kind: 'literal', values: ['fast', 'exact'] }, required: false },
      ],
    },
    {
      name: 'Tree',
      schemaName: 'Tree',
      fields: [
        { fieldName: 'children', type: { kind: 'array', items: { kind: 'model', model: 'Tree' } }, required: false },
        { fieldName: 'parent', type: { kind: 'model', model: 'Tree' }, required: false },
      ],
    },
  ],
  executors: [
    {
      name: 'encoder',
      ident: 'encoder',
      endpoints: [
        { on: '/encode', ident: 'encode', input: 'Inner', output: 'Everything', parameters: 'Params', isGenerator: false, isSingletonDoc: false },
        { on: '/stream', ident: 'stream', input: 'Inner', output: 'Everything', isGenerator: true, isSingletonDoc: true },
      ],
    },
    { name: 'forest', ident: 'forest', endpoints: [{ on: 'grow', ident: 'grow', input: 'Tree', output: 'Tree', isGenerator: false, isSingletonDoc: false }] },
  ],
};

function endpoint(input: { name: string; model: object }, output: { name: string; model: object }, extra: Partial<RawEndpointSchema> = {}): RawEndpointSchema {
  return { input, output, is_generator: false, is_singleton_doc: false, parameters: { name: null, model: null }, ...extra };
}

const ID_V2 = { title: 'Id', anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The ID of the BaseDoc.' };

const TEXT_DOC_V2 = {
  name: 'TextDoc',
  model: { title: 'TextDoc', type: 'object', properties: { id: ID_V2, text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null }, bytes_: { anyOf: [{ type: 'string', format: 'binary' }, { type: 'null' }] } } },
};

/** `/foo`: TextDoc → MyOutput{embedding: NdArray[128], score, inner: Inner, inners: List[Inner], tags}, and a generator `/gen`, pydantic v2. */
export const SCHEMAS_V2: RawSchemaFile = {
  encoder: {
    endpoints: ['/foo', '/gen'],
    schemas: {
      '/foo': endpoint(
        TEXT_DOC_V2,
        {
          name: 'MyOutput',
          model: {
            title: 'MyOutput',
            type: 'object',
            properties: {
              id: ID_V2,
              embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' },
              score: { type: 'number' },
              inner: { $ref: '#/$defs/Inner' },
              inners: { type: 'array', items: { $ref: '#/$defs/Inner' } },
              tags: { type: 'object', additionalProperties: { type: 'string' } },
            },
            required: ['embedding', 'score', 'inner'],
            $defs: { Inner: { title: 'Inner', type: 'object', properties: { id: ID_V2, label: { type: 'string' } }, required: ['label'] } },
          },
        },
        { parameters: { name: 'FooParams', model: { title: 'FooParams', type: 'object', properties: { k: { type: 'integer', default: 3 }, tag: { anyOf: [{ type: 'string' }, { type: 'null' }] } } } } },
      ),
      '/gen': endpoint(TEXT_DOC_V2, TEXT_DOC_V2, { is_generator: true }),
    },
  },
};

/** The same executor in pydantic v1's dialect (definitions, allOf refs, optional = not required), with a self-referencing tree. */
export const SCHEMAS_V1: RawSchemaFile = {
  encoder: {
    endpoints: ['/foo'],
    schemas: {
      '/foo': endpoint(
        { name: 'TextDoc', model: { title: 'TextDoc', type: 'object', properties: { id: { type: 'string' }, text: { type: 'string' }, bytes_: { type: 'string', format: 'binary' } } } },
        {
          name: 'MyOutput',
          model: {
            title: 'MyOutput',
            type: 'object',
            properties: {
              id: { type: 'string' },
              embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' },
              score: { type: 'number' },
              inner: { allOf: [{ $ref: '#/definitions/Inner' }] },
              inners: { type: 'array', items: { $ref: '#/definitions/Inner' } },
              tags: { type: 'object', additionalProperties: { type: 'string' } },
              tree: { $ref: '#/definitions/Tree' },
            },
            required: ['embedding', 'score', 'inner'],
            definitions: {
              Inner: { title: 'Inner', type: 'object', properties: { id: { type: 'string' }, label: { type: 'string' } }, required: ['label'] },
              Tree: { title: 'Tree', type: 'object', properties: { children: { type: 'array', items: { $ref: '#/definitions/Tree' } }, label: { type: 'string' } } },
            },
          },
        },
        { parameters: { name: 'FooParams', model: { title: 'FooParams', type: 'object', properties: { k: { type: 'integer', default: 3 }, tag: { type: 'string' } } } } },
      ),
    },
  },
};

/** Names an executor may send that are not identifiers anywhere. */
export const ADVERSARIAL_NAMES = ['__proto__', '$ref', 'properties', 'class', 'a"b', "it's", '*/ x', '1st', 'my-field', 'ünï', '日本', 'constructor', 'toString', 'Doc', 'doc', 'DOC', 'a_b', 'aB', 'a__b', '_', ' ', ''];

/**
 * Every adversarial name as an executor, an endpoint, a model and a field; case twins; a model of
 * 1000 fields; 20 levels of nesting; self-reference.
 */
export function adversarialSchemas(): RawSchemaFile {
  const properties: Record<string, unknown> = {};
  ADVERSARIAL_NAMES.forEach((name, index) => define(properties, name, index % 2 === 0 ? { type: 'string', description: `*/ ${name} /*` } : { anyOf: [{ type: 'integer' }, { type: 'null' }] }));
  for (let i = 0; i < 1000; i++) properties[`f${i}`] = { type: 'number' };
  const defs: Record<string, unknown> = {};
  for (let level = 0; level < 20; level++) {
    defs[`L${level}`] = { title: `L${level}`, type: 'object', properties: { next: level === 19 ? { type: 'string' } : { $ref: `#/$defs/L${level + 1}` } }, required: ['next'] };
  }
  defs.Tree = { title: 'Tree', type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Tree' } }, label: { type: 'string' } } };
  const model = (title: string) => ({ title, type: 'object', description: '*/ evil(); /*', properties: { ...properties, deep: { $ref: '#/$defs/L0' }, tree: { $ref: '#/$defs/Tree' } }, $defs: defs });
  const small = (title: string) => ({ title, type: 'object', properties: { [title]: { type: 'string' } } });
  const schemas: RawSchemaFile = {};
  for (const executor of ADVERSARIAL_NAMES.filter((name) => name !== '')) {
    const endpoints = ['/__proto__', '/class', '/*/', '/1', '/a-b', '/A-B', '/ünï', '/{id}', '/a b?c#d', 'no-slash'];
    define(schemas, executor, {
      endpoints,
      schemas: Object.fromEntries(
        endpoints.map((on, index) => [
          on,
          index === 0
            ? endpoint({ name: 'Doc', model: model('Doc') }, { name: '__proto__', model: model('__proto__') }, { is_generator: true })
            : endpoint({ name: ADVERSARIAL_NAMES[index]!, model: small(ADVERSARIAL_NAMES[index]!) }, { name: 'doc', model: small('doc') }, { is_generator: on === '/1' }),
        ]),
      ),
    });
  }
  return schemas;
}

/** `object[key] = value` that also makes `__proto__` an own key (as JSON.parse does), not the prototype. */
function define(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { enumerable: true, writable: true, configurable: true, value });
}

/** normalizeSchemas, throwing on failure (samples must normalize). */
export function normalized(schemas: RawSchemaFile): GatewayModel {
  const result = normalizeSchemas(schemas, 'sample');
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}
