// Mirrors docarray's tests/units/util/test_reduce.py on kind-marked docs; expected values were
// checked against docarray 0.40 (test/topology-docarray.test.ts compares against a live docarray).
import { describe, expect, it } from 'vitest';
import { type Doc, kindOf, markKind, NdArray } from '../wire/doc.js';
import type { DataRequest } from '../wire/data-request.js';
import { reduceAll, reducePair, reduceRequests, updateDoc } from './reduce.js';

const nested = (value: Doc) => markKind(value, 'doc');
const list = <T>(items: T[]) => markKind(items, 'list');
const docList = (items: Doc[]) => markKind(items, 'doc_array');

function mmDoc(id: string, fields: Doc = {}): Doc {
  return nested({
    id,
    text: '',
    price: 0,
    categories: null,
    matches: null,
    matches_with_same_id: null,
    opt_int: null,
    test_set: null,
    inner_doc: null,
    test_dict: null,
    ...fields,
  });
}

const doc1 = mmDoc('d1', {
  text: 'hey here',
  categories: list(['a', 'b', 'c']),
  price: 10,
  matches: docList([mmDoc('m-a')]),
  matches_with_same_id: docList([mmDoc('a', { matches: docList([mmDoc('inner-1')]) })]),
  test_set: markKind(['a'], 'set'),
  inner_doc: nested({ id: 'in', integer: 2, inner_list: list(['c', 'd']) }),
  test_dict: markKind({ a: 0, b: 2, d: 4, z: 3 }, 'dict'),
});

const doc2 = mmDoc('d1', {
  text: 'hey here 2',
  categories: list(['d', 'e', 'f']),
  price: 5,
  opt_int: 5,
  matches: docList([mmDoc('m-b')]),
  matches_with_same_id: docList([mmDoc('a', { matches: docList([mmDoc('inner-2')]) })]),
  test_set: markKind(['a', 'b'], 'set'),
  inner_doc: nested({ id: 'in', integer: 3, inner_list: list(['a', 'b']) }),
  test_dict: markKind({ a: 10, b: 10, c: 3, z: null }, 'dict'),
});

describe('reduceAll (docarray test_reduce)', () => {
  it('appends docs with different ids', () => {
    const left = Array.from({ length: 10 }, (_, i) => mmDoc(`l${i}`));
    const right = Array.from({ length: 10 }, (_, i) => mmDoc(`r${i}`));
    expect(reducePair(left, right)).toHaveLength(20);
    expect(left).toHaveLength(10); // unlike docarray, inputs are left alone
  });

  it('merges a doc present in both lists', () => {
    const result = reduceAll([
      [doc1, mmDoc('x')],
      [mmDoc('y'), doc2],
    ]);
    expect(result.map((doc) => doc.id)).toEqual(['d1', 'x', 'y']);
    const merged = result[0]!;
    expect(merged.text).toBe('hey here 2');
    expect(merged.categories).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(merged.matches).toHaveLength(2);
    expect(merged.opt_int).toBe(5);
    expect(merged.price).toBe(5);
    expect(merged.test_set).toEqual(['a', 'b']);
    expect(merged.matches_with_same_id).toHaveLength(1);
    expect(((merged.matches_with_same_id as Doc[])[0]!.matches as Doc[]).map((doc) => doc.id)).toEqual(['inner-1', 'inner-2']);
    expect((merged.inner_doc as Doc).integer).toBe(3);
    expect((merged.inner_doc as Doc).inner_list).toEqual(['c', 'd', 'a', 'b']);
    // dicts are updated, None values included
    expect(merged.test_dict).toEqual({ a: 10, b: 10, d: 4, z: null, c: 3 });
  });

  // docarray's test expects categories twice (12 items): there the third list holds the very doc1
  // object the first merge mutated in place. Parts decoded from the wire never share objects.
  it('reduces three lists (test_reduce_all)', () => {
    const result = reduceAll([
      [doc1, mmDoc('x')],
      [mmDoc('y'), doc2],
      [mmDoc('z1'), mmDoc('z2'), doc1],
    ]);
    expect(result).toHaveLength(5);
    const merged = result[0]!;
    expect(merged.categories).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'a', 'b', 'c']);
    expect(merged.text).toBe('hey here');
    expect((merged.inner_doc as Doc).inner_list).toEqual(['c', 'd', 'a', 'b', 'c', 'd']);
    expect((merged.inner_doc as Doc).integer).toBe(2);
  });

  it('replaces tensors, tuples and bytes, and keeps the left value when the right is None', () => {
    const left = nested({ id: '1', emb: new NdArray(Float32Array.of(1), [1], '<f4'), pair: markKind([1, 2], 'tuple'), keep: 'x' });
    const right = nested({ id: '1', emb: new NdArray(Float32Array.of(2), [1], '<f4'), pair: markKind([3], 'tuple'), keep: null });
    const merged = updateDoc(left, right);
    expect((merged.emb as NdArray).data).toEqual(Float32Array.of(2));
    expect(merged.pair).toEqual([3]);
    expect(merged.keep).toBe('x');
  });

  it('overwrites nested docs\' ids, like any other field', () => {
    const merged = updateDoc(
      nested({ id: '1', inner: nested({ id: 'a', name: 'n', vals: list([1]) }) }),
      nested({ id: '1', inner: nested({ id: 'b', name: null, vals: list([2]) }) }),
    );
    expect(merged.inner).toEqual({ id: 'b', name: 'n', vals: [1, 2] });
  });

  it('keeps the non-None side where docarray would crash on a None nested doc', () => {
    const inner = nested({ id: 'a', name: 'n' });
    expect(updateDoc(nested({ id: '1', inner }), nested({ id: '1', inner: null })).inner).toBe(inner);
    expect(updateDoc(nested({ id: '1', inner: null }), nested({ id: '1', inner })).inner).toBe(inner);
  });

  it('appends an id new to the first list once per later list that has it', () => {
    const result = reduceAll([[mmDoc('1')], [mmDoc('2', { text: 'x' }), mmDoc('2', { text: 'y' })], [mmDoc('2', { text: 'z' })]]);
    expect(result.map((doc) => [doc.id, doc.text])).toEqual([
      ['1', ''],
      ['2', 'x'],
      ['2', 'y'],
      ['2', 'z'],
    ]);
  });

  it('rebuilds the index for every list when the first list is empty', () => {
    const result = reduceAll([[], [mmDoc('2', { text: 'x' }), mmDoc('2', { text: 'y' })], [mmDoc('2', { text: 'z' })]]);
    // the third list updates the LAST doc with id 2 (Python's dict comprehension keeps the last index)
    expect(result.map((doc) => [doc.id, doc.text])).toEqual([
      ['2', 'x'],
      ['2', 'z'],
    ]);
  });

  it('never matches docs without an id, and needs two lists', () => {
    expect(reduceAll([[{ text: 'a' }], [{ text: 'b' }]])).toHaveLength(2);
    expect(() => reduceAll([[mmDoc('1')]])).toThrow(RangeError);
  });

  it('does not mutate its inputs and keeps kind marks on merged values', () => {
    const before = structuredClone(doc1);
    const [merged] = reduceAll([[doc1], [doc2]]);
    expect(doc1).toEqual(before);
    expect(doc1.categories).toEqual(['a', 'b', 'c']);
    expect(kindOf(merged!)).toBe('doc');
    expect(kindOf(merged!.categories as object)).toBe('list');
    expect(kindOf(merged!.matches as object)).toBe('doc_array');
    expect(kindOf(merged!.test_dict as object)).toBe('dict');
    expect(kindOf(merged!.inner_doc as object)).toBe('doc');
  });
});

function part(requestId: string, code: number, parameters: Record<string, unknown>): DataRequest {
  return {
    header: { requestId, status: { code, description: '', exception: undefined } },
    parameters,
    routes: [],
    data: Buffer.from([1, 2, 3]),
  };
}

describe('reduceRequests (Jina reduce_requests)', () => {
  it('takes the envelope of the first successful part and the parameters of the first part', () => {
    const reduced = reduceRequests([
      { request: part('r1', 1, { a: 1 }), docs: [{ id: '1', text: 'a' }] },
      { request: part('r2', 0, { b: 2, __results__: { e: { k: 1 } } }), docs: [{ id: '1', text: 'b' }, { id: '2', text: null }] },
    ]);
    expect(reduced.request.header.requestId).toBe('r2');
    expect(reduced.request.parameters).toEqual({ a: 1, __results__: { e: { k: 1 } } });
    expect(reduced.request.data).toBeUndefined();
    expect(reduced.docs).toEqual([
      { id: '1', text: 'b' },
      { id: '2', text: null },
    ]);
  });

  it('always sets __results__, and returns no docs when every part is empty', () => {
    const reduced = reduceRequests([
      { request: part('r1', 0, { a: 1 }), docs: [] },
      { request: part('r2', 0, { a: 1 }), docs: [] },
    ]);
    expect(reduced.request.parameters).toEqual({ a: 1, __results__: {} });
    expect(reduced.docs).toEqual([]);
  });

  it('falls back to the first part when none succeeded', () => {
    const reduced = reduceRequests([
      { request: part('r1', 1, {}), docs: [{ id: '1' }] },
      { request: part('r2', 1, {}), docs: [{ id: '2' }] },
    ]);
    expect(reduced.request.header.requestId).toBe('r1');
    expect(reduced.docs.map((doc) => doc.id)).toEqual(['1', '2']);
  });
});
