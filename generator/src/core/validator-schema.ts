/**
 * TypeRef → the JSON Schema the return-type validators check, for documents in their decoded
 * (in-memory) form: tensors are NdArray objects (`x-ndarray`, shape checked when declared), bytes
 * are Uint8Arrays (`x-bytes`), each keyword's `nullable: true` letting null through, nested docs are objects. Models are `definitions`, referenced by name.
 * A field the model does not require may be missing or null.
 */
import type { ModelDef, TypeRef } from './ir.js';

export type JsonSchemaObject = { [key: string]: unknown };

export const NDARRAY_KEYWORD = 'x-ndarray';
export const BYTES_KEYWORD = 'x-bytes';

export function modelSchema(def: ModelDef): JsonSchemaObject {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const field of def.fields) {
    const type = typeSchema(field.type);
    properties[field.fieldName] = field.required ? type : nullable(type);
    if (field.required) required.push(field.fieldName);
  }
  return { type: 'object', properties, ...(required.length === 0 ? {} : { required }) };
}

/**
 * `T | null` without an `anyOf` where JSON Schema allows: a type list for a plain scalar, an
 * array or an object (their other keywords apply to their type only, so null passes them), `null`
 * among an enum's values, the nullable form of a tensor or bytes keyword; only a model reference
 * (or a mix) keeps `anyOf`. One keyword for ajv is a fraction of the code of an `anyOf`, a third
 * of ajv's time at 16 × 8 × 32 before, and one clear problem instead of three when it fails.
 */
function nullable(schema: JsonSchemaObject): JsonSchemaObject {
  if (Array.isArray(schema.anyOf) && schema.anyOf.some((option) => (option as JsonSchemaObject).type === 'null')) return schema;
  const keys = Object.keys(schema);
  if (keys.length === 0) return schema;
  if (typeof schema.type === 'string' && (keys.length === 1 || schema.type === 'array' || schema.type === 'object')) return schema.type === 'null' ? schema : { ...schema, type: [schema.type, 'null'] };
  if (keys.length === 1 && Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { type: [...schema.type, 'null'] };
  if (keys.length === 1 && Array.isArray(schema.enum)) return schema.enum.includes(null) ? schema : { enum: [...schema.enum, null] };
  if (keys.length === 1 && (keys[0] === NDARRAY_KEYWORD || keys[0] === BYTES_KEYWORD)) return { [keys[0]]: { ...(schema[keys[0]] as JsonSchemaObject), nullable: true } };
  return { anyOf: [schema, { type: 'null' }] };
}

export function typeSchema(type: TypeRef): JsonSchemaObject {
  switch (type.kind) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
    case 'null':
      return { type: type.kind };
    case 'unknown':
      return {};
    case 'bytes':
      return { [BYTES_KEYWORD]: {} };
    case 'tensor':
      return { [NDARRAY_KEYWORD]: type.shape === undefined ? {} : { shape: type.shape.map((dim) => dim ?? -1) } };
    case 'model':
      return { $ref: `#/definitions/${type.model}` };
    case 'array':
      return { type: 'array', items: typeSchema(type.items) };
    case 'tuple':
      return { type: 'array', items: type.items.map(typeSchema), minItems: type.items.length, maxItems: type.items.length };
    case 'dict':
      return { type: 'object', additionalProperties: typeSchema(type.values) };
    case 'literal':
      return { enum: [...type.values] };
    case 'union': {
      const nonNull = type.options.filter((option) => option.kind !== 'null');
      if (nonNull.length === 1 && nonNull.length < type.options.length) return nullable(typeSchema(nonNull[0]!));
      const options = type.options.map(typeSchema);
      // `string | null` and the like as one type list: one keyword for ajv to compile, not an anyOf
      const types = options.map((option) => (Object.keys(option).length === 1 && typeof option.type === 'string' ? option.type : undefined));
      if (types.every((name) => name !== undefined)) return { type: [...new Set(types)] };
      return { anyOf: options };
    }
  }
}

/** The models a type refers to, directly. */
export function referencedModels(type: TypeRef, into: Set<string>): void {
  switch (type.kind) {
    case 'model':
      into.add(type.model);
      return;
    case 'array':
      return referencedModels(type.items, into);
    case 'tuple':
      return type.items.forEach((item) => referencedModels(item, into));
    case 'dict':
      return referencedModels(type.values, into);
    case 'union':
      return type.options.forEach((option) => referencedModels(option, into));
    default:
      return;
  }
}
