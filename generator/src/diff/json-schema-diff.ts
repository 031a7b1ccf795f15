/**
 * Structural comparison of two JSON Schemas (OpenAPI 3.1 components or Jina's model schemas),
 * as a client sees them: which fields appeared, disappeared, changed type, tensor shape or
 * requiredness. References are followed (`#/components/schemas/X`, `#/$defs/X`,
 * `#/definitions/X`), recursion is cut where a pair of models is already being compared, and
 * documentation keys (title, description, example, default) never count as a change.
 *
 * Whether a change breaks depends on the direction of the data, so every change says which one
 * it is in: `input` (clients send it: a new required field breaks them, a removed one too since
 * their payloads carry it) or `output` (clients read it: a removed field or one that became
 * optional breaks them; a new field does not).
 */

export type Direction = 'input' | 'output';

export type FieldChangeKind =
  | 'field-added-required'
  | 'field-added-optional'
  | 'field-removed'
  | 'type-changed'
  | 'tensor-shape-changed'
  | 'became-required'
  | 'became-optional';

export interface FieldChange {
  readonly kind: FieldChangeKind;
  /** Dotted path from the compared root, e.g. `data[].embedding` or `inner.text`. */
  readonly path: string;
  readonly direction: Direction;
  readonly breaking: boolean;
  /** Before and after, in words (types) when that helps. */
  readonly detail?: string;
}

type Schema = Record<string, unknown>;

export interface SchemaRoots {
  readonly previous: unknown;
  readonly next: unknown;
}

/** Compares `previous` with `next`; `roots` are the documents their `$ref`s point into. */
export function diffJsonSchemas(previous: unknown, next: unknown, direction: Direction, roots: SchemaRoots, path = ''): FieldChange[] {
  const changes: FieldChange[] = [];
  compare(asSchema(previous), asSchema(next), path, direction, roots, new Set(), changes);
  return changes;
}

function compare(previousRaw: Schema, nextRaw: Schema, path: string, direction: Direction, roots: SchemaRoots, seen: Set<string>, out: FieldChange[]): void {
  const previousRef = refName(previousRaw);
  const nextRef = refName(nextRaw);
  if (previousRef !== undefined && nextRef !== undefined) {
    const key = `${previousRef}\u0000${nextRef}`;
    if (seen.has(key)) return; // a recursive model: this pair is already being compared further up
    seen = new Set(seen).add(key);
  }
  const previous = resolve(previousRaw, roots.previous);
  const next = resolve(nextRaw, roots.next);

  const previousType = typeOf(previous, roots.previous);
  const nextType = typeOf(next, roots.next);
  if (previousType.kind !== nextType.kind) {
    out.push(change('type-changed', path, direction, true, `${previousType.label} → ${nextType.label}`));
    return;
  }
  if (previousType.kind === 'tensor' && previousType.shape !== nextType.shape) {
    out.push(change('tensor-shape-changed', path, direction, true, `${previousType.shape} → ${nextType.shape}`));
    return;
  }
  if (previousType.kind === 'array') {
    compare(previousType.items!, nextType.items!, `${path}[]`, direction, roots, seen, out);
    return;
  }
  if (previousType.kind === 'map') {
    compare(previousType.items!, nextType.items!, `${path}{}`, direction, roots, seen, out);
    return;
  }
  if (previousType.kind !== 'object') return;

  const previousProperties = properties(previousType.schema!);
  const nextProperties = properties(nextType.schema!);
  const previousRequired = requiredOf(previousType.schema!);
  const nextRequired = requiredOf(nextType.schema!);
  for (const name of Object.keys(previousProperties).sort()) {
    const fieldPath = path === '' ? name : `${path}.${name}`;
    if (!(name in nextProperties)) {
      // clients that send it, or read it, both break
      out.push(change('field-removed', fieldPath, direction, true));
      continue;
    }
    const wasRequired = previousRequired.has(name);
    const isRequired = nextRequired.has(name);
    if (!wasRequired && isRequired) out.push(change('became-required', fieldPath, direction, direction === 'input'));
    if (wasRequired && !isRequired) out.push(change('became-optional', fieldPath, direction, direction === 'output'));
    compare(previousProperties[name]!, nextProperties[name]!, fieldPath, direction, roots, seen, out);
  }
  for (const name of Object.keys(nextProperties).sort()) {
    if (name in previousProperties) continue;
    const fieldPath = path === '' ? name : `${path}.${name}`;
    const required = nextRequired.has(name);
    out.push(change(required ? 'field-added-required' : 'field-added-optional', fieldPath, direction, required && direction === 'input'));
  }
}

function change(kind: FieldChangeKind, path: string, direction: Direction, breaking: boolean, detail?: string): FieldChange {
  return detail === undefined ? { kind, path, direction, breaking } : { kind, path, direction, breaking, detail };
}

interface TypeInfo {
  readonly kind: string;
  readonly label: string;
  readonly shape?: string;
  readonly items?: Schema;
  readonly schema?: Schema;
}

const SHAPE_KEYS = ['tensor/array shape', 'x-tensor-shape'];

/** Labels of nested types stop this deep: a recursive type (a JSON value of lists of values) has no finite label. */
const LABEL_DEPTH = 6;

/** What kind of value a schema describes, `null` alternatives folded away (nullability is requiredness here). */
function typeOf(schema: Schema, root: unknown, depth = 0): TypeInfo {
  if (depth > LABEL_DEPTH) return { kind: 'any', label: '…' };
  const variants = alternatives(schema).map((variant) => resolve(variant, root)).filter((variant) => variant.type !== 'null');
  if (variants.length > 1) {
    const labels = variants.map((variant) => typeOf(variant, root, depth + 1).label).sort();
    return { kind: `union(${labels.join('|')})`, label: labels.join(' | ') };
  }
  const single = variants[0] ?? {};
  const shape = SHAPE_KEYS.map((key) => single[key]).find((value) => value !== undefined);
  if (shape !== undefined) return { kind: 'tensor', label: `tensor ${String(shape)}`, shape: String(shape) };
  const type = Array.isArray(single.type) ? single.type.filter((entry) => entry !== 'null').sort().join('|') : single.type;
  if (type === 'array') {
    const items = asSchema(single.items);
    return { kind: 'array', label: `array of ${typeOf(resolve(items, root), root, depth + 1).label}`, items };
  }
  if (type === 'object' || (type === undefined && single.properties !== undefined)) {
    const additional = single.additionalProperties;
    if (single.properties === undefined && isSchema(additional)) {
      return { kind: 'map', label: `map of ${typeOf(resolve(additional, root), root, depth + 1).label}`, items: additional };
    }
    return { kind: 'object', label: typeof single.title === 'string' ? single.title : 'object', schema: single };
  }
  if (typeof type === 'string') {
    // integers are numbers to a JSON client; uri and binary strings are strings
    const kind = type === 'integer' ? 'number' : type;
    return { kind, label: type };
  }
  return { kind: 'any', label: 'any' };
}

function alternatives(schema: Schema): Schema[] {
  for (const key of ['anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list)) return list.map(asSchema);
  }
  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length === 1) return [asSchema(allOf[0])];
  return [schema];
}

function properties(schema: Schema): Record<string, Schema> {
  const raw = schema.properties;
  if (!isSchema(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, asSchema(value)]));
}

function requiredOf(schema: Schema): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []);
}

function refName(schema: Schema): string | undefined {
  const direct = typeof schema.$ref === 'string' ? schema.$ref : undefined;
  if (direct !== undefined) return direct;
  const variants = alternatives(schema).filter((variant) => variant.type !== 'null');
  if (variants.length === 1 && typeof variants[0]!.$ref === 'string') return variants[0]!.$ref as string;
  return undefined;
}

/** Follows `$ref` (local JSON pointers only) until a schema without one. */
function resolve(schema: Schema, root: unknown): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 64; hops++) {
    const target = pointer(root, current.$ref);
    if (target === undefined) return { type: `unresolved ${current.$ref}` };
    current = { ...asSchema(target), ...Object.fromEntries(Object.entries(current).filter(([key]) => key !== '$ref')) };
  }
  return current;
}

/** The node a local JSON pointer (`#/components/schemas/X`) names in `root`, if any. */
export function pointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isSchema(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asSchema(value: unknown): Schema {
  return isSchema(value) ? value : value === true || value === undefined ? {} : { type: 'never' };
}
