/**
 * `openapi.json`: the HTTP API of a generated gateway as `src/gen/routes.ts` serves it (the
 * runtime's `registerExecutorRoutes`), in OpenAPI 3.1: `POST /{executor}{endpoint}` for every
 * endpoint, documents in their JSON form (tensors as nested number lists, bytes as UTF-8 text),
 * the error bodies of each status, and `GET /` health.
 *
 * Every model is one `components.schemas` entry under its TypeScript name (only `[A-Za-z0-9_]`,
 * as component keys must be); the executor's own strings (field names, titles, descriptions)
 * are only ever JSON values here. The document is built in a fixed order from the (sorted)
 * intermediate form, so the same schemas give a byte-identical file.
 */
import { executorRoutePath } from '@jina-ts/runtime/route-path';
import { OpenApiBuilder, type OperationObject, type ReferenceObject, type ResponseObject, type SchemaObject } from 'openapi3-ts/oas31';
import type { GeneratedFile } from '../cli/generator-core.js';
import { IdentifierPool } from './identifiers.js';
import type { EndpointDef, ExecutorDef, FieldDef, GatewayModel, ModelDef, TypeRef } from './ir.js';
import { acceptsNull } from './type-ref-null.js';

export const OPENAPI_FILE = 'openapi.json';

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

/**
 * A tensor of unknown shape: any nesting of number lists. Its component name has a dot, which no
 * model name (an identifier) has, so it cannot collide with one.
 */
const ANY_TENSOR = 'gateway.TensorValue';
/**
 * Tensor elements: numbers, or booleans for a bool tensor (the gateway's validators take both, the
 * dtype decides); NaN and ±Infinity are written as null (JSON has no literal for them).
 */
const TENSOR_ELEMENT: SchemaObject = { type: ['number', 'boolean', 'null'] };

/** Error responses, shared by every operation (a namespace apart from the models' schemas). */
const RESPONSES = {
  badRequest: 'BadRequest',
  executorFailed: 'ExecutorFailed',
  executorUnavailable: 'ExecutorUnavailable',
  executorTimeout: 'ExecutorTimeout',
} as const;

export function emitOpenApi(model: GatewayModel, info: OpenApiInfo): GeneratedFile {
  const builder = OpenApiBuilder.create({
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, ...(info.description === undefined ? {} : { description: info.description }) },
    paths: {},
    components: { schemas: {}, responses: {} },
  });
  for (const def of model.models) builder.addSchema(def.name, modelSchema(def));
  builder.addSchema(ANY_TENSOR, {
    description: 'A tensor of unspecified shape: a number or boolean, or nested lists of them (NaN and ±Infinity as null).',
    anyOf: [TENSOR_ELEMENT, { type: 'array', items: ref(ANY_TENSOR) }],
  });
  addErrorResponses(builder);

  builder.addPath('/', {
    get: {
      operationId: 'health',
      summary: 'Health check',
      description: 'Answers 200 while the gateway is up.',
      responses: { '200': { description: 'The gateway is up.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  });
  const operationIds = new IdentifierPool(['health']);
  for (const executor of model.executors) {
    builder.addTag({ name: executor.name, description: `Endpoints of the executor "${executor.name}".` });
    for (const endpoint of executor.endpoints) {
      const route = routePath(executor.name, endpoint.on);
      // two spellings of one endpoint ("x" and "/x") are one route: the first one serves it
      if (builder.rootDoc.paths?.[route] !== undefined) continue;
      builder.addPath(route, { post: operation(executor, endpoint, operationIds.claim(`${executor.ident}_${endpoint.ident}`)) });
    }
  }
  return { path: OPENAPI_FILE, content: `${JSON.stringify(builder.getSpec(), null, 2)}\n` };
}

/**
 * The route of an endpoint as a client writes it: the runtime's `executorRoutePath` (executor
 * name through encodeURIComponent, a leading `/` added to the endpoint), with the characters a URL
 * path cannot hold as they are (and `{`, `}`, which OpenAPI would read as a path template)
 * percent-encoded. The server decodes them back before it matches the route.
 */
export function routePath(executor: string, on: string): string {
  // the runtime registers the routes: one encoding for both
  return executorRoutePath(executor, on);
}

function operation(executor: ExecutorDef, endpoint: EndpointDef, operationId: string): OperationObject {
  const input = ref(endpoint.input);
  const data: SchemaObject = endpoint.isGenerator
    ? { type: 'array', items: input, minItems: 1, maxItems: 1, description: `Exactly one ${endpoint.input} document (a single document object, not in a list, is also accepted).` }
    : { type: 'array', items: input, description: `The ${endpoint.input} documents to send (a single document object, not in a list, is also accepted).` };
  const parameters: SchemaObject | ReferenceObject =
    endpoint.parameters === undefined ? { type: 'object', description: 'Parameters for the executor (any object).' } : ref(endpoint.parameters);
  const responses: Record<string, ResponseObject | ReferenceObject> = endpoint.isGenerator
    ? {
        '200': {
          description:
            `A stream of server-sent events, one per ${endpoint.output} document: \`data: <the document as JSON>\`. ` +
            'If the executor fails, is unreachable or misses its deadline mid-way, the stream ends with `event: error` and ' +
            '`data: {"error": "...", "executor": "..."}`.',
          content: {
            'text/event-stream': {
              schema: serverSentEvent(ref(endpoint.output)),
              'x-itemSchema': ref(endpoint.output),
            },
          },
        },
        '400': ref(RESPONSES.badRequest, 'responses'),
      }
    : {
        '200': {
          description: `The ${endpoint.output} documents the executor returned (each checked against the model).`,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref(endpoint.output) } } },
            },
          },
        },
        '400': ref(RESPONSES.badRequest, 'responses'),
        '502': ref(RESPONSES.executorFailed, 'responses'),
        '503': ref(RESPONSES.executorUnavailable, 'responses'),
        '504': ref(RESPONSES.executorTimeout, 'responses'),
      };
  return {
    operationId,
    tags: [executor.name],
    summary: `${endpoint.on} of ${executor.name}`,
    description: endpoint.isGenerator
      ? `Sends one ${endpoint.input} document to the endpoint "${endpoint.on}" of the executor "${executor.name}" and streams the ${endpoint.output} documents it yields.`
      : `Sends ${endpoint.input} documents to the endpoint "${endpoint.on}" of the executor "${executor.name}" and answers with the ${endpoint.output} documents it returns.`,
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', required: ['data'], properties: { data, parameters } },
        },
      },
    },
    responses,
  };
}

/**
 * One event of a stream (before OpenAPI 3.2's `itemSchema`, the schema of a text/event-stream
 * describes each event, as schemathesis reads it): a document as the JSON `data` of a plain event,
 * or `event: error` with `{"error", "executor"}`. `x-itemSchema` names the document model alone.
 */
function serverSentEvent(doc: SchemaObject | ReferenceObject): SchemaObject {
  // JSON Schema 2020-12's contentSchema, which openapi3-ts's SchemaObject does not list
  const jsonData = (schema: SchemaObject | ReferenceObject): SchemaObject => ({ type: 'string', contentMediaType: 'application/json', contentSchema: schema }) as SchemaObject;
  return {
    description: 'One server-sent event: a document (`data:` its JSON), or `event: error` if the executor fails, is unreachable or misses its deadline mid-way.',
    oneOf: [
      { type: 'object', required: ['data'], properties: { event: { not: { const: 'error' } }, data: jsonData(doc) } },
      {
        type: 'object',
        required: ['event', 'data'],
        properties: { event: { const: 'error' }, data: jsonData({ type: 'object', required: ['error'], properties: { error: { type: 'string' }, executor: { type: 'string' } } }) },
      },
    ],
  };
}

function addErrorResponses(builder: OpenApiBuilder): void {
  const error = (extra: Record<string, SchemaObject> = {}): SchemaObject => ({
    type: 'object',
    required: ['error', ...Object.keys(extra)],
    properties: { error: { type: 'string' }, ...extra },
  });
  const json = (description: string, schema: SchemaObject): ResponseObject => ({ description, content: { 'application/json': { schema } } });
  builder.addResponse(RESPONSES.badRequest, json('The body, a document or the parameters are malformed; `error` names the JSON path (e.g. `data[2].embedding: ...`).', error()));
  builder.addResponse(
    RESPONSES.executorFailed,
    json('The executor raised an error, or returned a document that breaks the output model; `executor` names it.', error({ executor: { type: 'string' } })),
  );
  builder.addResponse(RESPONSES.executorUnavailable, json('The executor cannot be reached; `error` names its address.', error()));
  builder.addResponse(RESPONSES.executorTimeout, json('The executor did not answer before the deadline.', error()));
}

function modelSchema(def: ModelDef): SchemaObject {
  const properties: Record<string, SchemaObject | ReferenceObject> = {};
  for (const field of def.fields) {
    // defineProperty: a field named `__proto__` must be an own key, not the object's prototype
    Object.defineProperty(properties, field.fieldName, { value: fieldSchema(field), enumerable: true, writable: true, configurable: true });
  }
  const required = def.fields.filter((field) => field.required).map((field) => field.fieldName);
  return {
    type: 'object',
    title: def.schemaName,
    ...(def.description === undefined ? {} : { description: def.description }),
    properties,
    ...(required.length === 0 ? {} : { required }),
  };
}

function fieldSchema(field: FieldDef): SchemaObject | ReferenceObject {
  const schema = typeSchema(field.type);
  const nullable = field.required || acceptsNull(field.type) ? schema : { anyOf: [schema, { type: 'null' as const }] };
  return field.description === undefined ? nullable : { ...nullable, description: field.description };
}

function typeSchema(type: TypeRef): SchemaObject | ReferenceObject {
  switch (type.kind) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
    case 'null':
      return { type: type.kind };
    case 'bytes':
      return { type: 'string', contentMediaType: 'text/plain' };
    case 'unknown':
      return {};
    case 'tensor':
      // unshaped: a 0-d tensor (one number) too, as the validators take it
      return type.shape === undefined ? ref(ANY_TENSOR) : tensorSchema(type.shape);
    case 'model':
      return ref(type.model);
    case 'array':
      return { type: 'array', items: typeSchema(type.items) };
    case 'tuple':
      return type.items.length === 0
        ? { type: 'array', maxItems: 0 }
        : { type: 'array', prefixItems: type.items.map(typeSchema), minItems: type.items.length, maxItems: type.items.length };
    case 'dict':
      return { type: 'object', additionalProperties: typeSchema(type.values) };
    case 'literal':
      return type.values.length === 1 ? { const: type.values[0] } : { enum: [...type.values] };
    case 'union':
      return type.options.length === 0 ? {} : { anyOf: type.options.map(typeSchema) };
  }
}

/** Nested lists, one level per dimension; a known dimension fixes its list's length. */
function tensorSchema(shape: readonly (number | null)[]): SchemaObject {
  let schema: SchemaObject = TENSOR_ELEMENT;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis];
    schema = size === null || size === undefined ? { type: 'array', items: schema } : { type: 'array', items: schema, minItems: size, maxItems: size };
  }
  return schema;
}

function ref(name: string, section: 'schemas' | 'responses' = 'schemas'): ReferenceObject {
  return { $ref: `#/components/${section}/${name}` };
}
