/**
 * openapi.json over hand-built and normalized models (both pydantic dialects, recursion,
 * adversarial names): a valid OpenAPI 3.1 document (swagger-parser), deterministic, describing
 * the routes the runtime registers and the models in their HTTP JSON form.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { emitOpenApi, routePath } from './emit-openapi.js';
import { ADVERSARIAL_NAMES, adversarialSchemas, EVERY_KIND, normalized, SCHEMAS_V1, SCHEMAS_V2 } from './gateway-model-samples.js';
import type { GatewayModel } from './ir.js';

const INFO = { title: 'Test gateway', version: '1.2.3', description: 'A gateway */ "for" tests' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read back from the file, walked by key in assertions
type Json = any;

function emitted(model: GatewayModel): { content: string; document: Json } {
  const file = emitOpenApi(model, INFO);
  expect(file.path).toBe('openapi.json');
  return { content: file.content, document: JSON.parse(file.content) as Json };
}

async function expectValid(content: string): Promise<void> {
  await expect(SwaggerParser.validate(JSON.parse(content) as never)).resolves.toBeDefined();
}

describe('emitOpenApi', () => {
  it('describes every field kind in the JSON form of documents, and the routes with their bodies and errors', async () => {
    const { content, document } = emitted(EVERY_KIND);
    await expectValid(content);
    expect(content.endsWith('}\n')).toBe(true);
    expect(content).toBe(`${JSON.stringify(JSON.parse(content), null, 2)}\n`);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual(INFO);

    const everything = document.components.schemas.Everything;
    expect(everything.title).toBe('Everything');
    expect(everything.description).toBe('Every kind of field */ "quoted"');
    expect(everything.required).toEqual(['choice', 'embedding', 'flag', 'score']);
    const p = everything.properties;
    const element = { type: ['number', 'boolean', 'null'] };
    expect(p.embedding).toEqual({
      type: 'array',
      minItems: 3,
      maxItems: 3,
      items: { type: 'array', items: { type: 'array', minItems: 4, maxItems: 4, items: element } },
    });
    expect(p.scalar).toEqual({ anyOf: [element, { type: 'null' }] });
    expect(p.raw).toEqual({ anyOf: [{ $ref: '#/components/schemas/gateway.TensorValue' }, { type: 'null' }] });
    expect(document.components.schemas['gateway.TensorValue'].anyOf).toEqual([element, { type: 'array', items: { $ref: '#/components/schemas/gateway.TensorValue' } }]);
    expect(p.blob).toEqual({ anyOf: [{ type: 'string', contentMediaType: 'text/plain' }, { type: 'null' }] });
    expect(p.count).toEqual({ anyOf: [{ type: 'integer' }, { type: 'null' }], description: 'how many' });
    expect(p.flag).toEqual({ type: 'boolean' });
    expect(p.choice).toEqual({ enum: ['a', 'b'] });
    expect(p.yes).toEqual({ anyOf: [{ const: true }, { type: 'null' }] });
    expect(p.mixed).toEqual({ enum: [1, 'one', null] });
    expect(p.text).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(p.any).toEqual({});
    expect(p.inner).toEqual({ anyOf: [{ $ref: '#/components/schemas/Inner' }, { type: 'null' }] });
    expect(p.pair).toEqual({ anyOf: [{ type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], minItems: 2, maxItems: 2 }, { type: 'null' }] });
    expect(p.scores).toEqual({ anyOf: [{ type: 'object', additionalProperties: { type: 'array', items: { type: 'number' } } }, { type: 'null' }] });
    expect(p.values).toEqual({ anyOf: [{ type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } }, { type: 'null' }] });

    expect(Object.keys(document.paths)).toEqual(['/', '/encoder/encode', '/encoder/stream', '/forest/grow']);
    expect(Object.keys(document.paths['/'])).toEqual(['get']);
    const encode = document.paths['/encoder/encode'].post;
    expect(encode.operationId).toBe('encoder_encode');
    expect(encode.tags).toEqual(['encoder']);
    const body = encode.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['data']);
    expect(body.properties.data.items).toEqual({ $ref: '#/components/schemas/Inner' });
    expect(body.properties.parameters).toEqual({ $ref: '#/components/schemas/Params' });
    expect(encode.responses['200'].content['application/json'].schema.properties.data.items).toEqual({ $ref: '#/components/schemas/Everything' });
    expect(Object.keys(encode.responses)).toEqual(['200', '400', '502', '503', '504']);
    expect(document.components.responses.ExecutorFailed.content['application/json'].schema.required).toEqual(['error', 'executor']);
    expect(document.components.responses.BadRequest.content['application/json'].schema.required).toEqual(['error']);

    const stream = document.paths['/encoder/stream'].post;
    expect(stream.requestBody.content['application/json'].schema.properties.data).toMatchObject({ minItems: 1, maxItems: 1 });
    expect(stream.requestBody.content['application/json'].schema.properties.parameters).toMatchObject({ type: 'object' });
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    expect(stream.responses['200'].content['text/event-stream']['x-itemSchema']).toEqual({ $ref: '#/components/schemas/Everything' });
    expect(document.paths['/forest/grow'].post.tags).toEqual(['forest']);
    expect(document.tags.map((tag: { name: string }) => tag.name)).toEqual(['encoder', 'forest']);
  });

  it('gives the same document for the pydantic v1 and v2 dialects of one executor, recursive models included', async () => {
    const v1 = emitted(normalized(SCHEMAS_V1));
    const v2 = emitted(normalized(SCHEMAS_V2));
    await expectValid(v1.content);
    await expectValid(v2.content);
    for (const { document } of [v1, v2]) {
      expect(document.components.schemas.MyOutput.properties.embedding).toEqual({ type: 'array', minItems: 128, maxItems: 128, items: { type: ['number', 'boolean', 'null'] } });
      expect(document.components.schemas.MyOutput.properties.inner).toEqual({ $ref: '#/components/schemas/Inner' });
      expect(document.components.schemas.MyOutput.required).toEqual(['embedding', 'inner', 'score']);
      expect(document.paths['/encoder/foo'].post.requestBody.content['application/json'].schema.properties.parameters).toEqual({ $ref: '#/components/schemas/FooParams' });
    }
    expect(v1.document.components.schemas.Tree.properties.children).toEqual({ anyOf: [{ type: 'array', items: { $ref: '#/components/schemas/Tree' } }, { type: 'null' }] });
    expect(v2.document.paths['/encoder/gen'].post.responses['200'].content['text/event-stream']['x-itemSchema']).toEqual({ $ref: '#/components/schemas/TextDoc' });
  });

  it('stays valid and deterministic whatever names executors send', async () => {
    const model = normalized(adversarialSchemas());
    const { content, document } = emitted(model);
    expect(emitOpenApi(normalized(adversarialSchemas()), INFO).content).toBe(content);
    await expectValid(content);

    // the executor's strings are JSON values: property keys as sent, `__proto__` an own key
    const doc = document.components.schemas[model.executors[0]!.endpoints.find((endpoint) => endpoint.on === '/__proto__')!.input];
    for (const name of ADVERSARIAL_NAMES) expect(Object.hasOwn(doc.properties, name)).toBe(true);
    expect(Object.keys(doc.properties)).toHaveLength(ADVERSARIAL_NAMES.length + 1002);
    const schemaNames = Object.keys(document.components.schemas);
    for (const name of schemaNames) expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(new Set(schemaNames.map((name) => name.toLowerCase())).size).toBe(schemaNames.length);

    // one path per endpoint, the executor name path-encoded, no path templates
    const operations = Object.entries(document.paths as Record<string, { post: { operationId: string } }>).filter(([route]) => route !== '/');
    const endpointCount = model.executors.reduce((count, executor) => count + executor.endpoints.length, 0);
    expect(operations).toHaveLength(endpointCount);
    for (const [route] of operations) expect(route).not.toMatch(/[{}\s?#"]/);
    const ids = operations.map(([, item]) => item.post.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.paths['/%2A%2F%20x/%2A/']).toBeDefined(); // every byte outside [A-Za-z0-9-._~] percent-encoded
    expect(document.paths['/__proto__/%7Bid%7D'].post.tags).toEqual(['__proto__']);
    expect(document.paths['/__proto__/no-slash']).toBeDefined();
  });

  it('names routes as the runtime registers them', () => {
    expect(routePath('encoder', '/encode')).toBe('/encoder/encode');
    expect(routePath('encoder', 'encode')).toBe('/encoder/encode');
    expect(routePath('a/b c', '/x/y')).toBe('/a%2Fb%20c/x/y');
    expect(routePath('ünï', '/{id} ?')).toBe('/%C3%BCn%C3%AF/%7Bid%7D%20%3F');
  });

  it('is checked by a validator that does reject a broken document', async () => {
    const { document } = emitted(EVERY_KIND);
    document.paths['/encoder/encode'].post.responses['200'].content['application/json'].schema.properties.data.items = { $ref: '#/components/schemas/Nowhere' };
    await expect(SwaggerParser.validate(document as never)).rejects.toThrow(/Nowhere/);
  });
});
