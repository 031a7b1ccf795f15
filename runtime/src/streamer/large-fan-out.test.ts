/**
 * A large response fanned out: executor a answers with a 1 MiB tensor (many DATA frames, so the
 * channel joins it with headroom), and b and c both get a's documents, each with parameters of its
 * own. The first request re-encoded from a's response is written in place (wire/headroom.ts), the
 * second is a copy: neither may see the other's parameters or a damaged tensor, and the response
 * from both leaves is right. Real gRPC on loopback, our TypeScript executors as the peers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutorServer, serveExecutor } from '../executor-server/serve-executor.js';
import { type Doc, NdArray } from '../wire/doc.js';
import { GatewayStreamer } from './gateway-streamer.js';

const ELEMENTS = 262_144; // 1 MiB of float32
const servers: ExecutorServer[] = [];
let streamer: GatewayStreamer;

function checksum(doc: Doc): number {
  const tensor = doc.embedding as NdArray;
  let sum = 0;
  for (const value of tensor.data as Float32Array) sum += value;
  return sum;
}

beforeAll(async () => {
  const serve = async (name: string, handler: (docs: Doc[], parameters: Record<string, unknown>) => Doc[]) => {
    const server = await serveExecutor({ name, host: '127.0.0.1', endpoints: { '/big': { handler: (docs: Doc[], context) => handler(docs, context.parameters) } } });
    servers.push(server);
    return server.address;
  };
  const a = await serve('a', (docs) => docs.map((doc) => ({ ...doc, embedding: new NdArray(new Float32Array(ELEMENTS).map((_, i) => i % 7), [ELEMENTS], '<f4') })));
  // b and c report what they got: their parameter and the tensor's checksum
  const report = (name: string) => (docs: Doc[], parameters: Record<string, unknown>) => docs.map((doc) => ({ ...doc, [`seen_${name}`]: `${String(parameters.k)}:${checksum(doc)}` }));
  const b = await serve('b', report('b'));
  const c = await serve('c', report('c'));
  streamer = new GatewayStreamer({
    graphDescription: { 'start-gateway': ['a'], a: ['b', 'c'], b: ['end-gateway'], c: ['end-gateway'] },
    deploymentsAddresses: { a: [a], b: [b], c: [c] },
  });
});

afterAll(async () => {
  streamer?.close();
  await Promise.all(servers.map((server) => server.close()));
});

describe('a 1 MiB response fanned out to two executors', () => {
  it('each gets the whole tensor and its own parameters, again and again', async () => {
    let expectedSum = 0;
    for (let i = 0; i < ELEMENTS; i++) expectedSum += i % 7;
    for (let round = 0; round < 5; round++) {
      const results = [];
      for await (const result of streamer.stream({ docs: [{ id: `d${round}` }], execEndpoint: '/big', parameters: { k: 'shared', b__k: `b${round}`, c__k: `c${round}` } })) results.push(result);
      expect(results).toHaveLength(1);
      const [doc] = results[0]!.docs;
      expect(results[0]!.error).toBeUndefined();
      const seen = [doc!.seen_b, doc!.seen_c].filter((value) => value !== undefined);
      // Jina's rule: the response is one leaf's; whichever it is, what it saw is its own
      expect(seen.length).toBeGreaterThan(0);
      for (const value of seen) expect(value).toMatch(new RegExp(`^[bc]${round}:${expectedSum}$`));
      expect(checksum(doc!)).toBe(expectedSum);
    }
  }, 60_000);
});
