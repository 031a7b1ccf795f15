/**
 * TypeRef → TypeScript type source, as the documents appear in the TypeScript API of the runtime
 * (what `executor['x'].post()` takes and returns): tensors are `NdArray`s (with their shape in the
 * type when the executor declares it), bytes are `Uint8Array`s, nested docs are the model
 * interfaces. Model names are resolved through `modelPrefix` (`models.` outside models.ts).
 *
 * The `json` form is the same documents as the gateway's HTTP API carries them (the consumer SDK's
 * models): bytes are UTF-8 strings and tensors nested number lists, whose `Tensor` type the SDK's
 * models.ts declares under the same name (`Tensor<readonly [128]>`; `Tensor` alone: any nesting).
 */
import type { TypeRef } from './ir.js';

/** Which TypeScript API the types are for: the runtime's (NdArray, Uint8Array) or the HTTP API's JSON. */
export type TypeForm = 'runtime' | 'json';

export function tsType(type: TypeRef, modelPrefix = '', form: TypeForm = 'runtime'): string {
  switch (type.kind) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
    case 'unknown':
      return type.kind;
    case 'integer':
      return 'number';
    case 'bytes':
      return form === 'json' ? 'string' : 'Uint8Array';
    case 'tensor':
      if (type.shape === undefined) return form === 'json' ? `${modelPrefix}Tensor` : 'runtime.NdArray';
      return `${modelPrefix}Tensor<readonly [${type.shape.map((dim) => (dim === null ? 'number' : String(dim))).join(', ')}]>`;
    case 'model':
      return `${modelPrefix}${type.model}`;
    case 'array':
      return `${wrap(type.items, modelPrefix, form)}[]`;
    case 'tuple':
      return `[${type.items.map((item) => tsType(item, modelPrefix, form)).join(', ')}]`;
    case 'dict':
      return `{ [key: string]: ${tsType(type.values, modelPrefix, form)} }`;
    case 'literal':
      return type.values.map((value) => JSON.stringify(value)).join(' | ');
    case 'union':
      return type.options.map((option) => tsType(option, modelPrefix, form)).join(' | ');
  }
}

/** A type as an array's element: unions and literal sets in parentheses. */
function wrap(type: TypeRef, modelPrefix: string, form: TypeForm): string {
  const source = tsType(type, modelPrefix, form);
  return type.kind === 'union' || (type.kind === 'literal' && type.values.length > 1) ? `(${source})` : source;
}

/** Whether `null` is already one of the type's values. */
export function admitsNull(type: TypeRef): boolean {
  if (type.kind === 'null' || type.kind === 'unknown') return true;
  if (type.kind === 'literal') return type.values.includes(null);
  if (type.kind === 'union') return type.options.some(admitsNull);
  return false;
}
