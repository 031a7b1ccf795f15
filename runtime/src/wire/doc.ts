/**
 * The in-memory shape of documents in the TypeScript API: plain objects, with typed arrays for
 * tensors. This is what `executor['x'].post()` returns and what the doc codec turns into
 * docarray's DocProto and back.
 *
 * Some docarray distinctions have no plain-JS equivalent (a nested doc vs a dict, a list vs a
 * set/tuple/DocList). The codec marks decoded values with a non-enumerable symbol so that a doc
 * decoded from the wire re-encodes to the same NodeProto kinds; values built by hand carry no
 * mark and are encoded by the field's JSON schema when one is known, else by plain-JS rules.
 */

/** A numpy-style dense tensor: C-order element data, shape and numpy dtype string. */
export class NdArray<T extends TensorData = TensorData> {
  constructor(
    /** Elements in C order. `<f2` (float16) travels as raw Uint16Array bits. */
    readonly data: T,
    /** numpy shape; the product equals data.length. */
    readonly shape: readonly number[],
    /** numpy dtype.str: "<f4", "<f8", "<i8", "|u1", ... */
    readonly dtype: string,
    /** docarray's registered type name on the wire ("ndarray", "ndarray_embedding", "image_ndarray", ...). */
    readonly typeTag: string = 'ndarray',
  ) {}
}

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/**
 * A value of a document field. `null` is docarray's None (an empty NodeProto). A bigint is sent
 * as docarray's int32 `integer` when it fits, else as an exact double, else refused (never
 * truncated); decoding never produces one (int64 data lives in `<i8` tensors).
 */
export type DocValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Uint8Array
  | NdArray
  | Doc
  | DocValue[]
  | { [key: string]: DocValue };

/** A document: field name to value. `id` is a string when present. */
export interface Doc {
  [field: string]: DocValue;
}

/** Which NodeProto kind a decoded object or array came from. */
export type NodeKind = 'doc' | 'dict' | 'doc_array' | 'list' | 'set' | 'tuple';

/** Non-enumerable mark on decoded objects and arrays: JSON.stringify and spreads ignore it. */
export const NODE_KIND: unique symbol = Symbol.for('jina-ts.nodeKind');

/** Marks `value` as having come from (or being meant for) a NodeProto of `kind`. */
export function markKind<T extends object>(value: T, kind: NodeKind): T {
  Object.defineProperty(value, NODE_KIND, { value: kind, enumerable: false, configurable: true });
  return value;
}

/** The NodeProto kind recorded on a value, if any. */
export function kindOf(value: object): NodeKind | undefined {
  return (value as { [NODE_KIND]?: NodeKind })[NODE_KIND];
}

/** Whether `value` is a plain object (a doc or dict), not an array, typed array, class instance... */
export function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `target[key] = value`, also for a field named `__proto__` (which plain assignment would eat). */
export function setField<T>(target: { [key: string]: T }, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
