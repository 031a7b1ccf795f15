import { Buffer } from 'node:buffer';
import { describe, it, expect } from 'vitest';
import { DocListProto, DocProto, type NodeProto } from './gen/docarray/docarray.pb.js';
import { DocCodecError } from './codec-error.js';
import { kindOf, markKind, NdArray, type Doc } from './doc.js';
import { decodeDocList, docFromProto, docsFromProto, docsToProto, docToProto, encodeDocList } from './doc-codec.js';
import type { JsonSchema } from './doc-schema.js';

const text = (value: string, type?: string): NodeProto => ({ content: { $case: 'text', value }, ...(type ? { docarrayType: { $case: 'type', value: type } } : {}) });
const int = (value: number): NodeProto => ({ content: { $case: 'integer', value } });
const float = (value: number): NodeProto => ({ content: { $case: 'float', value } });
const bool = (value: boolean): NodeProto => ({ content: { $case: 'boolean', value } });
const dict = (data: Record<string, NodeProto>): NodeProto => ({ content: { $case: 'dict', value: { data } } });
const doc = (data: Record<string, NodeProto>): NodeProto => ({ content: { $case: 'doc', value: { data } } });
const list = (kind: 'list' | 'set' | 'tuple', data: NodeProto[]): NodeProto => ({ content: { $case: kind, value: { data } } });
const f32 = (values: number[], shape = [values.length], type = 'ndarray'): NodeProto => ({
  content: {
    $case: 'ndarray',
    value: { dense: { buffer: Buffer.from(new Float32Array(values).buffer), shape, dtype: '<f4' }, parameters: undefined },
  },
  docarrayType: { $case: 'type', value: type },
});

/** Encodes a single field without schema and returns its NodeProto. */
function node(value: unknown, schema?: JsonSchema): NodeProto {
  return docToProto({ x: value } as Doc, schema).data.x!;
}

/** Normalises a NodeProto for comparison (Buffers → arrays) through a real encode/decode. */
function wire(proto: DocProto): unknown {
  return DocProto.decode(DocProto.encode(proto).finish());
}

const MODEL: JsonSchema = {
  title: 'MyDoc',
  type: 'object',
  properties: {
    id: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    embedding: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[3]' },
    maybe: { anyOf: [{ type: 'array', items: { type: 'number' }, 'tensor/array shape': 'not specified' }, { type: 'null' }], default: null },
    score: { type: 'number' },
    count: { type: 'integer' },
    inner: { anyOf: [{ $ref: '#/$defs/Inner' }, { type: 'null' }], default: null },
    inners: { type: 'array', items: { $ref: '#/$defs/Inner' } },
    tags: { type: 'object', additionalProperties: true },
    byName: { type: 'object', additionalProperties: { $ref: '#/$defs/Inner' } },
    ids: { type: 'array', items: { type: 'integer' }, uniqueItems: true },
    pair: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'number' }] },
    blob: { anyOf: [{ type: 'string', format: 'binary' }, { type: 'null' }] },
  },
  $defs: {
    Inner: {
      title: 'Inner',
      type: 'object',
      properties: { id: { type: 'string' }, label: { type: 'string' }, weight: { type: 'number' }, vec: { type: 'array', items: { type: 'number' }, 'tensor/array shape': '[2]' } },
    },
  },
};

describe('docToProto: scalars (docarray _type_to_protobuf rules)', () => {
  it('id → {text, type: id}; string → text; boolean → boolean; bytes → blob', () => {
    const proto = docToProto({ id: 'd1', text: 'hi', flag: true, blob: new Uint8Array([1, 2, 255]) });
    expect(proto.data.id).toEqual(text('d1', 'id'));
    expect(proto.data.text).toEqual(text('hi'));
    expect(proto.data.flag).toEqual(bool(true));
    expect(proto.data.blob?.content).toEqual({ $case: 'blob', value: Buffer.from([1, 2, 255]) });
    expect(proto.data.blob?.docarrayType).toBeUndefined();
  });

  it('numbers: int32 → integer, everything else → float (never truncated)', () => {
    expect(node(7)).toEqual(int(7));
    expect(node(-(2 ** 31))).toEqual(int(-(2 ** 31)));
    expect(node(2 ** 31 - 1)).toEqual(int(2 ** 31 - 1));
    expect(node(2 ** 31)).toEqual(float(2 ** 31));
    expect(node(2 ** 40)).toEqual(float(2 ** 40));
    expect(node(2 ** 60)).toEqual(float(2 ** 60));
    expect(node(0.25)).toEqual(float(0.25));
    expect(node(-0)).toEqual(float(-0));
    expect(node(NaN)).toEqual(float(NaN));
    expect(node(Infinity)).toEqual(float(Infinity));
  });

  it('bigint: int32 → integer, exact double → float, else a clear error', () => {
    expect(node(5n)).toEqual(int(5));
    expect(node(2n ** 40n)).toEqual(float(2 ** 40));
    expect(node(2n ** 62n)).toEqual(float(2 ** 62));
    expect(() => node(2n ** 53n + 1n)).toThrow(/^x: 9007199254740993n cannot travel exactly: docarray's integer is int32/);
  });

  it('a schema number field always travels as float, an integer field by value', () => {
    expect(docToProto({ score: 1, count: 3 }, MODEL).data).toEqual({ score: float(1), count: int(3) });
    expect(docToProto({ count: 2 ** 40 }, MODEL).data.count).toEqual(float(2 ** 40));
  });

  it('null and undefined → an empty NodeProto (None)', () => {
    expect(docToProto({ a: null, b: undefined as unknown as null }).data).toEqual({ a: {}, b: {} });
  });

  it('a string for a bytes field travels as a blob (UTF-8)', () => {
    expect(docToProto({ blob: 'é' }, MODEL).data.blob?.content).toEqual({ $case: 'blob', value: Buffer.from('é') });
  });
});

describe('docToProto: tensors', () => {
  it('NdArray → ndarray with its type tag, raw little-endian bytes', () => {
    const embedding = new NdArray(new Float32Array([1, 2, 3]), [3], '<f4', 'ndarray_embedding');
    const n = node(embedding);
    expect(n.docarrayType).toEqual({ $case: 'type', value: 'ndarray_embedding' });
    expect(n.content?.$case).toBe('ndarray');
    const dense = n.content?.$case === 'ndarray' ? n.content.value.dense : undefined;
    expect(dense?.shape).toEqual([3]);
    expect(dense?.dtype).toBe('<f4');
    expect(Buffer.compare(dense!.buffer, Buffer.from(new Float32Array([1, 2, 3]).buffer))).toBe(0);
  });

  it('a number list in a schema tensor field → float32 ndarray (or the dtype asked for)', () => {
    const proto = docToProto({ embedding: [1, 2, 3], maybe: [[1], [2]] }, MODEL);
    expect(wire(proto)).toEqual(wire({ data: { embedding: f32([1, 2, 3]), maybe: f32([1, 2], [2, 1]) } }));
    const mask = docToProto({ maybe: [true, false] }, MODEL).data.maybe!;
    expect(mask.content?.$case === 'ndarray' && mask.content.value.dense?.dtype).toBe('|b1');
    const f64 = docToProto({ embedding: [1, 2, 3] }, MODEL, { tensorDtype: '<f8' }).data.embedding!;
    expect(f64.content?.$case === 'ndarray' && f64.content.value.dense?.dtype).toBe('<f8');
  });

  it('a bare typed array → a 1-D ndarray', () => {
    const n = node(new Float64Array([0.5, 1.5]));
    expect(n.content?.$case === 'ndarray' && n.content.value.dense).toMatchObject({ shape: [2], dtype: '<f8' });
  });

  it('names the field of a bad tensor', () => {
    expect(() => docsToProto([{}, { embedding: [[1, 2], [3]] }], MODEL)).toThrow(/^docs\[1\]\.embedding\[1\]: ragged nested list/);
    expect(() => docToProto({ e: new NdArray(new Float32Array(2), [3], '<f4') })).toThrow(/^e: tensor shape \[3\] holds 3 elements/);
  });
});

describe('docToProto: containers', () => {
  it('without schema: objects → dict, arrays → list (what docarray accepts for any field type)', () => {
    expect(node({ a: 1, b: { c: 'x' } })).toEqual(dict({ a: int(1), b: dict({ c: text('x') }) }));
    expect(node([1, 'a', [true]])).toEqual(list('list', [int(1), text('a'), list('list', [bool(true)])]));
    expect(node({ id: 'not-a-doc-id' })).toEqual(dict({ id: text('not-a-doc-id') }));
  });

  it('with schema: nested models → doc, arrays of models and Dict[str, Model] values → dicts (what both List and DocList fields read), sets, tuples', () => {
    const proto = docToProto(
      {
        id: 'd',
        inner: { id: 'i', label: 'a', weight: 2, vec: [1, 2] },
        inners: [{ label: 'b' }, { label: 'c' }],
        tags: { k: { nested: 1 } },
        byName: { x: { label: 'd' } },
        ids: [3, 1],
        pair: [1, 2],
      },
      MODEL,
    );
    expect(wire(proto)).toEqual(
      wire({
        data: {
          id: text('d', 'id'),
          inner: doc({ id: text('i', 'id'), label: text('a'), weight: float(2), vec: f32([1, 2]) }),
          inners: list('list', [dict({ label: text('b') }), dict({ label: text('c') })]),
          tags: dict({ k: dict({ nested: int(1) }) }),
          byName: dict({ x: dict({ label: text('d') }) }),
          ids: list('set', [int(3), int(1)]),
          pair: list('tuple', [int(1), float(2)]),
        },
      }),
    );
  });

  it('marks win over the schema and over the plain-JS default', () => {
    const value = {
      tags: markKind({ a: 1 }, 'doc'),
      inners: markKind([{ label: 'b' }], 'list'), // a List[Inner] field: a list of docs
      plain: markKind([1, 2], 'tuple'),
      obj: markKind({ k: 'v' }, 'doc'),
    };
    const proto = docToProto(value, MODEL);
    expect(proto.data.tags).toEqual(doc({ a: int(1) }));
    // the array's mark wins; its unmarked items follow the schema (a model inside a list goes as a dict)
    expect(wire({ data: { x: proto.data.inners! } })).toEqual(wire({ data: { x: list('list', [dict({ label: text('b') })]) } }));
    expect(proto.data.plain).toEqual(list('tuple', [int(1), int(2)]));
    expect(proto.data.obj).toEqual(doc({ k: text('v') }));
  });

  it('rejects what has no docarray form, naming the path', () => {
    expect(() => docToProto({ a: { b: [new Date(0)] } } as unknown as Doc)).toThrow(/^a\.b\[0\]: unsupported value: a Date$/);
    expect(() => docToProto({ f: () => 1 } as unknown as Doc)).toThrow(/^f: unsupported value: function/);
    expect(() => docToProto({ a: markKind([1], 'dict') })).toThrow(/^a: an array cannot be marked 'dict'$/);
    expect(() => docsToProto([{ inners: markKind([{ x: 1 }, 5], 'doc_array') } as unknown as Doc], MODEL)).toThrow(/^docs\[0\]\.inners\[1\]: expected a document object/);
    const error = (() => {
      try {
        docToProto({ 'odd key': 2n ** 64n + 1n });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DocCodecError);
    expect((error as DocCodecError).path).toBe('["odd key"]');
  });
});

describe('docFromProto', () => {
  it('decodes every kind and marks containers', () => {
    const proto: DocProto = {
      data: {
        id: text('d1', 'id'),
        text: text('hello'),
        url: text('http://x/a.png', 'image_url'),
        n: int(-3),
        f: float(0.5),
        whole: float(2),
        flag: bool(false),
        none: {},
        blob: { content: { $case: 'blob', value: Buffer.from([0, 1]) } },
        embedding: f32([1, 2, 3, 4], [2, 2], 'ndarray_embedding'),
        inner: doc({ id: text('i', 'id'), label: text('x') }),
        inners: { content: { $case: 'docArray', value: { docs: [{ data: { label: text('y') } }] } } },
        tags: dict({ a: int(1), b: list('list', [float(1), text('z')]) }),
        st: list('set', [int(1)]),
        tu: list('tuple', [int(1), text('a')]),
      },
    };
    const d = docFromProto(proto);
    expect(d).toMatchObject({ id: 'd1', text: 'hello', url: 'http://x/a.png', n: -3, f: 0.5, whole: 2, flag: false, none: null });
    expect(Array.from(d.blob as Uint8Array)).toEqual([0, 1]);
    const embedding = d.embedding as NdArray;
    expect(embedding).toBeInstanceOf(NdArray);
    expect(embedding).toMatchObject({ shape: [2, 2], dtype: '<f4', typeTag: 'ndarray_embedding' });
    expect(Array.from(embedding.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(d.inner).toEqual({ id: 'i', label: 'x' });
    expect(d.tags).toEqual({ a: 1, b: [1, 'z'] });
    expect(kindOf(d)).toBe('doc');
    expect(kindOf(d.inner as object)).toBe('doc');
    expect(kindOf(d.inners as object)).toBe('doc_array');
    expect(kindOf((d.inners as Doc[])[0]!)).toBe('doc');
    expect(kindOf(d.tags as object)).toBe('dict');
    expect(kindOf(d.st as object)).toBe('set');
    expect(kindOf(d.tu as object)).toBe('tuple');
    expect(Object.keys(d)).toEqual(Object.keys(proto.data)); // marks are not enumerable
    expect(JSON.stringify(d.tags)).toBe('{"a":1,"b":[1,"z"]}');
  });

  it('re-encodes a decoded doc to the same bytes (kinds, tags, integral floats)', () => {
    const proto: DocProto = {
      data: {
        id: text('d1', 'id'),
        url: text('http://x/a.png', 'image_url'),
        img: { content: { $case: 'blob', value: Buffer.from('png') }, docarrayType: { $case: 'type', value: 'image_bytes' } },
        whole: float(2),
        nested: dict({ w: float(3), l: list('list', [float(0), int(0)]) }),
        embedding: f32([1, 2]),
        inner: doc({ id: text('i', 'id'), s: float(1) }),
        inners: { content: { $case: 'docArray', value: { docs: [{ data: { id: text('j', 'id') } }] } } },
        tu: list('tuple', []),
        none: {},
      },
    };
    const bytes = DocProto.encode(proto).finish();
    const again = DocProto.encode(docToProto(docFromProto(DocProto.decode(bytes)))).finish();
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
  });

  it('names the path of a bad tensor on decode', () => {
    const bad: NodeProto = { content: { $case: 'ndarray', value: { dense: { buffer: Buffer.alloc(5), shape: [2], dtype: '<f4' }, parameters: undefined } }, docarrayType: { $case: 'type', value: 'ndarray' } };
    expect(() => docsFromProto({ docs: [{ data: {} }, { data: { inner: doc({ vecs: list('list', [bad]) }) } }] })).toThrow(
      /^docs\[1\]\.inner\.vecs\[0\]: tensor buffer holds 5 bytes/,
    );
  });

  it('keeps a field named __proto__ as a field', () => {
    const d = docFromProto({ data: { ['__proto__']: text('x') } });
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.keys(d)).toEqual(['__proto__']);
    expect(docToProto(d).data).toHaveProperty(['__proto__']);
  });
});

describe('encodeDocList / decodeDocList', () => {
  it('round-trips a list of docs through bytes', () => {
    const docs: Doc[] = [
      { id: 'a', embedding: new NdArray(new Float32Array([1, 2, 3]), [3], '<f4'), score: 0.5 },
      { id: 'b', embedding: new NdArray(new Float32Array([4, 5, 6]), [3], '<f4'), score: 1 },
    ];
    const bytes = encodeDocList(docs, MODEL);
    expect(DocListProto.decode(bytes).docs).toHaveLength(2);
    const back = decodeDocList(bytes);
    expect(back.map((d) => d.id)).toEqual(['a', 'b']);
    expect(back[1]!.score).toBe(1);
    expect(Array.from((back[1]!.embedding as NdArray).data as Float32Array)).toEqual([4, 5, 6]);
    expect(decodeDocList(new Uint8Array(0))).toEqual([]);
  });

  it('adopts large tensor buffers it decoded itself and copies the rest', () => {
    const big = new Float32Array(4096).map((_, i) => i);
    const bytes = encodeDocList([{ big: new NdArray(big, [4096], '<f4'), small: new NdArray(new Float32Array([1]), [1], '<f4') }]);
    const [d] = decodeDocList(bytes);
    const adopted = (d!.big as NdArray).data;
    expect(adopted.byteOffset).toBe(0);
    expect(adopted.buffer.byteLength).toBe(4096 * 4);
    expect(Array.from(adopted as Float32Array).slice(4090)).toEqual([4090, 4091, 4092, 4093, 4094, 4095]);
    expect(((d!.small as NdArray).data as Float32Array)[0]).toBe(1);
  });

  it('rejects bytes that are not a DocListProto', () => {
    expect(() => decodeDocList(new Uint8Array([0x0a, 0x05, 0x01]))).toThrow(DocCodecError);
  });
});
