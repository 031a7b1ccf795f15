/**
 * `src/gen/grpc.ts`: the gateway's typed gRPC service (protos/gateway.proto's GatewayService, its
 * TypeScript in src/gen/proto/) bound to the typed executors, for the gateway to serve next to
 * Jina's gRPC API (`get grpcServices()` of src/gateway.ts). The behaviour is the runtime's
 * `typedGrpcService`; this file gives it the table of the messages (which document field each
 * message field holds, and how) and of the rpcs (which endpoint each calls).
 *
 * Every entry of the message table is checked against ts-proto's interface of that message
 * (`satisfies FieldsOf<pb.Name>`), so a field the table misses or misnames does not compile.
 */
import type { GeneratedFile } from '../cli/generator-core.js';
import { gatewayProto, PROTO_FILE, PROTO_PACKAGE, PROTO_SERVICE } from './emit-proto.js';
import { generatedHeader } from './generated-header.js';
import { modelIndex, type GatewayModel, type ModelDef } from './ir.js';
import { WELL_KNOWN_PROTOS } from './gen/well-known-protos.js';
import { fileDescriptor, jsonName } from './proto-descriptor.js';
import { PROTO_SCALARS, type ProtoField, type ProtoFile, type ProtoMessage } from './proto-file.js';
import { fileDescriptorBytes } from './descriptor-bytes.js';
import { acceptsNull } from './type-ref-null.js';

export const GRPC_FILE = 'src/gen/grpc.ts';

const json = (value: unknown): string => JSON.stringify(value);
/** An object literal's key for a name: `"__proto__": v` would set the prototype, `["__proto__"]: v` defines the field. */
const key = (name: string): string => (name === '__proto__' ? `[${json(name)}]` : json(name));

function fieldType(field: ProtoField): string {
  if (PROTO_SCALARS.has(field.type)) return field.type;
  if (field.type === 'google.protobuf.Value') return 'value';
  if (field.type === 'google.protobuf.Struct') return 'struct';
  if (field.type === 'Tensor') return 'tensor';
  return field.type;
}

interface FieldFacts {
  readonly doc: string;
  readonly required: boolean;
  readonly nullable: boolean;
}

function fieldEntry(field: ProtoField, facts: FieldFacts): string {
  const parts = [`doc: ${json(facts.doc)}`, `kind: ${json(field.kind)}`, `type: ${json(fieldType(field))}`];
  if (facts.required) parts.push('required: true');
  if (facts.nullable) parts.push('nullable: true');
  return `      ${key(jsonName(field.name))}: { ${parts.join(', ')} },`;
}

function messageEntry(message: ProtoMessage, models: ReadonlyMap<string, ModelDef>): string[] | undefined {
  const origin = message.origin;
  if (origin === undefined) return undefined; // an rpc's request or response, or Tensor: fixed shapes the runtime knows
  let facts: FieldFacts[];
  if (origin.kind === 'model') {
    const def = models.get(origin.model)!;
    facts = def.fields.map((field) => ({ doc: field.fieldName, required: field.required, nullable: acceptsNull(field.type) }));
  } else if (origin.kind === 'tuple') {
    facts = message.fields.map((field, index) => ({ doc: field.name, required: true, nullable: origin.nullable[index] === true }));
  } else facts = [{ doc: 'values', required: false, nullable: false }];
  const form = origin.kind === 'model' ? 'model' : origin.kind;
  return [
    `  ${key(message.name)}: {`,
    `    form: ${json(form)},`,
    '    fields: {',
    ...message.fields.map((field, index) => fieldEntry(field, facts[index]!)),
    `    } satisfies FieldsOf<pb.${message.name}>,`,
    '  },',
  ];
}

function rpcEntries(proto: ProtoFile): string[] {
  return proto.service.methods.map((method) => {
    const endpoint = method.endpoint!;
    const parts = [`executor: ${json(endpoint.executor)}`, `on: ${json(endpoint.on)}`, `input: ${json(endpoint.input)}`, `output: ${json(endpoint.output)}`];
    if (endpoint.parameters !== undefined) parts.push(`parameters: ${json(endpoint.parameters)}`);
    parts.push(`streaming: ${method.serverStreaming}`);
    return `  ${key(method.name)}: { ${parts.join(', ')} },`;
  });
}

/** The well-known files protos/gateway.proto imports and its own, base64 FileDescriptorProtos as `buf build` compiles them (gateway.proto's without source locations). */
function descriptorSet(proto: ProtoFile): string[] {
  const imports = proto.imports.map((name) => {
    const bytes = WELL_KNOWN_PROTOS[name];
    if (bytes === undefined) throw new Error(`${PROTO_FILE} imports ${name}, not a well-known file compiled in`);
    return bytes;
  });
  return [...imports, Buffer.from(fileDescriptorBytes(fileDescriptor(proto))).toString('base64')];
}

export function emitGrpc(model: GatewayModel, proto: ProtoFile = gatewayProto(model)): GeneratedFile {
  const models = modelIndex(model);
  const messages = proto.messages.flatMap((message) => messageEntry(message, models) ?? []);
  const descriptors = descriptorSet(proto);
  const content = [
    generatedHeader().trimEnd(),
    '/**',
    ` * The typed gRPC service of ${PROTO_FILE} (\`${PROTO_PACKAGE}.${PROTO_SERVICE}\`, one rpc per endpoint, its`,
    ' * TypeScript in ./proto/gateway.ts), bound to the typed executors: the gateway serves it on the',
    " * port of `--protocol grpc`, next to Jina's gRPC API:",
    ' *',
    ' *     override get grpcServices() { return typedGrpcServices(this.executor, this.logger); }',
    ' *',
    ' * Requests are read with the input models and answers checked by the same return-type validators',
    ' * as the typed HTTP routes (./executors.js); failures are gRPC statuses (INVALID_ARGUMENT naming the',
    ' * field, UNAVAILABLE naming the deployment, ...).',
    ' */',
    "import { type ExecutorStreamer, type FailureLogger, type GrpcServiceRegistration, type ProtoFieldCodec, type ProtoMessageCodec, type TypedRpc, typedGrpcService } from '@jina-ts/runtime';",
    "import { descriptors } from './executors.js';",
    "import { GatewayServiceService } from './proto/gateway.js';",
    "import type * as pb from './proto/gateway.js';",
    '',
    '/** Every field of message M, by its TypeScript (ts-proto) name. */',
    'type FieldsOf<M> = { readonly [Field in keyof M]-?: ProtoFieldCodec };',
    '',
    '/** Which document field each field of a message holds. */',
    'const messages = {',
    ...messages,
    '} satisfies Record<string, ProtoMessageCodec>;',
    '',
    '/** Per rpc: the endpoint it calls and the messages of its documents. */',
    'const rpcs = {',
    ...rpcEntries(proto),
    '} satisfies Record<string, TypedRpc>;',
    '',
    `/** ${PROTO_FILE} and the files it imports as \`buf build\` compiles them (base64 FileDescriptorProtos), for server reflection. */`,
    'const FILE_DESCRIPTORS = [',
    ...descriptors.map((bytes) => `  ${json(bytes)},`),
    '];',
    '',
    '/** The gateway\'s typed gRPC service, for `get grpcServices()` of a FastifyBaseGateway. */',
    "export function typedGrpcServices(executor: Readonly<Record<string, ExecutorStreamer>>, logger?: FailureLogger): GrpcServiceRegistration[] {",
    `  return [typedGrpcService({ name: ${json(`${PROTO_PACKAGE}.${PROTO_SERVICE}`)}, definition: GatewayServiceService, fileDescriptors: FILE_DESCRIPTORS, executor, descriptors, messages, rpcs, logger })];`,
    '}',
    '',
  ];
  return { path: GRPC_FILE, content: content.join('\n') };
}
