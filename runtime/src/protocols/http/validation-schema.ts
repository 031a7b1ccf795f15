/**
 * A discovered model schema rewritten for validating request bodies with ajv (JSON Schema
 * 2020-12), accepting what Jina's gateway accepts where that is reasonable:
 * - Tensor fields (`"tensor/array shape"`, pydantic's mark for docarray tensors) take a number or
 *   nested lists of numbers of any depth, as docarray's AnyTensor does (Jina's gateway rebuilds
 *   every tensor field as AnyTensor); the schema's own `items: number` would refuse a 2-D tensor.
 *   Checked by the `x-tensor` keyword, a loop rather than a recursive `$ref`, so a tensor of
 *   150 000 numbers or a 10 000-deep list costs neither stack nor a pile of error objects.
 * - `id` is never required: pydantic 2 marks docarray's `id` required (`Optional[str]` without a
 *   default), so Jina 3.34 answers 422 to `{"data": {"text": "hi"}}`, while docarray itself (and
 *   Jina ≤ 3.33 with pydantic 1) gives a missing id a random one. We do what docarray does.
 * - pydantic 1's tuple form (`items: [..]`) becomes 2020-12's `prefixItems`.
 * - `default`, `example` and `examples` are dropped: they are documentation here (defaults are
 *   applied where Jina applies them, to parameters, by the caller).
 * Both dialects' definitions sections (`$defs`, `definitions`) are kept where they are, so the
 * model's own local `$ref`s resolve once the schema is registered under its own `$id`.
 * The input is never modified: discovered schemas are shared with the document codec.
 */
import type { JsonSchema } from '../../wire/doc-schema.js';
import { TENSOR_SHAPE_KEY } from '../../wire/doc-schema.js';

/** Our keyword for tensor fields (see `isTensorJson`). */
export const TENSOR_KEYWORD = 'x-tensor';

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set([
  'additionalProperties',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'contentSchema',
]);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Annotations that do not validate anything. */
const DROPPED = new Set(['default', 'example', 'examples']);

/** The schema, rewritten for validation (a new object; `schema` is left as it is). */
export function validationSchema(schema: JsonSchema): JsonSchema {
  return rewrite(schema, 0) as JsonSchema;
}

function rewrite(schema: unknown, depth: number): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema; // true/false schemas
  if (depth > 256) throw new Error('model schema nests too deeply');
  const s = schema as JsonSchema;
  if (TENSOR_SHAPE_KEY in s) return { [TENSOR_KEYWORD]: true };

  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (DROPPED.has(key)) continue;
    if (key === 'items' && Array.isArray(value)) {
      // pydantic 1 Tuple[...]: positional items, then `additionalItems` for the rest
      out.prefixItems = value.map((item) => rewrite(item, depth + 1));
      if (s.additionalItems !== undefined) out.items = rewrite(s.additionalItems, depth + 1);
      continue;
    }
    if (key === 'additionalItems' && Array.isArray(s.items)) continue; // folded into `items` above
    if (key === 'items' || SCHEMA_KEYWORDS.has(key)) out[key] = rewrite(value, depth + 1);
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      const map: JsonSchema = {};
      for (const [name, sub] of Object.entries(value)) map[name] = rewrite(sub, depth + 1);
      out[key] = map;
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) out[key] = value.map((sub) => rewrite(sub, depth + 1));
    else out[key] = value;
  }
  if (isObject(out.properties) && Object.hasOwn(out.properties, 'id') && Array.isArray(out.required)) {
    out.required = out.required.filter((name) => name !== 'id');
  }
  return out;
}

/**
 * Whether `value` is a tensor in JSON form: a number or boolean, or nested lists of them (null
 * allowed inside lists: docarray's JSON writes NaN as null). Raggedness is left to the codec.
 */
export function isTensorJson(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'boolean') return true;
  if (!Array.isArray(value)) return false;
  const stack: unknown[][] = [value];
  while (stack.length > 0) {
    const list = stack.pop()!;
    for (const item of list) {
      if (typeof item === 'number' || typeof item === 'boolean' || item === null) continue;
      if (Array.isArray(item)) stack.push(item);
      else return false;
    }
  }
  return true;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
