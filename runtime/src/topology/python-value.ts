/**
 * Doc values seen through Python's eyes. docarray's query language evaluates `==`, `<`, `in`
 * and `len()` on the decoded Python objects, so a JS port must reproduce Python's rules: `1 ==
 * True`, list vs tuple never equal, lexicographic list ordering, set ordering by inclusion,
 * numpy's elementwise comparisons, and a TypeError (not `false`) where Python has no answer.
 *
 * Which Python type a value stands for comes from the codec's kind marks (doc.ts): a nested doc
 * vs a dict, a list vs a tuple, set or DocList. Unmarked objects count as dicts and unmarked
 * arrays as lists, which is also what query values parsed from JSON are.
 */
import { kindOf, NdArray } from '../wire/doc.js';

export type PythonType =
  | 'none'
  | 'bool'
  | 'number'
  | 'str'
  | 'bytes'
  | 'tensor'
  | 'doc'
  | 'dict'
  | 'list'
  | 'tuple'
  | 'set'
  | 'doclist';

/** Python raised TypeError (or numpy's ambiguous-truth ValueError) where JS would just answer. */
export class PythonTypeError extends Error {
  override readonly name = 'PythonTypeError';
}

export function pythonTypeOf(value: unknown): PythonType {
  if (value === null || value === undefined) return 'none';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'str';
    case 'object':
      break;
    default:
      return 'dict';
  }
  if (value instanceof NdArray) return 'tensor';
  if (ArrayBuffer.isView(value)) return 'bytes';
  if (Array.isArray(value)) {
    switch (kindOf(value)) {
      case 'tuple':
        return 'tuple';
      case 'set':
        return 'set';
      case 'doc_array':
        return 'doclist';
      default:
        return 'list';
    }
  }
  return kindOf(value as object) === 'doc' ? 'doc' : 'dict';
}

/** The Python type name used in Python's own error messages. */
export function pythonTypeName(value: unknown): string {
  const type = pythonTypeOf(value);
  switch (type) {
    case 'none':
      return 'NoneType';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'tensor':
      return 'ndarray';
    case 'doc':
      return 'BaseDoc';
    case 'doclist':
      return 'DocList';
    default:
      return type;
  }
}

const isNumeric = (type: PythonType): boolean => type === 'bool' || type === 'number';
const isSequence = (type: PythonType): boolean => type === 'list' || type === 'doclist';

/** `a == b` in Python. Throws where numpy would refuse to reduce an array to one truth value. */
export function pythonEquals(a: unknown, b: unknown): boolean {
  const ta = pythonTypeOf(a);
  const tb = pythonTypeOf(b);
  if (ta === 'tensor') return tensorTruth(a as NdArray, b, '==');
  if (tb === 'tensor') return tensorTruth(b as NdArray, a, '==');
  if (isNumeric(ta) && isNumeric(tb)) return Number(a) === Number(b);
  if (ta === 'none' || tb === 'none') return ta === tb;
  if (isSequence(ta) && isSequence(tb)) return sequenceEquals(a as unknown[], b as unknown[]);
  if (ta !== tb) return false;
  switch (ta) {
    case 'str':
      return a === b;
    case 'bytes':
      return bytesEqual(a as ArrayBufferView, b as ArrayBufferView);
    case 'tuple':
      return sequenceEquals(a as unknown[], b as unknown[]);
    case 'set': {
      const left = a as unknown[];
      const right = b as unknown[];
      return left.length === right.length && left.every((x) => right.some((y) => pythonEquals(x, y)));
    }
    case 'dict':
    case 'doc': {
      const left = a as Record<string, unknown>;
      const right = b as Record<string, unknown>;
      const keys = Object.keys(left);
      if (keys.length !== Object.keys(right).length) return false;
      return keys.every((key) => Object.hasOwn(right, key) && pythonEquals(left[key], right[key]));
    }
    default:
      return false;
  }
}

export type ComparisonOperator = '<' | '<=' | '>' | '>=';

/** `a < b` (etc.) in Python; throws PythonTypeError for unorderable types, as Python does. */
export function pythonCompare(a: unknown, b: unknown, op: ComparisonOperator): boolean {
  const ta = pythonTypeOf(a);
  const tb = pythonTypeOf(b);
  if (ta === 'tensor' || tb === 'tensor') {
    // numpy reflects the operator when the array is on the right
    return ta === 'tensor' ? tensorTruth(a as NdArray, b, op) : tensorTruth(b as NdArray, a, flip(op));
  }
  if (isNumeric(ta) && isNumeric(tb)) {
    const [x, y] = [Number(a), Number(b)];
    return applyOrder(x < y ? -1 : x > y ? 1 : 0, op, x, y);
  }
  if (ta === 'str' && tb === 'str') return applyOrder(compareCodePoints(a as string, b as string), op);
  if (ta === 'bytes' && tb === 'bytes') return applyOrder(compareBytes(a as ArrayBufferView, b as ArrayBufferView), op);
  if ((isSequence(ta) && isSequence(tb) && !(ta === 'doclist' || tb === 'doclist')) || (ta === 'tuple' && tb === 'tuple')) {
    const left = a as unknown[];
    const right = b as unknown[];
    for (let i = 0; i < left.length && i < right.length; i++) {
      if (!pythonEquals(left[i], right[i])) return pythonCompare(left[i], right[i], op);
    }
    return applyOrder(Math.sign(left.length - right.length), op);
  }
  if (ta === 'set' && tb === 'set') {
    const left = a as unknown[];
    const right = b as unknown[];
    const subset = (x: unknown[], y: unknown[]) => x.every((item) => y.some((other) => pythonEquals(item, other)));
    switch (op) {
      case '<=':
        return subset(left, right);
      case '<':
        return subset(left, right) && left.length < right.length;
      case '>=':
        return subset(right, left);
      case '>':
        return subset(right, left) && right.length < left.length;
    }
  }
  throw new PythonTypeError(
    `'${op}' not supported between instances of '${pythonTypeName(a)}' and '${pythonTypeName(b)}'`,
  );
}

/** `len(value)` in Python. */
export function pythonLen(value: unknown): number {
  switch (pythonTypeOf(value)) {
    case 'str': {
      let count = 0;
      for (const _ of value as string) count++;
      return count;
    }
    case 'bytes':
      return (value as ArrayBufferView).byteLength;
    case 'list':
    case 'tuple':
    case 'set':
    case 'doclist':
      return (value as unknown[]).length;
    case 'dict':
      return Object.keys(value as object).length;
    case 'tensor': {
      const shape = (value as NdArray).shape;
      if (shape.length === 0) throw new PythonTypeError('len() of unsized object');
      return shape[0]!;
    }
    default:
      throw new PythonTypeError(`object of type '${pythonTypeName(value)}' has no len()`);
  }
}

/** Whether `iter(value)` succeeds in Python (docarray checks this before `in`). */
export function pythonIterable(value: unknown): boolean {
  const type = pythonTypeOf(value);
  if (type === 'tensor') return (value as NdArray).shape.length > 0;
  return !(type === 'none' || type === 'bool' || type === 'number');
}

/** `item in container` in Python. */
export function pythonContains(container: unknown, item: unknown): boolean {
  const itemType = pythonTypeOf(item);
  switch (pythonTypeOf(container)) {
    case 'list':
    case 'tuple':
    case 'doclist':
      return (container as unknown[]).some((element) => element === item || pythonEquals(element, item));
    case 'set':
      requireHashable(item);
      return (container as unknown[]).some((element) => pythonEquals(element, item));
    case 'dict':
      requireHashable(item);
      // docarray dict keys are strings; `1 in {'1': x}` is False in Python
      return itemType === 'str' && Object.hasOwn(container as object, item as string);
    case 'str':
      if (itemType !== 'str') {
        throw new PythonTypeError(`'in <string>' requires string as left operand, not ${pythonTypeName(item)}`);
      }
      return (container as string).includes(item as string);
    case 'bytes': {
      const bytes = toBytes(container as ArrayBufferView);
      if (itemType === 'number' && Number.isInteger(item)) return bytes.includes(item as number);
      if (itemType === 'bytes') return Buffer.from(bytes).includes(Buffer.from(toBytes(item as ArrayBufferView)));
      throw new PythonTypeError(`a bytes-like object is required, not '${pythonTypeName(item)}'`);
    }
    case 'tensor': {
      const tensor = container as NdArray;
      if (!isNumeric(itemType)) throw new PythonTypeError(`cannot look for '${pythonTypeName(item)}' in an ndarray`);
      const target = Number(item);
      const data = tensor.data as ArrayLike<number | bigint>;
      for (let i = 0; i < data.length; i++) if (Number(data[i]) === target) return true;
      return false;
    }
    case 'doc':
      // pydantic models iterate as (name, value) pairs: a scalar is never among them
      return false;
    default:
      throw new PythonTypeError(`argument of type '${pythonTypeName(container)}' is not iterable`);
  }
}

function requireHashable(item: unknown): void {
  const type = pythonTypeOf(item);
  if (type === 'list' || type === 'dict' || type === 'set' || type === 'doclist' || type === 'tensor' || type === 'doc') {
    throw new PythonTypeError(`unhashable type: '${pythonTypeName(item)}'`);
  }
}

function sequenceEquals(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i] || pythonEquals(x, b[i]));
}

/**
 * numpy compares elementwise and Python then asks the resulting array for one truth value:
 * fine for one element (and False for none), a ValueError for more.
 */
function tensorTruth(tensor: NdArray, other: unknown, op: '==' | ComparisonOperator): boolean {
  const size = tensor.data.length;
  if (size === 0) return false;
  if (size > 1) {
    throw new PythonTypeError(
      'the truth value of an array with more than one element is ambiguous (comparing an ndarray in a filter)',
    );
  }
  const element = Number(tensor.data[0]!);
  const otherType = pythonTypeOf(other);
  if (!isNumeric(otherType)) {
    if (op === '==') return false;
    throw new PythonTypeError(`'${op}' not supported between instances of 'ndarray' and '${pythonTypeName(other)}'`);
  }
  const value = Number(other);
  switch (op) {
    case '==':
      return element === value;
    case '<':
      return element < value;
    case '<=':
      return element <= value;
    case '>':
      return element > value;
    case '>=':
      return element >= value;
  }
}

function flip(op: ComparisonOperator): ComparisonOperator {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : '<=';
}

/** Applies an operator to a three-way result; NaN operands make every ordering False, as in Python. */
function applyOrder(sign: number, op: ComparisonOperator, a?: number, b?: number): boolean {
  if (a !== undefined && b !== undefined && (Number.isNaN(a) || Number.isNaN(b))) return false;
  switch (op) {
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
  }
}

/** Python orders str by code point; JS's `<` compares UTF-16 units, which differs above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function toBytes(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return compareBytes(a, b) === 0;
}

function compareBytes(a: ArrayBufferView, b: ArrayBufferView): number {
  return Buffer.compare(toBytes(a), toBytes(b));
}
