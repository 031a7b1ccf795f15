/**
 * Property tests of the HPACK code: every block a peer's encoder may send decodes to the fields it
 * encoded, with the dynamic table in step (indexing, literals of each kind, Huffman on and off,
 * size updates); random and mutated blocks end in an HpackError or a result, never another
 * exception, and never grow the table past its limit. A fixed seed unless FUZZ_SEED is given;
 * `make fuzz` runs many more cases (FUZZ_RUNS) with a random one.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../../../test/support/hostile-names.js';
import { type EncodedField, type Field, ReferenceHpackEncoder } from '../../../test/support/hpack-reference-encoder.js';
import { HpackDecoder } from './hpack-decoder.js';
import { encodeHeaderBlock } from './hpack-encoder.js';
import { HpackError } from './hpack-error.js';
import { decodeHuffman, encodeHuffman } from './hpack-huffman.js';
import { STATIC_TABLE } from './hpack-static-table.js';

const options = (fallback: number) => ({ numRuns: fuzzRuns(fallback), seed: fuzzSeed() });

/** A latin1 string (one octet per char), as HTTP/2 field values are; short or, now and then, long. */
const latin1 = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength });

/** Names and values a gRPC peer sends, the static table's, and random ones. */
const fieldArbitrary: fc.Arbitrary<Field> = fc.oneof(
  fc.constantFrom(...STATIC_TABLE),
  fc.tuple(fc.constantFrom(':status', 'content-type', 'grpc-status', 'grpc-message', 'x-trailer', 'date'), latin1(20)),
  fc.tuple(latin1(12), latin1(40)),
  fc.tuple(latin1(4), latin1(600)),
);

const encodedField: fc.Arbitrary<EncodedField> = fc.record({
  field: fieldArbitrary,
  representation: fc.constantFrom('index', 'incremental', 'without', 'never'),
  huffman: fc.boolean(),
  literalName: fc.boolean(),
});

function decodeAll(decoder: HpackDecoder, block: Buffer): Field[] {
  const fields: Field[] = [];
  decoder.decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

/** What must hold of a decoder whatever it was fed: the table within its limit, the limit within what we advertised. */
function expectBoundedTable(decoder: HpackDecoder): void {
  expect(decoder.dynamicTableLimit).toBeLessThanOrEqual(decoder.maxTableSize);
  expect(decoder.dynamicTableSize).toBeLessThanOrEqual(decoder.dynamicTableLimit);
  expect(decoder.entries().length * 32).toBeLessThanOrEqual(decoder.dynamicTableSize);
}

/** Decodes `block`, which may be anything: a result or an HpackError, nothing else. */
function decodeAnything(decoder: HpackDecoder, block: Buffer): void {
  try {
    decodeAll(decoder, block);
  } catch (error) {
    if (!(error instanceof HpackError)) throw new Error(`not an HpackError: ${String(error)}`, { cause: error });
    expect(error.message).not.toBe('');
  }
  expectBoundedTable(decoder);
}

/** A run of header blocks as a peer's encoder sends them on one connection. */
const blockSequence = fc.record({
  maxTableSize: fc.constantFrom(0, 64, 256, 4096, 65_536),
  blocks: fc.array(fc.record({ sizeUpdates: fc.array(fc.nat(), { maxLength: 2 }), fields: fc.array(encodedField, { maxLength: 12 }) }), { minLength: 1, maxLength: 6 }),
});

describe('HPACK, property tests', () => {
  it('a peer encoder\'s blocks decode to its fields, with the dynamic table in step', () => {
    fc.assert(
      fc.property(blockSequence, ({ maxTableSize, blocks }) => {
        const encoder = new ReferenceHpackEncoder(maxTableSize);
        const decoder = new HpackDecoder(maxTableSize);
        for (const { sizeUpdates, fields } of blocks) {
          const updates = sizeUpdates.map((size) => size % (maxTableSize + 1));
          const block = encoder.encode(fields, updates);
          expect(decodeAll(decoder, block)).toEqual(fields.map(({ field }) => [...field]));
          expect(decoder.entries()).toEqual(encoder.entries.map((entry) => [...entry]));
          expect(decoder.dynamicTableSize).toBe(encoder.size);
          expectBoundedTable(decoder);
        }
      }),
      options(300),
    );
  });

  it('our request encoder\'s blocks decode to the fields it was given', () => {
    const name = fc.stringMatching(/^:?[!#$%&'*+\-.^_`|~0-9a-z]{1,20}$/);
    const value = latin1(60).filter((text) => !/[\0\r\n]/.test(text));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.tuple(name, value), fc.constantFrom(...STATIC_TABLE)), { maxLength: 16 }), (fields) => {
        expect(decodeAll(new HpackDecoder(), encodeHeaderBlock(fields))).toEqual(fields.map((field) => [...field]));
      }),
      options(300),
    );
  });

  it('Huffman coding round-trips any latin1 string; random octets decode or raise HpackError', () => {
    fc.assert(
      fc.property(latin1(300), fc.uint8Array({ maxLength: 64 }), (text, random) => {
        const coded = encodeHuffman(text);
        expect(decodeHuffman(coded, 0, coded.length)).toBe(text);
        const octets = Buffer.from(random);
        try {
          decodeHuffman(octets, 0, octets.length);
        } catch (error) {
          expect(error).toBeInstanceOf(HpackError);
        }
      }),
      options(500),
    );
  });

  it('random blocks end in a result or an HpackError, the table within its limit', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 4096, 2 ** 31 - 1), fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 4 }), (maxTableSize, blocks) => {
        const decoder = new HpackDecoder(maxTableSize);
        for (const block of blocks) decodeAnything(decoder, Buffer.from(block));
      }),
      options(1000),
    );
  });

  it('mutated blocks (octets flipped, cut, inserted) end in a result or an HpackError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), octet: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), octets: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(blockSequence, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ maxTableSize, blocks }, mutations) => {
        const encoder = new ReferenceHpackEncoder(maxTableSize);
        const decoder = new HpackDecoder(maxTableSize);
        for (const { sizeUpdates, fields } of blocks) {
          let block = encoder.encode(fields, sizeUpdates.map((size) => size % (maxTableSize + 1)));
          for (const change of mutations) {
            const at = block.length === 0 ? 0 : change.at % block.length;
            if (change.kind === 'flip' && block.length > 0) block = Buffer.concat([block.subarray(0, at), Buffer.of(change.octet), block.subarray(at + 1)]);
            else if (change.kind === 'cut') block = block.subarray(0, at);
            else if (change.kind === 'insert') block = Buffer.concat([block.subarray(0, at), change.octets, block.subarray(at)]);
          }
          decodeAnything(decoder, block);
        }
      }),
      options(500),
    );
  });
});
