/**
 * A small valid document for a doc model's JSON schema (Jina's dialects: `$defs`/`definitions`,
 * `anyOf` with null, tensors with `tensor/array shape`): required fields only, filled with
 * neutral values. The generated project's test sends it through `/service`, so that the test
 * reaches the executor with a document it accepts, whatever the model.
 */
type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

export function exampleDoc(model: unknown): Record<string, unknown> {
  const root = asSchema(model);
  const value = exampleValue(root, root, 0);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function exampleValue(schema: Schema, root: Schema, depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  const ref = typeof schema.$ref === 'string' ? schema.$ref : refOfAllOf(schema);
  if (ref !== undefined) return exampleValue(resolve(ref, root), root, depth + 1);
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf.map(asSchema);
    if (branches.some((branch) => branch.type === 'null')) return null;
    return branches[0] === undefined ? null : exampleValue(branches[0], root, depth + 1);
  }
  if (typeof schema['tensor/array shape'] === 'string') return zeros(schema['tensor/array shape']);
  switch (schema.type) {
    case 'string':
      return schema.format === 'binary' ? '' : 'example';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    default: {
      const properties = asSchema(schema.properties);
      const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [];
      const out: Record<string, unknown> = {};
      // defined, not assigned: a field named `__proto__` is a field, not the object's prototype
      for (const name of required) {
        Object.defineProperty(out, name, { value: exampleValue(asSchema(Object.hasOwn(properties, name) ? properties[name] : {}), root, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

/** `"[2, 3]"` → [[0,0,0],[0,0,0]]; `"not specified"` → [0]. */
function zeros(shape: string): unknown {
  const dims = shape.match(/\d+/g)?.map(Number) ?? [];
  if (dims.length === 0) return [0];
  const build = (level: number): unknown => (level === dims.length ? 0 : Array.from({ length: dims[level]! }, () => build(level + 1)));
  return build(0);
}

function refOfAllOf(schema: Schema): string | undefined {
  const first = Array.isArray(schema.allOf) ? asSchema(schema.allOf[0]) : undefined;
  return typeof first?.$ref === 'string' ? first.$ref : undefined;
}

function resolve(ref: string, root: Schema): Schema {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (match === null) return {};
  return asSchema(asSchema(root[match[1]!])[decodeURIComponent(match[2]!)]);
}

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}
