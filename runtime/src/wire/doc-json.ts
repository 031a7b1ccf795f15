/**
 * Documents ⇄ their JSON (HTTP) form, as Jina's FastAPI gateway reads and writes them: tensors as
 * nested number lists (orjson OPT_SERIALIZE_NUMPY), bytes as `bytes.decode()` (UTF-8), URLs and
 * ids as strings, sets and tuples as lists.
 *
 * Reading JSON needs the model's JSON schema to know which lists are tensors (`"tensor/array
 * shape"`), which strings are bytes (`format: binary`), which objects are nested docs and which
 * lists are DocLists; without one, values stay plain JSON (the proto codec then sends objects as
 * dicts and lists as lists, which docarray also accepts for nested docs and tensors).
 *
 * Non-finite floats: JSON has no literal for them. docToJson writes NaN and ±Infinity as null, as
 * orjson does (so a Jina client sees the same body); docFromJson reads null inside a float tensor
 * as NaN. A plain `number` field holding NaN is written as null too.
 */
import { DocCodecError, describeValue, rootedError, withSegment } from './codec-error.js';
import { isPlainObject, markKind, NdArray, setField, type Doc, type DocValue, type NodeKind } from './doc.js';
import { ANY_PLAN, insideDict, modelPlan, planFor, type FieldPlan, type JsonSchema, type ModelPlan } from './doc-schema.js';
import type { JsonWriter } from './json-writer.js';
import { bigintToJson, ndarrayFromNested, ndarrayToNested, writeNdarrayJson, type ToNestedOptions } from './tensor.js';

/** A JSON value as JSON.stringify takes it (exact big integers are `JSON.rawJSON` objects). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue } | object;
export type JsonObject = { [key: string]: JsonValue };

export interface ToJsonOptions extends ToNestedOptions {}

export interface FromJsonOptions {
  /** dtype of tensors read from JSON number lists. Default `<f4`; lists of booleans are `|b1`. */
  tensorDtype?: string;
  /** Where the value sits in the request body, for error messages: e.g. `data` → `data[2].embedding`. */
  path?: string;
}

/** A doc as a JSON-ready object (give it to JSON.stringify). */
export function docToJson(doc: Doc, options: ToJsonOptions = {}): JsonObject {
  try {
    return objectToJson(doc, options);
  } catch (error) {
    throw rootedError(error, '');
  }
}

/** Docs as a JSON-ready array. Errors name the doc: `[3].blob`. */
export function docsToJson(docs: readonly Doc[], options: ToJsonOptions = {}): JsonObject[] {
  try {
    return docs.map((doc, i) => {
      try {
        return objectToJson(doc, options);
      } catch (error) {
        throw withSegment(error, i);
      }
    });
  } catch (error) {
    throw rootedError(error, '');
  }
}

/**
 * A doc from its JSON form, typed by the model's JSON schema: tensors become NdArrays, bytes
 * Uint8Arrays, nested docs/dicts/DocLists/sets/tuples are marked with their kind for the proto
 * codec. Bad input throws a DocCodecError naming the JSON path (`data[2].embedding: ...`).
 */
export function docFromJson(json: unknown, schema?: JsonSchema, options: FromJsonOptions = {}): Doc {
  const reader = new JsonReader(options);
  try {
    return reader.doc(json, schema === undefined ? undefined : modelPlan(schema));
  } catch (error) {
    throw rootedError(error, options.path ?? '');
  }
}

/** A list of docs from JSON (an HTTP body's `data`: pass `{ path: 'data' }` for its errors). */
export function docsFromJson(json: unknown, schema?: JsonSchema, options: FromJsonOptions = {}): Doc[] {
  const reader = new JsonReader(options);
  try {
    if (!Array.isArray(json)) throw new DocCodecError(`expected a list of documents, got ${describeValue(json)}`);
    const model = schema === undefined ? undefined : modelPlan(schema);
    return json.map((item, i) => {
      try {
        return reader.doc(item, model);
      } catch (error) {
        throw withSegment(error, i);
      }
    });
  } catch (error) {
    throw rootedError(error, options.path ?? '');
  }
}

// ---- to JSON ---------------------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true });

function objectToJson(object: { [key: string]: unknown }, options: ToJsonOptions): JsonObject {
  if (!isPlainObject(object)) throw new DocCodecError(`expected a document object, got ${describeValue(object)}`);
  const out: JsonObject = {};
  for (const key of Object.keys(object)) {
    try {
      setField(out, key, valueToJson(object[key], options));
    } catch (error) {
      throw withSegment(error, key);
    }
  }
  return out;
}

function valueToJson(value: unknown, options: ToJsonOptions): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return bigintToJson(value);
    case 'undefined':
      return null;
    case 'object': {
      if (value === null) return null;
      if (value instanceof NdArray) return ndarrayToNested(value, options) as JsonValue;
      if (value instanceof Uint8Array) {
        try {
          return utf8.decode(value); // Python's bytes.decode(): strict UTF-8
        } catch {
          throw new DocCodecError('bytes are not valid UTF-8, so they have no JSON form (docarray fails the same way)');
        }
      }
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        return Array.from(value as unknown as ArrayLike<number | bigint>, (x) => valueToJson(x, options));
      }
      if (Array.isArray(value)) {
        const out = new Array<JsonValue>(value.length);
        for (let i = 0; i < value.length; i++) {
          try {
            out[i] = valueToJson(value[i], options);
          } catch (error) {
            throw withSegment(error, i);
          }
        }
        return out;
      }
      if (isPlainObject(value)) return objectToJson(value, options);
      throw new DocCodecError(`unsupported value: ${describeValue(value)}`);
    }
    default:
      throw new DocCodecError(`unsupported value: ${describeValue(value)}`);
  }
}

// ---- to JSON text ----------------------------------------------------------------------------

/** A field a model declares, with the JSON default written for a doc that lacks it. */
export type MissingField = readonly [name: string, value: JsonValue];

/**
 * A doc written as JSON text into `writer`: byte for byte `JSON.stringify(docToJson(doc))`, then
 * each of `missing` the doc does not have, with its default (as Jina answers a model's absent
 * fields). Tensors are printed straight from their data (json-writer.ts says why); errors are
 * docToJson's.
 */
export function writeDocJson(writer: JsonWriter, doc: Doc, options: ToJsonOptions = {}, missing: readonly MissingField[] = NO_FIELDS): void {
  try {
    writeObject(writer, doc, options, missing);
  } catch (error) {
    throw rootedError(error, '');
  }
}

/** Docs written as a JSON list: byte for byte `JSON.stringify(docsToJson(docs))`; errors name the doc (`[3].blob`). */
export function writeDocListJson(writer: JsonWriter, docs: readonly Doc[], options: ToJsonOptions = {}, missing: readonly MissingField[] = NO_FIELDS): void {
  try {
    writer.byte(0x5b); // [
    for (let i = 0; i < docs.length; i++) {
      try {
        writeObject(writer.separator(i), docs[i]!, options, missing);
      } catch (error) {
        throw withSegment(error, i);
      }
    }
    writer.byte(0x5d); // ]
  } catch (error) {
    throw rootedError(error, '');
  }
}

function writeObject(writer: JsonWriter, object: { [key: string]: unknown }, options: ToJsonOptions, missing: readonly MissingField[]): void {
  if (!isPlainObject(object)) throw new DocCodecError(`expected a document object, got ${describeValue(object)}`);
  writer.byte(0x7b); // {
  let count = 0;
  for (const key of Object.keys(object)) {
    try {
      writer.separator(count++).json(key).byte(0x3a); // :
      writeValue(writer, object[key], options);
    } catch (error) {
      throw withSegment(error, key);
    }
  }
  for (const [name, value] of missing) {
    if (!Object.hasOwn(object, name)) writer.separator(count++).json(name).byte(0x3a).json(value);
  }
  writer.byte(0x7d); // }
}

function writeValue(writer: JsonWriter, value: unknown, options: ToJsonOptions): void {
  if (typeof value === 'object' && value !== null) {
    if (value instanceof NdArray) return writeNdarrayJson(writer, value, options);
    if (Array.isArray(value)) {
      writer.byte(0x5b); // [
      for (let i = 0; i < value.length; i++) {
        try {
          writer.separator(i);
          writeValue(writer, value[i], options);
        } catch (error) {
          throw withSegment(error, i);
        }
      }
      writer.byte(0x5d); // ]
      return;
    }
    if (isPlainObject(value)) return writeObject(writer, value, options, NO_FIELDS);
  }
  writer.json(valueToJson(value, options));
}

const NO_FIELDS: readonly MissingField[] = [];

// ---- from JSON -------------------------------------------------------------------------------

const utf8Encoder = new TextEncoder();

class JsonReader {
  private readonly tensorDtype: string | undefined;

  constructor(options: FromJsonOptions) {
    this.tensorDtype = options.tensorDtype;
  }

  /** `asDict`: the doc travels as a `dict` node (see insideDict), its nested docs too. */
  doc(json: unknown, model: ModelPlan | undefined, asDict = false): Doc {
    if (!isPlainObject(json)) throw new DocCodecError(`expected a document object, got ${describeValue(json)}`);
    const doc: Doc = {};
    for (const key of Object.keys(json)) {
      try {
        const fieldPlan = model === undefined ? ANY_PLAN : model.field(key);
        setField(doc, key, this.value(json[key], asDict ? insideDict(fieldPlan) : fieldPlan));
      } catch (error) {
        throw withSegment(error, key);
      }
    }
    return model === undefined ? doc : markKind(doc, asDict ? 'dict' : 'doc');
  }

  private value(json: unknown, fieldPlan: FieldPlan): DocValue {
    if (json === null || json === undefined) return null;
    const plan = planFor(fieldPlan, json);
    switch (plan.kind) {
      case 'any':
      case 'null':
        return plain(json);
      case 'string':
      case 'integer':
      case 'number':
      case 'boolean':
        // Scalars pass as they are (pydantic's lax mode takes "3" for an int); only structure is checked.
        if (typeof json === 'object') throw new DocCodecError(`expected ${article(plan.kind)}, got ${describeValue(json)}`);
        return json as DocValue;
      case 'bytes':
        if (typeof json !== 'string') throw new DocCodecError(`expected bytes as a string, got ${describeValue(json)}`);
        return utf8Encoder.encode(json);
      case 'tensor':
        if (typeof json !== 'number' && typeof json !== 'boolean' && !Array.isArray(json)) {
          throw new DocCodecError(`expected a tensor (nested lists of numbers), got ${describeValue(json)}`);
        }
        return ndarrayFromNested(json, { dtype: this.tensorDtype });
      case 'doc':
        if (!isPlainObject(json)) throw new DocCodecError(`expected a document object, got ${describeValue(json)}`);
        return this.doc(json, plan.model, plan.asDict === true);
      case 'doc_array': {
        const list = expectList(json);
        return markKind(
          list.map((item, i) => {
            try {
              if (item === null) throw new DocCodecError('expected a document object, got null');
              return this.doc(item, plan.model);
            } catch (error) {
              throw withSegment(error, i);
            }
          }),
          'doc_array',
        );
      }
      case 'dict': {
        if (!isPlainObject(json)) throw new DocCodecError(`expected an object, got ${describeValue(json)}`);
        const out: { [key: string]: DocValue } = {};
        for (const key of Object.keys(json)) {
          try {
            setField(out, key, this.value(json[key], insideDict(plan.values)));
          } catch (error) {
            throw withSegment(error, key);
          }
        }
        return markKind(out, 'dict');
      }
      case 'list':
      case 'set':
      case 'tuple': {
        const list = expectList(json);
        const out = list.map((item, i) => {
          try {
            const itemPlan = plan.kind === 'tuple' ? (plan.prefix[i] ?? plan.items) : plan.items;
            return this.value(item, itemPlan);
          } catch (error) {
            throw withSegment(error, i);
          }
        });
        return markKind(out, plan.kind as NodeKind);
      }
      case 'union':
        return plain(json); // no option fits the value: leave it to the peer's validation
    }
  }
}

/** A schema-less JSON value as a DocValue: JSON already is one (objects and lists stay unmarked). */
function plain(json: unknown): DocValue {
  if (typeof json === 'function' || typeof json === 'symbol' || typeof json === 'bigint') {
    throw new DocCodecError(`not a JSON value: ${typeof json}`);
  }
  return json as DocValue;
}

function expectList(json: unknown): unknown[] {
  if (!Array.isArray(json)) throw new DocCodecError(`expected a list, got ${describeValue(json)}`);
  return json;
}

function article(kind: string): string {
  return kind === 'integer' ? 'an integer' : `a ${kind}`;
}
