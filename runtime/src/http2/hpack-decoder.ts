/**
 * The HPACK decoder (RFC 7541) of our HTTP/2 client: turns the header block of a response's
 * HEADERS (+ CONTINUATION) frames into (name, value) pairs.
 *
 * Why our own: it runs on every gRPC response, twice (headers and trailers), and after the first
 * response a peer's encoder sends nearly every field as an index into its dynamic table. So the
 * indexed path is kept free of allocation: the dynamic table is a ring of preallocated slots
 * whose strings are handed out as they are, and fields go to a callback rather than into an
 * object or array built per block.
 *
 * Strings are latin1 (one char per octet), as HTTP/2 field values are octets; gRPC's text values
 * are ASCII, and binary ones (`-bin`) are base64.
 */
import { Buffer } from 'node:buffer';
import { HpackError } from './hpack-error.js';
import { decodeHuffman } from './hpack-huffman.js';
import { STATIC_TABLE } from './hpack-static-table.js';

export { HpackError } from './hpack-error.js';

/** Receives each decoded field, in block order. */
export type HeaderSink = (name: string, value: string) => void;

// flat arrays: an indexed static field is two array reads, no tuple
const STATIC_NAMES: readonly string[] = STATIC_TABLE.map(([name]) => name);
const STATIC_VALUES: readonly string[] = STATIC_TABLE.map(([, value]) => value);
const STATIC_COUNT = STATIC_TABLE.length;

/** What an entry costs besides its octets (§4.1), so at most size / 32 entries fit. */
const ENTRY_OVERHEAD = 32;
/** Integers at or above 2^31 are refused: no legitimate length, index or size comes near. */
const MAX_INTEGER = 0x7fffffff;

/** The most ring slots a decoder allocates up front (the entries of a 32 KB table). */
const INITIAL_SLOTS_MAX = 1024;

/** Ring slots, as a packed array (not `new Array(n)`, which stays holey: reads check for holes). */
function emptySlots(count: number): string[] {
  const slots: string[] = [];
  for (let i = 0; i < count; i++) slots.push('');
  return slots;
}

/** Where the integer or string read last ended (module state: JS runs one read at a time). */
let readEnd = 0;

/**
 * The integer with an N-bit prefix (§5.1) whose first octet is `block[at]`; sets readEnd.
 * The caller has checked that `at` is inside the block.
 */
function readInteger(block: Buffer, at: number, prefixBits: number): number {
  const mask = (1 << prefixBits) - 1;
  let value = block[at++]! & mask;
  if (value === mask) {
    let multiplier = 1;
    for (;;) {
      if (at >= block.length) throw new HpackError('header block ends inside an integer');
      const octet = block[at++]!;
      value += (octet & 0x7f) * multiplier;
      if (value > MAX_INTEGER) throw new HpackError('integer in header block exceeds 2^31 - 1');
      if (octet < 0x80) break;
      multiplier *= 128;
      // more continuation octets could only add zeros; refuse them rather than loop on
      if (multiplier > 2 ** 28) throw new HpackError('integer in header block exceeds 2^31 - 1');
    }
  }
  readEnd = at;
  return value;
}

/** The string literal (§5.2) at `block[at]`, Huffman-coded or raw; sets readEnd. */
function readString(block: Buffer, at: number): string {
  if (at >= block.length) throw new HpackError('header block ends before a string');
  const huffman = block[at]! & 0x80;
  const length = readInteger(block, at, 7);
  const start = readEnd;
  const end = start + length;
  if (end > block.length) throw new HpackError(`string of ${length} octets runs past the end of the header block`);
  readEnd = end;
  if (huffman !== 0) return decodeHuffman(block, start, end);
  // one-char strings (`0`) come from V8's single-character cache, much cheaper than a slice
  return length === 0 ? '' : length === 1 ? String.fromCharCode(block[start]!) : block.toString('latin1', start, end);
}

/** Decodes one integer with an N-bit prefix at `block[at]`, and where it ends (tests, tools). */
export function decodeInteger(block: Buffer, at: number, prefixBits: number): [value: number, end: number] {
  if (at >= block.length) throw new HpackError('header block ends before an integer');
  const value = readInteger(block, at, prefixBits);
  return [value, readEnd];
}

export class HpackDecoder {
  /** The SETTINGS_HEADER_TABLE_SIZE we advertised: the most a size update may ask for. */
  readonly maxTableSize: number;
  /** The table's current maximum size, as the encoder last set it (§4.2). */
  #limit: number;
  /** The table's current size: the sum of its entries' sizes. */
  #size = 0;
  // the ring: entry k (0 = newest, wire index 62 + k) is in slot (#first + k) mod #capacity
  #names: string[];
  #values: string[];
  #capacity: number;
  #first = 0;
  #count = 0;

  constructor(maxTableSize = 4096) {
    if (!Number.isInteger(maxTableSize) || maxTableSize < 0 || maxTableSize > MAX_INTEGER) {
      throw new RangeError(`HPACK table size must be an integer from 0 to 2^31 - 1, not ${maxTableSize}`);
    }
    this.maxTableSize = maxTableSize;
    this.#limit = maxTableSize;
    // room for every entry that can fit (128 for the default 4096), up to a bound past which the
    // ring doubles as needed: a peer must not make us hold slots for 2^31 / 32 entries up front
    this.#capacity = Math.max(1, Math.min(Math.floor(maxTableSize / ENTRY_OVERHEAD), INITIAL_SLOTS_MAX));
    this.#names = emptySlots(this.#capacity);
    this.#values = emptySlots(this.#capacity);
  }

  /** The dynamic table's size in the octets of §4.1. */
  get dynamicTableSize(): number {
    return this.#size;
  }

  /** The dynamic table's maximum size, as last set by the encoder (at most maxTableSize). */
  get dynamicTableLimit(): number {
    return this.#limit;
  }

  /** The dynamic table's entries, newest (index 62) first: for tests and debugging. */
  entries(): Array<[name: string, value: string]> {
    const entries: Array<[string, string]> = [];
    for (let k = 0; k < this.#count; k++) {
      const slot = (this.#first + k) % this.#capacity;
      entries.push([this.#names[slot]!, this.#values[slot]!]);
    }
    return entries;
  }

  /**
   * Decodes one complete header block (the HEADERS and CONTINUATION payloads joined), calling
   * `onHeader` for each field in order. Throws HpackError on a malformed block; the table is then
   * out of step with the peer's and the connection must end (COMPRESSION_ERROR).
   */
  decode(block: Buffer, onHeader: HeaderSink): void {
    const end = block.length;
    let at = 0;
    // size updates may only open a block (§4.2); several may (a decrease, then the new size)
    while (at < end && (block[at]! & 0xe0) === 0x20) {
      this.#resize(readInteger(block, at, 5));
      at = readEnd;
    }
    while (at < end) {
      const octet = block[at]!;
      if (octet >= 0x80) {
        // indexed field (§6.1): the common case once the table is warm
        let index = octet & 0x7f;
        if (index === 0x7f) {
          index = readInteger(block, at, 7);
          at = readEnd;
        } else {
          at++;
        }
        if (index <= STATIC_COUNT) {
          if (index === 0) throw new HpackError('indexed header field with index 0');
          onHeader(STATIC_NAMES[index - 1]!, STATIC_VALUES[index - 1]!);
        } else {
          const k = index - STATIC_COUNT - 1;
          if (k >= this.#count) throw this.#badIndex(index);
          let slot = this.#first + k;
          if (slot >= this.#capacity) slot -= this.#capacity;
          onHeader(this.#names[slot]!, this.#values[slot]!);
        }
        continue;
      }
      // literal field: with incremental indexing (01, 6-bit index), without (0000) or never
      // indexed (0001, 4-bit index); a client has no one to forward "never indexed" to
      let indexing: boolean;
      let nameIndex: number;
      if (octet >= 0x40) {
        indexing = true;
        nameIndex = readInteger(block, at, 6);
      } else if (octet >= 0x20) {
        throw new HpackError('dynamic table size update after the first field of a header block');
      } else {
        indexing = false;
        nameIndex = readInteger(block, at, 4);
      }
      at = readEnd;
      const name = nameIndex === 0 ? readString(block, at) : this.#nameAt(nameIndex);
      if (nameIndex === 0) at = readEnd;
      const value = readString(block, at);
      at = readEnd;
      if (indexing) this.#insert(name, value);
      onHeader(name, value);
    }
  }

  #nameAt(index: number): string {
    if (index <= STATIC_COUNT) return STATIC_NAMES[index - 1]!;
    const k = index - STATIC_COUNT - 1;
    if (k >= this.#count) throw this.#badIndex(index);
    return this.#names[(this.#first + k) % this.#capacity]!;
  }

  #badIndex(index: number): HpackError {
    return new HpackError(`header field index ${index} is beyond the tables (${STATIC_COUNT} static, ${this.#count} dynamic entries)`);
  }

  /** Adds an entry as the newest, evicting the oldest ones to make room (§4.4). */
  #insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.#limit) {
      // not an error: an entry larger than the table empties it and is not added
      this.#evictTo(0);
      return;
    }
    this.#evictTo(this.#limit - size);
    if (this.#count === this.#capacity) this.#grow();
    const slot = this.#first === 0 ? this.#capacity - 1 : this.#first - 1;
    this.#names[slot] = name;
    this.#values[slot] = value;
    this.#first = slot;
    this.#count++;
    this.#size += size;
  }

  /** Doubles the ring (only with a table size above INITIAL_SLOTS_MAX * 32), oldest slots last. */
  #grow(): void {
    const capacity = 2 * this.#capacity;
    const names = emptySlots(capacity);
    const values = emptySlots(capacity);
    for (let k = 0; k < this.#count; k++) {
      const slot = (this.#first + k) % this.#capacity;
      names[k] = this.#names[slot]!;
      values[k] = this.#values[slot]!;
    }
    this.#names = names;
    this.#values = values;
    this.#capacity = capacity;
    this.#first = 0;
  }

  /** A dynamic table size update (§6.3): the new maximum, at most what we advertised. */
  #resize(limit: number): void {
    if (limit > this.maxTableSize) {
      throw new HpackError(`dynamic table size update to ${limit} exceeds the ${this.maxTableSize} octets allowed`);
    }
    this.#limit = limit;
    this.#evictTo(limit);
  }

  /** Evicts the oldest entries until the table's size is at most `size`. */
  #evictTo(size: number): void {
    while (this.#size > size) {
      const slot = (this.#first + this.#count - 1) % this.#capacity;
      this.#size -= this.#names[slot]!.length + this.#values[slot]!.length + ENTRY_OVERHEAD;
      // drop the references: a long evicted value should not outlive its entry
      this.#names[slot] = '';
      this.#values[slot] = '';
      this.#count--;
    }
  }
}
