/**
 * A `.proto` file as the emitter builds it (emit-proto.ts): one package, one service, top-level
 * messages whose fields are singular, `optional`, `repeated` or `map<string, T>`, comments on
 * the service, its rpcs, the messages and their fields. Two renderings read it: the text
 * (`printProtoFile`, protos/gateway.proto) and the descriptor ts-proto generates from
 * (proto-descriptor.ts), so that the two cannot say different things.
 */

/** A field's cardinality as written: `T`, `optional T` (presence), `repeated T`, `map<string, T>`. */
export type ProtoFieldKind = 'single' | 'optional' | 'repeated' | 'map';

export interface ProtoField {
  /** Comment lines before the field, each one line of text (no `//`). */
  readonly comments: readonly string[];
  readonly kind: ProtoFieldKind;
  /** A scalar (`string`, `int64`, `double`, `bool`, `bytes`), a message of this file, or a `google.protobuf.*` message. */
  readonly type: string;
  readonly name: string;
  readonly number: number;
}

/**
 * What a message holds, for the document ⇄ message table of src/gen/grpc.ts (neither printed nor
 * in the descriptor): a model's document (its fields in the model's order), a list or map inside
 * a list or map (`values`), a tuple's items.
 */
export type ProtoMessageOrigin = { readonly kind: 'model'; readonly model: string } | { readonly kind: 'values' } | { readonly kind: 'tuple'; readonly nullable: readonly boolean[] };

export interface ProtoMessage {
  readonly comments: readonly string[];
  readonly name: string;
  readonly fields: readonly ProtoField[];
  readonly origin?: ProtoMessageOrigin;
}

export interface ProtoMethod {
  readonly comments: readonly string[];
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly serverStreaming: boolean;
  /** The executor endpoint it calls (not printed). */
  readonly endpoint?: { readonly executor: string; readonly on: string; readonly input: string; readonly output: string; readonly parameters?: string };
}

export interface ProtoService {
  readonly comments: readonly string[];
  readonly name: string;
  readonly methods: readonly ProtoMethod[];
}

export interface ProtoFile {
  /** The file's path in the module (relative to buf.yaml's module directory): its descriptor's name. */
  readonly name: string;
  /** The `//` comment lines before `syntax`, as written, set apart by a blank line (so they document nothing). */
  readonly header: string;
  readonly package: string;
  readonly imports: readonly string[];
  readonly service: ProtoService;
  readonly messages: readonly ProtoMessage[];
}

/** The scalar types the emitter uses (others are message names). */
export const PROTO_SCALARS: ReadonlySet<string> = new Set(['string', 'int64', 'double', 'bool', 'bytes']);

function commentLines(comments: readonly string[], indent: string): string[] {
  return comments.map((line) => `${indent}// ${line}`);
}

function fieldLine(field: ProtoField): string {
  const declaration =
    field.kind === 'repeated' ? `repeated ${field.type}` : field.kind === 'map' ? `map<string, ${field.type}>` : field.kind === 'optional' ? `optional ${field.type}` : field.type;
  return `  ${declaration} ${field.name} = ${field.number};`;
}

/** The file's text: header, syntax, package, imports, the service, then each message after a blank line. */
export function printProtoFile(file: ProtoFile): string {
  const lines: string[] = [
    file.header.trimEnd(),
    '',
    'syntax = "proto3";',
    '',
    `package ${file.package};`,
    '',
  ];
  if (file.imports.length > 0) lines.push(...file.imports.map((path) => `import "${path}";`), '');
  lines.push(...commentLines(file.service.comments, ''), `service ${file.service.name} {`);
  for (const method of file.service.methods) {
    lines.push(...commentLines(method.comments, '  '), `  rpc ${method.name}(${method.input}) returns (${method.serverStreaming ? 'stream ' : ''}${method.output});`);
  }
  lines.push('}');
  for (const message of file.messages) {
    lines.push('', ...commentLines(message.comments, ''), `message ${message.name} {`);
    for (const field of message.fields) lines.push(...commentLines(field.comments, '  '), fieldLine(field));
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}
