/**
 * The HPACK Huffman code (RFC 7541 Appendix B), which HTTP/2 peers such as nghttp2 use for most
 * header names and values they send.
 *
 * The code is canonical: codes are assigned in order of (length, symbol), starting from 0. So the
 * 257 code lengths below are the whole table, and the codes are derived from them at load (a check
 * against the RFC's EOS code catches a wrong length). This saves pasting 257 hex codes.
 *
 * Decoding is table-driven, one input byte per step: the state is an internal node of the code
 * tree (256 of them), and a table gives, for each state and byte, the next state and the 0, 1 or
 * 2 symbols completed on the way. Header values are short (`application/grpc`, `0`), so what
 * counts is the work per byte and no allocation besides the result string. The table's rows are
 * built on first use: all 65536 entries at once cost ~5 ms at start-up, and real strings visit
 * few of the states. (A decoder stepping 4 bits at a time, with a table small enough to build at
 * load, was 15-25% slower on header-sized strings, 50% on long ones.)
 */
import { Buffer } from 'node:buffer';
import { HpackError } from './hpack-error.js';

/** Code lengths in bits of symbols 0..255, then EOS (256). */
const CODE_LENGTHS = Uint8Array.of(
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
);

const EOS = 256;
const SYMBOLS = 257;

/** Each symbol's code, right-aligned in CODE_LENGTHS[symbol] bits. */
const CODES = new Uint32Array(SYMBOLS);
{
  const order = Array.from({ length: SYMBOLS }, (_, symbol) => symbol);
  order.sort((a, b) => CODE_LENGTHS[a]! - CODE_LENGTHS[b]! || a - b);
  let code = 0;
  let previousLength = CODE_LENGTHS[order[0]!]!;
  for (let i = 0; i < SYMBOLS; i++) {
    const symbol = order[i]!;
    const length = CODE_LENGTHS[symbol]!;
    if (i > 0) code = (code + 1) * 2 ** (length - previousLength);
    CODES[symbol] = code;
    previousLength = length;
  }
  // EOS is the last code, thirty 1 bits; any wrong length above shifts it
  if (CODES[EOS] !== 0x3fffffff || CODE_LENGTHS[EOS] !== 30) throw new Error('HPACK Huffman code lengths are inconsistent');
}

// The code tree: internal nodes 0..255 (0 is the root). CHILDREN[2 * node + bit] is an internal
// node's id, or ~symbol (negative) for a leaf.
const INTERNAL_NODES = SYMBOLS - 1;
const CHILDREN = new Int16Array(2 * INTERNAL_NODES);
/** Why a string cannot end at each node (§5.2), 0 where it can: the padding is the bits taken
 *  since the last symbol, which must be all 1 bits (a prefix of EOS) and at most 7 of them. */
const PADDING_ERROR = new Uint8Array(INTERNAL_NODES);
const PADDING_NOT_ONES = 1;
const PADDING_TOO_LONG = 2;
{
  const depth = new Uint8Array(INTERNAL_NODES);
  const allOnes = new Uint8Array(INTERNAL_NODES);
  allOnes[0] = 1;
  let nodes = 1;
  for (let symbol = 0; symbol < SYMBOLS; symbol++) {
    const length = CODE_LENGTHS[symbol]!;
    const code = CODES[symbol]!;
    let node = 0;
    for (let i = length - 1; i > 0; i--) {
      const bit = (code >>> i) & 1;
      const slot = 2 * node + bit;
      if (CHILDREN[slot] === 0) {
        const child = nodes++;
        CHILDREN[slot] = child;
        depth[child] = depth[node]! + 1;
        allOnes[child] = allOnes[node]! & bit;
      }
      node = CHILDREN[slot]!;
    }
    CHILDREN[2 * node + (code & 1)] = ~symbol;
  }
  for (let node = 0; node < INTERNAL_NODES; node++) {
    PADDING_ERROR[node] = allOnes[node] === 0 ? PADDING_NOT_ONES : depth[node]! > 7 ? PADDING_TOO_LONG : 0;
  }
}

// TRANSITIONS[(state << 8) | byte]: bits 0-7 the next state, 8-15 and 16-23 the first and second
// symbol completed, 24-25 how many were (at most 2: the shortest code is 5 bits); FAILED alone
// when the byte completes EOS (an error)
const EMITTED_SHIFT = 24;
const FAILED = 1 << 26;
const TRANSITIONS = new Uint32Array(INTERNAL_NODES << 8);
/** 1 for each state whose TRANSITIONS row is built. */
const ROW_BUILT = new Uint8Array(INTERNAL_NODES);

/** Builds a state's row of TRANSITIONS by walking the tree with each byte's 8 bits. */
function buildRow(state: number): void {
  for (let byte = 0; byte < 256; byte++) {
    let node = state;
    let entry = 0;
    let emitted = 0;
    for (let bit = 7; bit >= 0; bit--) {
      const child = CHILDREN[2 * node + ((byte >>> bit) & 1)]!;
      if (child >= 0) {
        node = child;
        continue;
      }
      node = 0;
      if (~child === EOS) {
        entry = FAILED;
        break;
      }
      entry |= ~child << (8 + 8 * emitted++);
    }
    TRANSITIONS[(state << 8) | byte] = entry === FAILED ? FAILED : entry | node | (emitted << EMITTED_SHIFT);
  }
  ROW_BUILT[state] = 1;
}

/** Where decoded bytes collect before becoming the string; grown when a longer string comes. */
let scratch = Buffer.allocUnsafe(256);

/**
 * Decodes the Huffman-coded octets `buffer[start, end)` to a latin1 string (one char per octet).
 * Throws HpackError on the errors of RFC 7541 §5.2: EOS inside the string, or padding that is
 * longer than 7 bits or not all 1 bits.
 */
export function decodeHuffman(buffer: Buffer, start: number, end: number): string {
  if (start < 0 || end > buffer.length || start > end) throw new RangeError(`octets ${start} to ${end} are not within the buffer`);
  // the shortest code is 5 bits, so at most 8/5 symbols per octet
  const most = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  const out = scratch;
  let length = 0;
  let state = 0;
  for (let at = start; at < end; at++) {
    if (ROW_BUILT[state] === 0) buildRow(state);
    const transition = TRANSITIONS[(state << 8) | buffer[at]!]!;
    const emitted = transition >>> EMITTED_SHIFT;
    if (emitted !== 0) {
      if (emitted & (FAILED >>> EMITTED_SHIFT)) throw new HpackError('Huffman-coded string contains the EOS symbol');
      out[length++] = transition >>> 8;
      if (emitted === 2) out[length++] = transition >>> 16;
    }
    state = transition & 0xff;
  }
  const padding = PADDING_ERROR[state];
  if (padding !== 0) {
    throw new HpackError(
      padding === PADDING_NOT_ONES ? 'Huffman-coded string padding is not all 1 bits' : 'Huffman-coded string padding is longer than 7 bits',
    );
  }
  return length === 0 ? '' : length === 1 ? String.fromCharCode(out[0]!) : out.toString('latin1', 0, length);
}

/**
 * The Huffman-coded octets of a latin1 string: codes MSB first, the last octet padded with 1 bits.
 * Only the low 8 bits of each char count, as with `Buffer.from(value, 'latin1')`.
 */
export function encodeHuffman(value: string): Buffer {
  let bits = 0;
  for (let i = 0; i < value.length; i++) bits += CODE_LENGTHS[value.charCodeAt(i) & 0xff]!;
  const out = Buffer.allocUnsafe(Math.ceil(bits / 8));
  let at = 0;
  // fewer than 8 bits wait between symbols; a code goes in at most 24 bits at a time, so the
  // waiting and incoming bits stay within 31 and the shifts within int32
  let pending = 0;
  let pendingBits = 0;
  for (let i = 0; i < value.length; i++) {
    const symbol = value.charCodeAt(i) & 0xff;
    const code = CODES[symbol]!;
    let remaining = CODE_LENGTHS[symbol]!;
    while (remaining > 0) {
      const take = remaining > 24 ? remaining - 24 : remaining;
      remaining -= take;
      pending = (pending << take) | ((code >>> remaining) & ((1 << take) - 1));
      pendingBits += take;
      while (pendingBits >= 8) {
        pendingBits -= 8;
        out[at++] = pending >>> pendingBits;
      }
      pending &= (1 << pendingBits) - 1;
    }
  }
  if (pendingBits > 0) out[at++] = (pending << (8 - pendingBits)) | (0xff >>> pendingBits);
  return out;
}
