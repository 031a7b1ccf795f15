/**
 * Null in the intermediate form's types: whether a value of a type may be null (pydantic's
 * `Optional[T]` is a union with null; a literal may list None), and the type without it. The
 * OpenAPI emitter adds null only where a type lacks it; the proto emitter turns it into presence.
 */
import type { TypeRef } from './ir.js';

export function acceptsNull(type: TypeRef): boolean {
  switch (type.kind) {
    case 'null':
    case 'unknown':
      return true;
    case 'literal':
      return type.values.includes(null);
    case 'union':
      return type.options.some(acceptsNull);
    default:
      return false;
  }
}

/** `Optional[T]` → `T`; a union of several types keeps them (without null); anything else as it is. */
export function withoutNull(type: TypeRef): TypeRef {
  if (type.kind !== 'union') return type;
  const options = type.options.filter((option) => option.kind !== 'null');
  if (options.length === type.options.length) return type;
  return options.length === 1 ? options[0]! : options.length === 0 ? { kind: 'null' } : { kind: 'union', options };
}
