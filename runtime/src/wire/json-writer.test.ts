import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns, fuzzSeed } from '../../../test/support/hostile-names.js';
import { NdArray, type Doc } from './doc.js';
import { docsToJson, docToJson, writeDocJson, writeDocListJson, type MissingField } from './doc-json.js';
import { JsonWriter } from './json-writer.js';
import { shortestFloat32 } from './shortest-float32.js';
import { ndarrayToNested, writeNdarrayJson } from './tensor.js';

const text = (write: (writer: JsonWriter) => void, capacity?: number): string => {
  const writer = new JsonWriter(capacity);
  write(writer);
  return writer.bytes().toString('utf8');
};

/** Any float32, NaN, infinities, subnormals and -0 included, from its bits. */
const float32 = fc.integer({ min: 0, max: 0xffffffff }).map((bits) => new Float32Array(new Uint32Array([bits]).buffer)[0]!);

describe('JsonWriter.float32', () => {
  it('prints what JSON.stringify prints for the shortest float32 decimal, and it reads back', () => {
    fc.assert(
      fc.property(float32, (x) => {
        const written = text((w) => w.float32(x));
        expect(written).toBe(JSON.stringify(Number.isFinite(x) ? shortestFloat32(x) : null));
        if (Number.isFinite(x)) expect(Math.fround(Number(written))).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: fuzzRuns(20000), seed: fuzzSeed() },
    );
  });

  it('covers each of Number.prototype.toString notations', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [-0.1, '-0.1'],
      [-0, '0'],
      [3, '3'],
      [16777216, '16777216'],
      [16777218, '16777218'],
      [123456790000, '123456790000'],
      [8136.8438, '8136.8438'],
      [1.5, '1.5'],
      [0.000001, '0.000001'],
      [0.0000015, '0.0000015'],
      [1e-7, '1e-7'],
      [1.5e-7, '1.5e-7'],
      [-2.5e-10, '-2.5e-10'],
      [1e-13, '1e-13'],
      [3.4028234663852886e38, '3.4028235e+38'],
      [1.401298464324817e-45, '1e-45'],
      [Number.NaN, 'null'],
      [Number.NEGATIVE_INFINITY, 'null'],
    ];
    for (const [value, expected] of cases) {
      const x = Math.fround(value);
      expect(text((w) => w.float32(x)), String(value)).toBe(expected);
      expect(text((w) => w.float32(x)), String(value)).toBe(JSON.stringify(Number.isFinite(x) ? shortestFloat32(x) : null));
    }
  });
});

const dtypes = ['<f4', '<f2', '<f8', '<i4', '<i8', '|u1', '|b1', '<u8'] as const;

function tensorOf(dtype: (typeof dtypes)[number], shape: number[], seed: number[]): NdArray {
  const count = shape.reduce((a, b) => a * b, 1);
  const at = (i: number) => seed[i % Math.max(1, seed.length)] ?? 0;
  const int = (i: number) => (Number.isFinite(at(i)) ? Math.trunc(at(i) % 1e6) : 7);
  switch (dtype) {
    case '<f4':
      return new NdArray(Float32Array.from({ length: count }, (_, i) => at(i)), shape, dtype);
    case '<f2':
      return new NdArray(Uint16Array.from({ length: count }, (_, i) => Math.abs(int(i) * 1000) & 0xffff), shape, dtype);
    case '<f8':
      return new NdArray(Float64Array.from({ length: count }, (_, i) => at(i) / 3), shape, dtype);
    case '<i4':
      return new NdArray(Int32Array.from({ length: count }, (_, i) => (int(i) * 1000) | 0), shape, dtype);
    case '<i8':
      return new NdArray(BigInt64Array.from({ length: count }, (_, i) => BigInt(int(i)) * 2n ** 40n), shape, dtype);
    case '<u8':
      return new NdArray(BigUint64Array.from({ length: count }, (_, i) => BigInt(Math.abs(int(i))) * 2n ** 50n), shape, dtype);
    case '|u1':
      return new NdArray(Uint8Array.from({ length: count }, (_, i) => Math.abs(int(i)) & 0xff), shape, dtype);
    case '|b1':
      return new NdArray(Uint8Array.from({ length: count }, (_, i) => (at(i) > 0 ? 1 : 0)), shape, dtype);
  }
}

const finiteish = fc.oneof(fc.float({ noDefaultInfinity: false }), fc.double(), fc.constantFrom(0, -0, 1e-7, 1e21, Number.NaN));
const tensor = fc
  .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), seed: fc.array(finiteish, { maxLength: 8 }) })
  .map(({ dtype, shape, seed }) => tensorOf(dtype, shape, seed));

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'é"\\\n', '0', '10', 'toJSON'));
const leaf = fc.oneof(
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(String.fromCharCode(...bytes.map((b) => 0x61 + (b % 26))))),
  tensor,
);
const { doc } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), tie('doc')),
  doc: fc.dictionary(key, tie('value'), { maxKeys: 5 }).map((entries) => {
    const out: Doc = {};
    for (const [name, value] of Object.entries(entries)) Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    return out;
  }),
}));

describe('writeDocJson', () => {
  it('writes exactly JSON.stringify(docToJson(doc)), also when its buffer has to grow', () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 1, max: 256 }), (value, capacity) => {
        const expected = JSON.stringify(docToJson(value as Doc));
        expect(text((w) => writeDocJson(w, value as Doc), capacity)).toBe(expected);
      }),
      { numRuns: fuzzRuns(500), seed: fuzzSeed() },
    );
  });

  it('writes a tensor exactly as JSON.stringify(ndarrayToNested(tensor)), in both float32 modes', () => {
    fc.assert(
      fc.property(tensor, fc.constantFrom('shortest' as const, 'exact' as const), (array, mode) => {
        expect(text((w) => writeNdarrayJson(w, array, { float32: mode }))).toBe(JSON.stringify(ndarrayToNested(array, { float32: mode })));
      }),
      { numRuns: fuzzRuns(500), seed: fuzzSeed() },
    );
  });

  it("appends the model's fields a doc lacks, with their defaults, after its own", () => {
    const missing: MissingField[] = [
      ['text', null],
      ['tags', { a: [1, 'x'] }],
      ['id', 'never'],
    ];
    const written = text((w) => writeDocJson(w, { id: 'd0', embedding: new NdArray(new Float32Array([0.1, 2]), [2], '<f4') }, {}, missing));
    expect(written).toBe('{"id":"d0","embedding":[0.1,2],"text":null,"tags":{"a":[1,"x"]}}');
  });

  it("fails as docToJson does, naming the field's path", () => {
    const bad = { id: 'd', chunks: [{ blob: new Uint8Array([0xff]) }] } as unknown as Doc;
    expect(() => text((w) => writeDocJson(w, bad))).toThrow(/chunks\[0\]\.blob: bytes are not valid UTF-8/);
    expect(() => docToJson(bad)).toThrow(/chunks\[0\]\.blob: bytes are not valid UTF-8/);
    const list = [{ id: 'a' }, bad];
    expect(() => text((w) => writeDocListJson(w, list))).toThrow(/^\[1\]\.chunks\[0\]\.blob: bytes are not valid UTF-8/);
    expect(() => docsToJson(list)).toThrow(/^\[1\]\.chunks\[0\]\.blob: bytes are not valid UTF-8/);
    expect(text((w) => writeDocListJson(w, [{ id: 'a' }, { id: 'b', x: [1.5] }]))).toBe(JSON.stringify(docsToJson([{ id: 'a' }, { id: 'b', x: [1.5] }])));
  });
});
