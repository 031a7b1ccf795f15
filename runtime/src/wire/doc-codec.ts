/**
 * Documents ⇄ docarray's protobuf form (DocProto / DocListProto), the bytes Python executors
 * send and expect. The rules are docarray's own (`_type_to_protobuf`, checked against docarray
 * 0.40 in test/codec-docarray.test.ts):
 *
 *   - every field is one NodeProto; None (null/undefined) is an empty NodeProto;
 *   - `id` of a doc → `{text, type: "id"}`; string → text; boolean → boolean; Uint8Array → blob;
 *   - number → `integer` when it is an int32 (docarray's integer is int32: Python itself cannot
 *     send a larger int), else `float` (a double; pydantic accepts an integral float for an int
 *     field, so a safe integer like 2^40 arrives as the int it was); bigint likewise, or an error
 *     when a double cannot hold it exactly; a schema `number` field is always `float`;
 *   - NdArray → `{ndarray, type: typeTag}`;
 *   - objects → `doc` or `dict`, arrays → `doc_array`, `list`, `set` or `tuple`, chosen by the
 *     value's mark (markKind, set on everything this codec decodes), else by the model's JSON
 *     schema, else `dict` / `list`: docarray accepts a dict for a nested-doc field and a list of
 *     dicts for a DocList field, while a `doc` node fails for any Dict/Any field.
 *
 * Decoding marks every object and array with the kind it came from, and remembers (in a hidden,
 * non-enumerable map on the container) type tags of texts/blobs (`image_url`, ...) and which
 * numbers were integral floats, so a decoded doc re-encodes to the same NodeProtos.
 */
import { DocListProto, type DocProto, type NodeProto } from './gen/docarray/docarray.pb.js';
import { DocCodecError, describeValue, rootedError, withSegment } from './codec-error.js';
import { isPlainObject, kindOf, markKind, NdArray, setField, type Doc, type DocValue, type NodeKind, type TensorData } from './doc.js';
import { ANY_PLAN, insideDict, modelPlan, planFor, type FieldPlan, type JsonSchema, type ModelPlan } from './doc-schema.js';
import { serializeDocList } from './doc-list-writer.js';
import { ndarrayFromDense, ndarrayFromNested, ndarrayFromTypedArray, ndarrayToDense } from './tensor.js';

export type { JsonSchema } from './doc-schema.js';

export interface EncodeOptions {
  /** dtype for tensor fields given as plain number lists (schema says tensor). Default `<f4` (`|b1` for booleans). */
  tensorDtype?: string;
}

/** A doc as docarray's DocProto. `schema` (the model's JSON schema) decides doc/dict, tensors, ... */
export function docToProto(doc: Doc, schema?: JsonSchema, options: EncodeOptions = {}): DocProto {
  const encoder = new Encoder(options);
  try {
    return encoder.doc(doc, schema === undefined ? undefined : modelPlan(schema));
  } catch (error) {
    throw rootedError(error, '');
  }
}

/** Docs as a DocListProto (one request's documents). Errors name the doc: `docs[3].embedding`. */
export function docsToProto(docs: readonly Doc[], schema?: JsonSchema, options: EncodeOptions = {}): DocListProto {
  const encoder = new Encoder(options);
  const model = schema === undefined ? undefined : modelPlan(schema);
  const out: DocProto[] = new Array(docs.length);
  try {
    for (let i = 0; i < docs.length; i++) {
      try {
        out[i] = encoder.doc(docs[i]!, model);
      } catch (error) {
        throw withSegment(error, i);
      }
    }
  } catch (error) {
    throw rootedError(error, 'docs');
  }
  return { docs: out };
}

/**
 * Docs as serialized DocListProto bytes (DataRequestProto.data.docs). Same bytes as the generated
 * `DocListProto.encode(docsToProto(...)).finish()`, written in one pass (see doc-list-writer.ts).
 */
export function encodeDocList(docs: readonly Doc[], schema?: JsonSchema, options: EncodeOptions = {}): Uint8Array {
  return serializeDocList(docsToProto(docs, schema, options));
}

/** A doc from a DocProto. Tensors are copied; blobs share the proto's Buffers. */
export function docFromProto(proto: DocProto): Doc {
  try {
    return new Decoder(true).doc(proto);
  } catch (error) {
    throw rootedError(error, '');
  }
}

/** Docs from a DocListProto. */
export function docsFromProto(proto: DocListProto): Doc[] {
  return decodeDocs(proto, true);
}

/** Docs from serialized DocListProto bytes. */
export function decodeDocList(bytes: Uint8Array): Doc[] {
  let proto: DocListProto;
  try {
    proto = DocListProto.decode(bytes);
  } catch (error) {
    throw new DocCodecError(`malformed DocListProto: ${error instanceof Error ? error.message : String(error)}`);
  }
  // The message is ours alone: large tensor buffers can be adopted instead of copied.
  return decodeDocs(proto, false);
}

function decodeDocs(proto: DocListProto, copy: boolean): Doc[] {
  const decoder = new Decoder(copy);
  const docs = proto.docs;
  const out: Doc[] = new Array(docs.length);
  try {
    for (let i = 0; i < docs.length; i++) {
      try {
        out[i] = decoder.doc(docs[i]!);
      } catch (error) {
        throw withSegment(error, i);
      }
    }
  } catch (error) {
    throw rootedError(error, 'docs');
  }
  return out;
}

// ---- wire hints ------------------------------------------------------------------------------

/** Per-container memory of what plain JS values cannot carry: a text's type tag, a float's float-ness. */
const WIRE_HINTS: unique symbol = Symbol.for('jina-ts.wireHints');
/** Hint value for "this integral number travelled as a float". Not a valid docarray type name. */
const FLOAT_HINT = '#float';

type Hints = Map<string | number, string>;

function hintsOf(container: object): Hints | undefined {
  return (container as { [WIRE_HINTS]?: Hints })[WIRE_HINTS];
}

function addHint(container: object, key: string | number, hint: string): void {
  let hints = hintsOf(container);
  if (hints === undefined) {
    hints = new Map();
    Object.defineProperty(container, WIRE_HINTS, { value: hints, enumerable: false, configurable: true });
  }
  hints.set(key, hint);
}

// ---- encoding --------------------------------------------------------------------------------

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const ID_TYPE = { $case: 'type', value: 'id' } as const;

class Encoder {
  /** undefined: float32, or bool for lists of booleans (ndarrayFromNested's default). */
  private readonly tensorDtype: string | undefined;

  constructor(options: EncodeOptions) {
    this.tensorDtype = options.tensorDtype;
  }

  doc(doc: Doc, model: ModelPlan | undefined): DocProto {
    if (!isPlainObject(doc)) throw new DocCodecError(`expected a document object, got ${describeValue(doc)}`);
    const data: { [key: string]: NodeProto } = {};
    const hints = hintsOf(doc);
    for (const key of Object.keys(doc)) {
      const value = doc[key];
      try {
        let node: NodeProto;
        if (key === 'id' && typeof value === 'string') {
          node = { content: { $case: 'text', value }, docarrayType: ID_TYPE };
        } else {
          node = this.value(value, model === undefined ? ANY_PLAN : model.field(key), hints?.get(key));
        }
        setField(data, key, node);
      } catch (error) {
        throw withSegment(error, key);
      }
    }
    return { data };
  }

  value(value: unknown, fieldPlan: FieldPlan, hint: string | undefined): NodeProto {
    const plan = planFor(fieldPlan, value);
    switch (typeof value) {
      case 'string':
        if (plan.kind === 'bytes') return { content: { $case: 'blob', value: Buffer.from(value, 'utf8') }, docarrayType: tag(hint) };
        return { content: { $case: 'text', value }, docarrayType: tag(hint) };
      case 'number':
        return numberNode(value, plan.kind === 'number' || hint === FLOAT_HINT);
      case 'bigint':
        return bigintNode(value, plan.kind === 'number');
      case 'boolean':
        return { content: { $case: 'boolean', value } };
      case 'undefined':
        return {};
      case 'object':
        if (value === null) return {};
        if (value instanceof NdArray) return ndarrayNode(value);
        if (ArrayBuffer.isView(value)) {
          if (value instanceof Uint8Array && plan.kind !== 'tensor') {
            return { content: { $case: 'blob', value: asBuffer(value) }, docarrayType: tag(hint) };
          }
          if (value instanceof DataView) throw new DocCodecError('a DataView is not a document value: use a typed array');
          return ndarrayNode(ndarrayFromTypedArray(value as TensorData));
        }
        if (Array.isArray(value)) return this.array(value, plan);
        if (isPlainObject(value)) return this.object(value as { [key: string]: DocValue }, plan);
        throw new DocCodecError(`unsupported value: ${describeValue(value)}`);
      default:
        throw new DocCodecError(`unsupported value: ${describeValue(value)}`);
    }
  }

  private array(list: unknown[], plan: FieldPlan): NodeProto {
    let kind: NodeKind | undefined = kindOf(list);
    if (kind === undefined) {
      if (plan.kind === 'tensor') return ndarrayNode(ndarrayFromNested(list, { dtype: this.tensorDtype }));
      kind = plan.kind === 'doc_array' || plan.kind === 'list' || plan.kind === 'set' || plan.kind === 'tuple' ? plan.kind : 'list';
    }
    if (kind === 'doc_array') {
      const model = plan.kind === 'doc_array' || plan.kind === 'doc' ? plan.model : undefined;
      const docs: DocProto[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        try {
          docs[i] = this.doc(list[i] as Doc, model);
        } catch (error) {
          throw withSegment(error, i);
        }
      }
      return { content: { $case: 'docArray', value: { docs } } };
    }
    if (kind !== 'list' && kind !== 'set' && kind !== 'tuple') throw new DocCodecError(`an array cannot be marked '${kind}'`);
    const hints = hintsOf(list);
    const data: NodeProto[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      try {
        data[i] = this.value(list[i], itemPlan(plan, i), hints?.get(i));
      } catch (error) {
        throw withSegment(error, i);
      }
    }
    return { content: { $case: kind, value: { data } } };
  }

  private object(object: { [key: string]: DocValue }, plan: FieldPlan): NodeProto {
    const kind = kindOf(object) ?? (plan.kind === 'doc' && plan.asDict !== true ? 'doc' : 'dict');
    if (kind === 'doc') {
      return { content: { $case: 'doc', value: this.doc(object, plan.kind === 'doc' || plan.kind === 'doc_array' ? plan.model : undefined) } };
    }
    if (kind !== 'dict') throw new DocCodecError(`an object cannot be marked '${kind}'`);
    const hints = hintsOf(object);
    const data: { [key: string]: NodeProto } = {};
    for (const key of Object.keys(object)) {
      try {
        const valuePlan = insideDict(plan.kind === 'dict' ? plan.values : plan.kind === 'doc' ? plan.model.field(key) : ANY_PLAN);
        setField(data, key, this.value(object[key], valuePlan, hints?.get(key)));
      } catch (error) {
        throw withSegment(error, key);
      }
    }
    return { content: { $case: 'dict', value: { data } } };
  }
}

function itemPlan(plan: FieldPlan, index: number): FieldPlan {
  switch (plan.kind) {
    case 'list':
    case 'set':
      return plan.items;
    case 'tuple':
      return plan.prefix[index] ?? plan.items;
    case 'doc_array':
      return { kind: 'doc', model: plan.model }; // a list marked 'list' for a List[Model] field
    default:
      return ANY_PLAN;
  }
}

function numberNode(value: number, asFloat: boolean): NodeProto {
  if (!asFloat && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0)) {
    return { content: { $case: 'integer', value } };
  }
  return { content: { $case: 'float', value } };
}

function bigintNode(value: bigint, asFloat: boolean): NodeProto {
  const number = Number(value);
  if (!asFloat && number >= INT32_MIN && number <= INT32_MAX) return { content: { $case: 'integer', value: number } };
  if (BigInt(number) !== value) {
    throw new DocCodecError(
      `${value}n cannot travel exactly: docarray's integer is int32 and its float a double (use a string, or an <i8 tensor)`,
    );
  }
  return { content: { $case: 'float', value: number } };
}

function ndarrayNode(array: NdArray): NodeProto {
  return {
    content: { $case: 'ndarray', value: { dense: ndarrayToDense(array), parameters: undefined } },
    docarrayType: { $case: 'type', value: array.typeTag },
  };
}

function tag(hint: string | undefined): NodeProto['docarrayType'] {
  return hint === undefined || hint === FLOAT_HINT ? undefined : { $case: 'type', value: hint };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- decoding --------------------------------------------------------------------------------

class Decoder {
  constructor(private readonly copy: boolean) {}

  doc(proto: DocProto): Doc {
    const doc: Doc = {};
    const data = proto.data;
    for (const key of Object.keys(data)) {
      try {
        setField(doc, key, this.node(data[key]!, doc, key, true));
      } catch (error) {
        throw withSegment(error, key);
      }
    }
    return markKind(doc, 'doc');
  }

  /** The value of `node`; records hints on `container` under `key`. */
  private node(node: NodeProto, container: object, key: string | number, inDoc: boolean): DocValue {
    const content = node.content;
    if (content === undefined) return null;
    const type = node.docarrayType?.value;
    switch (content.$case) {
      case 'text':
        if (type !== undefined && !(inDoc && key === 'id' && type === 'id')) addHint(container, key, type);
        return content.value;
      case 'blob':
        if (type !== undefined) addHint(container, key, type);
        return content.value;
      case 'integer':
      case 'boolean':
        return content.value;
      case 'float':
        if (Number.isInteger(content.value)) addHint(container, key, FLOAT_HINT);
        return content.value;
      case 'ndarray': {
        const dense = content.value.dense;
        if (dense === undefined) throw new DocCodecError('NdArrayProto without a dense array');
        return ndarrayFromDense(dense, type ?? 'ndarray', { copy: this.copy });
      }
      case 'doc':
        return this.doc(content.value);
      case 'docArray': {
        const docs = content.value.docs;
        const out: Doc[] = new Array(docs.length);
        for (let i = 0; i < docs.length; i++) {
          try {
            out[i] = this.doc(docs[i]!);
          } catch (error) {
            throw withSegment(error, i);
          }
        }
        return markKind(out, 'doc_array');
      }
      case 'list':
      case 'set':
      case 'tuple': {
        const nodes = content.value.data;
        const out: DocValue[] = new Array(nodes.length);
        for (let i = 0; i < nodes.length; i++) {
          try {
            out[i] = this.node(nodes[i]!, out, i, false);
          } catch (error) {
            throw withSegment(error, i);
          }
        }
        return markKind(out, content.$case);
      }
      case 'dict': {
        const data = content.value.data;
        const out: { [key: string]: DocValue } = {};
        for (const name of Object.keys(data)) {
          try {
            setField(out, name, this.node(data[name]!, out, name, false));
          } catch (error) {
            throw withSegment(error, name);
          }
        }
        return markKind(out, 'dict');
      }
    }
  }
}

