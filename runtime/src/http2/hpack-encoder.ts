/**
 * Header blocks for requests, HPACK without state: every field a literal "without indexing"
 * (RFC 7541 §6.2.2), its name taken from the static table when it is there, values as plain
 * octets (no Huffman). A stateless block can be built once and sent on any connection, which is
 * what the unary channel does per (path, headers); the few bytes a dynamic table would save do not
 * matter next to the message on a loopback or LAN hop.
 */
import { STATIC_NAME_INDEX } from './hpack-static-table.js';

/** Static-table entries sent as one byte (§6.1). */
const INDEXED_FIELDS: ReadonlyMap<string, number> = new Map([
  [':method\0GET', 2],
  [':method\0POST', 3],
  [':scheme\0http', 6],
  [':scheme\0https', 7],
]);

/** A header that HTTP/2 cannot carry (RFC 9113 §8.2): upper case or separators in the name, CR/LF/NUL in the value. */
export class InvalidHeaderError extends TypeError {}

const NAME = /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

/** The HPACK block of `fields`, in order. */
export function encodeHeaderBlock(fields: ReadonlyArray<readonly [name: string, value: string]>): Buffer {
  let size = 0;
  for (const [name, value] of fields) {
    if (!NAME.test(name)) throw new InvalidHeaderError(`invalid HTTP/2 header name "${name}"`);
    if (BAD_VALUE.test(value)) throw new InvalidHeaderError(`invalid value for HTTP/2 header "${name}"`);
    size += 2 * 5 + Buffer.byteLength(name, 'latin1') + Buffer.byteLength(value, 'latin1') + 1;
  }
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const [name, value] of fields) {
    const indexed = INDEXED_FIELDS.get(`${name}\0${value}`);
    if (indexed !== undefined) {
      out[offset++] = 0x80 | indexed;
      continue;
    }
    const nameIndex = STATIC_NAME_INDEX.get(name);
    if (nameIndex !== undefined) offset = writeInteger(out, offset, nameIndex, 4, 0x00);
    else {
      out[offset++] = 0x00;
      offset = writeString(out, offset, name);
    }
    offset = writeString(out, offset, value);
  }
  return out.subarray(0, offset);
}

/** §5.1: `value` with an N-bit prefix, the high bits of the first octet set to `high`. */
function writeInteger(out: Buffer, offset: number, value: number, prefixBits: number, high: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[offset++] = high | value;
    return offset;
  }
  out[offset++] = high | max;
  let rest = value - max;
  while (rest >= 128) {
    out[offset++] = (rest % 128) + 128;
    rest = Math.floor(rest / 128);
  }
  out[offset++] = rest;
  return offset;
}

/** §5.2 without Huffman: a 7-bit-prefix length, then the octets. */
function writeString(out: Buffer, offset: number, value: string): number {
  offset = writeInteger(out, offset, value.length, 7, 0x00);
  return offset + out.write(value, offset, 'latin1');
}
