/**
 * Schema file (what endpoint discovery returns, per executor) → the generator's intermediate form.
 *
 * Reads both dialects Jina sends (pydantic v1 `definitions`, v2 `$defs` with `anyOf [T, null]`),
 * `allOf [$ref]`, a root that is itself a `$ref` (the legacy document), self-reference, docarray
 * tensors (`"tensor/array shape": "[128]"` or `"not specified"`), bytes (`format: binary`),
 * dicts, lists, tuples, enums. Property order does not matter (it is lost when schemas cross a
 * protobuf Struct): fields are sorted by name, so the same models always give the same output.
 *
 * Anything it cannot map fails the whole generation with the executor, the endpoint and the JSON
 * path of the offending schema node.
 */
import { sortKeys } from '../introspect/canonical-json.js';
import type { RawSchemaFile } from '../introspect/schema-shape.js';
import { fail, ok, type Result } from '../reconcile/outcome.js';
import { IdentifierPool, pascalIdentifier, snakeIdentifier } from './identifiers.js';
import type { EndpointDef, ExecutorDef, FieldDef, GatewayModel, ModelDef, TypeRef } from './ir.js';

/** Jina's implicit endpoint: listed by every executor, never one for users. */
export const DRY_RUN_ENDPOINT = '_jina_dry_run_';
const TENSOR_SHAPE_KEY = 'tensor/array shape';
/** Deeper than this is a schema we refuse rather than a stack we overflow. */
const MAX_DEPTH = 256;

type Schema = { readonly [key: string]: unknown };

class SchemaError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** One root schema (an endpoint's input, output or parameters model) and its definitions. */
interface Root {
  readonly schema: Schema;
  readonly defs: Readonly<Record<string, unknown>>;
  readonly path: string;
  /** Definition name → model name, for this root (also breaks recursion). */
  readonly models: Map<string, string>;
}

export function normalizeSchemas(file: RawSchemaFile, source = 'schemas'): Result<GatewayModel> {
  const normalizer = new Normalizer();
  const executors: ExecutorDef[] = [];
  const executorIdents = new IdentifierPool();
  for (const name of Object.keys(file).sort()) {
    const discovery = file[name]!;
    const endpointIdents = new IdentifierPool();
    const endpoints: EndpointDef[] = [];
    for (const on of Object.keys(discovery.schemas).sort()) {
      if (on === DRY_RUN_ENDPOINT) continue;
      const endpoint = discovery.schemas[on]!;
      const base = `$${jsonPathKey(name)}.schemas${jsonPathKey(on)}`;
      try {
        const input = normalizer.rootModel(endpoint.input.model, endpoint.input.name, `${base}.input.model`);
        const output = normalizer.rootModel(endpoint.output.model, endpoint.output.name, `${base}.output.model`);
        const parametersModel = endpoint.parameters?.model;
        const parameters =
          isSchema(parametersModel) && Object.keys(parametersModel).length > 0
            ? normalizer.rootModel(parametersModel, endpoint.parameters.name ?? `${name} ${on} parameters`, `${base}.parameters.model`)
            : undefined;
        endpoints.push({
          on,
          ident: endpointIdents.claim(snakeIdentifier(on)),
          input,
          output,
          ...(parameters === undefined ? {} : { parameters }),
          isGenerator: endpoint.is_generator,
          isSingletonDoc: endpoint.is_singleton_doc,
        });
      } catch (error) {
        if (!(error instanceof SchemaError)) throw error;
        return fail(`${source}: executor "${name}", endpoint "${on}": ${error.path}: ${error.message}`);
      }
    }
    executors.push({ name, ident: executorIdents.claim(snakeIdentifier(name)), endpoints });
  }
  return ok({ models: normalizer.models(), executors });
}

class Normalizer {
  private readonly byKey = new Map<string, ModelDef>();
  private readonly names = new IdentifierPool();

  models(): ModelDef[] {
    return [...this.byKey.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The model of an endpoint's input/output/parameters schema; returns its TypeScript name. */
  rootModel(schema: unknown, reportedName: string, path: string): string {
    if (!isSchema(schema)) throw new SchemaError(path, 'expected a JSON schema object');
    const defs = { ...asRecord(schema.definitions), ...asRecord(schema.$defs) };
    const root: Root = { schema, defs, path, models: new Map() };
    const type = this.typeOf(root, schema, path, 0, reportedName);
    if (type.kind !== 'model') throw new SchemaError(path, `expected a document model (an object with properties), got ${describe(schema)}`);
    return type.model;
  }

  private typeOf(root: Root, schema: unknown, path: string, depth: number, modelName?: string): TypeRef {
    if (depth > MAX_DEPTH) throw new SchemaError(path, `nested deeper than ${MAX_DEPTH} levels`);
    if (schema === true || (isSchema(schema) && Object.keys(schema).length === 0)) return { kind: 'unknown' };
    if (!isSchema(schema)) throw new SchemaError(path, `expected a JSON schema object, got ${JSON.stringify(schema)}`);

    if (typeof schema.$ref === 'string') return this.refType(root, schema.$ref, `${path}.$ref`, depth);
    if (Array.isArray(schema.allOf)) {
      if (schema.allOf.length === 1) return this.typeOf(root, schema.allOf[0], `${path}.allOf[0]`, depth + 1);
      return { kind: 'unknown' }; // an intersection: pydantic does not emit one for doc models
    }
    if (typeof schema[TENSOR_SHAPE_KEY] === 'string') {
      const shape = parseShape(schema[TENSOR_SHAPE_KEY] as string);
      return shape === undefined ? { kind: 'tensor' } : { kind: 'tensor', shape };
    }
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const options = schema[keyword];
      if (options === undefined) continue;
      if (!Array.isArray(options)) throw new SchemaError(`${path}.${keyword}`, 'expected a list of schemas');
      return union(options.map((option, index) => this.typeOf(root, option, `${path}.${keyword}[${index}]`, depth + 1)));
    }
    if (Array.isArray(schema.enum)) return literal(schema.enum, `${path}.enum`);
    if (Object.hasOwn(schema, 'const')) return literal([schema.const], `${path}.const`);
    if (Array.isArray(schema.type)) {
      return union(schema.type.map((type, index) => this.typeOf(root, { ...schema, type }, `${path}.type[${index}]`, depth + 1)));
    }
    switch (schema.type) {
      case 'string':
        return schema.format === 'binary' ? { kind: 'bytes' } : { kind: 'string' };
      case 'integer':
      case 'number':
      case 'boolean':
      case 'null':
        return { kind: schema.type };
      case 'array':
        return this.arrayType(root, schema, path, depth);
      case 'object':
        return this.objectType(root, schema, path, depth, modelName);
      case undefined:
        if (isSchema(schema.properties)) return this.objectType(root, schema, path, depth, modelName);
        return { kind: 'unknown' };
      default:
        throw new SchemaError(`${path}.type`, `unknown JSON Schema type ${JSON.stringify(schema.type)}`);
    }
  }

  private arrayType(root: Root, schema: Schema, path: string, depth: number): TypeRef {
    if (Array.isArray(schema.prefixItems)) {
      return { kind: 'tuple', items: schema.prefixItems.map((item, index) => this.typeOf(root, item, `${path}.prefixItems[${index}]`, depth + 1)) };
    }
    if (Array.isArray(schema.items)) {
      // pydantic v1 tuples
      return { kind: 'tuple', items: schema.items.map((item, index) => this.typeOf(root, item, `${path}.items[${index}]`, depth + 1)) };
    }
    return { kind: 'array', items: schema.items === undefined ? { kind: 'unknown' } : this.typeOf(root, schema.items, `${path}.items`, depth + 1) };
  }

  private objectType(root: Root, schema: Schema, path: string, depth: number, modelName?: string): TypeRef {
    if (isSchema(schema.properties)) {
      return { kind: 'model', model: this.modelOf(root, modelName ?? (typeof schema.title === 'string' ? schema.title : 'Model'), schema, path, depth) };
    }
    const values = schema.additionalProperties;
    if (values === undefined || values === true || values === false) return { kind: 'dict', values: { kind: 'unknown' } };
    return { kind: 'dict', values: this.typeOf(root, values, `${path}.additionalProperties`, depth + 1) };
  }

  private refType(root: Root, ref: string, path: string, depth: number): TypeRef {
    if (ref === '#') return this.typeOf(root, root.schema, root.path, depth + 1);
    const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
    const name = match === null ? undefined : decodePointerToken(match[1]!);
    if (name === undefined || !Object.hasOwn(root.defs, name)) throw new SchemaError(path, `$ref ${JSON.stringify(ref)} points to no definition of this schema`);
    const known = root.models.get(name);
    if (known !== undefined) return { kind: 'model', model: known };
    const target = root.defs[name];
    const defPath = `${root.path}.${Object.hasOwn(asRecord(root.schema.$defs), name) ? '$defs' : 'definitions'}${jsonPathKey(name)}`;
    if (isSchema(target) && isSchema(target.properties)) return { kind: 'model', model: this.modelOf(root, name, target, defPath, depth) };
    if (root.models.has(`\0${name}`)) return { kind: 'unknown' }; // a non-model definition that refers to itself
    root.models.set(`\0${name}`, '');
    try {
      return this.typeOf(root, target, defPath, depth + 1);
    } finally {
      root.models.delete(`\0${name}`);
    }
  }

  /** A model: shared with every earlier model of the same name and the same reachable definitions. */
  private modelOf(root: Root, schemaName: string, schema: Schema, path: string, depth: number): string {
    const key = modelKey(root, schemaName, schema);
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      root.models.set(schemaName, existing.name);
      return existing.name;
    }
    const fields: FieldDef[] = [];
    const def: ModelDef = {
      name: this.names.claim(pascalIdentifier(schemaName)),
      schemaName,
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      fields,
    };
    this.byKey.set(key, def);
    root.models.set(schemaName, def.name); // before the fields: a field may refer back to this model
    const properties = schema.properties as Schema;
    const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []);
    for (const fieldName of Object.keys(properties).sort()) {
      const property = properties[fieldName];
      const type = this.typeOf(root, property, `${path}.properties${jsonPathKey(fieldName)}`, depth + 1);
      const description = isSchema(property) && typeof property.description === 'string' ? property.description : undefined;
      fields.push({ fieldName, type, required: required.has(fieldName), ...(description === undefined ? {} : { description }) });
    }
    return def.name;
  }
}

/** Identity of a model: its name, its schema and every definition reachable from it (examples left out). */
function modelKey(root: Root, schemaName: string, schema: Schema): string {
  const reachable: Record<string, unknown> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isSchema(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === '$defs' || key === 'definitions') continue;
      if (key === '$ref' && typeof child === 'string') {
        const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(child);
        const name = match === null ? undefined : decodePointerToken(match[1]!);
        if (name !== undefined && !Object.hasOwn(reachable, name) && Object.hasOwn(root.defs, name)) {
          reachable[name] = root.defs[name];
          visit(root.defs[name]);
        }
      } else {
        visit(child);
      }
    }
  };
  const own = withoutDefs(schema);
  visit(own);
  return JSON.stringify(sortKeys(withoutExamples({ name: schemaName, schema: own, reachable })));
}

function withoutDefs(schema: Schema): Schema {
  const { $defs: _defs, definitions: _definitions, ...rest } = schema;
  return rest;
}

function withoutExamples(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExamples);
  if (!isSchema(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) if (key !== 'example' && key !== 'examples') out[key] = withoutExamples(child);
  return out;
}

function union(options: TypeRef[]): TypeRef {
  const flat: TypeRef[] = [];
  const seen = new Set<string>();
  for (const option of options.flatMap((option) => (option.kind === 'union' ? option.options : [option]))) {
    const key = JSON.stringify(option);
    if (seen.has(key)) continue;
    seen.add(key);
    flat.push(option);
  }
  if (flat.some((option) => option.kind === 'unknown')) return { kind: 'unknown' };
  return flat.length === 1 ? flat[0]! : { kind: 'union', options: flat };
}

function literal(values: unknown[], path: string): TypeRef {
  const literals = values.map((value, index) => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
    throw new SchemaError(`${path}[${index}]`, `only string, number, boolean and null values are supported, got ${JSON.stringify(value)}`);
  });
  return { kind: 'literal', values: literals };
}

/** `"[128]"` → [128]; `"[3, 'x']"` → [3, null]; `"not specified"` → undefined. */
export function parseShape(text: string): (number | null)[] | undefined {
  const match = /^\s*[[(](.*)[\])]\s*$/.exec(text);
  if (match === null) return undefined;
  const inner = match[1]!.trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const value = Number(part.trim());
    return Number.isInteger(value) && value >= 0 ? value : null;
  });
}

/** `.encoder` or `["/encode"]`: a JSON path segment. */
export function jsonPathKey(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function decodePointerToken(token: string): string {
  let decoded = token;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    // not percent-encoded
  }
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
}

function describe(schema: Schema): string {
  return typeof schema.type === 'string' ? `type ${JSON.stringify(schema.type)}` : 'a schema without properties';
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return isSchema(value) ? value : {};
}
