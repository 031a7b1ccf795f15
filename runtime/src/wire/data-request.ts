/**
 * Jina's DataRequestProto as the gateway handles it in flight: header, parameters and routes
 * decoded, the documents kept as the serialized DataContentProto they arrived in. Forwarding a
 * request re-encodes only the small envelope; the document bytes are copied through untouched.
 */
import { randomUUID } from 'node:crypto';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { writeRequestEnvelope } from './envelope-writer.js';
import { claimBefore } from './headroom.js';
import { appendLengthDelimited, lengthDelimitedPrefix } from './length-delimited.js';
import { Struct } from './gen/google/protobuf/struct.pb.js';
import {
  DataRequestProtoWoData,
  HeaderProto,
  RouteProto,
  type StatusProto,
  StatusProto_StatusCode,
} from './gen/jina/jina.pb.js';

export interface DataRequest {
  header: HeaderProto;
  /** google.protobuf.Struct as a plain object: every number is a double on the wire. */
  parameters: Record<string, unknown>;
  routes: RouteProto[];
  /** A serialized DataContentProto (docs or docs_bytes), or undefined when the request has none. */
  data: Buffer | undefined;
}

/** A request id as Python's uuid4().hex: 32 lowercase hex characters. */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * Serializes a request: the envelope (fields 1-3), then field 4 as the raw DataContentProto
 * bytes. One copy of the documents, no decode. What a gateway sends an executor goes through the
 * one-pass writer (envelope-writer.ts); responses (status, routes) through Jina's own
 * DataRequestProtoWoData, the same bytes either way.
 */
export function encodeDataRequest(request: DataRequest): Buffer {
  return writeRequestEnvelope(request) ?? encodeDataRequestGeneric(request);
}

/** encodeDataRequest through the generated DataRequestProtoWoData writer (any request). */
export function encodeDataRequestGeneric(request: DataRequest): Buffer {
  const envelope = DataRequestProtoWoData.encode({
    header: request.header,
    parameters: request.parameters,
    routes: request.routes,
  }).finish();
  if (request.data === undefined) return asBuffer(envelope);
  // documents joined with headroom (wire/headroom.ts): the envelope goes in front of them, no copy
  const prefix = lengthDelimitedPrefix(4, request.data.length);
  const inPlace = claimBefore(request.data, envelope.length + prefix.length);
  if (inPlace !== undefined) {
    inPlace.set(envelope, 0);
    inPlace.set(prefix, envelope.length);
    return inPlace;
  }
  return appendLengthDelimited(envelope, 4, [request.data]);
}

/**
 * Parses a serialized DataRequestProto. Header, parameters and routes are decoded; the data
 * field is returned as a view into `bytes` (no copy), so keep `bytes` alive while using it.
 * A repeated embedded-message field merges in protobuf; Jina never repeats them, and for the
 * data field the last occurrence wins here.
 */
export function decodeDataRequest(bytes: Uint8Array): DataRequest {
  const reader = new BinaryReader(bytes);
  const request: DataRequest = {
    header: { requestId: '', status: undefined },
    parameters: {},
    routes: [],
    data: undefined,
  };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited || field < 1 || field > 4) {
      reader.skip(wireType, field);
      continue;
    }
    const value = reader.bytes();
    switch (field) {
      case 1:
        request.header = HeaderProto.decode(value);
        break;
      case 2:
        request.parameters = Struct.unwrap(Struct.decode(value)) as Record<string, unknown>;
        break;
      case 3:
        request.routes.push(RouteProto.decode(value));
        break;
      case 4:
        request.data = asBuffer(value);
        break;
    }
  }
  return request;
}

/** A Buffer over the same memory (grpc-js wants Buffers; Buffer.from(u8) would copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Wraps serialized DocListProto bytes as a DataContentProto with the `docs` field (what Jina writes). */
export function dataContentFromDocList(docListBytes: Uint8Array): Buffer {
  return appendLengthDelimited(EMPTY, 1, [docListBytes]);
}

/**
 * The serialized DocListProto inside a DataContentProto, without copying. `docs` (1) and
 * `docs_bytes` (2) both carry a serialized DocListProto; an absent content is an empty list.
 */
export function docListFromDataContent(content: Uint8Array | undefined): Uint8Array {
  if (content === undefined || content.length === 0) return EMPTY;
  const reader = new BinaryReader(content);
  let found: Uint8Array = EMPTY;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if ((field === 1 || field === 2) && wireType === WireType.LengthDelimited) {
      found = reader.bytes(); // last one wins, as protobuf's oneof merge does
    } else {
      reader.skip(wireType, field);
    }
  }
  return found;
}

const EMPTY = new Uint8Array(0);


export function isErrorStatus(status: StatusProto | undefined): boolean {
  return status?.code === StatusProto_StatusCode.ERROR;
}
