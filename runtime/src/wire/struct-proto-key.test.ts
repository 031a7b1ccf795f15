/**
 * A hostile peer's `parameters` (a google.protobuf.Struct) with a key named `__proto__`: the
 * generated reader (ts-proto) sets map entries by plain assignment, which for that key sets the
 * prototype of a temporary object instead of adding an own property, and `unwrap` copies own
 * keys only. So the key is dropped when we decode (the bytes forwarded to executors keep it), and
 * nothing is polluted: neither Object.prototype nor the decoded parameters' own prototype, also
 * in a nested Struct. This test pins that down, so a ts-proto upgrade that changes it fails here.
 */
import { describe, expect, it } from 'vitest';
import { dataContentFromDocList, decodeDataRequest, encodeDataRequest } from './data-request.js';
import { encodeDocList } from './doc-codec.js';

/** A request whose parameters hold `key` (9 bytes, replaced on the wire by `__proto__`). */
function requestWithProtoKey(parameters: Record<string, unknown>): Buffer {
  const bytes = encodeDataRequest({
    header: { requestId: 'r', status: undefined, execEndpoint: '/x', targetExecutor: '' },
    parameters,
    routes: [],
    data: dataContentFromDocList(encodeDocList([{ text: 'a' }])),
  });
  const stand = Buffer.from('__proto_x');
  let at = bytes.indexOf(stand);
  expect(at).toBeGreaterThanOrEqual(0);
  for (; at >= 0; at = bytes.indexOf(stand, at + 1)) Buffer.from('__proto__').copy(bytes, at);
  return bytes;
}

describe('a Struct key named __proto__ from the wire', () => {
  it('is dropped on decode and pollutes nothing, at the top and nested', () => {
    const bytes = requestWithProtoKey({ __proto_x: { polluted: true }, kept: { __proto_x: { deep: 1 }, also: 2 } });
    const decoded = decodeDataRequest(bytes);
    const parameters = decoded.parameters as Record<string, unknown>;
    expect(Object.keys(parameters)).toEqual(['kept']);
    expect(Object.getPrototypeOf(parameters)).toBe(Object.prototype);
    expect('polluted' in parameters).toBe(false);
    const kept = parameters.kept as Record<string, unknown>;
    expect(kept).toEqual({ also: 2 });
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect('deep' in kept).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).deep).toBeUndefined();
  });

  it('re-encoded from the decoded request, the key is gone; the received bytes still carry it', () => {
    const bytes = requestWithProtoKey({ __proto_x: 'x', n: 1 });
    expect(bytes.includes(Buffer.from('__proto__'))).toBe(true);
    const again = encodeDataRequest(decodeDataRequest(bytes));
    expect(again.includes(Buffer.from('__proto__'))).toBe(false);
    expect(decodeDataRequest(again).parameters).toEqual({ n: 1 });
  });
});
