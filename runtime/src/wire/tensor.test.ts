import { Buffer } from 'node:buffer';
import { describe, it, expect } from 'vitest';
import { DocCodecError } from './codec-error.js';
import { NdArray } from './doc.js';
import {
  bigintToJson,
  dtypeOf,
  float16ToNumber,
  ndarrayFromDense,
  ndarrayFromNested,
  ndarrayToDense,
  ndarrayToNested,
  numberToFloat16,
  parseDtype,
  tensor,
  zeros,
} from './tensor.js';

type Float16Ctor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => { [i: number]: number; length: number };
const NativeFloat16Array = (globalThis as { Float16Array?: Float16Ctor }).Float16Array;

/** `bytes` placed at an odd offset inside a larger buffer, like a field inside a protobuf message. */
function unaligned(bytes: Uint8Array): Buffer {
  const backing = Buffer.alloc(bytes.length + 3);
  backing.set(bytes, 1);
  return backing.subarray(1, 1 + bytes.length);
}

const f32 = (values: number[]) => new Float32Array(values);

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

describe('parseDtype', () => {
  it('canonicalises numpy dtype strings and names', () => {
    expect(parseDtype('<f4').str).toBe('<f4');
    expect(parseDtype('float32').str).toBe('<f4');
    expect(parseDtype('=f8').str).toBe('<f8');
    expect(parseDtype('|u1').str).toBe('|u1');
    expect(parseDtype('<u1').str).toBe('|u1');
    expect(parseDtype('bool').str).toBe('|b1');
    expect(parseDtype('>i8')).toMatchObject({ str: '<i8', bigEndian: true, itemSize: 8, kind: 'i', array: BigInt64Array });
    expect(parseDtype('<f2').array).toBe(Uint16Array);
  });

  it('rejects what it cannot hold', () => {
    expect(() => parseDtype('<c8')).toThrow(/unsupported tensor dtype "<c8"/);
    expect(() => parseDtype('|f4')).toThrow(DocCodecError);
    expect(() => parseDtype('')).toThrow(/unsupported/);
    expect(() => parseDtype('<U10')).toThrow(/unsupported/);
  });

  it('maps typed arrays to dtypes', () => {
    expect(dtypeOf(new Float32Array(1))).toBe('<f4');
    expect(dtypeOf(new BigUint64Array(1))).toBe('<u8');
    expect(dtypeOf(new Uint8Array(1))).toBe('|u1');
    expect(tensor(new Int16Array([1, 2, 3, 4]), [2, 2])).toMatchObject({ shape: [2, 2], dtype: '<i2', typeTag: 'ndarray' });
    expect(() => tensor(new Int16Array(3), [2, 2])).toThrow(/holds 4 elements, but its data has 3/);
  });
});

describe('float16', () => {
  it('decodes every bit pattern exactly', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const native = NativeFloat16Array === undefined ? undefined : new NativeFloat16Array(bits.buffer);
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++) {
      const value = float16ToNumber(i);
      if (native !== undefined && !Object.is(value, native[i]) && !(Number.isNaN(value) && Number.isNaN(native[i]))) wrong.push(i);
      // and back: every non-NaN half round-trips to the same bits
      if (!Number.isNaN(value) && numberToFloat16(value) !== i) wrong.push(i);
    }
    expect(wrong).toEqual([]);
  });

  it('knows the landmarks', () => {
    expect(float16ToNumber(0x3c00)).toBe(1);
    expect(float16ToNumber(0x7bff)).toBe(65504);
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    expect(float16ToNumber(0xfc00)).toBe(-Infinity);
    expect(Object.is(float16ToNumber(0x8000), -0)).toBe(true);
    expect(numberToFloat16(0.1)).toBe(0x2e66);
    expect(numberToFloat16(65519)).toBe(0x7bff);
    expect(numberToFloat16(65520)).toBe(0x7c00); // halfway to 2^16 rounds up to inf
    expect(numberToFloat16(2 ** -25)).toBe(0); // halfway to the smallest subnormal: ties to even
    expect(numberToFloat16(3 * 2 ** -25)).toBe(2); // 1.5 ulp: ties to even (2)
    expect(numberToFloat16(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and next: even
    expect(numberToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(numberToFloat16(NaN)).toBe(0x7e00);
    expect(numberToFloat16(-0)).toBe(0x8000);
  });

  it('rounds like the engine does (random doubles)', () => {
    if (NativeFloat16Array === undefined) return;
    const out = new Uint16Array(1);
    const native = new NativeFloat16Array(out.buffer);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const wrong: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const value = (random() - 0.5) * 2 ** (Math.floor(random() * 40) - 28);
      native[0] = value;
      if (numberToFloat16(value) !== out[0]) wrong.push(value);
    }
    expect(wrong).toEqual([]);
  });
});

describe('ndarrayFromDense', () => {
  const cases: [string, ArrayBufferView & ArrayLike<number | bigint>][] = [
    ['<f4', new Float32Array([1.5, -2, 3.25, 1e-3, 7, 8])],
    ['<f8', new Float64Array([Math.PI, -0, 1e300, 5e-324, 2, 3])],
    ['|i1', new Int8Array([-128, 127, 0, 1, 2, 3])],
    ['<i2', new Int16Array([-32768, 32767, 0, 1, 2, 3])],
    ['<i4', new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 1, 2, 3])],
    ['<i8', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n, 2n, 3n])],
    ['|u1', new Uint8Array([0, 255, 1, 2, 3, 4])],
    ['<u2', new Uint16Array([0, 65535, 1, 2, 3, 4])],
    ['<u4', new Uint32Array([0, 2 ** 32 - 1, 1, 2, 3, 4])],
    ['<u8', new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n, 3n, 4n])],
    ['|b1', new Uint8Array([1, 0, 1, 1, 0, 0])],
    ['<f2', new Uint16Array([0x3c00, 0x7bff, 0x0001, 0xfc00, 0x8000, 0x2e66])],
  ];

  for (const [dtype, source] of cases) {
    it(`copies ${dtype} from an unaligned buffer into an aligned typed array`, () => {
      const array = ndarrayFromDense({ buffer: unaligned(bytesOf(source)), shape: [2, 3], dtype }, 'ndarray');
      expect(array.dtype).toBe(dtype);
      expect(array.shape).toEqual([2, 3]);
      expect(array.data.constructor).toBe(source.constructor);
      expect(array.data.byteOffset % (source as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT).toBe(0);
      expect(Array.from(array.data as ArrayLike<number | bigint>)).toEqual(Array.from(source));
      // and back: the same bytes
      const dense = ndarrayToDense(array);
      expect(Buffer.compare(dense.buffer, Buffer.from(bytesOf(source)))).toBe(0);
      expect(dense).toMatchObject({ shape: [2, 3], dtype });
    });
  }

  it('byte-swaps big-endian input once', () => {
    const buffer = Buffer.alloc(12);
    [1.5, -2, 1e-3].forEach((x, i) => buffer.writeFloatBE(x, i * 4));
    const array = ndarrayFromDense({ buffer, shape: [3], dtype: '>f4' });
    expect(array.dtype).toBe('<f4');
    expect(Array.from(array.data as Float32Array)).toEqual([1.5, -2, Math.fround(1e-3)]);
    expect(buffer.readFloatBE(0)).toBe(1.5); // the proto's bytes are left alone

    const big = Buffer.alloc(16);
    big.writeBigInt64BE(-5n, 0);
    big.writeBigInt64BE(2n ** 40n, 8);
    expect(Array.from(ndarrayFromDense({ buffer: big, shape: [2], dtype: '>i8' }).data as BigInt64Array)).toEqual([-5n, 2n ** 40n]);
  });

  it('reads an empty buffer with a shape as zeros, as docarray does', () => {
    const array = ndarrayFromDense({ buffer: Buffer.alloc(0), shape: [2, 3], dtype: '<f4' });
    expect(array.data).toEqual(new Float32Array(6));
    expect(array.shape).toEqual([2, 3]);
    expect(ndarrayFromDense({ buffer: Buffer.alloc(0), shape: [0, 128], dtype: '<f4' }).data.length).toBe(0);
    expect(ndarrayFromDense({ buffer: Buffer.alloc(0), shape: [4], dtype: '' }).dtype).toBe('<f8');
    expect(() => ndarrayFromDense({ buffer: Buffer.alloc(0), shape: [], dtype: '<f4' })).toThrow(/neither data nor shape/);
  });

  it('rejects a buffer that does not match shape and dtype', () => {
    expect(() => ndarrayFromDense({ buffer: Buffer.alloc(10), shape: [3], dtype: '<f4' })).toThrow(
      /tensor buffer holds 10 bytes, but shape \[3\] of <f4 needs 12/,
    );
    expect(() => ndarrayFromDense({ buffer: Buffer.alloc(4), shape: [1], dtype: '<U1' })).toThrow(/unsupported tensor dtype/);
  });

  it('copies by default and adopts a private, whole, aligned buffer when allowed', () => {
    const owned = Buffer.from(new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer));
    const own = new Uint8Array(new ArrayBuffer(16));
    own.set(owned);
    const whole = Buffer.from(own.buffer);
    const copied = ndarrayFromDense({ buffer: whole, shape: [4], dtype: '<f4' });
    expect(copied.data.buffer).not.toBe(whole.buffer);
    const adopted = ndarrayFromDense({ buffer: whole, shape: [4], dtype: '<f4' }, 'ndarray', { copy: false });
    expect(adopted.data.buffer).toBe(whole.buffer);
    // a slice of a larger buffer is copied even when allowed
    const slice = unaligned(own);
    expect(ndarrayFromDense({ buffer: slice, shape: [4], dtype: '<f4' }, 'ndarray', { copy: false }).data.buffer).not.toBe(slice.buffer);
  });

  it('keeps the type tag', () => {
    expect(ndarrayFromDense({ buffer: Buffer.alloc(4), shape: [1], dtype: '<f4' }, 'image_ndarray').typeTag).toBe('image_ndarray');
  });
});

describe('ndarrayToDense', () => {
  it('writes little-endian C-order bytes without copying the data', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const dense = ndarrayToDense(new NdArray(data, [2, 3], '<f4'));
    expect(dense.buffer.buffer).toBe(data.buffer);
    expect(dense.buffer.readFloatLE(4)).toBe(2);
    expect(dense.shape).toEqual([2, 3]);
  });

  it('refuses data that does not fit dtype or shape', () => {
    expect(() => ndarrayToDense(new NdArray(new Float64Array(2), [2], '<f4'))).toThrow(/<f4 needs a Float32Array, got a Float64Array/);
    expect(() => ndarrayToDense(new NdArray(new Float32Array(5), [2, 3], '<f4'))).toThrow(/holds 6 elements, but its data has 5/);
    expect(() => ndarrayToDense(new NdArray(new Float32Array(1), [-1], '<f4'))).toThrow(/invalid tensor shape/);
  });

  it('makes zeros', () => {
    expect(zeros([2, 2], '<i4').data).toEqual(new Int32Array(4));
  });
});

describe('nested lists ⇄ NdArray', () => {
  it('infers the shape and defaults to float32', () => {
    const array = ndarrayFromNested([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(array.shape).toEqual([2, 3]);
    expect(array.dtype).toBe('<f4');
    expect(Array.from(array.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ndarrayFromNested([]).shape).toEqual([0]);
    expect(ndarrayFromNested([[], []]).shape).toEqual([2, 0]);
    expect(ndarrayFromNested(3.5)).toMatchObject({ shape: [], dtype: '<f4' });
    expect(ndarrayFromNested([true, false]).dtype).toBe('|b1');
    expect(ndarrayFromNested([1, 2], { dtype: '<f8' }).data).toBeInstanceOf(Float64Array);
  });

  it('names the element of ragged or non-numeric lists', () => {
    expect(() => ndarrayFromNested([[1, 2], [3]])).toThrow(/^\[1\]: ragged nested list: expected 2 elements, got 1$/);
    expect(() => ndarrayFromNested([[1, 2], 3])).toThrow(/^\[1\]: ragged nested list: expected a list of 2, got number 3$/);
    expect(() => ndarrayFromNested([[[1], [2]], [[3], ['x']]])).toThrow(/^\[1\]\[1\]\[0\]: expected a number for a <f4 tensor, got the string "x"$/);
    expect(() => ndarrayFromNested([1, [2]])).toThrow(/^\[1\]: expected a number/);
    expect(() => ndarrayFromNested({})).toThrow(/expected a number for a <f4 tensor, got an object/);
  });

  it('checks integer dtypes', () => {
    expect(Array.from(ndarrayFromNested([-1, 2], { dtype: '<i8' }).data as BigInt64Array)).toEqual([-1n, 2n]);
    expect(Array.from(ndarrayFromNested([2n ** 63n - 1n], { dtype: '<i8' }).data as BigInt64Array)).toEqual([2n ** 63n - 1n]);
    expect(() => ndarrayFromNested([300], { dtype: '|u1' })).toThrow(/^\[0\]: expected an integer in \[0, 255\] for a \|u1 tensor, got number 300$/);
    expect(() => ndarrayFromNested([1.5], { dtype: '<i4' })).toThrow(/expected an integer/);
    expect(() => ndarrayFromNested([-1], { dtype: '<u8' })).toThrow(/expected an integer in \[0, 18446744073709551615\]/);
  });

  it('reads null as NaN in float tensors (orjson writes NaN as null)', () => {
    expect(Number.isNaN((ndarrayFromNested([1, null]).data as Float32Array)[1])).toBe(true);
    expect(() => ndarrayFromNested([1, null], { dtype: '<i4' })).toThrow(/got null/);
  });

  it('writes nested lists the way orjson prints numpy arrays', () => {
    const array = new NdArray(new Float32Array([0.1, 0.5, NaN, Infinity, -Infinity, 1 / 3]), [2, 3], '<f4');
    expect(ndarrayToNested(array)).toEqual([
      [0.1, 0.5, null],
      [null, null, 0.33333334],
    ]);
    expect(JSON.stringify(ndarrayToNested(array, { float32: 'exact' }))).toBe(
      '[[0.10000000149011612,0.5,null],[null,null,0.3333333432674408]]',
    );
    // ties go to even, as orjson (Ryu) prints them: values from orjson 3.13 on numpy float32
    const ties = f32([-1253138.25, 1253138.25, -8136.84375, 2809107.75, 123456789, 1e-40, 3.4e38, 16777216, 1e10, 0.5]);
    expect(JSON.stringify(ndarrayToNested(new NdArray(ties, [ties.length], '<f4')))).toBe(
      '[-1253138.2,1253138.2,-8136.8438,2809107.8,123456790,1e-40,3.4e+38,16777216,10000000000,0.5]',
    );
    // the shortest form still reads back as the same float32
    const random = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 10 ** ((i % 20) - 10));
    const nested = ndarrayToNested(new NdArray(random, [random.length], '<f4')) as number[];
    expect(Float32Array.from(nested)).toEqual(random);
    expect(ndarrayToNested(new NdArray(new Float64Array([0.1, NaN]), [2], '<f8'))).toEqual([0.1, null]);
    expect(ndarrayToNested(new NdArray(new Uint8Array([1, 0]), [2], '|b1'))).toEqual([true, false]);
    expect(ndarrayToNested(new NdArray(new Uint16Array([0x3c00, 0x2e66]), [2], '<f2'))).toEqual([1, 0.099975586]);
    expect(ndarrayToNested(new NdArray(new Int32Array([7]), [], '<i4'))).toBe(7);
    expect(ndarrayToNested(new NdArray(new Float32Array(0), [0, 3], '<f4'))).toEqual([]);
    expect(ndarrayToNested(new NdArray(new Float32Array(0), [2, 0], '<f4'))).toEqual([[], []]);
    expect(JSON.stringify(ndarrayToNested(new NdArray(new BigInt64Array([5n, 2n ** 62n + 1n]), [2], '<i8')))).toBe(
      '[5,4611686018427387905]',
    );
  });

  it('round-trips every dtype through JSON-shaped lists', () => {
    const array = new NdArray(new Int16Array([1, -2, 3, -4, 5, -6]), [3, 1, 2], '<i2');
    const back = ndarrayFromNested(ndarrayToNested(array), { dtype: '<i2' });
    expect(back.shape).toEqual([3, 1, 2]);
    expect(back.data).toEqual(array.data);
    const halves = ndarrayFromNested([1, 0.1, 65504, -0], { dtype: '<f2' });
    expect(Array.from(halves.data as Uint16Array)).toEqual([0x3c00, 0x2e66, 0x7bff, 0x8000]);
  });

  it('prints big integers exactly', () => {
    expect(bigintToJson(12n)).toBe(12);
    expect(JSON.stringify({ x: bigintToJson(2n ** 64n - 1n) })).toBe('{"x":18446744073709551615}');
  });
});
