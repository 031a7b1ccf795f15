/**
 * Client bytes → requests, refusing malformed input with a message that says what is wrong
 * (`MalformedRequestError`, answered as INVALID_ARGUMENT over gRPC and close 1007 over WebSocket).
 *
 * Documents stay bytes, but their framing is checked here: the DataContentProto, the DocListProto
 * inside it and each DocProto's length. A request whose document bytes are cut short would
 * otherwise reach the executor, whose parse error comes back as a gRPC failure the gateway retries
 * and then reports as a network error of that deployment, blaming the wrong party. Checking the
 * framing reads a tag and a length per document, never the documents' contents.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { type DataRequest, decodeDataRequest } from '../../wire/data-request.js';
import { SingleDocumentRequestProto } from '../../wire/gen/jina/jina.pb.js';

export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}

/** The length-delimited fields of a message, by number; repeated ones are named with their index. */
type Fields = Readonly<Record<number, { name: string; repeated?: true }>>;

const DATA_REQUEST_FIELDS: Fields = { 1: { name: 'header' }, 2: { name: 'parameters' }, 3: { name: 'routes', repeated: true }, 4: { name: 'data' } };
const SINGLE_DOCUMENT_FIELDS: Fields = { 1: { name: 'header' }, 2: { name: 'parameters' }, 3: { name: 'routes', repeated: true }, 4: { name: 'document' } };
const DATA_CONTENT_FIELDS: Fields = { 1: { name: 'docs' }, 2: { name: 'docs_bytes' } };
const DOC_LIST_FIELDS: Fields = { 1: { name: 'docs', repeated: true } };

/** A serialized DataRequestProto as the gateway handles it (header, parameters, routes decoded; docs bytes). */
export function parseDataRequest(bytes: Uint8Array): DataRequest {
  checkFraming(bytes, 'DataRequestProto', DATA_REQUEST_FIELDS);
  let request: DataRequest;
  try {
    request = decodeDataRequest(bytes);
  } catch (error) {
    throw new MalformedRequestError(`DataRequestProto: header, parameters or routes cannot be decoded: ${reason(error)}`);
  }
  if (request.data !== undefined) checkDataContent(request.data);
  return request;
}

/** A serialized SingleDocumentRequestProto (stream_doc), fully decoded. */
export function parseSingleDocumentRequest(bytes: Uint8Array): SingleDocumentRequestProto {
  checkFraming(bytes, 'SingleDocumentRequestProto', SINGLE_DOCUMENT_FIELDS);
  try {
    return SingleDocumentRequestProto.decode(bytes);
  } catch (error) {
    throw new MalformedRequestError(`SingleDocumentRequestProto cannot be decoded: ${reason(error)}`);
  }
}

/** DataContentProto → its DocListProto (docs or docs_bytes) → each DocProto's framing. */
function checkDataContent(content: Uint8Array): void {
  const context = 'DataRequestProto.data';
  checkFraming(content, context, DATA_CONTENT_FIELDS);
  const reader = new BinaryReader(content);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if ((field === 1 || field === 2) && wireType === WireType.LengthDelimited) {
      checkFraming(reader.bytes(), `${context}.${DATA_CONTENT_FIELDS[field]!.name}`, DOC_LIST_FIELDS);
    } else {
      reader.skip(wireType, field);
    }
  }
}

/**
 * Walks the top-level fields of a message: every tag valid, every length within the bytes, and
 * the known message fields length-delimited. Names the field that breaks it.
 */
function checkFraming(bytes: Uint8Array, message: string, fields: Fields): void {
  const reader = new BinaryReader(bytes);
  const seen = new Map<number, number>();
  while (reader.pos < reader.len) {
    const at = reader.pos;
    let field: number;
    let wireType: WireType;
    try {
      [field, wireType] = reader.tag();
    } catch (error) {
      throw new MalformedRequestError(`${message}: invalid field tag at byte ${at} of ${bytes.length}: ${reason(error)}`);
    }
    const known = fields[field];
    const index = seen.get(field) ?? 0;
    seen.set(field, index + 1);
    const what = known === undefined ? `field ${field}` : `field ${field} (${known.name}${known.repeated ? `[${index}]` : ''})`;
    if (known !== undefined && wireType !== WireType.LengthDelimited) {
      throw new MalformedRequestError(`${message}: ${what} has wire type ${wireType}, expected 2 (length-delimited)`);
    }
    try {
      reader.skip(wireType, field);
    } catch (error) {
      throw new MalformedRequestError(`${message}: ${what} at byte ${at} is cut short or invalid: ${reason(error)}`);
    }
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
