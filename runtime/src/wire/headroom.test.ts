/**
 * Re-encoding documents joined with headroom: the same bytes as the copying path, written in
 * place the first time (no copy of the documents), copied every later time (the first encoding
 * stays intact), and never in place for bytes that did not come from joinWithHeadroom.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzSeed } from '../../../test/support/hostile-names.js';
import { type DataRequest, decodeDataRequest, encodeDataRequest } from './data-request.js';
import { HEADROOM_FROM_BYTES, joinWithHeadroom } from './headroom.js';

function request(dataBytes: number, options: { response?: boolean; parameters?: Record<string, unknown> } = {}): DataRequest {
  const data = Buffer.alloc(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (i * 7) & 0xff;
  return {
    header: { requestId: 'f'.repeat(32), status: options.response ? { code: 0, description: 'ok', exception: undefined } : undefined, execEndpoint: '/x', targetExecutor: '' },
    parameters: options.parameters ?? { k: 3 },
    routes: options.response ? [{ executor: 'a', startTime: undefined, endTime: undefined, status: undefined }] : [],
    data,
  };
}

/** `bytes` as an executor's response arrives: in chunks, joined by the channel (a gRPC prefix in front). */
function received(bytes: Buffer, chunkBytes = 16_384): Buffer {
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), bytes]);
  const chunks: Buffer[] = [];
  for (let at = 0; at < framed.length; at += chunkBytes) chunks.push(framed.subarray(at, at + chunkBytes));
  return joinWithHeadroom(chunks, framed.length).subarray(5);
}

/** Whether `out` ends with `data` itself (the same memory: written in place), not a copy of it. */
function endsWithTheSameDocs(out: Buffer, data: Uint8Array): boolean {
  // Node's shared pool hands small buffers out of one ArrayBuffer: compare where they are too
  return out.buffer === data.buffer && out.byteOffset + out.length === data.byteOffset + data.length;
}

describe('joinWithHeadroom + re-encode', () => {
  it('a response re-encoded with a new route: the same bytes, in the joined buffer (no copy of the docs)', () => {
    const original = encodeDataRequest(request(200_000, { response: true }));
    const joined = received(original);
    const decoded = decodeDataRequest(joined);
    decoded.routes = [{ executor: 'gateway', startTime: undefined, endTime: undefined, status: undefined }, ...decoded.routes];
    const expected = encodeDataRequest({ ...decodeDataRequest(Buffer.from(joined)), routes: decoded.routes });
    const again = encodeDataRequest(decoded);
    expect(again.equals(expected)).toBe(true);
    expect(endsWithTheSameDocs(again, decoded.data!)).toBe(true);
  });

  it('forwarded to the next executor (the request writer): in place the first time, copied the second, the first left intact', () => {
    const joined = received(encodeDataRequest(request(100_000, { response: true })));
    const decoded = decodeDataRequest(joined);
    const next: DataRequest = { ...decoded, header: { ...decoded.header, status: undefined }, routes: [] };
    const expected = encodeDataRequest({ ...next, data: Buffer.from(next.data!) });
    const first = encodeDataRequest(next);
    const firstCopy = Buffer.from(first);
    const second = encodeDataRequest({ ...next, parameters: { branch: 'c' } });
    expect(first.equals(expected)).toBe(true);
    expect(endsWithTheSameDocs(first, next.data!)).toBe(true);
    expect(endsWithTheSameDocs(second, next.data!)).toBe(false);
    expect(decodeDataRequest(second).parameters).toEqual({ branch: 'c' });
    expect(first.equals(firstCopy)).toBe(true);
  });

  it('copies what did not come joined with headroom, small joins, and an envelope larger than the room', () => {
    const plain = decodeDataRequest(encodeDataRequest(request(200_000, { response: true })));
    expect(endsWithTheSameDocs(encodeDataRequest(plain), plain.data!)).toBe(false);
    const small = decodeDataRequest(received(encodeDataRequest(request(HEADROOM_FROM_BYTES / 4, { response: true })), 1024));
    expect(endsWithTheSameDocs(encodeDataRequest(small), small.data!)).toBe(false);
    const joined = received(encodeDataRequest(request(200_000, { response: true })));
    const big = { ...decodeDataRequest(joined), parameters: { long: 'x'.repeat(10_000) } };
    const encoded = encodeDataRequest(big);
    expect(endsWithTheSameDocs(encoded, big.data!)).toBe(false);
    expect(decodeDataRequest(encoded).parameters).toEqual({ long: 'x'.repeat(10_000) });
  });

  it('whatever the envelope and the sizes: the bytes of the copying path', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: HEADROOM_FROM_BYTES, max: 300_000 }),
        fc.integer({ min: 1, max: 70_000 }),
        fc.boolean(),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string({ maxLength: 3000 }), fc.double({ noNaN: true }), fc.boolean()), { maxKeys: 4 }),
        (dataBytes, chunkBytes, response, parameters) => {
          const joined = received(encodeDataRequest(request(dataBytes, { response })), chunkBytes);
          const decoded = decodeDataRequest(joined);
          const changed = { ...decoded, parameters: { ...decoded.parameters, ...parameters } };
          // the copying path's bytes, before the in-place write reuses the old envelope's room
          const reference = encodeDataRequest({ ...changed, data: Buffer.from(decoded.data!) });
          const out = encodeDataRequest(changed);
          expect(out.equals(reference)).toBe(true);
          // in place unless the new envelope does not fit in front of the docs
          if (reference.length - dataBytes < 4096) expect(endsWithTheSameDocs(out, decoded.data!)).toBe(true);
        },
      ),
      { numRuns: fuzzRuns(40), seed: fuzzSeed() },
    );
  });
});
