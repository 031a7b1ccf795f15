import { Buffer } from 'node:buffer';
import { describe, it, expect } from 'vitest';
import { DocListProto, type DocProto, type NodeProto } from './gen/docarray/docarray.pb.js';
import { serializeDocList } from './doc-list-writer.js';

function generated(list: DocListProto): string {
  return Buffer.from(DocListProto.encode(list).finish()).toString('hex');
}

function ours(list: DocListProto): string {
  return Buffer.from(serializeDocList(list)).toString('hex');
}

const text = (value: string, type?: string): NodeProto => ({ content: { $case: 'text', value }, ...(type === undefined ? {} : { docarrayType: { $case: 'type', value: type } }) });

/** A deterministic pseudo-random DocListProto covering every NodeProto kind and edge value. */
function randomList(seed: number): DocListProto {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const strings = ['', 'a', 'id', 'héllo wörld', '日本語', '🙂 emoji', 'x'.repeat(200), '\ud800 lone', 'é'.repeat(70)];
  const node = (depth: number): NodeProto => {
    const kind = Math.floor(random() * (depth > 2 ? 7 : 13));
    switch (kind) {
      case 0:
        return text(pick(strings), random() < 0.3 ? pick(['id', 'image_url', 'x'.repeat(130)]) : undefined);
      case 1:
        return { content: { $case: 'integer', value: pick([0, 1, 127, 128, 16384, 2 ** 31 - 1, -1, -128, -(2 ** 31)]) } };
      case 2:
        return { content: { $case: 'float', value: pick([0, -0, 0.1, 1e300, NaN, -Infinity, 2 ** 40]) } };
      case 3:
        return { content: { $case: 'boolean', value: random() < 0.5 } };
      case 4:
        return { content: { $case: 'blob', value: Buffer.alloc(Math.floor(random() * 300), 7) } };
      case 5:
        return {};
      case 6: {
        const count = Math.floor(random() * 40);
        return {
          content: {
            $case: 'ndarray',
            value: {
              dense: { buffer: Buffer.alloc(count * 4, 1), shape: count === 0 ? pick([[], [0, 3]]) : [count, 1, 2 ** 20 + 1], dtype: pick(['<f4', '', '|u1']) },
              parameters: random() < 0.2 ? { a: 1, b: ['x'] } : undefined,
            },
          },
          docarrayType: { $case: 'type', value: 'ndarray' },
        };
      }
      case 7:
        return { content: { $case: 'doc', value: doc(depth + 1) } };
      case 8:
        return { content: { $case: 'dict', value: doc(depth + 1) } };
      case 9:
        return { content: { $case: 'docArray', value: { docs: Array.from({ length: Math.floor(random() * 3) }, () => doc(depth + 1)) } } };
      default:
        return { content: { $case: pick(['list', 'set', 'tuple'] as const), value: { data: Array.from({ length: Math.floor(random() * 4) }, () => node(depth + 1)) } } };
    }
  };
  const doc = (depth: number): DocProto => {
    const data: Record<string, NodeProto> = {};
    const fields = Math.floor(random() * 6);
    for (let i = 0; i < fields; i++) data[pick(['', 'id', 'text', 'é', `f${i}`, 'k'.repeat(150)])] = node(depth);
    return { data };
  };
  return { docs: Array.from({ length: 1 + Math.floor(random() * 4) }, () => doc(0)) };
}

describe('serializeDocList', () => {
  it('writes the bytes of the generated encoder (edge values)', () => {
    const list: DocListProto = {
      docs: [
        { data: {} },
        { data: { id: text('abc', 'id'), none: {}, neg: { content: { $case: 'integer', value: -5 } } } },
        { data: { big: { content: { $case: 'blob', value: Buffer.alloc(70000, 3) } } } },
      ],
    };
    expect(ours(list)).toBe(generated(list));
    expect(ours({ docs: [] })).toBe('');
  });

  it('writes the bytes of the generated encoder (500 random lists)', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const list = randomList(seed);
      expect(ours(list), `seed ${seed}`).toBe(generated(list));
    }
  });

  it('keeps a __proto__ field', () => {
    const data: Record<string, NodeProto> = {};
    Object.defineProperty(data, '__proto__', { value: text('x'), enumerable: true, configurable: true, writable: true });
    const list = { docs: [{ data }] };
    expect(ours(list)).toBe(generated(list));
    expect(ours(list)).toContain(Buffer.from('__proto__').toString('hex'));
  });
});
