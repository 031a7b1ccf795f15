/**
 * Tensors: numpy dtype strings, typed arrays and the two wire forms of an NdArray — docarray's
 * DenseNdArrayProto (raw C-order bytes + shape + dtype.str) and JSON's nested number lists.
 *
 * Data is kept in host byte order in memory (little-endian on every platform Node ships for) and
 * always written little-endian; big-endian (`>f4`) input is byte-swapped once on decode. Bulk
 * moves are single typed-array copies; only the JSON conversions touch elements one by one.
 */
import { Buffer } from 'node:buffer';
import type { DenseNdArrayProto } from './gen/docarray/docarray.pb.js';
import { DocCodecError, describeValue, withSegment } from './codec-error.js';
import { NdArray, type TensorData } from './doc.js';
import type { JsonWriter } from './json-writer.js';
import { roundHalfEven, shortestFloat32 } from './shortest-float32.js';

interface TensorDataConstructor {
  new (length: number): TensorData;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TensorData;
  readonly BYTES_PER_ELEMENT: number;
}

/** A parsed numpy dtype. */
export interface Dtype {
  /** Canonical little-endian numpy dtype.str: "<f4", "|u1", "|b1", ... */
  readonly str: string;
  /** numpy kind: float, signed int, unsigned int, bool. */
  readonly kind: 'f' | 'i' | 'u' | 'b';
  readonly itemSize: number;
  /** The dtype string said big-endian (`>`): the wire bytes need swapping. */
  readonly bigEndian: boolean;
  /** The typed array holding the elements (`<f2` is raw Uint16Array bits, `|b1` Uint8Array). */
  readonly array: TensorDataConstructor;
}

const CODES: Record<string, { kind: Dtype['kind']; itemSize: number; array: TensorDataConstructor }> = {
  f2: { kind: 'f', itemSize: 2, array: Uint16Array },
  f4: { kind: 'f', itemSize: 4, array: Float32Array },
  f8: { kind: 'f', itemSize: 8, array: Float64Array },
  i1: { kind: 'i', itemSize: 1, array: Int8Array },
  i2: { kind: 'i', itemSize: 2, array: Int16Array },
  i4: { kind: 'i', itemSize: 4, array: Int32Array },
  i8: { kind: 'i', itemSize: 8, array: BigInt64Array },
  u1: { kind: 'u', itemSize: 1, array: Uint8Array },
  u2: { kind: 'u', itemSize: 2, array: Uint16Array },
  u4: { kind: 'u', itemSize: 4, array: Uint32Array },
  u8: { kind: 'u', itemSize: 8, array: BigUint64Array },
  b1: { kind: 'b', itemSize: 1, array: Uint8Array },
};

/** numpy names people also write (`np.dtype('float32').str` is "<f4"). */
const NAMES: Record<string, string> = {
  float16: 'f2', half: 'f2', float32: 'f4', single: 'f4', float64: 'f8', double: 'f8', float: 'f8',
  int8: 'i1', int16: 'i2', int32: 'i4', int64: 'i8', uint8: 'u1', uint16: 'u2', uint32: 'u4', uint64: 'u8',
  bool: 'b1', bool_: 'b1', '?': 'b1', e: 'f2', f: 'f4', d: 'f8', b: 'i1', h: 'i2', i: 'i4', l: 'i8', q: 'i8',
  B: 'u1', H: 'u2', I: 'u4', L: 'u8', Q: 'u8',
};

const HOST_BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

const parsed = new Map<string, Dtype>();

/** Parses a numpy dtype string ("<f4", ">i8", "|b1", "float32", ...); throws on anything else. */
export function parseDtype(dtype: string): Dtype {
  let info = parsed.get(dtype);
  if (info !== undefined) return info;
  let order = '';
  let code = dtype;
  if (code.length > 0 && '<>|='.includes(code[0]!)) {
    order = code[0]!;
    code = code.slice(1);
  }
  code = NAMES[code] ?? code;
  const base = Object.hasOwn(CODES, code) ? CODES[code] : undefined;
  if (base === undefined || (order === '|' && base.itemSize !== 1)) {
    throw new DocCodecError(`unsupported tensor dtype ${JSON.stringify(dtype)} (supported: float16/32/64, int8-64, uint8-64, bool)`);
  }
  const bigEndian = base.itemSize > 1 && (order === '>' || (order === '=' && HOST_BIG_ENDIAN));
  info = {
    str: (base.itemSize === 1 ? '|' : '<') + code,
    kind: base.kind,
    itemSize: base.itemSize,
    bigEndian,
    array: base.array,
  };
  parsed.set(dtype, info);
  return info;
}

/** The dtype a typed array holds by default (Uint16Array is `<u2`: say `<f2` explicitly for halves). */
export function dtypeOf(data: TensorData): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint32Array) return '<u4';
  return '<u8';
}

/**
 * Builds an NdArray from a typed array: 1-D unless a shape is given, dtype from the array type.
 * The shape's literal type is kept (`tensor(data, [128])` has `shape: readonly [128]`), so a
 * tensor fits a generated model field typed with the shape the executor declares.
 */
export function tensor<T extends TensorData, const S extends readonly number[] = readonly number[]>(
  data: T,
  shape?: S,
  dtype?: string,
  typeTag?: string,
): NdArray<T> & { readonly shape: S } {
  const resolvedShape = shape ?? [data.length];
  const resolvedDtype = dtype === undefined ? dtypeOf(data) : parseDtype(dtype).str;
  checkData(data, resolvedShape, parseDtype(resolvedDtype));
  return new NdArray(data, resolvedShape, resolvedDtype, typeTag) as NdArray<T> & { readonly shape: S };
}

/** A zero-filled tensor (what docarray makes of an empty buffer with a shape). */
export function zeros(shape: readonly number[], dtype = '<f8', typeTag?: string): NdArray {
  const info = parseDtype(dtype);
  return new NdArray(new info.array(elementCount(shape)), [...shape], info.str, typeTag);
}

export interface FromDenseOptions {
  /**
   * Copy the bytes even when the proto's buffer could be adopted. Leave `true` unless the proto
   * is private to the caller (the codec passes `false` for messages it decoded itself).
   */
  copy?: boolean;
}

/**
 * An NdArray from docarray's DenseNdArrayProto. The bytes are copied into a fresh, aligned typed
 * array (protobuf byte fields are often unaligned slices); with `copy: false` a buffer that is
 * aligned and owns its whole ArrayBuffer is adopted as is. An empty buffer with a non-empty shape
 * is zeros of the declared dtype (docarray makes float64 zeros; the declared dtype is kept here).
 */
export function ndarrayFromDense(dense: DenseNdArrayProto, typeTag = 'ndarray', options: FromDenseOptions = {}): NdArray {
  const shape = dense.shape;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) throw new DocCodecError(`invalid tensor shape [${shape.join(', ')}]`);
  }
  const buffer = dense.buffer;
  if (buffer.length === 0) {
    if (shape.length === 0) throw new DocCodecError('NdArrayProto has neither data nor shape');
    return zeros(shape, dense.dtype === '' ? '<f8' : dense.dtype, typeTag);
  }
  const info = parseDtype(dense.dtype);
  const count = elementCount(shape);
  if (buffer.length !== count * info.itemSize) {
    throw new DocCodecError(
      `tensor buffer holds ${buffer.length} bytes, but shape [${shape.join(', ')}] of ${info.str} needs ${count * info.itemSize}`,
    );
  }
  let data: TensorData;
  if (
    options.copy === false &&
    buffer.byteOffset === 0 &&
    buffer.byteLength === buffer.buffer.byteLength &&
    buffer.buffer instanceof ArrayBuffer
  ) {
    data = new info.array(buffer.buffer, 0, count);
  } else {
    data = new info.array(count);
    new Uint8Array(data.buffer, 0, buffer.length).set(buffer);
  }
  if (info.bigEndian !== HOST_BIG_ENDIAN) byteSwap(data, info.itemSize);
  return new NdArray(data, [...shape], info.str, typeTag);
}

/**
 * docarray's DenseNdArrayProto for an NdArray: little-endian C-order bytes, shape, dtype.str.
 * On little-endian hosts the buffer is a view of the tensor's memory, not a copy: the protobuf
 * writer copies it once into the message.
 */
export function ndarrayToDense(array: NdArray): DenseNdArrayProto {
  const info = parseDtype(array.dtype);
  const data = array.data;
  checkData(data, array.shape, info);
  let buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_BIG_ENDIAN && info.itemSize > 1) {
    buffer = Buffer.from(buffer); // never swap the caller's memory
    byteSwap(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), info.itemSize);
  }
  return { buffer, shape: [...array.shape], dtype: info.str };
}

function checkData(data: TensorData, shape: readonly number[], info: Dtype): void {
  if (!(data instanceof info.array)) {
    throw new DocCodecError(`tensor dtype ${info.str} needs a ${info.array.name}, got a ${data.constructor.name}`);
  }
  const count = elementCount(shape);
  if (count !== data.length) {
    throw new DocCodecError(`tensor shape [${shape.join(', ')}] holds ${count} elements, but its data has ${data.length}`);
  }
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0 || dim > 0xffffffff) throw new DocCodecError(`invalid tensor shape [${shape.join(', ')}]`);
    count *= dim;
  }
  return count;
}

/** Reverses each `size`-byte element in place. */
function byteSwap(data: TensorData, size: number): void {
  if (size === 1) return;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let offset = 0; offset < bytes.length; offset += size) {
    for (let low = offset, high = offset + size - 1; low < high; low++, high--) {
      const byte = bytes[low]!;
      bytes[low] = bytes[high]!;
      bytes[high] = byte;
    }
  }
}

// ---- float16 ---------------------------------------------------------------------------------

type Float16ArrayLike = { [index: number]: number; length: number };
type Float16ArrayConstructor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => Float16ArrayLike;
/** Node >= 24 has Float16Array (exact, vectorised conversions); Node 22 uses the code below. */
const NativeFloat16Array = (globalThis as { Float16Array?: Float16ArrayConstructor }).Float16Array;

/** The value of IEEE 754 half-precision `bits`. */
export function float16ToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** The half-precision bits nearest to `value` (round half to even, as numpy's astype does). */
export function numberToFloat16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00; // 65520 is the halfway point to 2^16: rounds to inf
  if (magnitude < 2 ** -14) return sign | roundHalfEven(magnitude * 2 ** 24); // subnormal (1024 = min normal)
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  let fraction = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  if (fraction === 1024) {
    fraction = 0;
    exponent++;
  }
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | fraction;
}

/** float16 bits to numbers, all at once. */
function halvesToNumbers(bits: Uint16Array): ArrayLike<number> {
  if (NativeFloat16Array !== undefined) return new NativeFloat16Array(bits.buffer, bits.byteOffset, bits.length);
  const out = new Float64Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]!);
  return out;
}

// ---- JSON: nested number lists ---------------------------------------------------------------

/** What a tensor becomes in JSON: nested lists of numbers (booleans for `|b1`, null for NaN/±Inf). */
export type NestedNumbers = number | boolean | null | bigint | object | NestedNumbers[];

export interface ToNestedOptions {
  /**
   * How float16/float32 elements are written. `shortest` (default): the shortest decimal that reads
   * back as the same float32, as numpy/orjson print them (`0.1`, not `0.10000000149011612`).
   * `exact`: the element's exact double value (faster, longer, reads back identically too).
   */
  float32?: 'shortest' | 'exact';
}

/**
 * A tensor as nested JSON lists (orjson's OPT_SERIALIZE_NUMPY form). NaN and ±Infinity become
 * null, as orjson writes them (JSON has no literal for them). int64/uint64 elements outside the
 * safe-integer range become `JSON.rawJSON` values, so JSON.stringify prints them exactly.
 */
export function ndarrayToNested(array: NdArray, options: ToNestedOptions = {}): NestedNumbers {
  const info = parseDtype(array.dtype);
  checkData(array.data, array.shape, info);
  const flat = flatJsonValues(array.data, info, options.float32 ?? 'shortest');
  const shape = array.shape;
  if (shape.length === 0) return flat[0] ?? null;
  if (shape.length === 1) return flat;
  return nest(flat, shape, 0, 0);
}

/**
 * The same tensor written as JSON text, byte for byte what JSON.stringify(ndarrayToNested(array))
 * gives, without the intermediate lists (json-writer.ts says why).
 */
export function writeNdarrayJson(writer: JsonWriter, array: NdArray, options: ToNestedOptions = {}): void {
  const info = parseDtype(array.dtype);
  checkData(array.data, array.shape, info);
  const element = elementWriter(writer, array.data, info, options.float32 ?? 'shortest');
  if (array.shape.length === 0) element(0);
  else writeNested(writer, element, array.shape, 0, 0);
}

function writeNested(writer: JsonWriter, element: (index: number) => void, shape: readonly number[], depth: number, offset: number): void {
  const length = shape[depth]!;
  writer.byte(0x5b); // [
  if (depth === shape.length - 1) {
    for (let i = 0; i < length; i++) {
      writer.separator(i);
      element(offset + i);
    }
  } else {
    let stride = 1;
    for (let d = depth + 1; d < shape.length; d++) stride *= shape[d]!;
    for (let i = 0; i < length; i++) {
      writer.separator(i);
      writeNested(writer, element, shape, depth + 1, offset + i * stride);
    }
  }
  writer.byte(0x5d); // ]
}

/** Writes element `i` as flatJsonValues would give it to JSON.stringify. */
function elementWriter(writer: JsonWriter, data: TensorData, info: Dtype, float32: 'shortest' | 'exact'): (i: number) => void {
  if (info.kind === 'b') {
    const values = data as Uint8Array;
    return (i) => void writer.ascii(values[i] !== 0 ? 'true' : 'false');
  }
  if (info.itemSize === 8 && info.kind !== 'f') {
    const big = data as BigInt64Array | BigUint64Array;
    return (i) => void writer.json(bigintToJson(big[i]!));
  }
  if (info.kind === 'f' && info.itemSize <= 4) {
    const values = info.itemSize === 2 ? halvesToNumbers(data as Uint16Array) : (data as Float32Array);
    return float32 === 'shortest' ? (i) => void writer.float32(values[i]!) : (i) => void writer.float64(values[i]!);
  }
  const values = data as Float64Array | Int32Array;
  return (i) => void writer.float64(values[i]!);
}

function nest(flat: unknown[], shape: readonly number[], depth: number, offset: number): unknown[] {
  const length = shape[depth]!;
  if (depth === shape.length - 1) return flat.slice(offset, offset + length);
  let stride = 1;
  for (let d = depth + 1; d < shape.length; d++) stride *= shape[d]!;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) out[i] = nest(flat, shape, depth + 1, offset + i * stride);
  return out;
}

function flatJsonValues(data: TensorData, info: Dtype, float32: 'shortest' | 'exact'): NestedNumbers[] {
  const n = data.length;
  const out = new Array<NestedNumbers>(n);
  if (info.kind === 'b') {
    for (let i = 0; i < n; i++) out[i] = (data as Uint8Array)[i] !== 0;
  } else if (info.itemSize === 8 && info.kind !== 'f') {
    const big = data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < n; i++) out[i] = bigintToJson(big[i]!);
  } else if (info.kind === 'f' && info.itemSize <= 4) {
    const values = info.itemSize === 2 ? halvesToNumbers(data as Uint16Array) : (data as Float32Array);
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      out[i] = x - x !== 0 ? null : float32 === 'shortest' ? shortestFloat32(x) : x;
    }
  } else if (info.kind === 'f') {
    const values = data as Float64Array;
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      out[i] = x - x !== 0 ? null : x; // x - x is NaN exactly for NaN and ±Infinity
    }
  } else {
    const values = data as Int32Array;
    for (let i = 0; i < n; i++) out[i] = values[i]!;
  }
  return out;
}

type RawJson = (text: string) => object;
const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/** A bigint as a JSON number: a plain number when exact, else a raw JSON literal (exact digits). */
export function bigintToJson(value: bigint): number | object {
  const number = Number(value);
  if (Number.isSafeInteger(number)) return number;
  if (rawJSON !== undefined) return rawJSON(value.toString());
  return number;
}

export interface FromNestedOptions {
  /** dtype for numbers: default `<f4`. Nested booleans always make `|b1` unless a dtype is given. */
  dtype?: string;
  typeTag?: string;
}

/**
 * An NdArray from nested JSON lists of numbers, inferring the shape (a bare number is a 0-d
 * tensor). Ragged lists and non-numbers are errors naming the element (`embedding[3][1]`).
 * Inside a float tensor, null reads as NaN (the inverse of orjson writing NaN as null).
 */
export function ndarrayFromNested(value: unknown, options: FromNestedOptions = {}): NdArray {
  const shape: number[] = [];
  let probe = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const dtype = options.dtype ?? (typeof probe === 'boolean' ? '|b1' : '<f4');
  const info = parseDtype(dtype);
  const count = elementCount(shape);
  const data = new info.array(count);
  const write = writerFor(info, data);
  if (shape.length === 0) {
    write(0, value);
  } else if (shape.length === 1) {
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      try {
        write(i, list[i]);
      } catch (error) {
        throw withSegment(error, i);
      }
    }
  } else {
    fill(value as unknown[], shape, 0, 0, write);
  }
  return new NdArray(data, shape, info.str, options.typeTag);
}

function fill(list: unknown[], shape: readonly number[], depth: number, offset: number, write: (index: number, value: unknown) => void): number {
  const last = depth === shape.length - 1;
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    try {
      if (last) {
        write(offset++, item);
      } else {
        if (!Array.isArray(item)) throw new DocCodecError(`ragged nested list: expected a list of ${shape[depth + 1]}, got ${describeValue(item)}`);
        if (item.length !== shape[depth + 1]) {
          throw new DocCodecError(`ragged nested list: expected ${shape[depth + 1]} elements, got ${item.length}`);
        }
        offset = fill(item, shape, depth + 1, offset, write);
      }
    } catch (error) {
      throw withSegment(error, i);
    }
  }
  return offset;
}

function writerFor(info: Dtype, data: TensorData): (index: number, value: unknown) => void {
  const fail = (value: unknown, what: string): never => {
    throw new DocCodecError(`expected ${what} for a ${info.str} tensor, got ${describeValue(value)}`);
  };
  if (info.kind === 'b') {
    const out = data as Uint8Array;
    return (i, v) => {
      if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (v === 0 || v === 1) out[i] = v;
      else fail(v, 'a boolean');
    };
  }
  if (info.kind === 'f') {
    if (info.itemSize === 2) {
      const out = data as Uint16Array;
      const native = NativeFloat16Array === undefined ? undefined : new NativeFloat16Array(out.buffer, out.byteOffset, out.length);
      return (i, v) => {
        const x = v === null ? NaN : typeof v === 'number' ? v : fail(v, 'a number');
        if (native !== undefined) native[i] = x;
        else out[i] = numberToFloat16(x);
      };
    }
    const out = data as Float32Array | Float64Array;
    return (i, v) => {
      if (typeof v === 'number') out[i] = v;
      else if (v === null) out[i] = NaN;
      else fail(v, 'a number');
    };
  }
  if (info.itemSize === 8) {
    const out = data as BigInt64Array | BigUint64Array;
    const min = info.kind === 'i' ? -(2n ** 63n) : 0n;
    const max = info.kind === 'i' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    return (i, v) => {
      const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : fail(v, 'an integer');
      if (b < min || b > max) fail(v, `an integer in [${min}, ${max}]`);
      out[i] = b;
    };
  }
  const out = data as Int32Array;
  const bits = info.itemSize * 8;
  const min = info.kind === 'i' ? -(2 ** (bits - 1)) : 0;
  const max = info.kind === 'i' ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return (i, v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(v, `an integer in [${min}, ${max}]`);
    out[i] = v as number;
  };
}


/**
 * A tensor from any typed array a caller put in a field (a Float32Array embedding): 1-D, dtype
 * from the array type. Uint8Array is not taken here: on its own it is bytes (a blob).
 */
export function ndarrayFromTypedArray(data: TensorData, typeTag?: string): NdArray {
  return new NdArray(data, [data.length], dtypeOf(data), typeTag);
}
