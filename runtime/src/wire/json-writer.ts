/**
 * JSON text written straight into bytes, for response bodies that are mostly numbers.
 *
 * An embedding answer is float arrays: 32 docs × 512 float32 is 16k numbers. Through
 * JSON.stringify each element is a double V8 prints in its shortest form (its own Grisu run per
 * number) after we have already found the float32's shortest decimal, then the text is encoded
 * to UTF-8 a second time on the socket. Here the decimal's digits are printed as they are found,
 * into a Buffer that goes to the socket as it is. Everything else (keys, strings, parameters) is
 * JSON.stringify's text, so the output is byte for byte what JSON.stringify writes
 * (json-writer.test.ts holds that over random values).
 */
import { Buffer } from 'node:buffer';
import { decimal, shortestFloat32Decimal, shortestFloat32Slow } from './shortest-float32.js';

/** The longest text one number takes here: `-1.2345678901234567e-308`. */
const MAX_NUMBER_TEXT = 25;

const COMMA = 0x2c;
const ZERO = 0x30;
const DOT = 0x2e;
const MINUS = 0x2d;

export class JsonWriter {
  private buffer: Buffer;
  private length = 0;

  /** `capacity`: a guess at the final size in bytes (the buffer doubles when it is passed). */
  constructor(capacity = 4096) {
    this.buffer = Buffer.allocUnsafe(Math.max(64, capacity));
  }

  /** The bytes written so far (a view: write nothing more once it is handed on). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Text that is ASCII already (punctuation, keys known to be ASCII). */
  ascii(text: string): this {
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
    return this;
  }

  /** A single ASCII byte: `[`, `,`, `:`. */
  byte(code: number): this {
    this.reserve(1);
    this.buffer[this.length++] = code;
    return this;
  }

  /** Any value as JSON.stringify writes it (`null` where JSON.stringify gives undefined). */
  json(value: unknown): this {
    const text = JSON.stringify(value) as string | undefined;
    return this.utf8(text ?? 'null');
  }

  /** A finite or non-finite double as JSON.stringify writes it (NaN and ±Infinity as null). */
  float64(x: number): this {
    return this.ascii(x - x === 0 ? String(x) : 'null');
  }

  /**
   * A float32 element as JSON.stringify writes the double nearest its shortest decimal (what
   * tensor.ts's `ndarrayToNested` gives it): NaN and ±Infinity as null.
   */
  float32(x: number): this {
    if (x - x !== 0) return this.ascii('null');
    const magnitude = Math.abs(x);
    if (Number.isInteger(x) && magnitude <= 16777216) return this.integer(x);
    if (!shortestFloat32Decimal(magnitude)) return this.ascii(String(shortestFloat32Slow(x)));
    this.reserve(MAX_NUMBER_TEXT);
    if (x < 0) this.buffer[this.length++] = MINUS;
    this.decimal(decimal.significand, decimal.places);
    return this;
  }

  /** A comma unless this is the first item of a list. */
  separator(index: number): this {
    if (index > 0) this.byte(COMMA);
    return this;
  }

  /** An integer up to 2^31 in magnitude, by digits (-0 as `0`, as JSON.stringify). */
  private integer(x: number): this {
    this.reserve(MAX_NUMBER_TEXT);
    let value = x;
    if (value < 0) {
      this.buffer[this.length++] = MINUS;
      value = -value;
    }
    const count = countDigits(value);
    this.digits(value, count, count);
    return this;
  }

  /**
   * `significand` × 10^-`places` in the notation of Number.prototype.toString (ECMA-262
   * Number::toString): plain digits for a decimal point position n with -6 < n ≤ 21, exponent
   * form otherwise. Trailing zeros go first: toString prints the shortest digits.
   */
  private decimal(significandIn: number, placesIn: number): void {
    let significand = significandIn | 0; // below 2^31: at most 10 digits; int32 arithmetic from here
    let places = placesIn;
    for (let next = (significand / 10) | 0; next * 10 === significand; next = (significand / 10) | 0) {
      significand = next;
      places--;
    }
    const k = countDigits(significand);
    const n = k - places; // the value is 0.<digits> × 10^n
    const buffer = this.buffer;
    if (k <= n && n <= 21) {
      this.digits(significand, k, k);
      for (let i = k; i < n; i++) buffer[this.length++] = ZERO;
    } else if (0 < n && n <= 21) {
      this.digits(significand, k, n);
    } else if (-6 < n && n <= 0) {
      buffer[this.length++] = ZERO;
      buffer[this.length++] = DOT;
      for (let i = n; i < 0; i++) buffer[this.length++] = ZERO;
      this.digits(significand, k, k);
    } else {
      this.digits(significand, k, k > 1 ? 1 : k);
      const exponent = n - 1;
      this.length += buffer.write(exponent < 0 ? `e-${-exponent}` : `e+${exponent}`, this.length, 'latin1');
    }
  }

  /**
   * The `count` decimal digits of a non-negative integer below 2^31, with a decimal point after
   * the first `point` of them unless `point` is `count` (room reserved by the caller).
   */
  private digits(value: number, count: number, point: number): void {
    const buffer = this.buffer;
    const dotted = point < count ? 1 : 0;
    let at = this.length + count + dotted - 1;
    let rest = value | 0;
    for (let i = count - 1; i >= 0; i--) {
      if (i === point - 1 && dotted === 1) buffer[at--] = DOT;
      const next = (rest / 10) | 0;
      buffer[at--] = ZERO + rest - next * 10;
      rest = next;
    }
    this.length += count + dotted;
  }

  private utf8(text: string): this {
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
    return this;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Digits of a non-negative integer below 2^31. */
function countDigits(value: number): number {
  if (value < 100000) return value < 100 ? (value < 10 ? 1 : 2) : value < 1000 ? 3 : value < 10000 ? 4 : 5;
  return value < 10000000 ? (value < 1000000 ? 6 : 7) : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
}
