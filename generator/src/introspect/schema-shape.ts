/**
 * The saved schema file's shape (what endpoint discovery returns, per executor), checked before
 * anything is generated: a wrong shape is reported with the executor, the endpoint and the JSON
 * path, e.g. `schemas.json: $.encoder.schemas["/encode"].input.name: expected a string`.
 * What the models mean (JSON Schema dialects, tensors, refs) is the normalizer's business.
 */
import { fail, ok, type Result } from '../reconcile/outcome.js';

export interface RawEndpointSchema {
  readonly input: { readonly name: string; readonly model: unknown };
  readonly output: { readonly name: string; readonly model: unknown };
  readonly is_generator: boolean;
  readonly is_singleton_doc: boolean;
  readonly parameters: { readonly name: string | null; readonly model: unknown | null };
}

export interface RawExecutorDiscovery {
  readonly endpoints: string[];
  readonly write_endpoints?: string[];
  readonly schemas: Record<string, RawEndpointSchema>;
}

/** Key = executor (deployment) name. */
export type RawSchemaFile = Record<string, RawExecutorDiscovery>;

export function checkSchemaFileShape(json: unknown, source: string): Result<RawSchemaFile> {
  const at = (path: string, message: string) => fail(`${source}: ${path}: ${message}`);
  if (!isObject(json)) return at('$', 'expected an object of executor name → {endpoints, write_endpoints, schemas}');
  if (Object.keys(json).length === 0) return at('$', 'no executor');
  for (const [executor, discovery] of Object.entries(json)) {
    const base = `$${key(executor)}`;
    if (!isObject(discovery)) return at(base, `executor ${JSON.stringify(executor)}: expected {endpoints, write_endpoints, schemas}`);
    if (!isStringList(discovery.endpoints)) return at(`${base}.endpoints`, `executor ${JSON.stringify(executor)}: expected a list of endpoint names`);
    if (discovery.write_endpoints !== undefined && !isStringList(discovery.write_endpoints)) {
      return at(`${base}.write_endpoints`, `executor ${JSON.stringify(executor)}: expected a list of endpoint names`);
    }
    if (!isObject(discovery.schemas)) return at(`${base}.schemas`, `executor ${JSON.stringify(executor)}: expected an object of endpoint → schema`);
    for (const [endpoint, schema] of Object.entries(discovery.schemas)) {
      const where = `${base}.schemas${key(endpoint)}`;
      const who = `executor ${JSON.stringify(executor)}, endpoint ${JSON.stringify(endpoint)}`;
      if (!isObject(schema)) return at(where, `${who}: expected {input, output, is_generator, is_singleton_doc, parameters}`);
      for (const side of ['input', 'output'] as const) {
        const model = schema[side];
        if (!isObject(model)) return at(`${where}.${side}`, `${who}: expected {name, model}`);
        if (typeof model.name !== 'string') return at(`${where}.${side}.name`, `${who}: expected a string`);
        if (!isObject(model.model)) return at(`${where}.${side}.model`, `${who}: expected a JSON schema object`);
      }
      for (const flag of ['is_generator', 'is_singleton_doc'] as const) {
        if (typeof schema[flag] !== 'boolean') return at(`${where}.${flag}`, `${who}: expected true or false`);
      }
      const parameters = schema.parameters ?? { name: null, model: null };
      if (!isObject(parameters)) return at(`${where}.parameters`, `${who}: expected {name, model}`);
      if (parameters.name !== undefined && parameters.name !== null && typeof parameters.name !== 'string') {
        return at(`${where}.parameters.name`, `${who}: expected a string or null`);
      }
    }
  }
  return ok(json as RawSchemaFile);
}

/** `.encoder` or `["/encode"]`, as a JSON path segment. */
function key(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
