import { describe, expect, it } from 'vitest';
import { DocListProto } from './gen/docarray/docarray.pb.js';
import { DataRequestProto, StatusProto_StatusCode } from './gen/jina/jina.pb.js';
import {
  dataContentFromDocList,
  decodeDataRequest,
  docListFromDataContent,
  encodeDataRequest,
  newRequestId,
} from './data-request.js';

const docList = DocListProto.encode({
  docs: [{ data: { id: { content: { $case: 'text', value: 'd1' }, docarrayType: { $case: 'type', value: 'id' } } } }],
}).finish();

describe('data requests', () => {
  it('request ids look like uuid4().hex', () => {
    expect(newRequestId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newRequestId()).not.toBe(newRequestId());
  });

  it('encodes what the full generated DataRequestProto decodes, docs untouched', () => {
    const bytes = encodeDataRequest({
      header: { requestId: 'r1', status: undefined, execEndpoint: '/foo', targetExecutor: '' },
      parameters: { k: 3, nested: { a: 'b' } },
      routes: [{ executor: 'gateway', startTime: { seconds: 1, nanos: 2 }, endTime: undefined, status: undefined }],
      data: dataContentFromDocList(docList),
    });
    const full = DataRequestProto.decode(bytes);
    expect(full.header).toMatchObject({ requestId: 'r1', execEndpoint: '/foo', targetExecutor: '' });
    expect(full.parameters).toEqual({ k: 3, nested: { a: 'b' } });
    expect(full.routes[0]?.executor).toBe('gateway');
    expect(full.data?.documents?.$case).toBe('docs');
    expect(Buffer.from(DocListProto.encode((full.data!.documents as { value: DocListProto }).value).finish())).toEqual(Buffer.from(docList));
  });

  it('decodes what the full generated DataRequestProto encodes, keeping docs as bytes', () => {
    const bytes = DataRequestProto.encode({
      header: { requestId: 'r2', status: { code: StatusProto_StatusCode.ERROR, description: 'x', exception: undefined } },
      parameters: { p: true },
      routes: [],
      data: { documents: { $case: 'docsBytes', value: Buffer.from(docList) } },
    }).finish();
    const request = decodeDataRequest(bytes);
    expect(request.header.requestId).toBe('r2');
    expect(request.header.status?.code).toBe(StatusProto_StatusCode.ERROR);
    expect(request.parameters).toEqual({ p: true });
    // docs_bytes (field 2) is a serialized DocListProto too
    expect(Buffer.from(docListFromDataContent(request.data))).toEqual(Buffer.from(docList));
    // and re-encoding keeps field 4 byte for byte
    expect(Buffer.from(encodeDataRequest(request))).toEqual(Buffer.from(bytes));
  });

  it('treats a request without data as an empty doc list', () => {
    const request = decodeDataRequest(DataRequestProto.encode({ header: undefined, parameters: undefined, routes: [], data: undefined }).finish());
    expect(request.data).toBeUndefined();
    expect(docListFromDataContent(request.data).length).toBe(0);
  });

  it('wraps large doc lists with a multi-byte length', () => {
    const big = new Uint8Array(300_000).fill(7);
    expect(Buffer.from(docListFromDataContent(dataContentFromDocList(big)))).toEqual(Buffer.from(big));
  });

  it('fails on truncated bytes instead of inventing a request', () => {
    const bytes = encodeDataRequest({ header: { requestId: 'r', status: undefined }, parameters: {}, routes: [], data: dataContentFromDocList(docList) });
    expect(() => decodeDataRequest(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});
