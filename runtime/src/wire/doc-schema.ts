/**
 * What a document model's JSON schema says about the wire form of each field: a tensor, bytes, a
 * nested doc, a DocList, a dict, a list/set/tuple or a scalar. Plain JS cannot tell a nested doc
 * from a dict or a tensor from a list of numbers, so the codecs ask this module.
 *
 * Accepts what pydantic emits and what then went through jina: v1 (`definitions`, `allOf: [$ref]`)
 * and v2 (`$defs`, `anyOf: [T, {type: null}]`) dialects, a root that is itself a `$ref`
 * (LegacyDocument), self-referencing models, and schemas that crossed a protobuf Struct (every
 * number a double, key order lost: nothing here depends on either).
 *
 * Plans are compiled lazily, one field at a time, and cached per schema object: endpoints pass
 * the same schema object for every request, so the per-doc cost is a Map lookup per field.
 */

/** A JSON Schema object as pydantic emits it. */
export type JsonSchema = { [key: string]: unknown };

/** How one value (a field, a list item, a dict value) travels, as far as the schema tells. */
export type FieldPlan =
  | { readonly kind: 'any' }
  | { readonly kind: 'null' | 'string' | 'integer' | 'number' | 'boolean' | 'bytes' | 'tensor' }
  /** `asDict`: sent as a `dict` node (with nested docs as dicts too): see insideDict. */
  | { readonly kind: 'doc'; readonly model: ModelPlan; readonly asDict?: true }
  | { readonly kind: 'doc_array'; readonly model: ModelPlan }
  | { readonly kind: 'dict'; readonly values: FieldPlan }
  | { readonly kind: 'list' | 'set'; readonly items: FieldPlan }
  | { readonly kind: 'tuple'; readonly items: FieldPlan; readonly prefix: readonly FieldPlan[] }
  | { readonly kind: 'union'; readonly options: readonly FieldPlan[] };

export const ANY_PLAN: FieldPlan = { kind: 'any' };

/** docarray's LegacyDocument (jina ≤ 3.33) and jina 3.34's LegacyDocumentJina: DocList fields chunks/matches. */
const LEGACY_DOC_TITLES = new Set(['LegacyDocument', 'LegacyDocumentJina']);

/** pydantic's marker for docarray tensor fields (`NdArray[128]`, `AnyEmbedding`, ...). */
export const TENSOR_SHAPE_KEY = 'tensor/array shape';

/** A document model: field name to plan, compiled on first use. */
export class ModelPlan {
  private readonly fields = new Map<string, FieldPlan>();

  constructor(
    /** The model's own schema (refs already resolved). */
    readonly schema: JsonSchema,
    private readonly compiler: Compiler,
  ) {}

  /** The plan of field `name`; `any` for fields the schema does not declare. */
  field(name: string): FieldPlan {
    let plan = this.fields.get(name);
    if (plan === undefined) {
      const properties = asObject(this.schema.properties);
      const property = properties !== undefined && Object.hasOwn(properties, name) ? properties[name] : undefined;
      plan = property === undefined ? ANY_PLAN : this.compiler.compile(property, 0);
      this.fields.set(name, plan);
    }
    return plan;
  }
}

const compilers = new WeakMap<object, Compiler>();

/** The plan of a root model schema (cached per schema object). */
export function modelPlan(schema: JsonSchema): ModelPlan {
  let compiler = compilers.get(schema);
  if (compiler === undefined) {
    compiler = new Compiler(schema);
    compilers.set(schema, compiler);
  }
  return compiler.root;
}

/** A plan for a value that is not a model field (e.g. a bare `{type: array, items: ...}`). */
export function fieldPlan(schema: JsonSchema, root: JsonSchema = schema): FieldPlan {
  let compiler = compilers.get(root);
  if (compiler === undefined) {
    compiler = new Compiler(root);
    compilers.set(root, compiler);
  }
  return compiler.compile(schema, 0);
}

/** For a union, the option that fits `value` best (pydantic's smart-mode intent); else `plan`. */
/**
 * The plan of a value inside a `dict` node: docarray cannot read a `doc` node there ("field_type
 * cannot be None"), but pydantic builds a model from a dict, so nested docs go as dicts too.
 */
export function insideDict(plan: FieldPlan): FieldPlan {
  switch (plan.kind) {
    case 'doc':
      return plan.asDict === true ? plan : { kind: 'doc', model: plan.model, asDict: true };
    case 'doc_array':
      return { kind: 'list', items: { kind: 'doc', model: plan.model, asDict: true } };
    case 'union':
      return { kind: 'union', options: plan.options.map(insideDict) };
    default:
      return plan;
  }
}

export function planFor(plan: FieldPlan, value: unknown): FieldPlan {
  if (plan.kind !== 'union') return plan;
  const options = plan.options;
  const find = (...kinds: FieldPlan['kind'][]) => {
    for (const kind of kinds) {
      const option = options.find((candidate) => candidate.kind === kind);
      if (option !== undefined) return option;
    }
    return ANY_PLAN;
  };
  switch (typeof value) {
    case 'string':
      return find('string', 'bytes');
    case 'number':
      return Number.isInteger(value) ? find('integer', 'number') : find('number', 'integer');
    case 'bigint':
      return find('integer', 'number');
    case 'boolean':
      return find('boolean');
    case 'object':
      if (value === null) return ANY_PLAN;
      if (Array.isArray(value)) return find('tensor', 'doc_array', 'list', 'set', 'tuple');
      if (ArrayBuffer.isView(value)) return value instanceof Uint8Array ? find('bytes', 'tensor') : find('tensor');
      if (isNdArrayLike(value)) return find('tensor');
      return find('doc', 'dict');
    default:
      return ANY_PLAN;
  }
}

function isNdArrayLike(value: object): boolean {
  return 'dtype' in value && 'shape' in value && 'data' in value;
}

/** Compiles the schemas under one root: resolves refs against the root's `$defs`/`definitions`. */
class Compiler {
  readonly root: ModelPlan;
  private readonly models = new Map<object, ModelPlan>();

  constructor(private readonly rootSchema: JsonSchema) {
    this.root = this.model(this.deref(rootSchema, 0));
  }

  compile(schema: unknown, depth: number): FieldPlan {
    const s = asObject(schema);
    if (s === undefined) return ANY_PLAN; // `true`, `{}`-less booleans and junk: anything goes
    if (depth > 64) throw new Error('JSON schema nests too deeply (a $ref cycle outside models?)');

    if (typeof s.$ref === 'string') {
      const target = this.resolve(s.$ref);
      if (target === undefined) return ANY_PLAN;
      // A ref to a model is a nested doc; a ref to anything else (an enum) is that thing.
      return isModel(target) ? { kind: 'doc', model: this.model(target) } : this.compile(target, depth + 1);
    }
    if (TENSOR_SHAPE_KEY in s) return { kind: 'tensor' };

    const allOf = s.allOf;
    if (Array.isArray(allOf) && allOf.length === 1) return this.compile(allOf[0], depth + 1); // v1: allOf [$ref]
    const anyOf = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
    if (anyOf !== undefined) return union(anyOf.map((option) => this.compile(option, depth + 1)));

    const type = s.type;
    if (Array.isArray(type)) return union(type.map((t) => this.compile({ ...s, type: t }, depth + 1)));
    switch (type) {
      case 'string':
        return s.format === 'binary' ? { kind: 'bytes' } : { kind: 'string' };
      case 'integer':
      case 'number':
      case 'boolean':
      case 'null':
        return { kind: type };
      case 'array':
        return this.array(s, depth);
      case 'object':
      case undefined:
        if (hasProperties(s)) return { kind: 'doc', model: this.model(s) };
        if (type === undefined) return ANY_PLAN;
        return { kind: 'dict', values: this.compile(s.additionalProperties, depth + 1) };
      default:
        return ANY_PLAN;
    }
  }

  private array(s: JsonSchema, depth: number): FieldPlan {
    const items = s.items === undefined ? ANY_PLAN : this.compile(s.items, depth + 1);
    if (Array.isArray(s.prefixItems)) {
      return { kind: 'tuple', items, prefix: s.prefixItems.map((item) => this.compile(item, depth + 1)) };
    }
    if (Array.isArray(s.items)) {
      // draft-4 style tuple (pydantic v1's Tuple[int, str])
      return { kind: 'tuple', items: ANY_PLAN, prefix: s.items.map((item) => this.compile(item, depth + 1)) };
    }
    if (s.uniqueItems === true) return { kind: 'set', items };
    // An array of models is `List[Model]` or `DocList[Model]`: the schemas cannot tell (pydantic 2
    // writes both as an array of $ref; jina <= 3.33 rewrites DocList fields to List), and docarray
    // refuses a `doc_array` node for a List field and a `list` of `doc` nodes for a DocList field.
    // A `list` of `dict` nodes (nested docs as dicts too) is read into either (pydantic builds the
    // models): verified against docarray 0.40. The legacy document keeps its DocList chunks/matches.
    if (items.kind === 'doc') {
      if (LEGACY_DOC_TITLES.has(items.model.schema.title as string)) return { kind: 'doc_array', model: items.model };
      return { kind: 'list', items: { kind: 'doc', model: items.model, asDict: true } };
    }
    return { kind: 'list', items };
  }

  private model(schema: JsonSchema): ModelPlan {
    let plan = this.models.get(schema);
    if (plan === undefined) {
      plan = new ModelPlan(schema, this);
      this.models.set(schema, plan);
    }
    return plan;
  }

  /** Follows a chain of `$ref`s (a LegacyDocument root is just a ref into `$defs`). */
  private deref(schema: JsonSchema, depth: number): JsonSchema {
    if (typeof schema.$ref !== 'string' || hasProperties(schema) || depth > 16) return schema;
    const target = this.resolve(schema.$ref);
    return target === undefined ? schema : this.deref(target, depth + 1);
  }

  /** `#/$defs/X`, `#/definitions/X` or any local JSON pointer into the root schema. */
  private resolve(ref: string): JsonSchema | undefined {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = this.rootSchema;
    for (const raw of ref.slice(1).split('/')) {
      if (raw === '') continue;
      const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      const object = asObject(node);
      if (object === undefined || !Object.hasOwn(object, key)) return this.fallback(ref);
      node = object[key];
    }
    return asObject(node);
  }

  /** A ref whose defs section has the other dialect's name (hand-converted schemas). */
  private fallback(ref: string): JsonSchema | undefined {
    const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
    if (match === null) return undefined;
    const name = match[1]!;
    for (const section of ['$defs', 'definitions']) {
      const defs = asObject(this.rootSchema[section]);
      const def = defs !== undefined && Object.hasOwn(defs, name) ? asObject(defs[name]) : undefined;
      if (def !== undefined) return def;
    }
    return undefined;
  }
}

function union(options: FieldPlan[]): FieldPlan {
  const flat: FieldPlan[] = [];
  for (const option of options) {
    if (option.kind === 'null') continue; // Optional[T]: None always travels as an empty node
    if (option.kind === 'union') flat.push(...option.options);
    else flat.push(option);
  }
  if (flat.length === 0) return options.length === 0 ? ANY_PLAN : { kind: 'null' };
  if (flat.length === 1) return flat[0]!;
  return { kind: 'union', options: flat };
}

/** A pydantic model's schema always has `properties` (possibly empty); a dict's never does. */
function isModel(schema: JsonSchema): boolean {
  return hasProperties(schema);
}

function hasProperties(schema: JsonSchema): boolean {
  return asObject(schema.properties) !== undefined;
}

function asObject(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}
