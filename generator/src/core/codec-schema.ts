/**
 * TypeRef → the schema dialect the runtime's doc codec reads (pydantic v2's, as Jina sends it):
 * it tells the codec which values are tensors (`tensor/array shape`), bytes (`format: binary`),
 * nested docs and DocLists (`$ref` to `$defs`), when user code builds documents by hand.
 */
import type { ModelDef, TypeRef } from './ir.js';
import type { JsonSchemaObject } from './validator-schema.js';

export function codecModelSchema(def: ModelDef): JsonSchemaObject {
  // fromEntries defines each key: a field named `__proto__` stays a field
  const properties: Record<string, unknown> = Object.fromEntries(def.fields.map((field) => [field.fieldName, codecTypeSchema(field.type)]));
  return { title: def.schemaName, type: 'object', properties };
}

export function codecTypeSchema(type: TypeRef): JsonSchemaObject {
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
      return { type: 'string', format: 'binary' };
    case 'tensor':
      return {
        type: 'array',
        items: { type: 'number' },
        'tensor/array shape': type.shape === undefined ? 'not specified' : `[${type.shape.map((dim) => dim ?? -1).join(', ')}]`,
      };
    case 'model':
      return { $ref: `#/$defs/${type.model}` };
    case 'array':
      return { type: 'array', items: codecTypeSchema(type.items) };
    case 'tuple':
      return { type: 'array', prefixItems: type.items.map(codecTypeSchema) };
    case 'dict':
      return { type: 'object', additionalProperties: codecTypeSchema(type.values) };
    case 'literal':
      return { enum: [...type.values] };
    case 'union':
      return { anyOf: type.options.map(codecTypeSchema) };
  }
}
