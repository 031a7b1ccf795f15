import { Buffer } from 'node:buffer';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLIENT_PREFACE, Flag, frame, FrameType } from './frame.js';
import { decodeInteger, HpackDecoder } from './hpack-decoder.js';
import { encodeHeaderBlock } from './hpack-encoder.js';
import { HpackError } from './hpack-error.js';
import { decodeHuffman, encodeHuffman } from './hpack-huffman.js';
import { STATIC_NAME_INDEX, STATIC_TABLE } from './hpack-static-table.js';

type Field = [name: string, value: string];

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function decodeBlock(decoder: HpackDecoder, block: Buffer): Field[] {
  const fields: Field[] = [];
  decoder.decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

/** The wire form of an integer with an N-bit prefix (§5.1), `flags` in the first octet's high bits. */
function encodeInteger(value: number, prefixBits: number, flags = 0): Buffer {
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

describe('the static table (RFC 7541 Appendix A)', () => {
  it('has the 61 entries, 1-based on the wire', () => {
    expect(STATIC_TABLE).toHaveLength(61);
    expect(STATIC_TABLE[1 - 1]).toEqual([':authority', '']);
    expect(STATIC_TABLE[2 - 1]).toEqual([':method', 'GET']);
    expect(STATIC_TABLE[8 - 1]).toEqual([':status', '200']);
    expect(STATIC_TABLE[16 - 1]).toEqual(['accept-encoding', 'gzip, deflate']);
    expect(STATIC_TABLE[31 - 1]).toEqual(['content-type', '']);
    expect(STATIC_TABLE[61 - 1]).toEqual(['www-authenticate', '']);
  });

  it('indexes each name by its first entry', () => {
    expect(STATIC_NAME_INDEX.get(':authority')).toBe(1);
    expect(STATIC_NAME_INDEX.get(':method')).toBe(2);
    expect(STATIC_NAME_INDEX.get(':path')).toBe(4);
    expect(STATIC_NAME_INDEX.get(':status')).toBe(8);
    expect(STATIC_NAME_INDEX.get('www-authenticate')).toBe(61);
    expect(STATIC_NAME_INDEX.get('grpc-status')).toBeUndefined();
    expect(STATIC_NAME_INDEX.size).toBe(52);
  });
});

describe('integers (RFC 7541 C.1)', () => {
  it('C.1.1: 10 with a 5-bit prefix', () => {
    // the 3 high bits belong to the field's pattern and are ignored
    expect(decodeInteger(Buffer.of(0b11101010), 0, 5)).toEqual([10, 1]);
  });

  it('C.1.2: 1337 with a 5-bit prefix', () => {
    expect(decodeInteger(hex('1f 9a 0a'), 0, 5)).toEqual([1337, 3]);
    expect(decodeInteger(hex('ff ff 1f 9a 0a 00'), 2, 5)).toEqual([1337, 5]);
  });

  it('C.1.3: 42 at an octet boundary', () => {
    expect(decodeInteger(hex('2a'), 0, 8)).toEqual([42, 1]);
  });

  it('reads a value one short of the prefix mask, the mask itself, and 2^31 - 1', () => {
    expect(decodeInteger(hex('1e'), 0, 5)).toEqual([30, 1]);
    expect(decodeInteger(hex('1f 00'), 0, 5)).toEqual([31, 2]);
    expect(decodeInteger(encodeInteger(2 ** 31 - 1, 7), 0, 7)).toEqual([2 ** 31 - 1, 6]);
  });

  it('refuses integers of 2^31 and more, however written, and ones that run past the block', () => {
    expect(() => decodeInteger(encodeInteger(2 ** 31, 7), 0, 7)).toThrow(/exceeds 2\^31 - 1/);
    expect(() => decodeInteger(hex('ff ff ff ff ff 0f'), 0, 7)).toThrow(HpackError);
    // zero continuation octets add nothing but must not go on for ever
    expect(() => decodeInteger(hex('1f 80 80 80 80 80 00'), 0, 5)).toThrow(/exceeds 2\^31 - 1/);
    expect(() => decodeInteger(hex('1f 9a'), 0, 5)).toThrow(/ends inside an integer/);
    expect(() => decodeInteger(hex('1f'), 0, 5)).toThrow(/ends inside an integer/);
  });
});

describe('header field representations (RFC 7541 C.2)', () => {
  it('C.2.1: a literal field with indexing', () => {
    const decoder = new HpackDecoder();
    const block = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
    expect(decodeBlock(decoder, block)).toEqual([['custom-key', 'custom-header']]);
    expect(decoder.entries()).toEqual([['custom-key', 'custom-header']]);
    expect(decoder.dynamicTableSize).toBe(55);
  });

  it('C.2.2: a literal field without indexing', () => {
    const decoder = new HpackDecoder();
    expect(decodeBlock(decoder, hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual([[':path', '/sample/path']]);
    expect(decoder.entries()).toEqual([]);
    expect(decoder.dynamicTableSize).toBe(0);
  });

  it('C.2.3: a literal field never indexed', () => {
    const decoder = new HpackDecoder();
    expect(decodeBlock(decoder, hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual([['password', 'secret']]);
    expect(decoder.entries()).toEqual([]);
    expect(decoder.dynamicTableSize).toBe(0);
  });

  it('C.2.4: an indexed field', () => {
    const decoder = new HpackDecoder();
    expect(decodeBlock(decoder, hex('82'))).toEqual([[':method', 'GET']]);
    expect(decoder.entries()).toEqual([]);
  });
});

// C.3 and C.4 are the same three requests, without and with Huffman coding
const REQUEST_FIELDS: Field[][] = [
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'http'],
    [':path', '/'],
    [':authority', 'www.example.com'],
    ['cache-control', 'no-cache'],
  ],
  [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':path', '/index.html'],
    [':authority', 'www.example.com'],
    ['custom-key', 'custom-value'],
  ],
];
const REQUEST_TABLES: { entries: Field[]; size: number }[] = [
  { entries: [[':authority', 'www.example.com']], size: 57 },
  {
    entries: [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    size: 110,
  },
  {
    entries: [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    size: 164,
  },
];

// C.5 and C.6: three responses through a 256-octet table, with evictions
const RESPONSE_FIELDS: Field[][] = [
  [
    [':status', '302'],
    ['cache-control', 'private'],
    ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
    ['location', 'https://www.example.com'],
  ],
  [
    [':status', '307'],
    ['cache-control', 'private'],
    ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
    ['location', 'https://www.example.com'],
  ],
  [
    [':status', '200'],
    ['cache-control', 'private'],
    ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
    ['location', 'https://www.example.com'],
    ['content-encoding', 'gzip'],
    ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
  ],
];
const RESPONSE_TABLES: { entries: Field[]; size: number }[] = [
  {
    entries: [
      ['location', 'https://www.example.com'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['cache-control', 'private'],
      [':status', '302'],
    ],
    size: 222,
  },
  {
    entries: [
      [':status', '307'],
      ['location', 'https://www.example.com'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['cache-control', 'private'],
    ],
    size: 222,
  },
  {
    entries: [
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
      ['content-encoding', 'gzip'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
    ],
    size: 215,
  },
];

const SEQUENCES: { name: string; tableSize: number; blocks: string[]; fields: Field[][]; tables: { entries: Field[]; size: number }[] }[] = [
  {
    name: 'C.3: requests without Huffman coding',
    tableSize: 4096,
    blocks: [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ],
    fields: REQUEST_FIELDS,
    tables: REQUEST_TABLES,
  },
  {
    name: 'C.4: requests with Huffman coding',
    tableSize: 4096,
    blocks: [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ],
    fields: REQUEST_FIELDS,
    tables: REQUEST_TABLES,
  },
  {
    name: 'C.5: responses without Huffman coding',
    tableSize: 256,
    blocks: [
      `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133
       3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
      '4803 3330 37c1 c0bf',
      `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a
       6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d
       6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
    ],
    fields: RESPONSE_FIELDS,
    tables: RESPONSE_TABLES,
  },
  {
    name: 'C.6: responses with Huffman coding',
    tableSize: 256,
    blocks: [
      `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d
       29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      '4883 640e ffc1 c0bf',
      `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d
       d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106
       3d50 07`,
    ],
    fields: RESPONSE_FIELDS,
    tables: RESPONSE_TABLES,
  },
];

describe('header block sequences (RFC 7541 C.3 to C.6)', () => {
  it.each(SEQUENCES)('$name', ({ tableSize, blocks, fields, tables }) => {
    const decoder = new HpackDecoder(tableSize);
    blocks.forEach((block, i) => {
      expect(decodeBlock(decoder, hex(block))).toEqual(fields[i]);
      expect(decoder.entries()).toEqual(tables[i]!.entries);
      expect(decoder.dynamicTableSize).toBe(tables[i]!.size);
    });
  });
});

describe('the Huffman code (RFC 7541 Appendix B)', () => {
  it('encodes the strings of C.4 and C.6 as the RFC does', () => {
    const vectors: [string, string][] = [
      ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
      ['no-cache', 'a8eb10649cbf'],
      ['custom-key', '25a849e95ba97d7f'],
      ['custom-value', '25a849e95bb8e8b4bf'],
      ['302', '6402'],
      ['307', '640eff'],
      ['private', 'aec3771a4b'],
      ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
      ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
      ['gzip', '9bd9ab'],
      ['foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1', '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007'],
    ];
    for (const [text, coded] of vectors) {
      expect(encodeHuffman(text).toString('hex')).toBe(coded);
      expect(decodeHuffman(hex(coded), 0, coded.length / 2)).toBe(text);
    }
  });

  it('round-trips every byte, alone and all together', () => {
    for (let byte = 0; byte < 256; byte++) {
      const text = String.fromCharCode(byte);
      const coded = encodeHuffman(text);
      expect(decodeHuffman(coded, 0, coded.length)).toBe(text);
    }
    const all = Array.from({ length: 256 }, (_, byte) => String.fromCharCode(byte)).join('');
    const coded = encodeHuffman(all);
    expect(decodeHuffman(coded, 0, coded.length)).toBe(all);
  });

  it('round-trips a long random latin1 string, and strings inside a larger buffer', () => {
    let seed = 12345;
    const random = (): number => {
      // xorshift32: deterministic, so a failure can be replayed
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const text = Array.from({ length: 20_000 }, () => String.fromCharCode(random() & 0xff)).join('');
    const coded = encodeHuffman(text);
    expect(decodeHuffman(coded, 0, coded.length)).toBe(text);

    const a = encodeHuffman('application/grpc');
    const b = encodeHuffman('identity,deflate,gzip');
    const joined = Buffer.concat([Buffer.of(0xaa), a, b, Buffer.of(0x55)]);
    expect(decodeHuffman(joined, 1, 1 + a.length)).toBe('application/grpc');
    expect(decodeHuffman(joined, 1 + a.length, 1 + a.length + b.length)).toBe('identity,deflate,gzip');
    expect(decodeHuffman(joined, 3, 3)).toBe('');
  });

  it('refuses EOS inside a string (§5.2)', () => {
    // 'a' (00011), then EOS (thirty 1 bits), then five 1 bits of padding
    expect(() => decodeHuffman(hex('1f ff ff ff ff'), 0, 5)).toThrow(/EOS/);
    expect(() => decodeHuffman(hex('ff ff ff ff'), 0, 4)).toThrow(HpackError);
  });

  it('refuses padding longer than 7 bits (§5.2)', () => {
    // 'a' then eleven 1 bits; a lone octet of eight 1 bits
    expect(() => decodeHuffman(hex('1f ff'), 0, 2)).toThrow(/longer than 7 bits/);
    expect(() => decodeHuffman(hex('ff'), 0, 1)).toThrow(/longer than 7 bits/);
    expect(() => decodeHuffman(hex('ff ff ff'), 0, 3)).toThrow(/longer than 7 bits/);
  });

  it('refuses padding that is not all 1 bits (§5.2)', () => {
    // 'a' then 000; 'a' then 101
    expect(() => decodeHuffman(hex('18'), 0, 1)).toThrow(/not all 1 bits/);
    expect(() => decodeHuffman(hex('1d'), 0, 1)).toThrow(/not all 1 bits/);
    // 'www.example.com' with its last padding bit cleared
    expect(() => decodeHuffman(hex('f1e3c2e5f23a6ba0ab90f4fe'), 0, 12)).toThrow(HpackError);
  });
});

describe('the dynamic table', () => {
  // against a plain array model: many blocks of random insertions, lookups and size updates, so
  // the ring wraps many times, evicts one or many entries, and (with a large table) grows
  it.each([256, 4096, 100_000])('matches a simple model with a %i-octet table', (maxTableSize) => {
    let seed = maxTableSize;
    const random = (below: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % below;
    };
    const decoder = new HpackDecoder(maxTableSize);
    let model: Field[] = [];
    let limit = maxTableSize;
    const modelSize = (): number => model.reduce((sum, [name, value]) => sum + name.length + value.length + 32, 0);
    const evict = (): void => {
      while (modelSize() > limit) model.pop();
    };
    for (let blockIndex = 0; blockIndex < 300; blockIndex++) {
      const parts: Buffer[] = [];
      const expected: Field[] = [];
      if (random(10) === 0) {
        limit = random(maxTableSize + 1);
        evict();
        parts.push(encodeInteger(limit, 5, 0x20));
      }
      for (let field = 0; field < 20; field++) {
        if (model.length > 0 && random(3) === 0) {
          const k = random(model.length);
          parts.push(encodeInteger(62 + k, 7, 0x80));
          expected.push(model[k]!);
        } else {
          const name = `n${random(1000)}`;
          const value = 'v'.repeat(random(maxTableSize > 4096 ? 200 : 60));
          parts.push(Buffer.of(0x40), encodeInteger(name.length, 7), Buffer.from(name), encodeInteger(value.length, 7), Buffer.from(value));
          expected.push([name, value]);
          model.unshift([name, value]);
          if (name.length + value.length + 32 > limit) model = [];
          evict();
        }
      }
      expect(decodeBlock(decoder, Buffer.concat(parts))).toEqual(expected);
      expect(decoder.entries()).toEqual(model);
      expect(decoder.dynamicTableSize).toBe(modelSize());
      expect(decoder.dynamicTableLimit).toBe(limit);
    }
  });

  it('grows its ring past the slots it starts with', () => {
    const decoder = new HpackDecoder(100_000);
    const field = (i: number): Field => [String.fromCharCode(97 + (i % 26)), `v${String(i).padStart(4, '0')}`];
    const parts: Buffer[] = [];
    for (let i = 0; i < 2700; i++) parts.push(hex('40 01'), Buffer.from(field(i)[0]), hex('05'), Buffer.from(field(i)[1]));
    decodeBlock(decoder, Buffer.concat(parts));
    // entries of 1 + 5 + 32 octets: 2631 fit, the oldest 69 went
    expect(decoder.entries()).toEqual(Array.from({ length: 2631 }, (_, k) => field(2699 - k)));
    expect(decodeBlock(decoder, encodeInteger(62 + 2630, 7, 0x80))).toEqual([field(69)]);
    expect(decoder.dynamicTableSize).toBe(2631 * 38);
  });
});

describe('malformed header blocks', () => {
  it('refuses a table size update above the size we advertised', () => {
    const decoder = new HpackDecoder(4096);
    expect(() => decoder.decode(encodeInteger(4097, 5, 0x20), () => {})).toThrow(/4097 exceeds the 4096/);
    expect(() => new HpackDecoder(100).decode(encodeInteger(101, 5, 0x20), () => {})).toThrow(HpackError);
  });

  it('applies table size updates at the start of a block, evicting, and refuses them later', () => {
    const decoder = new HpackDecoder(4096);
    decodeBlock(decoder, hex(SEQUENCES[0]!.blocks[0]!));
    expect(decoder.dynamicTableSize).toBe(57);
    // down to 0 (emptying the table), then back to 4096: two updates may open a block
    const block = Buffer.concat([encodeInteger(0, 5, 0x20), encodeInteger(4096, 5, 0x20), hex('82')]);
    expect(decodeBlock(decoder, block)).toEqual([[':method', 'GET']]);
    expect(decoder.entries()).toEqual([]);
    expect(decoder.dynamicTableLimit).toBe(4096);
    expect(() => decoder.decode(hex('82 20'), () => {})).toThrow(/after the first field/);
  });

  it('empties the table for an entry larger than it (§4.4), and still yields the field', () => {
    const decoder = new HpackDecoder(256);
    decodeBlock(decoder, hex(SEQUENCES[2]!.blocks[0]!));
    expect(decoder.entries()).toHaveLength(4);
    const big = 'v'.repeat(300);
    const block = Buffer.concat([hex('40 01 78'), encodeInteger(big.length, 7), Buffer.from(big, 'latin1'), hex('be')]);
    // the field after the big one refers to index 62, which no longer exists
    expect(() => decoder.decode(block, () => {})).toThrow(/index 62/);
    expect(decoder.entries()).toEqual([]);
    expect(decoder.dynamicTableSize).toBe(0);
  });

  it('refuses index 0 and indices past the tables', () => {
    const decoder = new HpackDecoder();
    expect(() => decoder.decode(hex('80'), () => {})).toThrow(/index 0/);
    expect(() => decoder.decode(hex('be'), () => {})).toThrow(/index 62 is beyond/);
    decodeBlock(decoder, hex(SEQUENCES[0]!.blocks[0]!));
    expect(decodeBlock(decoder, hex('be'))).toEqual([[':authority', 'www.example.com']]);
    expect(() => decoder.decode(hex('bf'), () => {})).toThrow(/index 63 is beyond/);
    // a literal's name index past the tables, and a large multi-octet index
    expect(() => decoder.decode(hex('7f 01 00'), () => {})).toThrow(/index 64 is beyond/);
    expect(() => decoder.decode(encodeInteger(100_000, 7, 0x80), () => {})).toThrow(/index 100000 is beyond/);
  });

  it('refuses a truncated block', () => {
    const full = hex(SEQUENCES[0]!.blocks[0]!);
    expect(() => new HpackDecoder().decode(full.subarray(0, full.length - 1), () => {})).toThrow(/runs past the end/);
    const huffman = hex(SEQUENCES[1]!.blocks[0]!);
    expect(() => new HpackDecoder().decode(huffman.subarray(0, huffman.length - 3), () => {})).toThrow(/runs past the end/);
    // a new name with nothing after the field's first octet, and a value missing
    expect(() => new HpackDecoder().decode(hex('40'), () => {})).toThrow(/ends before a string/);
    expect(() => new HpackDecoder().decode(hex('40 01 78'), () => {})).toThrow(/ends before a string/);
    expect(() => new HpackDecoder().decode(hex('ff'), () => {})).toThrow(/ends inside an integer/);
  });

  it('refuses integer overflow in a block', () => {
    expect(() => new HpackDecoder().decode(hex('ff ff ff ff ff 0f'), () => {})).toThrow(/exceeds 2\^31 - 1/);
    // a string length of 2^31
    expect(() => new HpackDecoder().decode(Buffer.concat([hex('00'), encodeInteger(2 ** 31, 7)]), () => {})).toThrow(/exceeds 2\^31 - 1/);
  });

  it('reports Huffman errors from a block as HpackError', () => {
    // literal without indexing, new name 'a' (Huffman, padding 000)
    expect(() => new HpackDecoder().decode(hex('00 81 18 00'), () => {})).toThrow(HpackError);
  });

  it('keeps latin1 octets as one char each', () => {
    const value = 'caf\u00e9 \u00ff\u0080';
    const block = Buffer.concat([hex('00 01 78'), encodeInteger(value.length, 7), Buffer.from(value, 'latin1')]);
    expect(decodeBlock(new HpackDecoder(), block)).toEqual([['x', value]]);
    const huffman = encodeHuffman(value);
    const coded = Buffer.concat([hex('00 01 78'), encodeInteger(huffman.length, 7, 0x80), huffman]);
    expect(decodeBlock(new HpackDecoder(), coded)).toEqual([['x', value]]);
  });
});

// A real peer: node:http2's server, whose nghttp2 encoder picks Huffman or raw per string and
// indexes most fields in the dynamic table. We speak just enough HTTP/2 over a plain socket to
// get the raw header blocks.

const STREAMS = [1, 3, 5];


type Headers = http2.OutgoingHttpHeaders;

function responseHeaders(n: number): Headers {
  return {
    ':status': 200,
    'content-type': 'application/grpc',
    // set, or node adds the current date
    date: 'Mon, 21 Oct 2013 20:13:21 GMT',
    'grpc-encoding': 'identity',
    'grpc-accept-encoding': 'identity,deflate,gzip',
    'x-request-id': `request-${n}-${'r'.repeat(n * 7)}`,
    'x-long-constant': `${'The quick brown fox jumps over the lazy dog. '.repeat(20)}end`,
    'x-long-varying': `${String(n).repeat(700)}`,
    'x-binary-bin': Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 37 + n) & 0xff)).toString('base64'),
    'x-latin1': 'caf\u00e9 \u00fc\u00ff "quoted" <angle> {brace} \\ ~',
    'x-empty': '',
    'set-cookie': ['a=1; Path=/', `b=${n}; HttpOnly`],
    'x-secret': `hunter${n}`,
    [http2.sensitiveHeaders]: ['x-secret'],
  };
}

function responseTrailers(n: number): Headers {
  return { 'grpc-status': n === 3 ? '13' : '0', 'grpc-message': n === 3 ? 'internal%20error' : '', 'x-trailer': 'done' };
}

/** The fields node sends for a headers object: pseudo-headers first, arrays as repeated fields. */
function expectedFields(headers: Headers): Field[] {
  const pseudo: Field[] = [];
  const regular: Field[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) (name.startsWith(':') ? pseudo : regular).push([name, String(one)]);
  }
  return [...pseudo, ...regular];
}

interface Captured {
  stream: number;
  block: Buffer;
}

/** Sends three GETs to a node:http2 server and returns the header blocks it answered with, in order. */
async function captureBlocks(headerTableSize: number | undefined): Promise<Captured[]> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const n = Number(String(headers[':path']).slice(1));
    stream.respond(responseHeaders(n), { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(responseTrailers(n)));
    stream.end(Buffer.from('body'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  try {
    return await new Promise<Captured[]>((resolve, reject) => {
      const captured: Captured[] = [];
      const ended = new Set<number>();
      let pending = Buffer.alloc(0);
      let continued: { stream: number; parts: Buffer[]; endStream: boolean } | undefined;
      const finishBlock = (stream: number, parts: Buffer[], endStream: boolean): void => {
        captured.push({ stream, block: Buffer.concat(parts) });
        if (endStream) ended.add(stream);
        if (STREAMS.every((id) => ended.has(id))) resolve(captured);
      };
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`connection closed after ${captured.length} header blocks`)));
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 9) {
          const length = pending.readUIntBE(0, 3);
          if (pending.length < 9 + length) break;
          const type = pending[3]!;
          const flags = pending[4]!;
          const stream = pending.readUInt32BE(5) & 0x7fffffff;
          let payload = pending.subarray(9, 9 + length);
          pending = pending.subarray(9 + length);
          if (type === FrameType.SETTINGS && (flags & Flag.ACK) === 0) socket.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
          else if (type === FrameType.GOAWAY) reject(new Error(`GOAWAY, error code ${payload.readUInt32BE(4)}`));
          else if (type === FrameType.HEADERS) {
            const padding = flags & Flag.PADDED ? payload[0]! : 0;
            payload = payload.subarray(flags & Flag.PADDED ? 1 : 0, payload.length - padding);
            if (flags & Flag.PRIORITY) payload = payload.subarray(5);
            const endStream = (flags & Flag.END_STREAM) !== 0;
            if (flags & Flag.END_HEADERS) finishBlock(stream, [payload], endStream);
            else continued = { stream, parts: [payload], endStream };
          } else if (type === FrameType.CONTINUATION && continued !== undefined) {
            continued.parts.push(payload);
            if (flags & Flag.END_HEADERS) {
              finishBlock(continued.stream, continued.parts, continued.endStream);
              continued = undefined;
            }
          } else if (type === FrameType.DATA && flags & Flag.END_STREAM) {
            reject(new Error(`stream ${stream} ended without trailers`));
          }
        }
      });
      const settings = Buffer.alloc(headerTableSize === undefined ? 0 : 6);
      if (headerTableSize !== undefined) {
        settings.writeUInt16BE(0x1, 0); // SETTINGS_HEADER_TABLE_SIZE
        settings.writeUInt32BE(headerTableSize, 2);
      }
      const requests = STREAMS.map((stream, i) =>
        frame(
          FrameType.HEADERS,
          Flag.END_STREAM | Flag.END_HEADERS,
          stream,
          encodeHeaderBlock([
            [':method', 'GET'],
            [':scheme', 'http'],
            [':path', `/${i + 1}`],
            [':authority', 'x'],
          ]),
        ),
      );
      socket.write(Buffer.concat([CLIENT_PREFACE, frame(FrameType.SETTINGS, 0, 0, settings), ...requests]));
    });
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('header blocks from node:http2 (nghttp2)', () => {
  it.each([
    { tableSize: 4096, settings: undefined },
    { tableSize: 256, settings: 256 },
    { tableSize: 0, settings: 0 },
  ])('decodes exactly the fields sent, with a $tableSize-octet table', async ({ tableSize, settings }) => {
    const captured = await captureBlocks(settings);
    expect(captured).toHaveLength(2 * STREAMS.length);
    const decoder = new HpackDecoder(tableSize);
    const seen = new Map<number, number>();
    for (const { stream, block } of captured) {
      const n = STREAMS.indexOf(stream) + 1;
      const kind = seen.get(stream) ?? 0;
      seen.set(stream, kind + 1);
      const sent = kind === 0 ? responseHeaders(n) : responseTrailers(n);
      expect(decodeBlock(decoder, block)).toEqual(expectedFields(sent));
      expect(decoder.dynamicTableSize).toBeLessThanOrEqual(tableSize);
    }
    const headerBlocks = captured.filter((_, i) => captured.findIndex((c) => c.stream === captured[i]!.stream) === i).map((c) => c.block);
    const rawOctets = expectedFields(responseHeaders(1)).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
    // Huffman coding makes even the first block shorter than its strings
    expect(headerBlocks[0]!.length).toBeLessThan(rawOctets);
    if (tableSize === 4096) {
      // the dynamic table at work: the later responses are mostly indices into it
      expect(decoder.entries().length).toBeGreaterThan(5);
      expect(headerBlocks[2]!.length).toBeLessThan(headerBlocks[0]!.length / 2);
    } else {
      expect(decoder.dynamicTableLimit).toBe(tableSize);
    }
  });
});
