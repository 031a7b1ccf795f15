/**
 * The FileDescriptorProto of a ProtoFile (proto-file.ts), as `buf build` compiles its text:
 * what ts-proto generates TypeScript from, without a buf process and an image to decode first
 * (at 16 executors × 8 endpoints × 32 fields: ~0.15 s of waiting for buf and ~0.12 s of
 * decoding, on the path of every cold generation; BENCHMARKS.md).
 *
 * The objects hold the values ts-proto-descriptors' `decode` gives (plain objects of one shape
 * each, every default included, but `oneofIndex`: only a oneof's fields have one, as ts-proto
 * tells them by it), and what protoc and buf derive is derived the same way: json names, the nested
 * `…Entry` message of a map field, the synthetic `_name` oneof of a proto3 `optional` field,
 * fully qualified type names. Source info is only the locations that carry a comment (all
 * ts-proto reads; a comment line becomes ` text\n`, as the compilers keep it). The tests hold
 * it to buf: for every sample and adversarial schema the TypeScript ts-proto makes from this
 * descriptor is byte-identical to what it makes from buf's image of the printed file.
 */
import { PROTO_SCALARS, type ProtoField, type ProtoFile, type ProtoMessage } from './proto-file.js';

/** FieldDescriptorProto.Type */
const TYPE = { double: 1, int64: 3, bool: 8, string: 9, message: 11, bytes: 12 } as const;
/** FieldDescriptorProto.Label */
const LABEL_OPTIONAL = 1;
const LABEL_REPEATED = 3;

/** Field numbers of the descriptor messages, the elements of a source location's path. */
const FILE_MESSAGE_TYPE = 4;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const SERVICE_METHOD = 2;

export interface FieldDescriptor {
  name: string;
  number: number;
  label: number;
  type: number;
  typeName: string;
  extendee: string;
  defaultValue: string;
  /** Only on a field of a oneof: ts-proto asks `hasOwnProperty('oneofIndex')` (decode leaves it on the prototype otherwise). */
  oneofIndex?: number;
  jsonName: string;
  options: undefined;
  proto3Optional: boolean;
}

export interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  extension: never[];
  nestedType: MessageDescriptor[];
  enumType: never[];
  extensionRange: never[];
  oneofDecl: { name: string; options: undefined }[];
  options: MessageOptions | undefined;
  reservedRange: never[];
  reservedName: never[];
}

interface MessageOptions {
  messageSetWireFormat: boolean;
  noStandardDescriptorAccessor: boolean;
  deprecated: boolean;
  mapEntry: boolean;
  uninterpretedOption: never[];
}

export interface MethodDescriptor {
  name: string;
  inputType: string;
  outputType: string;
  options: undefined;
  clientStreaming: boolean;
  serverStreaming: boolean;
}

export interface ServiceDescriptor {
  name: string;
  method: MethodDescriptor[];
  options: undefined;
}

export interface SourceLocation {
  path: number[];
  span: number[];
  leadingComments: string;
  trailingComments: string;
  leadingDetachedComments: string[];
}

export interface FileDescriptor {
  name: string;
  package: string;
  dependency: string[];
  publicDependency: number[];
  weakDependency: number[];
  messageType: MessageDescriptor[];
  enumType: never[];
  service: ServiceDescriptor[];
  extension: never[];
  options: undefined;
  sourceCodeInfo: { location: SourceLocation[] };
  syntax: string;
}

/** protoc's JSON name of a field: `foo_bar_2` → `fooBar2` (an underscore dropped, the next character upper-cased). */
export function jsonName(name: string): string {
  let result = '';
  let upper = false;
  for (const char of name) {
    if (char === '_') upper = true;
    else {
      result += upper ? char.toUpperCase() : char;
      upper = false;
    }
  }
  return result;
}

/** protoc's name of a map field's entry message: `foo_bar` → `FooBarEntry`. */
function mapEntryName(name: string): string {
  const json = jsonName(name);
  return `${json.charAt(0).toUpperCase()}${json.slice(1)}Entry`;
}

function fieldDescriptor(name: string, number: number, label: number, type: number, typeName: string): FieldDescriptor {
  return { name, number, label, type, typeName, extendee: '', defaultValue: '', jsonName: jsonName(name), options: undefined, proto3Optional: false };
}

function messageDescriptor(name: string, options?: MessageOptions): MessageDescriptor {
  return { name, field: [], extension: [], nestedType: [], enumType: [], extensionRange: [], oneofDecl: [], options, reservedRange: [], reservedName: [] };
}

class DescriptorBuilder {
  readonly locations: SourceLocation[] = [];

  constructor(private readonly file: ProtoFile) {}

  /** `.package.Name` for a message of this file, `.google.protobuf.Value` for a qualified one. */
  private qualified(type: string): string {
    return type.includes('.') ? `.${type}` : `.${this.file.package}.${type}`;
  }

  /** [type, typeName] of a value type. */
  private valueType(type: string): [number, string] {
    if (PROTO_SCALARS.has(type)) return [TYPE[type as keyof typeof TYPE], ''];
    return [TYPE.message, this.qualified(type)];
  }

  private comment(path: number[], comments: readonly string[]): void {
    if (comments.length === 0) return;
    this.locations.push({ path, span: [], leadingComments: comments.map((line) => ` ${line}\n`).join(''), trailingComments: '', leadingDetachedComments: [] });
  }

  private message(message: ProtoMessage, index: number): MessageDescriptor {
    const descriptor = messageDescriptor(message.name);
    this.comment([FILE_MESSAGE_TYPE, index], message.comments);
    message.fields.forEach((field, fieldIndex) => {
      this.comment([FILE_MESSAGE_TYPE, index, MESSAGE_FIELD, fieldIndex], field.comments);
      descriptor.field.push(this.field(field, descriptor));
    });
    return descriptor;
  }

  private field(field: ProtoField, owner: MessageDescriptor): FieldDescriptor {
    const [type, typeName] = this.valueType(field.type);
    switch (field.kind) {
      case 'single':
        return fieldDescriptor(field.name, field.number, LABEL_OPTIONAL, type, typeName);
      case 'repeated':
        return fieldDescriptor(field.name, field.number, LABEL_REPEATED, type, typeName);
      case 'optional': {
        const oneofIndex = owner.oneofDecl.length;
        owner.oneofDecl.push({ name: `_${field.name}`, options: undefined });
        return { ...fieldDescriptor(field.name, field.number, LABEL_OPTIONAL, type, typeName), oneofIndex, proto3Optional: true };
      }
      case 'map': {
        const entry = messageDescriptor(mapEntryName(field.name), { messageSetWireFormat: false, noStandardDescriptorAccessor: false, deprecated: false, mapEntry: true, uninterpretedOption: [] });
        entry.field.push(fieldDescriptor('key', 1, LABEL_OPTIONAL, TYPE.string, ''), fieldDescriptor('value', 2, LABEL_OPTIONAL, type, typeName));
        owner.nestedType.push(entry);
        return fieldDescriptor(field.name, field.number, LABEL_REPEATED, TYPE.message, `${this.qualified(owner.name)}.${entry.name}`);
      }
    }
  }

  build(): FileDescriptor {
    const { file } = this;
    this.comment([FILE_SERVICE, 0], file.service.comments);
    const methods = file.service.methods.map((method, index): MethodDescriptor => {
      this.comment([FILE_SERVICE, 0, SERVICE_METHOD, index], method.comments);
      return { name: method.name, inputType: this.qualified(method.input), outputType: this.qualified(method.output), options: undefined, clientStreaming: false, serverStreaming: method.serverStreaming };
    });
    const messageType = file.messages.map((message, index) => this.message(message, index));
    return {
      name: file.name,
      package: file.package,
      dependency: [...file.imports],
      publicDependency: [],
      weakDependency: [],
      messageType,
      enumType: [],
      service: [{ name: file.service.name, method: methods, options: undefined }],
      extension: [],
      options: undefined,
      sourceCodeInfo: { location: this.locations },
      syntax: 'proto3',
    };
  }
}

/** The descriptor of `file`, fresh objects each call (ts-proto rewrites some of them in place). */
export function fileDescriptor(file: ProtoFile): FileDescriptor {
  return new DescriptorBuilder(file).build();
}
