/**
 * The document codec against real docarray (0.40, pydantic 2, from .venv): bytes docarray writes
 * decode in TypeScript to exactly what docarray holds, and bytes the codec writes are accepted by
 * `DocList[Model].from_protobuf` and give back the same values. test/python/codec_peer.py is the
 * Python side; it runs twice (encode, decode) with every case batched.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { kindOf, markKind, NdArray, type Doc, type DocValue } from '../runtime/src/wire/doc.js';
import { decodeDocList, encodeDocList } from '../runtime/src/wire/doc-codec.js';
import { docFromJson, docToJson } from '../runtime/src/wire/doc-json.js';
import type { JsonSchema } from '../runtime/src/wire/doc-schema.js';
import { float16ToNumber } from '../runtime/src/wire/tensor.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = join(process.env.JINA_VENV ?? join(ROOT, '.venv'), 'bin', 'python');
const PEER = join(ROOT, 'test', 'python', 'codec_peer.py');

/** docarray's view of a value, as codec_peer.py's `describe` writes it. */
type Described = unknown;

interface EncodedCase {
  model: string;
  b64: string;
  docs: Described[];
  /** orjson's HTTP form of each doc (null where docarray cannot write one, e.g. non-UTF-8 bytes). */
  json: (string | null)[];
}

interface Encoded {
  schemas: Record<string, JsonSchema>;
  cases: Record<string, EncodedCase>;
}

type Decoded = Record<string, { ok: true; docs: Described[] } | { ok: false; error: string }>;

function runPeer(mode: 'encode' | 'decode', input?: unknown): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [PEER, mode], {
      env: { ...process.env, JINA_OPTOUT_TELEMETRY: '1', JINA_CHECK_VERSION: 'False', PYTHONWARNINGS: 'ignore' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`codec_peer.py ${mode} exited ${code}: ${Buffer.concat(err).toString().slice(-3000)}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(Buffer.concat(out).toString()));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(input === undefined ? '' : JSON.stringify(input));
  });
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/**
 * Python's description with the types TypeScript cannot see removed (int vs float, str
 * subclasses, the tensor's Python class): what a decoded TS value must look like.
 */
function untyped(value: Described): unknown {
  if (!Array.isArray(value)) return value;
  const [tag, ...rest] = value as [string, ...unknown[]];
  switch (tag) {
    case 'doc':
    case 'dict':
      return { [`$${tag}`]: mapValues(rest[0] as Record<string, Described>, untyped) };
    case 'doc_array':
    case 'list':
    case 'tuple':
      return { [`$${tag}`]: (rest[0] as Described[]).map(untyped) };
    case 'set':
      return { $set: sortValues((rest[0] as Described[]).map(untyped)) };
    case 'tensor':
      return { $tensor: rest.slice(0, 3) };
    case 'bytes':
      return { $bytes: rest[0] };
    case 'float':
      return typeof rest[0] === 'string' ? Number(rest[0] === 'nan' ? NaN : rest[0]) : rest[0];
    default:
      return rest[0]; // int, or a str subclass (ID, ImageUrl)
  }
}

/** A decoded TypeScript value in the same shape as `untyped`, kinds from the codec's marks. */
function view(value: DocValue): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof NdArray) return { $tensor: [value.dtype, [...value.shape], b64(new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength))] };
  if (value instanceof Uint8Array) return { $bytes: b64(value) };
  const kind = kindOf(value);
  if (Array.isArray(value)) {
    const items = value.map(view);
    return { [`$${kind ?? 'unmarked'}`]: kind === 'set' ? sortValues(items) : items };
  }
  return { [`$${kind ?? 'unmarked'}`]: mapValues(value as Record<string, DocValue>, view) };
}

function mapValues<T, U>(object: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, fn(value)]));
}

function sortValues(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : JSON.stringify(a).localeCompare(JSON.stringify(b))));
}

/** The description docarray gives after a TS round trip of a big-endian tensor: TS keeps data little-endian. */
function littleEndian(value: Described): Described {
  if (!Array.isArray(value)) return value;
  if (value[0] === 'tensor' && typeof value[1] === 'string' && value[1].startsWith('>')) {
    const size = Number(value[1].slice(2));
    const bytes = Buffer.from(value[3] as string, 'base64');
    for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
    return ['tensor', `<${value[1].slice(1)}`, value[2], bytes.toString('base64'), value[4]];
  }
  return value.map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? mapValues(item as Record<string, Described>, littleEndian) : littleEndian(item)));
}

// ---- the docs codec_peer.py builds, written by hand in plain JS (no marks) --------------------

const f32 = (values: number[]) => new Float32Array(values);

function plainPeerDocs(tensorsAsLists: boolean): Doc[] {
  const docs: Doc[] = [];
  for (let i = 0; i < 3; i++) {
    const emb32 = Array.from({ length: 128 }, (_, k) => Math.fround((k + i) / 7));
    const emb64 = Float64Array.from({ length: 128 }, (_, k) => k / 3 + i);
    docs.push({
      id: `p${i}`,
      text: i !== 1 ? `hello ${i} wörld` : null,
      url: i !== 2 ? `https://example.com/${i}.png` : null,
      emb32: tensorsAsLists ? emb32 : new NdArray(f32(emb32), [128], '<f4'),
      emb64: i !== 1 ? new NdArray(emb64, [128], '<f8') : null,
      half: new NdArray(new Uint16Array([0x2e66, 0x7bff, 0xc000, 0x0001, [0, 0x3c00, 0x4000][i]!]), [5], '<f2'),
      ints: new NdArray(new BigInt64Array([-(2n ** 62n), 2n ** 40n, BigInt(i), -1n]), [2, 2], '<i8'),
      mask: new NdArray(new Uint8Array([1, 0, i === 0 ? 1 : 0]), [3], '|b1'),
      other: i === 0 ? new NdArray(f32([0.5, 1.5, 2.5, 3.5]), [4], '<f4') : i === 1 ? new NdArray(new Uint8Array([0, 1, 2, 3, 4, 5]), [2, 3], '|u1') : null,
      count: 2 ** 31 - 1 - i,
      ratio: 0.5 + i,
      flag: i % 2 === 0,
      blob: new Uint8Array([0, 1, 2, 255, i]),
      inner: i !== 1 ? { id: `in${i}`, label: 'inner', weight: 2, vec: tensorsAsLists ? [1.5, -1] : new NdArray(f32([1.5, -1]), [2], '<f4') } : null,
      inners: Array.from({ length: i + 1 }, (_, j) => ({ id: `c${i}${j}`, label: `c${j}`, weight: j + 0.25, vec: null })),
      tags: { a: 1, b: 2.5, c: 'x', d: [1, 'y', 3], e: { f: null, g: true }, h: 2 },
      names: ['a', 'b'],
      numbers: [1, 2.5],
      uniq: [3, 1],
      pair: [7, 'seven'],
      missing: null,
    });
  }
  return docs;
}

/**
 * What docarray holds after decoding plainPeerDocs: the original docs, except that a plain JS
 * number cannot say it was the float 2.0/3.0 inside a Dict[str, Any] (it travels as an int), and
 * the big-endian tensor was written little-endian by hand.
 */
function expectedFromPlain(original: Described[]): Described[] {
  return (littleEndian(original) as Described[]).map((doc) => {
    const fields = structuredClone((doc as [string, Record<string, Described>])[1]);
    const tags = (fields.tags as [string, Record<string, Described>])[1];
    tags.h = ['int', 2];
    ((tags.d as [string, Described[]])[1] as Described[])[2] = ['int', 3];
    return ['doc', fields];
  });
}

/**
 * What docarray holds after the JSON path (docarray → orjson → docFromJson → proto → docarray):
 * JSON has no dtypes, so every tensor read from JSON is float32 (the codec's default; jina's own
 * HTTP gateway would make float64/int64), and NaN was written as null, so it comes back as None.
 */
function expectedFromJson(value: Described): Described {
  if (!Array.isArray(value)) return value;
  if (value[0] === 'tensor' && value[1] !== '<f4' && value[1] !== '|b1') {
    const bytes = Buffer.from(value[3] as string, 'base64');
    const numbers =
      value[1] === '<f2'
        ? Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), float16ToNumber)
        : value[1] === '<i8'
          ? Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), Number)
          : Array.from(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
    return ['tensor', '<f4', value[2], b64(new Uint8Array(new Float32Array(numbers).buffer)), value[4]];
  }
  if (value[0] === 'float' && value[1] === 'nan') return null;
  return value.map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? mapValues(item as Record<string, Described>, expectedFromJson) : expectedFromJson(item)));
}

describe('document codec ⇄ real docarray', () => {
  let encoded: Encoded;
  let decoded: Decoded;
  /** TS-side results per case (decoded docs), or the error TS hit. */
  const tsDecoded: Record<string, Doc[] | Error> = {};
  const expectations: Record<string, Described[]> = {};
  const expectFailure: Record<string, RegExp> = {};

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`no Python at ${PYTHON}: run make venv`);
    encoded = (await runPeer('encode')) as Encoded;
    const requests: { name: string; model: string; b64: string }[] = [];
    const add = (name: string, model: string, build: () => Uint8Array, expected: Described[]) => {
      try {
        requests.push({ name, model, b64: b64(build()) });
        expectations[name] = expected;
      } catch (error) {
        tsDecoded[`encode:${name}`] = error as Error;
      }
    };

    for (const [name, source] of Object.entries(encoded.cases)) {
      try {
        tsDecoded[name] = decodeDocList(fromB64(source.b64));
      } catch (error) {
        tsDecoded[name] = error as Error;
        continue;
      }
      const docs = tsDecoded[name] as Doc[];
      const schema = encoded.schemas[source.model]!;
      const expected = littleEndian(source.docs) as Described[];
      // decoded docs re-encode by their marks and wire hints, with or without the schema
      add(`roundtrip:${name}`, source.model, () => encodeDocList(docs), expected);
      add(`roundtrip+schema:${name}`, source.model, () => encodeDocList(docs, schema), expected);
    }

    const peerSchema = encoded.schemas.Peer!;
    const peerExpected = expectedFromPlain(encoded.cases.peer!.docs);
    add('plain+schema:peer', 'Peer', () => encodeDocList(plainPeerDocs(true), peerSchema), peerExpected);
    add('plain:peer', 'Peer', () => encodeDocList(plainPeerDocs(false)), peerExpected);

    // ints beyond int32: docarray itself cannot send them ("Value out of range"), we send a double
    const bigDocs = plainPeerDocs(false).slice(0, 2);
    bigDocs[0]!.count = 2 ** 40;
    bigDocs[1]!.count = 2n ** 53n;
    bigDocs[1]!.tags = { big: 2 ** 40, neg: -(2 ** 33), huge: 2n ** 60n };
    add('int64:peer', 'Peer', () => encodeDocList(bigDocs, peerSchema), []);

    // a plain-JS LegacyDocument: chunks as plain arrays of plain objects
    const legacy: Doc = { id: 'l0', text: 'root', chunks: [{ id: 'c0', text: 'chunk', tags: { k: 'v' } }], tags: { k: 'v', n: 1 }, embedding: [0, 0], scores: { s: { value: 0.5 } } };
    add('plain+schema:legacy', 'LegacyDocumentJina', () => encodeDocList([legacy], encoded.schemas.LegacyDocumentJina), []);

    // the HTTP path: docarray's JSON → docFromJson(schema) → proto → docarray
    for (const name of ['text', 'json', 'legacy']) {
      const source = encoded.cases[name]!;
      const schema = encoded.schemas[source.model]!;
      add(
        `json:${name}`,
        source.model,
        () => encodeDocList(source.json.map((text) => docFromJson(JSON.parse(text!), schema)), schema),
        source.docs.map(expectedFromJson),
      );
    }

    // a nested doc inside a Dict[str, Any] must not travel as `doc` (docarray cannot decode it)
    const wrong = decodeDocList(fromB64(encoded.cases.legacy!.b64));
    const tags = wrong[0]!.tags as Doc;
    tags.inner = markKind({ a: 1 }, 'doc');
    add('marked-doc-in-dict:legacy', 'LegacyDocumentJina', () => encodeDocList(wrong), []);
    expectFailure['marked-doc-in-dict:legacy'] = /is not supported for proto deserialization/;

    decoded = (await runPeer('decode', requests)) as Decoded;
  });

  describe('docarray → TypeScript', () => {
    for (const name of ['peer', 'text', 'legacy', 'json']) {
      it(`decodes docarray's ${name} docs to exactly what docarray holds`, () => {
        const docs = tsDecoded[name];
        if (docs instanceof Error) throw docs;
        // TS keeps tensor data in host (little-endian) order: a '>f4' tensor decodes as '<f4'
        expect(docs!.map(view)).toEqual(encoded.cases[name]!.docs.map((doc) => untyped(littleEndian(doc))));
      });
    }

    it('decodes values, dtypes, shapes, ids and None exactly (spot checks)', () => {
      const [p0, p1, p2] = tsDecoded.peer as Doc[];
      expect(p0!.id).toBe('p0');
      expect(p1!.text).toBeNull();
      expect(p2!.url).toBeNull();
      expect(p0!.url).toBe('https://example.com/0.png');
      const emb32 = p2!.emb32 as NdArray;
      expect(emb32).toMatchObject({ dtype: '<f4', shape: [128], typeTag: 'ndarray' });
      expect(emb32.data).toEqual(Float32Array.from({ length: 128 }, (_, k) => Math.fround((k + 2) / 7)));
      expect((p0!.emb64 as NdArray).data).toEqual(Float64Array.from({ length: 128 }, (_, k) => k / 3));
      expect(p1!.emb64).toBeNull();
      expect(p0!.half).toMatchObject({ dtype: '<f2', shape: [5], data: new Uint16Array([0x2e66, 0x7bff, 0xc000, 0x0001, 0]) });
      expect((p0!.ints as NdArray).data).toEqual(new BigInt64Array([-(2n ** 62n), 2n ** 40n, 0n, -1n]));
      expect(p0!.mask).toMatchObject({ dtype: '|b1', data: new Uint8Array([1, 0, 1]) });
      expect(p0!.other).toMatchObject({ dtype: '<f4', shape: [4], data: f32([0.5, 1.5, 2.5, 3.5]) }); // was '>f4' on the wire
      expect(p1!.other).toMatchObject({ dtype: '|u1', shape: [2, 3] });
      expect(p1!.count).toBe(2 ** 31 - 2);
      expect(Array.from(p0!.blob as Uint8Array)).toEqual([0, 1, 2, 255, 0]);
      expect(p0!.inner).toMatchObject({ id: 'in0', label: 'inner', weight: 2 });
      expect(kindOf(p0!.inner as object)).toBe('doc');
      expect(p1!.inner).toBeNull();
      expect(kindOf(p2!.inners as object)).toBe('doc_array');
      expect((p2!.inners as Doc[]).map((d) => d.id)).toEqual(['c20', 'c21', 'c22']);
      expect(p0!.tags).toEqual({ a: 1, b: 2.5, c: 'x', d: [1, 'y', 3], e: { f: null, g: true }, h: 2 });
      expect(kindOf(p0!.tags as object)).toBe('dict');
      expect(kindOf(p0!.uniq as object)).toBe('set');
      expect(kindOf(p0!.pair as object)).toBe('tuple');
      expect(p0!.missing).toBeNull();
      const [t0] = tsDecoded.text as Doc[];
      expect(t0!.embedding).toMatchObject({ typeTag: 'ndarray_embedding', dtype: '<f4', shape: [3] });
      const [l0] = tsDecoded.legacy as Doc[];
      expect(((l0!.chunks as Doc[])[0] as Doc).text).toBe('chunk');
    });

    it("writes docarray's docs as JSON the way jina's HTTP gateway (orjson) does", () => {
      for (const name of ['text', 'json', 'legacy']) {
        const docs = tsDecoded[name] as Doc[];
        docs.forEach((doc, i) => {
          const ours = JSON.stringify(docToJson(doc));
          expect(JSON.parse(ours)).toEqual(JSON.parse(encoded.cases[name]!.json[i]!));
        });
      }
      // exact big integers (orjson prints int64 exactly; JSON.parse above cannot tell)
      expect(JSON.stringify(docToJson((tsDecoded.json as Doc[])[0]!))).toContain('"ints":[-4611686018427387905,5]');
      // non-UTF-8 bytes: docarray cannot write JSON for these docs, neither do we
      expect(encoded.cases.peer!.json[0]).toBeNull();
      expect(() => docToJson((tsDecoded.peer as Doc[])[0]!)).toThrow(/^blob: bytes are not valid UTF-8/);
    });
  });

  describe('TypeScript → docarray', () => {
    it('encoded every case', () => {
      expect(Object.entries(tsDecoded).filter(([, value]) => value instanceof Error)).toEqual([]);
    });

    for (const name of [
      'roundtrip:peer',
      'roundtrip+schema:peer',
      'roundtrip:text',
      'roundtrip+schema:text',
      'roundtrip:legacy',
      'roundtrip+schema:legacy',
      'roundtrip:json',
      'roundtrip+schema:json',
      'plain+schema:peer',
      'plain:peer',
      'json:text',
      'json:json',
      'json:legacy',
    ]) {
      it(`docarray accepts ${name} and holds the same values`, () => {
        const result = decoded[name];
        expect(result).toBeDefined();
        if (!result!.ok) throw new Error(result!.error);
        expect(result!.docs).toEqual(expectations[name]);
      });
    }

    it('re-encodes docarray bytes byte for byte (when docarray wrote no big-endian tensor)', () => {
      for (const name of ['text', 'legacy', 'json']) {
        const bytes = fromB64(encoded.cases[name]!.b64);
        expect(b64(encodeDocList(decodeDocList(bytes)))).toBe(b64(bytes));
      }
    });

    it('sends ints beyond int32 as doubles, which pydantic turns back into the same ints', () => {
      const result = decoded['int64:peer']!;
      if (!result.ok) throw new Error(result.error);
      const [d0, d1] = result.docs as [string, Record<string, Described>][];
      expect(d0![1].count).toEqual(['int', 2 ** 40]);
      expect(d1![1].count).toEqual(['int', 2 ** 53]);
      // in a Dict[str, Any] there is no int to turn back into: docarray holds a float
      expect(d1![1].tags).toEqual(['dict', { big: ['float', 2 ** 40], neg: ['float', -(2 ** 33)], huge: ['float', 2 ** 60] }]);
    });

    it('builds a LegacyDocument from plain JS (chunks → DocList, number list → tensor)', () => {
      const result = decoded['plain+schema:legacy']!;
      if (!result.ok) throw new Error(result.error);
      const [, fields] = result.docs[0] as [string, Record<string, Described>];
      expect(fields.embedding).toEqual(['tensor', '<f4', [2], 'AAAAAAAAAAA=', 'NdArrayEmbedding']);
      expect((fields.chunks as [string, Described[]])[0]).toBe('doc_array');
      expect(fields.scores).toEqual(['dict', { s: ['dict', { value: ['float', 0.5] }] }]);
    });

    it("shows why unmarked objects default to dict: docarray rejects a nested 'doc' where it expects a dict", () => {
      const result = decoded['marked-doc-in-dict:legacy']!;
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(expectFailure['marked-doc-in-dict:legacy']!);
    });
  });
});
