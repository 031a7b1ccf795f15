/**
 * The top-level fields of a discovered model, for the three places the HTTP gateway completes a
 * JSON object the way a pydantic model instance would be: a doc without `id` gets a random one
 * (docarray's default factory), parameters get the parameters model's defaults (Jina answers
 * `{"k": 3, "tag": null}` for `{}`), and response docs list every field of the output model,
 * null when absent (Jina serialises model instances, so absent fields appear as null).
 */
import { newRequestId } from '../../wire/data-request.js';
import { setField } from '../../wire/doc.js';
import type { JsonSchema } from '../../wire/doc-schema.js';
import type { JsonValue, MissingField } from '../../wire/doc-json.js';
import type { FlowModel } from './flow-endpoints.js';

/** `properties` of the model, following a root `$ref` (Jina's legacy document schemas are one). */
export function rootProperties(schema: JsonSchema): Record<string, JsonSchema> | undefined {
  let node: JsonSchema | undefined = schema;
  for (let hops = 0; node !== undefined && hops < 8; hops++) {
    const properties = asObject(node.properties);
    if (properties !== undefined) return properties as Record<string, JsonSchema>;
    const ref = node.$ref;
    if (typeof ref !== 'string') return undefined;
    const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
    if (match === null) return undefined;
    const name = decodeURIComponent(match[1]!).replaceAll('~1', '/').replaceAll('~0', '~');
    node = asObject(asObject(schema.$defs)?.[name]) ?? asObject(asObject(schema.definitions)?.[name]);
  }
  return undefined;
}

/** Gives docs without an `id` a random one, when the model has an `id` field (or is unknown). */
export function idFiller(model: FlowModel | undefined): (doc: Record<string, unknown>) => void {
  const properties = model === undefined ? undefined : rootProperties(model.schema);
  if (model !== undefined && (properties === undefined || !Object.hasOwn(properties, 'id'))) return () => {};
  return (doc) => {
    if (doc.id === undefined) doc.id = newRequestId(); // uuid4 hex, as docarray's ID default
  };
}

/** Each top-level field of `model` with its schema default, or null: what Jina answers for a field a doc lacks. */
export function modelDefaults(model: FlowModel | undefined): MissingField[] {
  const properties = model === undefined ? undefined : rootProperties(model.schema);
  if (properties === undefined) return [];
  return Object.entries(properties).map(([name, property]) => {
    const fallback = asObject(property) !== undefined && Object.hasOwn(property, 'default') ? property.default : null;
    return [name, fallback as JsonValue] as const;
  });
}

/** Sets each absent top-level field of `model` to its schema default, or null. */
export function missingFieldFiller(model: FlowModel | undefined): (object: Record<string, unknown>) => void {
  const fields = modelDefaults(model);
  if (fields.length === 0) return () => {};
  return (object) => {
    for (const [name, fallback] of fields) {
      if (object[name] === undefined) setField(object, name, typeof fallback === 'object' && fallback !== null ? structuredClone(fallback) : fallback);
    }
  };
}

function asObject(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}
