/**
 * An HPACK encoder for tests (RFC 7541), with everything our request encoder leaves out: a
 * dynamic table, fields indexed into it or sent as literals of each kind, Huffman-coded strings and
 * dynamic table size updates. The property tests drive it with random choices, so that our decoder
 * meets every representation a peer may send; any string is encoded (latin1 octets), not only
 * what HTTP/2 allows, as a hostile peer's are not. Kept simple rather than fast: the table is an
 * array, newest first.
 */
import { Buffer } from 'node:buffer';
import { encodeHuffman } from '../../runtime/src/http2/hpack-huffman.js';
import { STATIC_TABLE } from '../../runtime/src/http2/hpack-static-table.js';

export type Field = readonly [name: string, value: string];

/** How one field goes on the wire. */
export type Representation =
  /** indexed (§6.1) when the table has the whole field, else a literal with incremental indexing */
  | 'index'
  /** literal with incremental indexing (§6.2.1) */
  | 'incremental'
  /** literal without indexing (§6.2.2) */
  | 'without'
  /** literal never indexed (§6.2.3) */
  | 'never';

export interface EncodedField {
  field: Field;
  representation: Representation;
  /** Huffman-code the literal strings. */
  huffman: boolean;
  /** Send the name as a literal even when a table has it. */
  literalName?: boolean;
}

const ENTRY_OVERHEAD = 32;

/** The wire form of an integer with an N-bit prefix (§5.1), `flags` in the first octet's high bits. */
export function encodeInteger(value: number, prefixBits: number, flags = 0): Buffer {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) return Buffer.of(flags | value);
  const octets = [flags | mask];
  let rest = value - mask;
  while (rest >= 128) {
    octets.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  octets.push(rest);
  return Buffer.from(octets);
}

/** A string literal (§5.2), Huffman-coded or raw. */
export function encodeString(value: string, huffman: boolean): Buffer {
  const octets = huffman ? encodeHuffman(value) : Buffer.from(value, 'latin1');
  return Buffer.concat([encodeInteger(octets.length, 7, huffman ? 0x80 : 0), octets]);
}

/** A header block of literals without indexing and literal names: any name and value, no state. */
export function literalBlock(fields: readonly Field[]): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.of(0), encodeString(name, false), encodeString(value, false)]));
}

export class ReferenceHpackEncoder {
  /** Newest first, as the wire indexes them (62 = entries[0]). */
  readonly entries: Field[] = [];
  #size = 0;
  #limit: number;

  constructor(limit = 4096) {
    this.#limit = limit;
  }

  /** The dynamic table's size in the octets of §4.1 (latin1 octets, one per char). */
  get size(): number {
    return this.#size;
  }

  /**
   * One header block: the size updates first (each sets the table's maximum, §6.3), then the
   * fields. Mirrors the decoder's table, so that the blocks that follow index into it.
   */
  encode(fields: readonly EncodedField[], sizeUpdates: readonly number[] = []): Buffer {
    const parts: Buffer[] = [];
    for (const limit of sizeUpdates) {
      this.#limit = limit;
      this.#evictTo(limit);
      parts.push(encodeInteger(limit, 5, 0x20));
    }
    for (const { field, representation, huffman, literalName } of fields) parts.push(this.#field(field, representation, huffman, literalName ?? false));
    return Buffer.concat(parts);
  }

  #field([name, value]: Field, representation: Representation, huffman: boolean, literalName: boolean): Buffer {
    if (representation === 'index') {
      const index = this.#indexOf(name, value);
      if (index !== undefined) return encodeInteger(index, 7, 0x80);
      representation = 'incremental';
    }
    const [prefixBits, flags] = representation === 'incremental' ? [6, 0x40] : representation === 'without' ? [4, 0x00] : [4, 0x10];
    const nameIndex = literalName ? undefined : this.#indexOf(name);
    const head = nameIndex === undefined ? Buffer.concat([encodeInteger(0, prefixBits, flags), encodeString(name, huffman)]) : encodeInteger(nameIndex, prefixBits, flags);
    if (representation === 'incremental') this.#insert(name, value);
    return Buffer.concat([head, encodeString(value, huffman)]);
  }

  /** The wire index of the field (or, without `value`, of the name) in the static or dynamic table. */
  #indexOf(name: string, value?: string): number | undefined {
    const staticAt = STATIC_TABLE.findIndex(([n, v]) => n === name && (value === undefined || v === value));
    if (staticAt >= 0) return staticAt + 1;
    const dynamicAt = this.entries.findIndex(([n, v]) => n === name && (value === undefined || v === value));
    return dynamicAt >= 0 ? STATIC_TABLE.length + 1 + dynamicAt : undefined;
  }

  #insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.#limit) {
      this.#evictTo(0);
      return;
    }
    this.#evictTo(this.#limit - size);
    this.entries.unshift([name, value]);
    this.#size += size;
  }

  #evictTo(size: number): void {
    while (this.#size > size) {
      const [name, value] = this.entries.pop()!;
      this.#size -= name.length + value.length + ENTRY_OVERHEAD;
    }
  }
}
