import { describe, expect, it } from 'vitest';
import { type DataRequest, dataContentFromDocList, encodeDataRequest, encodeDataRequestGeneric } from './data-request.js';
import { writeRequestEnvelope } from './envelope-writer.js';
import { DocListProto } from './gen/docarray/docarray.pb.js';
import { StatusProto_StatusCode } from './gen/jina/jina.pb.js';

const docs = (count: number, text: string) =>
  dataContentFromDocList(
    DocListProto.encode({
      docs: Array.from({ length: count }, (_, i) => ({ data: { text: { content: { $case: 'text', value: `${text}${i}` }, docarrayType: undefined } } })),
    }).finish(),
  );

const REQUESTS: [string, DataRequest][] = [
  ['the gateway’s usual request', { header: { requestId: 'a'.repeat(32), status: undefined, execEndpoint: '/encode', targetExecutor: '' }, parameters: {}, routes: [], data: docs(1, 'hello') }],
  ['no docs, no endpoint', { header: { requestId: 'r', status: undefined }, parameters: {}, routes: [], data: undefined }],
  ['empty request id and empty data', { header: { requestId: '', status: undefined, execEndpoint: '' }, parameters: {}, routes: [], data: Buffer.alloc(0) }],
  ['a zero timeout', { header: { requestId: 'r', status: undefined, timeout: 0 }, parameters: {}, routes: [], data: undefined }],
  ['a large timeout', { header: { requestId: 'r', status: undefined, timeout: 4_000_000_000 }, parameters: {}, routes: [], data: undefined }],
  ['unicode and lone surrogates in strings', { header: { requestId: 'é✓😀', status: undefined, execEndpoint: '/ünï/\ud800x', targetExecutor: 'exec-ü' }, parameters: {}, routes: [], data: docs(2, 'ü') }],
  ['parameters of every JSON kind', { header: { requestId: 'r', status: undefined }, parameters: { k: 3, f: 0.5, s: 'x', b: true, n: null, list: [1, 'a', { deep: [] }], obj: { a: { b: {} } } }, routes: [], data: docs(1, 'p') }],
  ['long strings and many docs (multi-byte lengths)', { header: { requestId: 'r'.repeat(300), status: undefined, execEndpoint: `/${'e'.repeat(20_000)}` }, parameters: { big: 'v'.repeat(70_000) }, routes: [], data: docs(2_000, 'doc') }],
];

describe('the one-pass request writer', () => {
  it.each(REQUESTS)('writes the generic path’s bytes exactly (%s)', (_name, request) => {
    const written = writeRequestEnvelope(request);
    expect(written).toBeDefined();
    expect(Buffer.compare(written!, encodeDataRequestGeneric(request))).toBe(0);
    expect(Buffer.compare(encodeDataRequest(request), encodeDataRequestGeneric(request))).toBe(0);
  });

  it('leaves responses (a status, routes) to the generic path, which encodeDataRequest then takes', () => {
    const withStatus: DataRequest = { header: { requestId: 'r', status: { code: StatusProto_StatusCode.ERROR, description: 'boom', exception: undefined } }, parameters: {}, routes: [], data: undefined };
    const withRoutes: DataRequest = { header: { requestId: 'r', status: undefined }, parameters: {}, routes: [{ executor: 'gateway', startTime: { seconds: 1, nanos: 2 }, endTime: undefined, status: undefined }], data: docs(1, 'x') };
    for (const request of [withStatus, withRoutes]) {
      expect(writeRequestEnvelope(request)).toBeUndefined();
      expect(Buffer.compare(encodeDataRequest(request), encodeDataRequestGeneric(request))).toBe(0);
    }
  });
});
