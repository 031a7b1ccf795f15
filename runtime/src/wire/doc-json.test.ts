import { describe, it, expect } from 'vitest';
import { Struct } from './gen/google/protobuf/struct.pb.js';
import { kindOf, markKind, NdArray, type Doc } from './doc.js';
import { docFromProto, docToProto } from './doc-codec.js';
import { docFromJson, docsFromJson, docsToJson, docToJson } from './doc-json.js';
import type { JsonSchema } from './doc-schema.js';

/** pydantic v2 (jina 3.34) dialect. */
const V2: JsonSchema = {
  title: 'MyDoc',
  type: 'object',
  properties: {
    id: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[3]', example: '[0.0,0.0,0.0]' },
    maybe: { anyOf: [{ type: 'array', items: { type: 'number' }, 'tensor/array shape': 'not specified' }, { type: 'null' }], default: null },
    blob: { anyOf: [{ type: 'string', format: 'binary' }, { type: 'null' }], default: null },
    inner: { anyOf: [{ $ref: '#/$defs/Inner' }, { type: 'null' }], default: null },
    inners: { type: 'array', items: { $ref: '#/$defs/Inner' } },
    tags: { type: 'object', additionalProperties: true },
    ids: { type: 'array', items: { type: 'integer' }, uniqueItems: true },
    pair: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }] },
    score: { type: 'number' },
    text: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
  },
  required: ['embedding'],
  $defs: {
    Inner: { title: 'Inner', type: 'object', properties: { id: { anyOf: [{ type: 'string' }, { type: 'null' }] }, vec: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2]' } } },
  },
};

/** The same model in the pydantic v1 dialect (jina <= 3.33). */
const V1: JsonSchema = {
  title: 'MyDoc',
  type: 'object',
  properties: {
    id: { title: 'Id', type: 'string' },
    embedding: { title: 'Embedding', type: 'array', items: { type: 'number' }, 'tensor/array shape': '[3]' },
    maybe: { title: 'Maybe', type: 'array', items: { type: 'number' }, 'tensor/array shape': 'not specified' },
    blob: { title: 'Blob', type: 'string', format: 'binary' },
    inner: { title: 'Inner', allOf: [{ $ref: '#/definitions/Inner' }] },
    inners: { title: 'Inners', type: 'array', items: { $ref: '#/definitions/Inner' } },
    tags: { title: 'Tags', type: 'object' },
    ids: { title: 'Ids', type: 'array', items: { type: 'integer' }, uniqueItems: true },
    pair: { title: 'Pair', type: 'array', items: [{ type: 'integer' }, { type: 'string' }] },
    score: { title: 'Score', type: 'number' },
    text: { title: 'Text', type: 'string' },
  },
  definitions: {
    Inner: { title: 'Inner', type: 'object', properties: { id: { type: 'string' }, vec: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2]' } } },
  },
};

const BODY = {
  id: 'd1',
  embedding: [0.5, 1, 2],
  maybe: null,
  blob: 'héllo',
  inner: { id: 'i1', vec: [1, 2] },
  inners: [{ vec: [3, 4] }, { id: 'i3', vec: [5, 6] }],
  tags: { a: 1, b: { c: [1, 'x'] } },
  ids: [3, 1],
  pair: [7, 'seven'],
  score: 0.25,
  text: null,
  extra: { kept: true },
};

describe('docFromJson', () => {
  for (const [dialect, schema] of [
    ['pydantic v2 ($defs)', V2],
    ['pydantic v1 (definitions)', V1],
    ['pydantic v2 after a protobuf Struct', Struct.unwrap(Struct.decode(Struct.encode(Struct.wrap(V2)).finish())) as JsonSchema],
  ] as const) {
    it(`types fields by the ${dialect} schema`, () => {
      const doc = docFromJson(BODY, schema);
      const embedding = doc.embedding as NdArray;
      expect(embedding).toBeInstanceOf(NdArray);
      expect(embedding).toMatchObject({ shape: [3], dtype: '<f4', typeTag: 'ndarray' });
      expect(Array.from(embedding.data as Float32Array)).toEqual([0.5, 1, 2]);
      expect(doc.maybe).toBeNull();
      expect(doc.blob).toEqual(new TextEncoder().encode('héllo'));
      expect(kindOf(doc.inner as object)).toBe('doc');
      expect((doc.inner as Doc).vec).toBeInstanceOf(NdArray);
      expect(kindOf(doc.inners as object)).toBe('list'); // List[Inner]: docarray refuses a doc_array node there
      expect(((doc.inners as Doc[])[1]!.vec as NdArray).shape).toEqual([2]);
      expect(kindOf(doc.tags as object)).toBe('dict');
      expect(doc.tags).toEqual({ a: 1, b: { c: [1, 'x'] } });
      expect(kindOf(doc.ids as object)).toBe('set');
      expect(kindOf(doc.pair as object)).toBe('tuple');
      expect(doc.score).toBe(0.25);
      expect(doc.extra).toEqual({ kept: true });
      // and it encodes to what docarray expects
      const proto = docToProto(doc, schema);
      expect(proto.data.inner?.content?.$case).toBe('doc');
      expect(proto.data.inners?.content?.$case).toBe('list');
      expect(proto.data.ids?.content?.$case).toBe('set');
      expect(proto.data.blob?.content?.$case).toBe('blob');
      expect(proto.data.embedding?.docarrayType?.value).toBe('ndarray');
    });
  }

  it('keeps plain JSON without a schema', () => {
    const doc = docFromJson(BODY);
    expect(doc).toEqual(BODY);
    expect(kindOf(doc.inner as object)).toBeUndefined();
  });

  it('takes a tensor dtype and reads bool lists as |b1', () => {
    expect((docFromJson({ embedding: [1, 2, 3] }, V2, { tensorDtype: '<f8' }).embedding as NdArray).dtype).toBe('<f8');
    expect((docFromJson({ maybe: [[true], [false]] }, V2).maybe as NdArray).dtype).toBe('|b1');
  });

  it('names the JSON path of bad input', () => {
    const body = { data: [BODY, BODY, { ...BODY, embedding: [1, 'x', 3] }] };
    expect(() => docsFromJson(body.data, V2, { path: 'data' })).toThrow(
      /^data\[2\]\.embedding\[1\]: expected a number for a <f4 tensor, got the string "x"$/,
    );
    expect(() => docsFromJson([{ ...BODY, embedding: 'zeros' }], V2, { path: 'data' })).toThrow(
      /^data\[0\]\.embedding: expected a tensor \(nested lists of numbers\), got the string "zeros"$/,
    );
    expect(() => docsFromJson([{ ...BODY, embedding: [[1, 2], [3]] }], V2, { path: 'data' })).toThrow(/^data\[0\]\.embedding\[1\]: ragged nested list/);
    expect(() => docFromJson({ ...BODY, inners: [{ vec: [1, 2] }, { vec: {} }] }, V2)).toThrow(/^inners\[1\]\.vec: expected a tensor/);
    expect(() => docFromJson({ ...BODY, inner: [1] }, V2)).toThrow(/^inner: expected a document object, got a list$/);
    expect(() => docFromJson({ ...BODY, inners: {} }, V2)).toThrow(/^inners: expected a list, got an object$/);
    expect(() => docFromJson({ ...BODY, blob: 5 }, V2)).toThrow(/^blob: expected bytes as a string, got number 5$/);
    expect(() => docFromJson({ ...BODY, score: { x: 1 } }, V2)).toThrow(/^score: expected a number, got an object$/);
    expect(() => docFromJson({ ...BODY, tags: [] }, V2)).toThrow(/^tags: expected an object, got a list$/);
    expect(() => docsFromJson({}, V2, { path: 'data' })).toThrow(/^data: expected a list of documents, got an object$/);
    expect(() => docFromJson([], V2, { path: 'data[0]' })).toThrow(/^data\[0\]: expected a document object, got a list$/);
  });
});

describe('docToJson', () => {
  it('writes what orjson writes for a docarray doc', () => {
    const doc: Doc = {
      id: 'd1',
      embedding: new NdArray(new Float32Array([0.1, 1, NaN]), [3], '<f4'),
      matrix: new NdArray(new Int32Array([1, 2, 3, 4]), [2, 2], '<i4'),
      mask: new NdArray(new Uint8Array([1, 0]), [2], '|b1'),
      blob: new TextEncoder().encode('héllo'),
      score: Infinity,
      nan: NaN,
      big: 2n ** 64n - 1n,
      small: 5n,
      inner: markKind({ id: 'i', text: null }, 'doc'),
      list: markKind([1, 'a', undefined as unknown as null], 'tuple'),
    };
    expect(JSON.stringify(docToJson(doc))).toBe(
      '{"id":"d1","embedding":[0.1,1,null],"matrix":[[1,2],[3,4]],"mask":[true,false],"blob":"héllo","score":null,"nan":null,' +
        '"big":18446744073709551615,"small":5,"inner":{"id":"i","text":null},"list":[1,"a",null]}',
    );
  });

  it('can write float32 values exactly instead of shortest', () => {
    const doc = { e: new NdArray(new Float32Array([0.1]), [1], '<f4') };
    expect(JSON.stringify(docToJson(doc, { float32: 'exact' }))).toBe('{"e":[0.10000000149011612]}');
  });

  it('fails on bytes that are not UTF-8, naming the path (Python fails the same way)', () => {
    expect(() => docsToJson([{}, { inner: { blob: new Uint8Array([0xff]) } }])).toThrow(/^\[1\]\.inner\.blob: bytes are not valid UTF-8/);
  });

  it('round-trips proto → JSON → doc → proto for a schema', () => {
    const source = docFromJson(BODY, V2);
    const json = JSON.parse(JSON.stringify(docToJson(docFromProto(docToProto(source, V2)))));
    expect(json).toEqual({ ...BODY, blob: 'héllo' });
  });
});
