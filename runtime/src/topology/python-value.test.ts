import { describe, expect, it } from 'vitest';
import { markKind, NdArray } from '../wire/doc.js';
import { pythonCompare, pythonContains, pythonEquals, pythonLen, pythonTypeOf, PythonTypeError } from './python-value.js';

describe('Python value semantics', () => {
  it('classifies values by the codec\'s kind marks', () => {
    expect(pythonTypeOf(markKind([], 'tuple'))).toBe('tuple');
    expect(pythonTypeOf(markKind([], 'doc_array'))).toBe('doclist');
    expect(pythonTypeOf(markKind({}, 'doc'))).toBe('doc');
    expect(pythonTypeOf({})).toBe('dict');
    expect(pythonTypeOf([])).toBe('list');
    expect(pythonTypeOf(new Uint8Array())).toBe('bytes');
    expect(pythonTypeOf(new NdArray(Float32Array.of(1), [1], '<f4'))).toBe('tensor');
  });

  it('== like Python', () => {
    expect(pythonEquals(1, true)).toBe(true);
    expect(pythonEquals(0, false)).toBe(true);
    expect(pythonEquals([1, 2], markKind([1, 2], 'tuple'))).toBe(false);
    expect(pythonEquals([1, 2], markKind([1, 2], 'doc_array'))).toBe(true);
    expect(pythonEquals(markKind(['a', 'b'], 'set'), markKind(['b', 'a'], 'set'))).toBe(true);
    expect(pythonEquals({ a: [1] }, { a: [1] })).toBe(true);
    expect(pythonEquals(markKind({ a: 1 }, 'doc'), { a: 1 })).toBe(false);
    expect(pythonEquals(null, null)).toBe(true);
    expect(pythonEquals(Number.NaN, Number.NaN)).toBe(false);
  });

  it('orders like Python, and raises where Python does', () => {
    expect(pythonCompare([1, 2], [1, 2, 0], '<')).toBe(true);
    expect(pythonCompare('\u{1F600}', '\uFFFF', '>')).toBe(true); // code points, not UTF-16 units
    expect(pythonCompare(markKind(['a'], 'set'), markKind(['a', 'b'], 'set'), '<')).toBe(true);
    expect(pythonCompare(true, 0.5, '>')).toBe(true);
    expect(() => pythonCompare('a', 1, '<')).toThrow(PythonTypeError);
    expect(() => pythonCompare({}, {}, '<')).toThrow(/'<' not supported between instances of 'dict' and 'dict'/);
    expect(() => pythonCompare(new NdArray(Float32Array.of(1, 2), [2], '<f4'), 1, '>')).toThrow(/ambiguous/);
    expect(pythonCompare(1, new NdArray(Float32Array.of(2), [1], '<f4'), '<')).toBe(true);
  });

  it('len() and in like Python', () => {
    expect(pythonLen('a\u{1F600}')).toBe(2);
    expect(pythonLen({ a: 1, b: 2 })).toBe(2);
    expect(pythonLen(new NdArray(Float32Array.of(1, 2, 3, 4), [2, 2], '<f4'))).toBe(2);
    expect(() => pythonLen(5)).toThrow(/object of type 'int' has no len\(\)/);
    expect(pythonContains(['a', 1], true)).toBe(true);
    expect(pythonContains('hello', 'ell')).toBe(true);
    expect(pythonContains({ k: 1 }, 'k')).toBe(true);
    expect(() => pythonContains('hello', 1)).toThrow(/'in <string>' requires string/);
    expect(() => pythonContains({ k: 1 }, ['k'])).toThrow(/unhashable type: 'list'/);
    expect(pythonContains(new NdArray(Int32Array.of(1, 2), [2], '<i4'), 2)).toBe(true);
  });
});
