/**
 * The OpenAPI 3.1 document of the HTTP gateway (`/openapi.json`, Swagger UI at `/docs`), built
 * from the discovered schemas the way FastAPI lays out Jina's app: one component per document
 * model (`TextDoc`), per endpoint body (`<endpoint>_input_model`, `<endpoint>_output_model`),
 * `Header`, `HTTPValidationError`, `StatusProto`, ... The Jina Python HTTP client reads this
 * document to learn which endpoints exist (the `post` paths).
 *
 * Model schemas are hoisted: each root model and each entry of its `$defs` / `definitions`
 * becomes a component and every local `$ref` is rewritten to `#/components/schemas/<name>`.
 * Components are unified by name, as Jina unifies models by name; two different models with the
 * same name (ignoring `example`s, which carry per-process random ids) get `_2`, `_3` suffixes
 * instead of one silently describing the other.
 */
import { type JsonSchema, TENSOR_SHAPE_KEY } from '../../wire/doc-schema.js';
import type { FlowEndpoint, FlowModel } from './flow-endpoints.js';
import { rootProperties } from './model-fields.js';

export interface OpenApiRoute {
  /** The URL path, e.g. `/foo`. */
  readonly path: string;
  readonly kind: 'post' | 'stream';
  readonly endpoint: FlowEndpoint;
}

export interface OpenApiOptions {
  title?: string | undefined;
  description?: string | undefined;
  version: string;
  routes: readonly OpenApiRoute[];
  /** Which built-in GET routes exist (a Flow endpoint can take their place, as in Jina). */
  health: boolean;
  status: boolean;
  dryRun: boolean;
}

export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, JsonSchema> } };

const DEFAULT_TITLE = 'My Jina Service';
const DEFAULT_DESCRIPTION =
  'This is my awesome service. You can set `title` and `description` in your `Flow` or `Gateway` to customize the title and description.';

export function buildOpenApi(options: OpenApiOptions): OpenApiDocument {
  const components = new Components();
  const schemas = components.schemas;
  Object.assign(schemas, FIXED_COMPONENTS);

  const paths: Record<string, Record<string, unknown>> = Object.create(null) as Record<string, Record<string, unknown>>;
  const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
  const errorResponses = {
    '400': { description: 'The body is not JSON', content: json('HTTPValidationError') },
    '422': { description: 'Validation Error', content: json('HTTPValidationError') },
    '500': { description: 'An executor raised an exception', content: json('ErrorResponse') },
    '502': { description: 'An executor failed at the transport level', content: json('ErrorResponse') },
    '503': { description: 'A deployment of the Flow is unreachable', content: json('ErrorResponse') },
    '504': { description: "A deployment's deadline passed", content: json('ErrorResponse') },
  };

  if (options.dryRun) {
    paths['/dry_run'] = {
      get: {
        summary: 'Get the readiness of Jina Flow service, sends an empty DocumentArray to the complete Flow to validate connectivity',
        operationId: '_flow_health_dry_run_get',
        responses: { '200': { description: 'Successful Response', content: json('StatusProto') } },
      },
    };
  }
  if (options.status) {
    paths['/status'] = {
      get: {
        tags: ['Debug'],
        summary: 'Get the status of Jina service',
        operationId: '_status_status_get',
        responses: { '200': { description: 'Successful Response', content: json('JinaInfoModel') } },
      },
    };
  }

  for (const route of options.routes) {
    const endpoint = route.endpoint;
    const base = componentName(endpoint.endpoint.replace(/^\/+|\/+$/g, '') || 'root');
    const input = endpoint.input === undefined ? undefined : components.add(endpoint.input);
    const inputRef = input === undefined ? { type: 'object' } : { $ref: `#/components/schemas/${input}` };
    const operations = (paths[route.path] ??= {});
    if (route.kind === 'post') {
      const output = endpoint.output === undefined ? undefined : components.add(endpoint.output);
      const outputRef = output === undefined ? { type: 'object' } : { $ref: `#/components/schemas/${output}` };
      const parameters = endpoint.parameters === undefined ? undefined : components.add(endpoint.parameters);
      const inputModel = components.unique(`${base}_input_model`);
      const outputModel = components.unique(`${base}_output_model`);
      schemas[inputModel] = {
        title: inputModel,
        type: 'object',
        required: ['data', ...(parameters !== undefined && hasRequired(endpoint.parameters!) ? ['parameters'] : [])],
        properties: {
          data: { title: 'Data', anyOf: [{ type: 'array', items: inputRef }, inputRef] },
          parameters:
            parameters === undefined
              ? { title: 'Parameters', anyOf: [{ type: 'object' }, { type: 'null' }] }
              : hasRequired(endpoint.parameters!)
                ? { $ref: `#/components/schemas/${parameters}` }
                : { anyOf: [{ $ref: `#/components/schemas/${parameters}` }, { type: 'null' }] },
          header: { anyOf: [{ $ref: '#/components/schemas/Header' }, { type: 'null' }] },
        },
      };
      schemas[outputModel] = {
        title: outputModel,
        type: 'object',
        required: ['data', 'parameters', 'header'],
        properties: {
          data: { title: 'Data', type: 'array', items: outputRef },
          parameters: { title: 'Parameters', type: 'object' },
          header: { $ref: '#/components/schemas/Header' },
        },
      };
      operations.post = {
        summary: `Endpoint ${endpoint.endpoint}`,
        operationId: `post_${base}_post`,
        requestBody: { required: true, content: json(inputModel) },
        responses: { '200': { description: 'Successful Response', content: json(outputModel) }, ...errorResponses },
      };
    } else {
      const output = endpoint.output === undefined ? undefined : components.add(endpoint.output);
      const outputRef = output === undefined ? { type: 'object' } : { $ref: `#/components/schemas/${output}` };
      operations.get = {
        summary: `Streaming Endpoint ${endpoint.endpoint}`,
        description:
          'Server-sent events: one `update` event per document (its JSON as `data`), an `error` event if the executor fails mid-stream, then `end`. ' +
          'The input document is the JSON body or, for browsers and Swagger UI, the query parameters.',
        operationId: `streaming_get_${base}_get`,
        parameters: endpoint.input === undefined ? [] : queryParameters(endpoint.input),
        requestBody: { required: false, content: { 'application/json': { schema: inputRef } } },
        responses: {
          '200': { description: 'Successful Response', content: { 'text/event-stream': { schema: serverSentEvent(outputRef) } } },
          ...errorResponses,
        },
      };
    }
  }

  if (options.health) {
    paths['/'] = {
      get: {
        summary: 'Get the health of Jina Gateway service',
        operationId: '_gateway_health__get',
        responses: { '200': { description: 'Successful Response', content: json('JinaHealthModel') } },
      },
    };
  }

  return {
    openapi: '3.1.0',
    info: { title: options.title || DEFAULT_TITLE, description: options.description || DEFAULT_DESCRIPTION, version: options.version },
    paths,
    components: { schemas: sortKeys(schemas) },
  };
}

/** Document models as components, unified by name. */
class Components {
  readonly schemas: Record<string, JsonSchema> = Object.create(null) as Record<string, JsonSchema>;
  private readonly signatures = new Map<string, string>();
  private readonly byModel = new Map<FlowModel, string>();

  /** The component name of `model`, adding it (and its definitions) on first use. */
  add(model: FlowModel): string {
    const known = this.byModel.get(model);
    if (known !== undefined) return known;
    const root = model.schema;
    const defs: Record<string, JsonSchema> = { ...asObject(root.definitions), ...asObject(root.$defs) } as Record<string, JsonSchema>;

    // Names first (refs can point forward and back), then content.
    const names = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) names.set(name, this.claim(componentName(name), def));
    const rootIsRef = typeof root.$ref === 'string' && asObject(root.properties) === undefined;
    const rootBody = withoutDefs(root);
    let rootName: string;
    if (rootIsRef) {
      const target = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(root.$ref as string)?.[1];
      rootName = (target !== undefined ? names.get(decodePointer(target)) : undefined) ?? this.claim(componentName(model.name), rootBody);
    } else {
      rootName = this.claim(componentName(model.name), rootBody);
    }

    const rewrite = (schema: unknown): unknown => rewriteRefs(schema, names, rootName);
    for (const [name, def] of Object.entries(defs)) {
      const component = names.get(name)!;
      this.schemas[component] ??= rewrite(def) as JsonSchema;
    }
    if (!rootIsRef || this.schemas[rootName] === undefined) this.schemas[rootName] ??= rewrite(rootBody) as JsonSchema;
    this.byModel.set(model, rootName);
    return rootName;
  }

  /** A name not used by any component yet (for the per-endpoint body models). */
  unique(name: string): string {
    let candidate = name;
    for (let i = 2; this.schemas[candidate] !== undefined || this.signatures.has(candidate); i++) candidate = `${name}_${i}`;
    this.signatures.set(candidate, '');
    return candidate;
  }

  /** `name`, or `name_2`, ... when `name` is taken by a different schema. */
  private claim(name: string, schema: unknown): string {
    const signature = stableSignature(schema);
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? name : `${name}_${i}`;
      const existing = this.signatures.get(candidate) ?? (FIXED_COMPONENTS[candidate] !== undefined ? '\0fixed' : undefined);
      if (existing === undefined) {
        this.signatures.set(candidate, signature);
        return candidate;
      }
      if (existing === signature) return candidate;
    }
  }
}

/**
 * A model schema as an OpenAPI 3.1 (JSON Schema 2020-12) component: local refs point into
 * `components`, and pydantic 1's tuple form (`items: [..]`, `additionalItems`) becomes
 * `prefixItems` / `items`.
 */
function rewriteRefs(schema: unknown, names: ReadonlyMap<string, string>, rootName: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rewriteRefs(item, names, rootName));
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as JsonSchema;
  const out: JsonSchema = {};
  if (source[TENSOR_SHAPE_KEY] !== undefined) return tensorField(source);
  for (const [key, value] of Object.entries(source)) {
    if (key === '$ref' && typeof value === 'string') out[key] = rewriteRef(value, names, rootName);
    else if (key === 'default' || key === 'example' || key === 'examples' || key === 'const' || key === 'enum') out[key] = value;
    else if (key === 'items' && Array.isArray(value)) {
      out.prefixItems = rewriteRefs(value, names, rootName);
      if (source.additionalItems !== undefined) out.items = rewriteRefs(source.additionalItems, names, rootName);
    } else if (key === 'additionalItems' && Array.isArray(source.items)) continue;
    else out[key] = rewriteRefs(value, names, rootName);
  }
  return out;
}

/**
 * A docarray tensor field (pydantic marks it with `tensor/array shape`) as the gateway reads and
 * writes it: the `Tensor` component, a number or nested lists of numbers of any depth, with null
 * for NaN (docarray's JSON), where the discovered `items: number` would refuse a 2-D tensor or a
 * NaN the gateway accepts and returns.
 */
function tensorField(source: JsonSchema): JsonSchema {
  const out: JsonSchema = { $ref: '#/components/schemas/Tensor' };
  for (const key of ['title', 'description', TENSOR_SHAPE_KEY]) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function rewriteRef(ref: string, names: ReadonlyMap<string, string>, rootName: string): string {
  const def = /^#\/(?:\$defs|definitions)\/([^/]+)(.*)$/.exec(ref);
  if (def !== null) {
    const name = names.get(decodePointer(def[1]!));
    if (name !== undefined) return `#/components/schemas/${name}${def[2]}`;
  }
  if (ref === '#') return `#/components/schemas/${rootName}`;
  if (ref.startsWith('#/')) return `#/components/schemas/${rootName}${ref.slice(1)}`;
  return ref;
}

/** Query parameters for a streaming endpoint: the input model's scalar fields. */
function queryParameters(model: FlowModel): unknown[] {
  const properties = rootProperties(model.schema) ?? {};
  const out: unknown[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const type = scalarType(property);
    if (type === undefined) continue;
    out.push({
      name,
      in: 'query',
      required: false,
      schema: { type },
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
    });
  }
  return out;
}

function scalarType(property: JsonSchema): string | undefined {
  const scalar = (type: unknown) => (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean' ? type : undefined);
  if (typeof property.type === 'string') return property.format === 'binary' ? undefined : scalar(property.type);
  const options = Array.isArray(property.anyOf) ? property.anyOf : [];
  const types = options.map((option) => asObject(option)?.type).filter((type) => type !== 'null');
  return types.length === 1 ? scalar(types[0]) : undefined;
}

function hasRequired(model: FlowModel): boolean {
  return Array.isArray(model.schema.required) && model.schema.required.length > 0;
}

function withoutDefs(schema: JsonSchema): JsonSchema {
  const { $defs: _defs, definitions: _definitions, ...rest } = schema;
  return rest;
}

/** OpenAPI component names: `^[a-zA-Z0-9._-]+$`. */
function componentName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || 'Model';
}

function decodePointer(segment: string): string {
  return decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~');
}

/** JSON with sorted keys and without examples: equal for the same model from two processes. */
function stableSignature(value: unknown): string {
  const normalize = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(normalize);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(node).sort()) {
      if (key === 'example' || key === 'examples') continue;
      out[key] = normalize((node as Record<string, unknown>)[key]);
    }
    return out;
  };
  return JSON.stringify(normalize(value));
}

function sortKeys(schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.keys(schemas).sort().map((key) => [key, schemas[key]!]));
}

function asObject(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

/** The components every document has (FastAPI's and Jina's fixed models). */
const FIXED_COMPONENTS: Record<string, JsonSchema> = {
  Tensor: {
    title: 'Tensor',
    description: 'A docarray tensor as JSON: a number or boolean, or nested lists of them of any depth (null in a list is NaN, as docarray writes it); the field\'s dtype decides which of numbers or booleans it takes.',
    anyOf: [
      { type: 'number' },
      { type: 'boolean' },
      { type: 'array', items: { anyOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'null' }, { $ref: '#/components/schemas/Tensor' }] } },
    ],
  },
  Header: {
    title: 'Header',
    type: 'object',
    properties: {
      request_id: { title: 'Request Id', description: 'Request ID', anyOf: [{ type: 'string' }, { type: 'null' }] },
      target_executor: { title: 'Target Executor', anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    },
  },
  ValidationError: {
    title: 'ValidationError',
    type: 'object',
    required: ['loc', 'msg', 'type'],
    properties: {
      loc: { title: 'Location', type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
      msg: { title: 'Message', type: 'string' },
      type: { title: 'Error Type', type: 'string' },
      input: { title: 'Input' },
    },
  },
  HTTPValidationError: {
    title: 'HTTPValidationError',
    type: 'object',
    properties: { detail: { title: 'Detail', type: 'array', items: { $ref: '#/components/schemas/ValidationError' } } },
  },
  ExceptionProto: {
    title: 'ExceptionProto',
    type: 'object',
    properties: {
      name: { title: 'Name', type: 'string', default: '' },
      args: { title: 'Args', type: 'array', items: { type: 'string' }, default: [] },
      stacks: { title: 'Stacks', type: 'array', items: { type: 'string' }, default: [] },
      executor: { title: 'Executor', type: 'string', default: '' },
    },
  },
  StatusCode: { title: 'StatusCode', type: 'integer', enum: [0, 1] },
  StatusProto: {
    title: 'StatusProto',
    type: 'object',
    properties: {
      code: { $ref: '#/components/schemas/StatusCode', default: 0 },
      description: { title: 'Description', type: 'string', default: '' },
      exception: { anyOf: [{ $ref: '#/components/schemas/ExceptionProto' }, { type: 'null' }] },
    },
  },
  ErrorResponse: {
    title: 'ErrorResponse',
    description: "An executor's exception (500) or a transport failure (502/503/504): `detail` is the description, `header.status` the details.",
    type: 'object',
    required: ['detail'],
    properties: {
      detail: { title: 'Detail', type: 'string' },
      header: {
        type: 'object',
        properties: {
          request_id: { type: 'string' },
          target_executor: { type: 'string' },
          status: { $ref: '#/components/schemas/StatusProto' },
        },
      },
    },
  },
  JinaHealthModel: {
    title: 'JinaHealthModel',
    description: 'Pydantic BaseModel for Jina health check, used as the response model in REST app.',
    type: 'object',
    properties: {},
  },
  JinaInfoModel: {
    title: 'JinaInfoModel',
    description: 'Pydantic BaseModel for Jina status, used as the response model in REST app.',
    type: 'object',
    required: ['jina', 'envs'],
    properties: { jina: { title: 'Jina', type: 'object' }, envs: { title: 'Envs', type: 'object' } },
  },
};

/**
 * One event of a streaming endpoint's response (before OpenAPI 3.2's `itemSchema`, the schema of a
 * text/event-stream describes each event): `update` with a document as its JSON `data`, `error`
 * with the failure's body, then `end`.
 */
function serverSentEvent(doc: JsonSchema): JsonSchema {
  const jsonData = (schema: JsonSchema) => ({ type: 'string', contentMediaType: 'application/json', contentSchema: schema });
  return {
    title: 'ServerSentEvent',
    oneOf: [
      { type: 'object', required: ['event', 'data'], properties: { event: { const: 'update' }, data: jsonData(doc) } },
      { type: 'object', required: ['event', 'data'], properties: { event: { const: 'error' }, data: jsonData({ $ref: '#/components/schemas/ErrorResponse' }) } },
      { type: 'object', required: ['event'], properties: { event: { const: 'end' } } },
    ],
  };
}
