import { describe, expect, it } from 'vitest';
import { bumpVersion, diffOpenApi } from './openapi-diff.js';
import { diffJsonSchemas } from './json-schema-diff.js';

type Props = Record<string, unknown>;

/** A gateway spec of the shape create-gateway publishes: POST /{endpoint} with {data: [Doc]}. */
function spec(endpoints: Record<string, { input: [Props, string[]]; output: [Props, string[]] }>, extra: Record<string, unknown> = {}) {
  const schemas: Record<string, unknown> = { ...extra };
  const paths: Record<string, unknown> = {};
  for (const [name, { input, output }] of Object.entries(endpoints)) {
    schemas[`${name}In`] = { type: 'object', properties: input[0], required: input[1] };
    schemas[`${name}Out`] = { type: 'object', properties: output[0], required: output[1] };
    const body = (model: string) => ({
      content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: { $ref: `#/components/schemas/${model}` } } }, required: ['data'] } } },
    });
    paths[`/${name}`] = { post: { requestBody: body(`${name}In`), responses: { '200': { description: 'ok', ...body(`${name}Out`) } } } };
  }
  return { openapi: '3.1.0', info: { title: 't', version: '1.0.0' }, paths, components: { schemas } };
}

const TEXT = { text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null } };
const EMBEDDING = { embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[128]' } };
const base = () => spec({ encode: { input: [{ ...TEXT }, []], output: [{ ...TEXT, ...EMBEDDING, score: { type: 'number' } }, ['embedding', 'score']] } });

describe('diffOpenApi', () => {
  it('no change: patch, nothing listed', () => {
    expect(diffOpenApi(base(), base())).toEqual({ changes: [], breaking: false, bump: 'patch' });
  });

  it('an optional input field and a new endpoint are additions (minor)', () => {
    const next = spec({
      encode: { input: [{ ...TEXT, lang: { type: 'string' } }, []], output: [{ ...TEXT, ...EMBEDDING, score: { type: 'number' } }, ['embedding', 'score']] },
      rank: { input: [{ ...TEXT }, []], output: [{ ...TEXT }, []] },
    });
    const diff = diffOpenApi(base(), next);
    expect(diff.bump).toBe('minor');
    expect(diff.changes).toEqual([
      { operation: 'POST /encode', kind: 'field-added-optional', breaking: false, path: 'request.data[].lang' },
      { operation: 'POST /rank', kind: 'operation-added', breaking: false, path: '' },
    ]);
  });

  it('a removed output field, a changed tensor shape, a new required input field and a removed endpoint break (major)', () => {
    const next = spec({
      encode: {
        input: [{ ...TEXT, lang: { type: 'string' } }, ['lang']],
        output: [{ ...TEXT, embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[256]' } }, ['embedding']],
      },
    });
    const previous = spec({
      encode: { input: [{ ...TEXT }, []], output: [{ ...TEXT, ...EMBEDDING, score: { type: 'number' } }, ['embedding', 'score']] },
      gone: { input: [{ ...TEXT }, []], output: [{ ...TEXT }, []] },
    });
    const diff = diffOpenApi(previous, next);
    expect(diff.bump).toBe('major');
    expect(diff.changes).toEqual([
      { operation: 'POST /encode', kind: 'field-added-required', breaking: true, path: 'request.data[].lang' },
      { operation: 'POST /encode', kind: 'tensor-shape-changed', breaking: true, path: 'response 200.data[].embedding', detail: '[128] → [256]' },
      { operation: 'POST /encode', kind: 'field-removed', breaking: true, path: 'response 200.data[].score' },
      { operation: 'POST /gone', kind: 'operation-removed', breaking: true, path: '' },
    ]);
  });

  it('a type change breaks; integer and number are the same to a JSON client', () => {
    const next = spec({ encode: { input: [{ text: { type: 'integer' } }, []], output: [{ ...TEXT, ...EMBEDDING, score: { type: 'integer' } }, ['embedding', 'score']] } });
    expect(diffOpenApi(base(), next).changes).toEqual([
      { operation: 'POST /encode', kind: 'type-changed', breaking: true, path: 'request.data[].text', detail: 'string → integer' },
    ]);
  });

  it('follows recursive models without looping', () => {
    const tree = (extra: Props) => ({ type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } }, ...extra } });
    const previous = spec({ walk: { input: [{ root: { $ref: '#/components/schemas/Tree' } }, []], output: [{}, []] } }, { Tree: tree({}) });
    const next = spec({ walk: { input: [{ root: { $ref: '#/components/schemas/Tree' } }, []], output: [{}, []] } }, { Tree: tree({ depth: { type: 'integer' } }) });
    expect(diffOpenApi(previous, next).changes).toEqual([
      { operation: 'POST /walk', kind: 'field-added-optional', breaking: false, path: 'request.data[].root.depth' },
    ]);
  });

  it('labels a recursive union (a JSON value: lists and maps of values) without looping', () => {
    const value = { anyOf: [{ type: 'string' }, { type: 'array', items: { $ref: '#/components/schemas/Value' } }, { type: 'object', additionalProperties: { $ref: '#/components/schemas/Value' } }] };
    const endpoint = (field: Props) => spec({ tag: { input: [{ value: field }, []], output: [{}, []] } }, { Value: value });
    expect(diffOpenApi(endpoint({ $ref: '#/components/schemas/Value' }), endpoint({ $ref: '#/components/schemas/Value' })).changes).toEqual([]);
    const changed = diffOpenApi(endpoint({ $ref: '#/components/schemas/Value' }), endpoint({ type: 'string' })).changes;
    expect(changed).toMatchObject([{ operation: 'POST /tag', kind: 'type-changed', breaking: true, path: 'request.data[].value' }]);
  });
});

describe('diffJsonSchemas across pydantic dialects', () => {
  it('an Optional field as v1 writes it (plain type) and as v2 writes it (anyOf with null) is the same field', () => {
    const v1 = { type: 'object', properties: { text: { type: 'string', title: 'Text' }, inner: { $ref: '#/definitions/Inner' } }, definitions: { Inner: { type: 'object', properties: { n: { type: 'number' } } } } };
    const v2 = { type: 'object', properties: { text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null }, inner: { anyOf: [{ $ref: '#/$defs/Inner' }, { type: 'null' }] } }, $defs: { Inner: { type: 'object', properties: { n: { type: 'number', description: 'changed docs' } } } } };
    expect(diffJsonSchemas(v1, v2, 'output', { previous: v1, next: v2 })).toEqual([]);
  });
});

describe('bumpVersion', () => {
  it('bumps by semver', () => {
    expect(bumpVersion('1.4.2', 'major')).toBe('2.0.0');
    expect(bumpVersion('1.4.2', 'minor')).toBe('1.5.0');
    expect(bumpVersion('1.4.2', 'patch')).toBe('1.4.3');
    expect(bumpVersion('0.1.0', 'minor')).toBe('0.2.0');
    expect(bumpVersion('dev', 'patch')).toBe('1.0.0');
  });
});
