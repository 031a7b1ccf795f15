/**
 * Documents ⇄ the messages of a generated gateway's typed gRPC service (protos/gateway.proto, as
 * ts-proto decodes and encodes them), driven by the table the generator writes in
 * `src/gen/grpc.ts`: for each message, which document field each of its fields holds.
 *
 * What proto3 cannot say is read back from the table: a model's own field names (the proto's are
 * lower_snake_case, ts-proto's camelCase), `Tensor {data, shape, dtype}` as an NdArray, lists and
 * maps inside lists and maps as wrapper messages (`values`), tuples (`item_0`, `item_1`, …),
 * `google.protobuf.Value` as any JSON value. A request that cannot be a document of the model
 * (a required nested model or tensor missing, a tensor whose data does not fill its shape, an
 * unknown dtype) is a ProtoArgumentError naming the path (`docs[0].embedding`).
 */
import { rootedError } from '../wire/codec-error.js';
import { isPlainObject, NdArray, setField, type Doc, type DocValue } from '../wire/doc.js';
import { docToJson } from '../wire/doc-json.js';
import { float16ToNumber, ndarrayFromNested, parseDtype } from '../wire/tensor.js';

/** A scalar, `value` (google.protobuf.Value), `struct` (google.protobuf.Struct), `tensor`, or a message of the table. */
export type ProtoFieldType = 'string' | 'int64' | 'double' | 'bool' | 'bytes' | 'value' | 'struct' | 'tensor' | (string & {});

export interface ProtoFieldCodec {
  /** The document field it holds (the model's name for it, as the executor spells it). */
  readonly doc: string;
  readonly kind: 'single' | 'optional' | 'repeated' | 'map';
  readonly type: ProtoFieldType;
  /** Required by the model: a request without it is refused (unless `nullable`: then it is null). */
  readonly required?: boolean;
  readonly nullable?: boolean;
}

export interface ProtoMessageCodec {
  /** `model`: a document or nested model; `values`: a list or map inside a list or map; `tuple`: items in field order. */
  readonly form: 'model' | 'values' | 'tuple';
  /** By the field's TypeScript (ts-proto) name. */
  readonly fields: Readonly<Record<string, ProtoFieldCodec>>;
}

/** Message name → codec. */
export type ProtoMessages = Readonly<Record<string, ProtoMessageCodec>>;

/** A request message that is not a document of its model: INVALID_ARGUMENT naming the path. */
export class ProtoArgumentError extends Error {
  override readonly name = 'ProtoArgumentError';
}

const SCALARS = new Set(['string', 'int64', 'double', 'bool', 'bytes']);

// ---- message → document (requests) -----------------------------------------------------------

/** A document (or parameters object) from a decoded message of `name`; `path` names it in errors. */
export function docFromMessage(messages: ProtoMessages, name: string, message: unknown, path: string): Doc {
  const value = messageToValue(messages, name, message, path);
  if (!isPlainObject(value)) throw new ProtoArgumentError(`${path}: expected a ${name} message`);
  return value as Doc;
}

function codecOf(messages: ProtoMessages, name: string): ProtoMessageCodec {
  const codec = Object.hasOwn(messages, name) ? messages[name] : undefined;
  if (codec === undefined) throw new Error(`no codec for message ${name} in src/gen/grpc.ts (regenerate the project)`);
  return codec;
}

function messageToValue(messages: ProtoMessages, name: string, message: unknown, path: string): DocValue {
  const codec = codecOf(messages, name);
  const object = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const entries = Object.entries(codec.fields);
  if (codec.form === 'values') {
    const [prop, field] = entries[0]!;
    return fieldToValue(messages, { ...field, required: true }, object[prop], path) ?? null;
  }
  if (codec.form === 'tuple') return entries.map(([prop, field], index) => fieldToValue(messages, field, object[prop], `${path}[${index}]`) ?? null);
  const doc: Doc = {};
  for (const [prop, field] of entries) {
    const value = fieldToValue(messages, field, object[prop], `${path}${segment(field.doc)}`);
    if (value !== undefined) setField(doc, field.doc, value);
  }
  return doc;
}

/** The document value of a field; undefined: leave the field out (the executor's default applies). */
function fieldToValue(messages: ProtoMessages, field: ProtoFieldCodec, value: unknown, path: string): DocValue | undefined {
  switch (field.kind) {
    case 'repeated': {
      const list = Array.isArray(value) ? value : [];
      if (list.length === 0 && field.required !== true) return undefined;
      return list.map((item, index) => elementToValue(messages, field.type, item, `${path}[${index}]`));
    }
    case 'map': {
      const entries = typeof value === 'object' && value !== null ? Object.entries(value) : [];
      if (entries.length === 0 && field.required !== true) return undefined;
      const out: { [key: string]: DocValue } = {};
      for (const [key, item] of entries) setField(out, key, elementToValue(messages, field.type, item, `${path}${segment(key)}`));
      return out;
    }
    case 'optional':
      if (value === undefined || value === null) return field.required === true && field.nullable === true ? null : undefined;
      return elementToValue(messages, field.type, value, path);
    case 'single':
      if (SCALARS.has(field.type)) return elementToValue(messages, field.type, value, path);
      if (value === undefined || (value === null && field.type !== 'value')) {
        if (field.required !== true) return undefined;
        if (field.nullable === true) return null;
        throw new ProtoArgumentError(`${path}: required (the model has no default for it)`);
      }
      return elementToValue(messages, field.type, value, path);
  }
}

function elementToValue(messages: ProtoMessages, type: ProtoFieldType, value: unknown, path: string): DocValue {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : '';
    case 'int64':
    case 'double':
      return typeof value === 'number' ? value : Number(value ?? 0);
    case 'bool':
      return value === true;
    case 'bytes':
      return value instanceof Uint8Array ? new Uint8Array(value) : new Uint8Array();
    case 'value':
    case 'struct':
      return (value ?? null) as DocValue;
    case 'tensor':
      return tensorFromMessage(value, path);
    default:
      return messageToValue(messages, type, value, path);
  }
}

/** Tensor {data, shape, dtype} → NdArray; data must fill the shape, dtype be numpy's (`<f4` when empty). */
function tensorFromMessage(value: unknown, path: string): NdArray {
  const { data = [], shape = [], dtype = '' } = (value ?? {}) as { data?: number[]; shape?: number[]; dtype?: string };
  const dims = shape.length === 0 ? [data.length] : shape;
  if (dims.some((dim) => !Number.isInteger(dim) || dim < 0)) throw new ProtoArgumentError(`${path}.shape: dimensions must be integers ≥ 0, got [${shape.join(', ')}]`);
  const size = dims.reduce((product, dim) => product * dim, 1);
  if (size !== data.length) throw new ProtoArgumentError(`${path}.data: ${data.length} elements do not fill shape [${dims.join(', ')}] (${size})`);
  const type = dtype === '' ? '<f4' : dtype;
  try {
    parseDtype(type);
  } catch (error) {
    throw new ProtoArgumentError(`${path}.dtype: ${(error as Error).message}`);
  }
  try {
    const flat = ndarrayFromNested(data, { dtype: type });
    return new NdArray(flat.data, dims, flat.dtype);
  } catch (error) {
    throw new ProtoArgumentError(rootedError(error, `${path}.data`).message);
  }
}

// ---- document → message (responses) ----------------------------------------------------------

/** The message of `name` for a document (already checked against its model by the return-type validator). */
export function messageFromDoc(messages: ProtoMessages, name: string, doc: unknown): Record<string, unknown> {
  const codec = codecOf(messages, name);
  const out: Record<string, unknown> = {};
  const entries = Object.entries(codec.fields);
  if (codec.form === 'values') {
    const [prop, field] = entries[0]!;
    out[prop] = fieldFromValue(messages, field, doc);
  } else if (codec.form === 'tuple') {
    const items = Array.isArray(doc) ? doc : [];
    entries.forEach(([prop, field], index) => {
      out[prop] = fieldFromValue(messages, field, items[index]);
    });
  } else {
    const object = (isPlainObject(doc) ? doc : {}) as Record<string, unknown>;
    for (const [prop, field] of entries) out[prop] = fieldFromValue(messages, field, Object.hasOwn(object, field.doc) ? object[field.doc] : undefined);
  }
  return out;
}

function fieldFromValue(messages: ProtoMessages, field: ProtoFieldCodec, value: unknown): unknown {
  switch (field.kind) {
    case 'repeated':
      return Array.isArray(value) ? value.map((item) => elementFromValue(messages, field.type, item)) : [];
    case 'map': {
      const out: Record<string, unknown> = {};
      if (isPlainObject(value)) for (const [key, item] of Object.entries(value)) setField(out, key, elementFromValue(messages, field.type, item));
      return out;
    }
    case 'optional':
      return value === undefined || value === null ? undefined : elementFromValue(messages, field.type, value);
    case 'single':
      if (value === undefined || value === null) return SCALARS.has(field.type) ? elementFromValue(messages, field.type, undefined) : field.type === 'value' ? null : undefined;
      return elementFromValue(messages, field.type, value);
  }
}

const utf8 = new TextEncoder();

function elementFromValue(messages: ProtoMessages, type: ProtoFieldType, value: unknown): unknown {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
    case 'int64':
    case 'double':
      return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'boolean' ? Number(value) : 0;
    case 'bool':
      return value === true;
    case 'bytes':
      return value instanceof Uint8Array ? value : typeof value === 'string' ? utf8.encode(value) : new Uint8Array();
    case 'value':
    case 'struct':
      return jsonOf(value);
    case 'tensor':
      return tensorToMessage(value);
    default:
      return messageFromDoc(messages, type, value);
  }
}

/** Any document value as JSON (tensors as nested lists, bytes as text), for a google.protobuf.Value. */
function jsonOf(value: unknown): unknown {
  if (value === undefined) return null;
  return docToJson({ value: value as DocValue }).value ?? null;
}

function tensorToMessage(value: unknown): { data: number[]; shape: number[]; dtype: string } {
  const array = value instanceof NdArray ? value : ndarrayFromNested(value);
  const half = array.dtype.endsWith('f2');
  const data = Array.from(array.data as ArrayLike<number | bigint>, (element) => (half ? float16ToNumber(Number(element)) : Number(element)));
  return { data, shape: [...array.shape], dtype: array.dtype };
}

/** `.name`, or `["odd name"]` for names that are not identifiers. */
function segment(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
