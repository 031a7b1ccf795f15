/**
 * `protos/gateway.proto`: a typed gRPC interface of the gateway (package `gateway.v1`, service
 * `GatewayService`, one rpc per endpoint), and the project's `buf.yaml` that lints it.
 *
 * Valid and `buf lint` clean by construction, whatever names executors send: message names are
 * PascalCase identifiers, field names lower_snake_case, unique also by their JSON name (protoc
 * rejects `a_b` next to `ab`) and never a name the TypeScript made from them would choke on.
 * Field numbers are positions in the model's sorted field list (+1, skipping the range protobuf
 * reserves). What proto3 has no type for becomes a wrapper message (a list of lists, a map of
 * lists, a tuple) or `google.protobuf.Value` (unions, unknown, mixed literals).
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { generatedHeader } from './generated-header.js';
import { docText } from './identifiers.js';
import type { GatewayModel, ModelDef, TypeRef } from './ir.js';
import { printProtoFile, type ProtoField, type ProtoFile, type ProtoMessage, type ProtoMethod } from './proto-file.js';
import { acceptsNull, withoutNull } from './type-ref-null.js';

/** The module's directory (buf.yaml's `modules: - path`): descriptor names are relative to it. */
export const PROTO_MODULE_DIR = 'protos';
export const PROTO_FILE = `${PROTO_MODULE_DIR}/gateway.proto`;
export const BUF_YAML_FILE = 'buf.yaml';
export const PROTO_PACKAGE = 'gateway.v1';
/** buf's SERVICE_SUFFIX rule wants the `Service` suffix. */
export const PROTO_SERVICE = 'GatewayService';

const VALUE = 'google.protobuf.Value';
const STRUCT = 'google.protobuf.Struct';
const TENSOR = 'Tensor';

/**
 * Message names that would clash in the TypeScript ts-proto makes of this file (its helpers, its
 * imports, the service's client/server types, JS globals) or with the well-known types.
 */
const RESERVED_MESSAGES = [
  TENSOR,
  PROTO_SERVICE,
  ...['Service', 'Client', 'Server'].map((suffix) => `${PROTO_SERVICE}${suffix}`),
  ...'Value Struct ListValue NullValue DeepPartial Exact MessageFns Builtin KeysOfUnion BinaryReader BinaryWriter Long'.split(' '),
  ...'ChannelCredentials ChannelOptions Client ClientOptions ClientReadableStream ClientUnaryCall Metadata CallOptions ServiceError'.split(' '),
  ...'UntypedServiceImplementation Object Array Date Error Map Set Promise Number String Boolean Symbol JSON Math Uint8Array BigInt'.split(' '),
  ...'Function RegExp Buffer Record Partial Readonly Exclude Pick Omit Iterable AsyncIterable'.split(' '),
];

/** Field names (compared without `_`, as their JSON names) that are Object.prototype members in JavaScript. */
const RESERVED_FIELDS = 'constructor proto tostring tolocalestring valueof hasownproperty isprototypeof propertyisenumerable'.split(' ');

/** Names unique without regard to case (they become TypeScript names, and files on case-blind systems). */
class NamePool {
  private readonly taken = new Set<string>();

  constructor(
    reserved: Iterable<string> = [],
    private readonly key: (name: string) => string = (name) => name.toLowerCase(),
  ) {
    for (const name of reserved) this.taken.add(this.key(name));
  }

  has(name: string): boolean {
    return this.taken.has(this.key(name));
  }

  take(name: string): string {
    this.taken.add(this.key(name));
    return name;
  }

  /** `base`, else `base2`, `base3`… (`separator` between: `doc_2` for fields). */
  claim(base: string, separator = ''): string {
    let name = base;
    for (let n = 2; this.has(name); n += 1) name = `${base}${separator}${n}`;
    return this.take(name);
  }
}

/** `my-model_v2` → `MyModelV2`; starts with a letter; never empty. */
function pascalName(raw: string): string {
  const words = splitWords(raw);
  const name = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  return name === '' ? 'Model' : /^[0-9]/.test(name) ? `M${name}` : name;
}

/** `myField`, `My-Field`, `__my__field__` → `my_field`; starts with a letter; never empty. */
function snakeName(raw: string): string {
  const name = splitWords(raw)
    .map((word) => word.toLowerCase())
    .join('_');
  return name === '' ? 'field' : /^[0-9]/.test(name) ? `field_${name}` : name;
}

/** ASCII words: accents dropped, split at anything else and where camelCase changes case. */
function splitWords(raw: string): string[] {
  return raw
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** Comment lines, each made safe (it also becomes a JSDoc comment in TypeScript). */
function comment(text: string): string[] {
  return docText(text)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** How a value sits in a field: a single value (scalars may be `optional`), a repeated one, or a map. */
type Slot =
  | { readonly kind: 'single'; readonly type: string; readonly scalar: boolean }
  | { readonly kind: 'repeated'; readonly type: string }
  | { readonly kind: 'map'; readonly type: string };

/** A field of `slot`, `optional` for a scalar that may be absent or null (it needs presence). */
function field(slot: Slot, optional: boolean, name: string, number: number, comments: readonly string[] = []): ProtoField {
  const kind = slot.kind === 'single' ? (slot.scalar && optional ? 'optional' : 'single') : slot.kind;
  return { comments, kind, type: slot.type, name, number };
}

type SingleSlot = Slot & { kind: 'single' };
const scalar = (type: string): SingleSlot => ({ kind: 'single', type, scalar: true });
const message = (type: string): SingleSlot => ({ kind: 'single', type, scalar: false });

class ProtoWriter {
  private readonly messages = new NamePool(RESERVED_MESSAGES);
  private readonly messageOf = new Map<string, string>();
  private readonly wrappers = new Map<string, string>();
  private readonly wrapperOrder: ProtoMessage[] = [];
  private readonly imports = new Set<string>();
  private usesTensor = false;

  constructor(private readonly model: GatewayModel) {
    for (const def of model.models) this.messageOf.set(def.name, this.messages.claim(pascalName(def.name)));
  }

  write(): ProtoFile {
    const rpcs = this.rpcNames();
    const body = this.model.models.map((def) => this.modelMessage(def));
    const methods: ProtoMethod[] = [];
    const rpcMessages: ProtoMessage[] = [];
    for (const executor of this.model.executors) {
      for (const endpoint of executor.endpoints) {
        const rpc = rpcs.get(endpoint)!;
        const input = this.messageOf.get(endpoint.input)!;
        const output = this.messageOf.get(endpoint.output)!;
        methods.push({
          comments: comment(`Executor ${JSON.stringify(executor.name)}, endpoint ${JSON.stringify(endpoint.on)}: ${endpoint.isGenerator ? `one ${input} → a stream of ${output}` : `${input} documents → ${output} documents`}.`),
          name: rpc,
          input: `${rpc}Request`,
          output: `${rpc}Response`,
          serverStreaming: endpoint.isGenerator,
          endpoint: { executor: executor.name, on: endpoint.on, input, output, ...(endpoint.parameters === undefined ? {} : { parameters: this.messageOf.get(endpoint.parameters)! }) },
        });
        let parameters = endpoint.parameters === undefined ? undefined : this.messageOf.get(endpoint.parameters);
        if (parameters === undefined) {
          this.imports.add('google/protobuf/struct.proto');
          parameters = STRUCT;
        }
        rpcMessages.push(
          {
            comments: [],
            name: `${rpc}Request`,
            fields: [
              endpoint.isGenerator ? field(message(input), false, 'doc', 1, ['The one document the endpoint reads.']) : field({ kind: 'repeated', type: input }, false, 'docs', 1),
              field(message(parameters), false, 'parameters', 2),
            ],
          },
          {
            comments: [],
            name: `${rpc}Response`,
            fields: [endpoint.isGenerator ? field(message(output), false, 'doc', 1, ['One document of the stream.']) : field({ kind: 'repeated', type: output }, false, 'docs', 1)],
          },
        );
      }
    }
    const tensor: ProtoMessage[] = this.usesTensor
      ? [
          {
            comments: ['A tensor: its elements flattened in row-major order, its shape, and its numpy dtype (e.g. "<f4").'],
            name: TENSOR,
            fields: [field({ kind: 'repeated', type: 'double' }, false, 'data', 1), field({ kind: 'repeated', type: 'int64' }, false, 'shape', 2), field(scalar('string'), false, 'dtype', 3)],
          },
        ]
      : [];
    return {
      name: PROTO_FILE.slice(PROTO_MODULE_DIR.length + 1),
      // a blank line after: a comment touching `syntax` would become a stray JSDoc in ts-proto's output
      header: generatedHeader(),
      package: PROTO_PACKAGE,
      imports: [...this.imports].sort(),
      service: { comments: ['The gateway: one rpc per endpoint of every executor.'], name: PROTO_SERVICE, methods },
      messages: [...rpcMessages, ...body, ...tensor, ...this.wrapperOrder],
    };
  }

  /** `<Executor><Endpoint>`, unique, with its `…Request` and `…Response` messages free (buf's RPC_*_STANDARD_NAME). */
  private rpcNames(): Map<object, string> {
    const rpcs = new NamePool();
    const names = new Map<object, string>();
    for (const executor of this.model.executors) {
      for (const endpoint of executor.endpoints) {
        const base = `${pascalName(executor.ident)}${pascalName(endpoint.ident)}`;
        let name = base;
        for (let n = 2; rpcs.has(name) || this.messages.has(`${name}Request`) || this.messages.has(`${name}Response`); n += 1) name = `${base}${n}`;
        names.set(endpoint, rpcs.take(name));
        this.messages.take(`${name}Request`);
        this.messages.take(`${name}Response`);
      }
    }
    return names;
  }

  private modelMessage(def: ModelDef): ProtoMessage {
    const fieldNames = new NamePool(RESERVED_FIELDS, (name) => name.replace(/_/g, '').toLowerCase());
    return {
      comments: [...(def.description === undefined ? [] : comment(def.description)), ...comment(`The model ${JSON.stringify(def.schemaName)}.`)],
      name: this.messageOf.get(def.name)!,
      origin: { kind: 'model', model: def.name },
      fields: def.fields.map((fieldDef, index) =>
        field(
          this.slot(fieldDef.type),
          !fieldDef.required || acceptsNull(fieldDef.type),
          fieldNames.claim(snakeName(fieldDef.fieldName), '_'),
          fieldNumber(index),
          comment(`${JSON.stringify(fieldDef.fieldName)}${fieldDef.description === undefined ? '' : `: ${fieldDef.description}`}`),
        ),
      ),
    };
  }

  private slot(type: TypeRef): Slot {
    const nonNull = withoutNull(type);
    if (nonNull.kind === 'array') return { kind: 'repeated', type: this.element(nonNull.items) };
    if (nonNull.kind === 'dict') return { kind: 'map', type: this.element(nonNull.values) };
    return this.single(nonNull);
  }

  /** The type of a list item or map value: no presence there, so a nullable scalar needs Value. */
  private element(type: TypeRef): string {
    const single = this.single(withoutNull(type));
    return single.scalar && acceptsNull(type) ? this.value() : single.type;
  }

  private single(type: TypeRef): SingleSlot {
    switch (type.kind) {
      case 'string':
        return scalar('string');
      case 'integer':
        return scalar('int64');
      case 'number':
        return scalar('double');
      case 'boolean':
        return scalar('bool');
      case 'bytes':
        return scalar('bytes');
      case 'null':
      case 'unknown':
        return message(this.value());
      case 'tensor':
        this.usesTensor = true;
        return message(TENSOR);
      case 'model':
        return message(this.messageOf.get(type.model)!);
      case 'literal': {
        const scalarType = literalType(type.values);
        return scalarType === undefined ? message(this.value()) : scalar(scalarType);
      }
      case 'union': {
        const nonNull = withoutNull(type);
        return nonNull.kind === 'union' ? message(this.value()) : this.single(nonNull);
      }
      case 'array':
      case 'dict':
      case 'tuple':
        return message(this.wrapper(type));
    }
  }

  private value(): string {
    this.imports.add('google/protobuf/struct.proto');
    return VALUE;
  }

  /** A message holding what a field cannot hold directly: a list or map in a list or map, a tuple. */
  private wrapper(type: TypeRef & { kind: 'array' | 'dict' | 'tuple' }): string {
    const key = JSON.stringify(type);
    const existing = this.wrappers.get(key);
    if (existing !== undefined) return existing;
    const label = typeLabel(type);
    const name = this.messages.claim(label.length > 60 ? 'Wrapper' : label);
    // named before its fields are typed: a wrapper's items may need wrappers of their own, which
    // are listed before it (a wrapper is listed once its fields are typed)
    this.wrappers.set(key, name);
    const wrapper: ProtoMessage =
      type.kind === 'tuple'
        ? {
            comments: [`A tuple of ${type.items.length}.`],
            name,
            origin: { kind: 'tuple', nullable: type.items.map(acceptsNull) },
            fields: type.items.map((item, index) => field(this.slot(item), acceptsNull(item), `item_${index}`, index + 1)),
          }
        : { comments: [`A ${type.kind === 'array' ? 'list' : 'map'} inside a list or map.`], name, origin: { kind: 'values' }, fields: [field(this.slot(type), false, 'values', 1)] };
    this.wrapperOrder.push(wrapper);
    return name;
  }
}

/** Field numbers 19000–19999 are reserved for the protobuf implementation. */
function fieldNumber(index: number): number {
  const number = index + 1;
  return number >= 19000 ? number + 1000 : number;
}

/** The proto scalar of literal values all of one kind; undefined when mixed (or null among them). */
function literalType(values: readonly (string | number | boolean | null)[]): string | undefined {
  if (values.length === 0) return undefined;
  if (values.every((value) => typeof value === 'string')) return 'string';
  if (values.every((value) => typeof value === 'boolean')) return 'bool';
  if (values.every((value) => typeof value === 'number')) return values.every((value) => Number.isInteger(value)) ? 'int64' : 'double';
  return undefined;
}

/** `array<array<number>>` → `DoubleListList`: a readable base for a wrapper's name. */
function typeLabel(type: TypeRef): string {
  switch (type.kind) {
    case 'string':
      return 'String';
    case 'integer':
      return 'Int64';
    case 'number':
      return 'Double';
    case 'boolean':
      return 'Bool';
    case 'bytes':
      return 'Bytes';
    case 'tensor':
      return 'Tensor';
    case 'model':
      return pascalName(type.model);
    case 'array':
      return `${typeLabel(type.items)}List`;
    case 'dict':
      return `${typeLabel(type.values)}Map`;
    case 'tuple':
      return `${type.items.map(typeLabel).join('')}Tuple`;
    case 'literal': {
      const scalar = literalType(type.values);
      return scalar === undefined ? 'Value' : pascalName(scalar);
    }
    default:
      return withoutNull(type) === type ? 'Value' : typeLabel(withoutNull(type));
  }
}

/** The project's buf.yaml: the module is `protos/`, linted with buf's standard rules. */
function bufYaml(): string {
  return [
    generatedHeader().replace(/^\/\//, '#').trimEnd(),
    'version: v2',
    'modules:',
    '  - path: protos',
    'lint:',
    '  use:',
    '    - STANDARD',
    '  except:',
    '    # The one file stays at protos/gateway.proto, where the project and its clients load it,',
    '    # rather than in protos/gateway/v1/ as the package name would have it.',
    '    - PACKAGE_DIRECTORY_MATCH',
    'breaking:',
    '  use:',
    '    - FILE',
    '',
  ].join('\n');
}

/** protos/gateway.proto as a ProtoFile: what it says, for its text and its descriptor. */
export function gatewayProto(model: GatewayModel): ProtoFile {
  return new ProtoWriter(model).write();
}

/** buf.yaml and the text of `proto` (gatewayProto's). */
export function protoFiles(proto: ProtoFile): GeneratedFile[] {
  return [
    { path: BUF_YAML_FILE, content: bufYaml() },
    { path: `${PROTO_MODULE_DIR}/${proto.name}`, content: printProtoFile(proto) },
  ];
}

export function emitProto(model: GatewayModel): GeneratedFile[] {
  return protoFiles(gatewayProto(model));
}
