/**
 * TypeRef → TypeScript type source, as the documents appear in the TypeScript API of the runtime
 * (what `executor['x'].post()` takes and returns): tensors are `NdArray`s (with their shape in the
 * type when the executor declares it), bytes are `Uint8Array`s, nested docs are the model
 * interfaces. Model names are resolved through `modelPrefix` (`models.` outside models.ts).
 */
import type { TypeRef } from './ir.js';

export function tsType(type: TypeRef, modelPrefix = ''): string {
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
      return 'Uint8Array';
    case 'tensor':
      return type.shape === undefined ? 'runtime.NdArray' : `${modelPrefix}Tensor<readonly [${type.shape.map((dim) => (dim === null ? 'number' : String(dim))).join(', ')}]>`;
    case 'model':
      return `${modelPrefix}${type.model}`;
    case 'array':
      return `${wrap(type.items, modelPrefix)}[]`;
    case 'tuple':
      return `[${type.items.map((item) => tsType(item, modelPrefix)).join(', ')}]`;
    case 'dict':
      return `{ [key: string]: ${tsType(type.values, modelPrefix)} }`;
    case 'literal':
      return type.values.map((value) => JSON.stringify(value)).join(' | ');
    case 'union':
      return type.options.map((option) => tsType(option, modelPrefix)).join(' | ');
  }
}

/** A type as an array's element: unions and literal sets in parentheses. */
function wrap(type: TypeRef, modelPrefix: string): string {
  const source = tsType(type, modelPrefix);
  return type.kind === 'union' || (type.kind === 'literal' && type.values.length > 1) ? `(${source})` : source;
}

/** Whether `null` is already one of the type's values. */
export function admitsNull(type: TypeRef): boolean {
  if (type.kind === 'null' || type.kind === 'unknown') return true;
  if (type.kind === 'literal') return type.values.includes(null);
  if (type.kind === 'union') return type.options.some(admitsNull);
  return false;
}
