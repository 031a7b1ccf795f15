/**
 * One-pass serializer of the DataRequestProto a gateway sends an executor: a header without a
 * status, no routes, parameters and the documents' DataContentProto bytes. Exactly the bytes of
 * the generic path (DataRequestProtoWoData.encode, then the data field appended; a test checks
 * this), written into one buffer: no BinaryWriter chunk lists and forks, no second buffer to
 * append the documents to, so one copy of them, or none when they came joined with headroom
 * (headroom.ts).
 *
 * Why: that generic path was ~5 KB of garbage per request in a gateway under load, where garbage
 * collection is the largest single cost (BENCHMARKS.md, gateway throughput).
 */
import { Buffer } from 'node:buffer';
import { Struct } from './gen/google/protobuf/struct.pb.js';
import type { DataRequest } from './data-request.js';
import { claimBefore } from './headroom.js';

// (field number << 3) | wire type
const T_HEADER = (1 << 3) | 2;
const T_PARAMETERS = (2 << 3) | 2;
const T_DATA = (4 << 3) | 2;
const T_REQUEST_ID = (1 << 3) | 2;
const T_EXEC_ENDPOINT = (3 << 3) | 2;
const T_TARGET_EXECUTOR = (4 << 3) | 2;
const T_TIMEOUT = (5 << 3) | 0;

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest > 0x7f; rest = Math.floor(rest / 128)) size++;
  return size;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  let rest = value;
  while (rest > 0x7f) {
    out[at++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}

/** A string field's size: tag, length, UTF-8 bytes. */
function stringSize(bytes: number): number {
  return 1 + varintSize(bytes) + bytes;
}

/**
 * The serialized request, or undefined when it is not the kind this writes (a header with a
 * status, or routes: what responses carry), for the generic path to serialize.
 */
export function writeRequestEnvelope(request: DataRequest): Buffer | undefined {
  const { header, parameters, data } = request;
  if (header.status !== undefined || request.routes.length > 0) return undefined;
  const requestIdBytes = header.requestId === '' ? 0 : Buffer.byteLength(header.requestId, 'utf8');
  const endpointBytes = header.execEndpoint === undefined ? -1 : Buffer.byteLength(header.execEndpoint, 'utf8');
  const targetBytes = header.targetExecutor === undefined ? -1 : Buffer.byteLength(header.targetExecutor, 'utf8');
  // uint32 on the wire, as the generated writer's uint32() writes it
  const timeout = header.timeout === undefined ? undefined : header.timeout >>> 0;
  const headerSize =
    (requestIdBytes > 0 ? stringSize(requestIdBytes) : 0) +
    (endpointBytes >= 0 ? stringSize(endpointBytes) : 0) +
    (targetBytes >= 0 ? stringSize(targetBytes) : 0) +
    (timeout === undefined ? 0 : 1 + varintSize(timeout));
  // an empty Struct is an empty message; others through the generated Struct writer (rare: small)
  const struct = hasKeys(parameters) ? Struct.encode(Struct.wrap(parameters)).finish() : undefined;
  const structSize = struct === undefined ? 0 : struct.length;
  const total =
    1 + varintSize(headerSize) + headerSize + 1 + varintSize(structSize) + structSize + (data === undefined ? 0 : 1 + varintSize(data.length) + data.length);

  // documents joined with headroom (headroom.ts): the envelope is written in front of them, in place
  const inPlace = data === undefined ? undefined : claimBefore(data, total - data.length);
  const out = inPlace ?? Buffer.allocUnsafe(total);
  let at = 0;
  out[at++] = T_HEADER;
  at = writeVarint(out, at, headerSize);
  if (requestIdBytes > 0) at = writeString(out, at, T_REQUEST_ID, header.requestId, requestIdBytes);
  if (endpointBytes >= 0) at = writeString(out, at, T_EXEC_ENDPOINT, header.execEndpoint!, endpointBytes);
  if (targetBytes >= 0) at = writeString(out, at, T_TARGET_EXECUTOR, header.targetExecutor!, targetBytes);
  if (timeout !== undefined) {
    out[at++] = T_TIMEOUT;
    at = writeVarint(out, at, timeout);
  }
  out[at++] = T_PARAMETERS;
  at = writeVarint(out, at, structSize);
  if (struct !== undefined) {
    out.set(struct, at);
    at += structSize;
  }
  if (data !== undefined) {
    out[at++] = T_DATA;
    at = writeVarint(out, at, data.length);
    if (inPlace === undefined) out.set(data, at);
    at += data.length;
  }
  if (at !== total) throw new Error(`DataRequestProto writer wrote ${at} of ${total} bytes`);
  return out;
}

function writeString(out: Buffer, at: number, tag: number, value: string, bytes: number): number {
  out[at++] = tag;
  at = writeVarint(out, at, bytes);
  return at + out.write(value, at, bytes, 'utf8');
}

function hasKeys(object: object): boolean {
  for (const _key in object) return true;
  return false;
}
