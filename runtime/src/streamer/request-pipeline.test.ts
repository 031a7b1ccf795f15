import { describe, expect, it } from 'vitest';
import { pipeline } from './request-pipeline.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('pipeline', () => {
  it('yields in completion order by default and in input order when asked', async () => {
    const handle = async (ms: number) => {
      await delay(ms);
      return ms;
    };
    expect(await collect(pipeline([30, 1, 15], handle))).toEqual([1, 15, 30]);
    expect(await collect(pipeline([30, 1, 15], handle, { inOrder: true }))).toEqual([30, 1, 15]);
  });

  it('keeps at most `prefetch` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const handle = async (value: number) => {
      peak = Math.max(peak, ++inFlight);
      await delay(2);
      inFlight--;
      return value;
    };
    const results = await collect(pipeline(Array.from({ length: 40 }, (_, i) => i), handle, { prefetch: 3 }));
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('reads an async input lazily: an endless source is fine under prefetch', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) yield produced++;
    }
    const out: number[] = [];
    for await (const value of pipeline(endless(), async (v) => v, { prefetch: 2, inOrder: true })) {
      out.push(value);
      if (out.length === 5) break;
    }
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(produced).toBeLessThanOrEqual(8);
  });

  it('surfaces a handler error to the consumer', async () => {
    const handle = async (value: number) => {
      if (value === 2) throw new Error('bad 2');
      return value;
    };
    await expect(collect(pipeline([1, 2, 3], handle, { inOrder: true }))).rejects.toThrow('bad 2');
  });

  it('handles an empty input', async () => {
    expect(await collect(pipeline([], async (v: number) => v))).toEqual([]);
  });
});
