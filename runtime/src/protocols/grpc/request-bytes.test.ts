/**
 * Client bytes → requests: valid requests decode with their docs kept as bytes; malformed ones are
 * refused with a message naming the message, the field and the byte where it breaks.
 */
import { describe, expect, it } from 'vitest';
import { encodeDocList } from '../../wire/doc-codec.js';
import { dataContentFromDocList, docListFromDataContent, encodeDataRequest } from '../../wire/data-request.js';
import { appendLengthDelimited } from '../../wire/length-delimited.js';
import { MalformedRequestError, parseDataRequest, parseSingleDocumentRequest } from './request-bytes.js';

const docs = encodeDocList([{ id: 'a', text: 'hello' }, { id: 'b', text: 'world' }]);
const valid = encodeDataRequest({
  header: { requestId: 'r', status: undefined, execEndpoint: '/x' },
  parameters: { k: 1 },
  routes: [],
  data: dataContentFromDocList(docs),
});

function refusal(bytes: Uint8Array, parse: (bytes: Uint8Array) => unknown = parseDataRequest): string {
  try {
    parse(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedRequestError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('parseDataRequest', () => {
  it('decodes the envelope and keeps the docs as the bytes they were', () => {
    const request = parseDataRequest(valid);
    expect(request.header).toMatchObject({ requestId: 'r', execEndpoint: '/x' });
    expect(request.parameters).toEqual({ k: 1 });
    expect(Buffer.from(docListFromDataContent(request.data))).toEqual(Buffer.from(docs));
  });

  it('accepts an empty request (the empty message) and unknown fields', () => {
    expect(parseDataRequest(new Uint8Array(0)).header.requestId).toBe('');
    expect(parseDataRequest(Buffer.concat([valid, Buffer.from([0x48, 0x01])])).header.requestId).toBe('r');
  });

  it('names what is wrong', () => {
    expect(refusal(Buffer.from([0xff, 0xff, 0xff]))).toMatch(/^DataRequestProto: invalid field tag at byte 0 of 3/);
    expect(refusal(Buffer.from([0x0f]))).toMatch(/^DataRequestProto: invalid field tag at byte 0/);
    expect(refusal(Buffer.from([0x0a, 0x05, 0x61]))).toBe('DataRequestProto: field 1 (header) at byte 0 is cut short or invalid: premature EOF');
    expect(refusal(Buffer.from([0x08, 0x01]))).toBe('DataRequestProto: field 1 (header) has wire type 0, expected 2 (length-delimited)');
    expect(refusal(Buffer.from([0x00]))).toMatch(/field no 0/);
  });

  it('checks the framing of the documents without decoding them', () => {
    // a doc list whose second doc claims more bytes than there are
    const brokenList = Buffer.concat([appendLengthDelimited(new Uint8Array(0), 1, [Buffer.from([0x0a, 0x00])]), Buffer.from([0x0a, 0x40, 0x01])]);
    const request = encodeDataRequest({ header: { requestId: 'r', status: undefined }, parameters: {}, routes: [], data: dataContentFromDocList(brokenList) });
    expect(refusal(request)).toMatch(/^DataRequestProto\.data\.docs: field 1 \(docs\[1\]\) at byte 4 is cut short/);
    // a truncated request: the data field runs past the end
    expect(refusal(valid.subarray(0, valid.length - 2))).toMatch(/^DataRequestProto: field 4 \(data\)/);
  });
});

describe('parseSingleDocumentRequest', () => {
  it('names a broken document field', () => {
    expect(refusal(Buffer.from([0x22, 0x10, 0x01]), parseSingleDocumentRequest)).toMatch(/^SingleDocumentRequestProto: field 4 \(document\)/);
  });
});
