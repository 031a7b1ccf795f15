// Expected results were produced by docarray 0.40's filter_docs on the same docs (see also
// test/topology-docarray.test.ts, which compares against a live docarray).
import { describe, expect, it } from 'vitest';
import { type Doc, markKind, NdArray } from '../wire/doc.js';
import { compileQuery, filterDocs, isEmptyQuery, QueryError, QueryEvaluationError } from './filter.js';

const dict = (value: Doc) => markKind(value, 'dict');
const nested = (value: Doc) => markKind(value, 'doc');

const DOCS: Doc[] = [
  {
    id: '1',
    text: 'Text of Document 1',
    price: 3,
    count: 3,
    flag: false,
    tags: dict({ a: 0, b: 1, c: 2 }),
    cats: markKind(['cat1', 'cat2'], 'list'),
    nums: [1, 2, 3],
    pair: markKind([1, 2], 'tuple'),
    labels: markKind(['x', 'y'], 'set'),
    inner: nested({ id: 'i1', name: 'alpha', text: 'inner text one', vals: [1, 2] }),
    matches: markKind([nested({ id: 'm1', name: 'm' }), nested({ id: 'm2', name: null })], 'doc_array'),
    emb: new NdArray(Float64Array.of(1), [1], '<f8'),
    blob: new TextEncoder().encode('abc'),
  },
  {
    id: '2',
    text: 'Text of Document 2',
    price: 1000.5,
    count: 30,
    flag: true,
    tags: dict({}),
    cats: [],
    nums: null,
    pair: null,
    labels: null,
    inner: nested({ id: 'i2', name: null, text: 'other', vals: null }),
    matches: null,
    emb: new NdArray(Float64Array.of(1, 2, 3), [3], '<f8'),
    blob: null,
  },
  {
    id: '3',
    text: null,
    price: null,
    count: null,
    flag: null,
    tags: dict({ a: 0, b: 1 }),
    cats: null,
    nums: null,
    pair: null,
    labels: null,
    inner: null,
    matches: markKind([], 'doc_array'),
    emb: null,
    blob: null,
  },
  {
    id: '4',
    text: 'ünïcödé wörd',
    price: null,
    count: 0,
    flag: true,
    tags: null,
    cats: ['a'],
    nums: null,
    pair: null,
    labels: markKind([], 'set'),
    inner: null,
    matches: null,
    emb: null,
    blob: null,
  },
];

const ids = (query: unknown, docs: Doc[] = DOCS) => filterDocs(docs, query).map((doc) => doc.id);

describe('filterDocs: comparison operators', () => {
  it('$eq / $neq with Python equality (1 == True, 3 == 3.0, dicts by value)', () => {
    expect(ids({ text: { $eq: 'Text of Document 1' } })).toEqual(['1']);
    expect(ids({ text: { $neq: 'Text of Document 1' } })).toEqual(['2', '3', '4']);
    expect(ids({ count: { $eq: 3.0 } })).toEqual(['1']);
    expect(ids({ count: { $eq: false } })).toEqual(['4']);
    expect(ids({ flag: { $eq: 1 } })).toEqual(['2', '4']);
    expect(ids({ tags: { $eq: {} } })).toEqual(['2']);
    expect(ids({ tags: { $eq: { b: 1, a: 0 } } })).toEqual(['3']);
    expect(ids({ inner__name: { $eq: null } })).toEqual(['2', '3', '4']);
  });

  it('never equates a tuple or set with a list, or bytes with str', () => {
    expect(ids({ pair: { $eq: [1, 2] } })).toEqual([]);
    expect(ids({ labels: { $eq: ['x', 'y'] } })).toEqual([]);
    expect(ids({ blob: { $eq: 'abc' } })).toEqual([]);
  });

  it('$gt $gte $lt $lte skip None and order like Python', () => {
    expect(ids({ price: { $gte: 500 } })).toEqual(['2']);
    expect(ids({ price: { $lt: 500 } })).toEqual(['1']);
    expect(ids({ price: { $lte: 3 } })).toEqual(['1']);
    expect(ids({ price: { $gt: 3 } })).toEqual(['2']);
    expect(ids({ flag: { $gte: 0.5 } })).toEqual(['2', '4']);
    expect(ids({ text: { $gt: 'T' } })).toEqual(['1', '2', '4']);
    expect(ids({ nums: { $lt: [1, 2, 4] } })).toEqual(['1']);
    expect(ids({ nums: { $gte: [1, 2] } })).toEqual(['1']);
    expect(ids({ count: { $gt: 1, $lt: 100 } })).toEqual(['1', '2']);
  });

  it('throws where Python cannot compare, naming operator and field', () => {
    expect(() => ids({ text: { $gt: 5 } })).toThrow(QueryEvaluationError);
    expect(() => ids({ text: { $gt: 5 } })).toThrow(/\$gt on field "text": '>' not supported between instances of 'str' and 'int'/);
    expect(() => ids({ pair: { $lt: [1, 3] } })).toThrow(/'tuple' and 'list'/);
    // numpy cannot reduce a 3-element comparison to one truth value
    expect(() => ids({ emb: { $eq: 1 } })).toThrow(/ambiguous/);
    expect(ids({ emb: { $eq: 1 } }, [DOCS[0]!, DOCS[3]!])).toEqual(['1']);
  });

  it('stops evaluating where Python short-circuits', () => {
    // doc 3 has text None: only the first branch of the $or reaches the bad comparison
    expect(ids({ $or: [{ count: { $gte: 0 } }, { text: { $gt: 5 } }] }, DOCS.slice(0, 2))).toEqual(['1', '2']);
  });
});

describe('filterDocs: $exists, $in, $nin, $size, $regex', () => {
  it('$exists: a field set to None exists; a missing one does not', () => {
    expect(ids({ text: { $exists: true } })).toEqual(['1', '2', '3', '4']);
    expect(ids({ tags__c: { $exists: true } })).toEqual(['1', '4']);
    expect(ids({ tags__c: { $exists: false } })).toEqual(['2', '3']);
    expect(ids({ nope: { $exists: false } })).toEqual(['1', '2', '3', '4']);
  });

  it('$in / $nin over lists, strings and dict keys; a missing field fails both', () => {
    expect(ids({ text: { $in: ['Text of Document 1', 'x'] } })).toEqual(['1']);
    expect(ids({ text: { $nin: ['Text of Document 1'] } })).toEqual(['2', '3', '4']);
    expect(ids({ count: { $in: [3, 30] } })).toEqual(['1', '2']);
    expect(ids({ text: { $in: { 'Text of Document 2': 1 } } })).toEqual(['2']);
    expect(ids({ cats: { $in: [['cat1', 'cat2']] } })).toEqual(['1']);
    expect(ids({ tags__a: { $in: [0] } })).toEqual(['1', '3']);
    expect(ids({ nope: { $nin: [1] } })).toEqual([]);
    expect(ids({ text: { $in: 'Text of Document 1 and more' } }, DOCS.slice(0, 2))).toEqual(['1']);
    // `None in "..."` is a TypeError in Python
    expect(() => ids({ text: { $in: 'Text of Document 1 and more' } })).toThrow(/'in <string>' requires string as left operand, not NoneType/);
  });

  it('$size counts str code points, lists, dicts, bytes and a tensor\'s first axis', () => {
    expect(ids({ matches: { $size: 2 } })).toEqual(['1']);
    expect(ids({ cats: { $size: 0 } })).toEqual(['2']);
    expect(ids({ text: { $size: 12 } })).toEqual(['4']);
    expect(ids({ tags: { $size: 3 } })).toEqual(['1']);
    expect(ids({ emb: { $size: 3 } })).toEqual(['2']);
    expect(ids({ labels: { $size: 2 } })).toEqual(['1']);
    expect(ids({ blob: { $size: 3 } })).toEqual(['1']);
    expect(() => ids({ count: { $size: 1 } })).toThrow(/object of type 'int' has no len\(\)/);
  });

  it('$regex is re.search with Python syntax; a nested doc is searched by its text', () => {
    expect(ids({ text: { $regex: 'Document [12]$' } })).toEqual(['1', '2']);
    expect(ids({ text: { $regex: '^\\w+ \\w+$' } })).toEqual(['4']);
    expect(ids({ text: { $regex: '(?i)^TEXT' } })).toEqual(['1', '2']);
    expect(ids({ inner: { $regex: 'inner' } })).toEqual(['1']);
    expect(() => ids({ count: { $regex: '3' } })).toThrow(/expected string or bytes-like object/);
    expect(() => ids({ blob: { $regex: 'a' } }, DOCS.slice(0, 1))).toThrow(/bytes-like/);
  });
});

describe('filterDocs: fields', () => {
  it('separates nested fields with __ through docs, dicts, lists and tensors', () => {
    expect(ids({ inner__name: { $eq: 'alpha' } })).toEqual(['1']);
    expect(ids({ tags__a: { $eq: 0 } })).toEqual(['1', '3']);
    expect(ids({ inner__vals__0: { $eq: 1 } })).toEqual(['1']);
    expect(ids({ inner__vals__1: { $eq: 2 } })).toEqual(['1']);
    expect(ids({ matches__0__name: { $eq: 'm' } }, DOCS.slice(0, 2))).toEqual(['1']);
    expect(ids({ emb__0: { $gt: 0.5 } })).toEqual(['1', '2']);
    expect(ids({ 'nums__-1': { $eq: 3 } })).toEqual(['1']);
  });

  it('does not treat . as a separator (docarray 0.40)', () => {
    expect(ids({ 'tags.a': { $eq: 0 } })).toEqual([]);
    expect(ids({ 'tags.a': { $exists: false } })).toEqual(['1', '2', '3', '4']);
  });

  it('walks through None: the rest of the path is None, and exists', () => {
    expect(ids({ inner__name: { $exists: true } })).toEqual(['1', '2', '3', '4']);
    expect(ids({ tags__a__b: { $exists: true } })).toEqual(['4']);
    expect(ids({ count__x: { $exists: false } })).toEqual(['1', '2', '4']);
  });

  it('treats an integer key on a dict as missing, and fails like Python elsewhere', () => {
    expect(ids({ tags__0: { $exists: true } })).toEqual(['4']);
    expect(() => ids({ inner__vals__5: { $eq: 1 } })).toThrow(/index out of range/);
    expect(() => ids({ matches__0__name: { $eq: 'm' } })).toThrow(/index out of range/);
    expect(() => ids({ matches__id: { $eq: 'm1' } })).toThrow(/invalid literal for int\(\)/);
    expect(() => ids({ text__x: { $eq: 1 } })).toThrow(QueryEvaluationError);
    expect(() => ids({ labels__0: { $eq: 'x' } })).toThrow(/'set' object is not subscriptable/);
    expect(() => ids({ '0__x': { $eq: 1 } })).toThrow(/not subscriptable/);
  });

  it('replaces a {name} placeholder with the doc\'s own field', () => {
    expect(ids({ text: { $eq: '{missing}' } })).toEqual(['3']);
    expect(ids({ text: { $neq: '{ text }' } })).toEqual([]);
    expect(ids({ count: { $lte: '{price}' } }, DOCS.slice(0, 2))).toEqual(['1', '2']);
  });
});

describe('filterDocs: logic and docarray\'s parser quirks', () => {
  it('$and, $or, $not over lists or objects', () => {
    expect(ids({ $or: [{ text: { $eq: 'Text of Document 1' } }, { count: { $eq: 0 } }] })).toEqual(['1', '4']);
    expect(ids({ $and: { text: { $regex: 'Text' }, price: { $lte: 500 } } })).toEqual(['1']);
    expect(ids({ $not: { $or: { text: { $eq: 'Text of Document 1' }, count: { $eq: 30 } } } })).toEqual(['3', '4']);
    expect(ids({ $and: [] })).toEqual(['1', '2', '3', '4']);
    expect(ids({ $or: [] })).toEqual([]);
    expect(ids({ $not: {} })).toEqual([]);
  });

  it('ANDs top-level keys, unless a logical operator comes first and absorbs the rest', () => {
    expect(ids({ id: { $eq: '3' }, $or: [{ text: { $eq: 'Text of Document 1' } }] })).toEqual([]);
    expect(ids({ $or: [{ text: { $eq: 'Text of Document 1' } }], id: { $eq: '3' } })).toEqual(['1', '3']);
    expect(ids({ $not: { id: { $eq: '1' } }, count: { $eq: 30 } })).toEqual(['1', '2', '3', '4']);
  });

  it('keeps only the first element of a top-level list when it is a single condition', () => {
    expect(ids([{ id: { $eq: '1' } }, { id: { $eq: '2' } }])).toEqual(['1']);
    expect(ids([{ id: { $eq: '1' }, text: { $eq: 'x' } }, { id: { $eq: '2' } }])).toEqual([]);
    expect(ids([{ $or: [{ id: { $eq: '1' } }] }, { id: { $eq: '2' } }])).toEqual(['1', '2']);
  });

  it('ignores the field name in front of a logical operator', () => {
    expect(ids({ text: { $or: [{ id: { $eq: '1' } }, { id: { $eq: '4' } }] } })).toEqual(['1', '4']);
  });

  it('matches everything for an empty query, and accepts JSON text', () => {
    for (const empty of [{}, [], '', null, undefined]) {
      expect(isEmptyQuery(empty)).toBe(true);
      expect(ids(empty)).toEqual(['1', '2', '3', '4']);
    }
    expect(ids('{"count": {"$gte": 3}}')).toEqual(['1', '2']);
  });
});

describe('compileQuery errors', () => {
  const operatorOf = (query: unknown) => {
    try {
      compileQuery(query);
    } catch (error) {
      expect(error).toBeInstanceOf(QueryError);
      return (error as QueryError).operator;
    }
    throw new Error('expected a QueryError');
  };

  it('names the unsupported operator', () => {
    expect(operatorOf({ text: { $foo: 1 } })).toBe('$foo');
    expect(operatorOf({ $foo: {} })).toBe('$foo');
    // docarray has no field-level $not
    expect(operatorOf({ text: { $not: { $eq: 'x' } } })).toBe('$eq');
  });

  it('rejects malformed operands of $exists, $regex, $in and placeholders', () => {
    expect(operatorOf({ text: { $exists: 'yes' } })).toBe('$exists');
    expect(operatorOf({ text: { $regex: 5 } })).toBe('$regex');
    expect(operatorOf({ text: { $regex: '(?<x' } })).toBe('$regex');
    expect(operatorOf({ count: { $in: 5 } })).toBe('$in');
    expect(operatorOf({ text: { $eq: '{a}{b}' } })).toBe('$eq');
  });

  it('rejects queries that are not docarray\'s shape', () => {
    expect(() => compileQuery({ text: {} })).toThrow(/not a valid query at field "text"/);
    expect(() => compileQuery({ text: 5 })).toThrow(QueryError);
    expect(() => compileQuery({ $or: 5 })).toThrow(/the query is illegal/);
    expect(() => compileQuery('{not json')).toThrow(/not valid JSON/);
  });
});
