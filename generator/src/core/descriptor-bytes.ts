/**
 * The bytes of a FileDescriptorProto that proto-descriptor.ts built (what `buf build` compiles of
 * protos/gateway.proto), for the server reflection of a generated gateway (src/gen/grpc.ts),
 * without source locations: reflection clients resolve types and call methods, they need no
 * comments, and the locations were half the bytes.
 *
 * Written here, for the few descriptor.proto fields the emitter uses, rather than with
 * ts-proto-descriptors' encoder: that one took 0.3–0.5 s at 16 executors × 8 endpoints × 32
 * fields (a third of the cold generation's budget), and writes descriptor.proto's proto2 fields
 * as proto3 ones, dropping the `oneof_index: 0` of a first `optional` field, without which protoc
 * and Python's descriptor pool refuse the file. Field presence here is descriptor.proto's: a
 * field is written when it is set (`oneof_index` when the field has one, booleans when true,
 * strings when not empty).
 */
import type { FieldDescriptor, FileDescriptor, MessageDescriptor, MethodDescriptor, ServiceDescriptor } from './proto-descriptor.js';

const encoder = new TextEncoder();

/** A growable byte buffer with protobuf's varint, string and length-delimited writes. */
class Writer {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity = 64) {
    this.bytes = new Uint8Array(capacity);
  }

  private reserve(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + more) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  varint(value: number): void {
    this.reserve(10);
    let rest = value;
    while (rest > 0x7f) {
      this.bytes[this.length++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.bytes[this.length++] = rest;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  string(field: number, value: string): void {
    if (value === '') return;
    const utf8 = encoder.encode(value);
    this.tag(field, 2);
    this.varint(utf8.length);
    this.reserve(utf8.length);
    this.bytes.set(utf8, this.length);
    this.length += utf8.length;
  }

  int(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  bool(field: number, value: boolean): void {
    if (value) this.int(field, 1);
  }

  /** A nested message: `write` fills it, its length goes before it. */
  message(field: number, write: (writer: Writer) => void): void {
    const nested = new Writer();
    write(nested);
    this.tag(field, 2);
    this.varint(nested.length);
    this.reserve(nested.length);
    this.bytes.set(nested.bytes.subarray(0, nested.length), this.length);
    this.length += nested.length;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function writeField(writer: Writer, field: FieldDescriptor): void {
  writer.string(1, field.name);
  writer.int(3, field.number);
  writer.int(4, field.label);
  writer.int(5, field.type);
  writer.string(6, field.typeName);
  if (field.oneofIndex !== undefined) writer.int(9, field.oneofIndex);
  writer.string(10, field.jsonName);
  writer.bool(17, field.proto3Optional);
}

function writeMessage(writer: Writer, message: MessageDescriptor): void {
  writer.string(1, message.name);
  for (const field of message.field) writer.message(2, (nested) => writeField(nested, field));
  for (const type of message.nestedType) writer.message(3, (nested) => writeMessage(nested, type));
  if (message.options?.mapEntry === true) writer.message(7, (nested) => nested.bool(7, true));
  for (const oneof of message.oneofDecl) writer.message(8, (nested) => nested.string(1, oneof.name));
}

function writeMethod(writer: Writer, method: MethodDescriptor): void {
  writer.string(1, method.name);
  writer.string(2, method.inputType);
  writer.string(3, method.outputType);
  writer.bool(5, method.clientStreaming);
  writer.bool(6, method.serverStreaming);
}

function writeService(writer: Writer, service: ServiceDescriptor): void {
  writer.string(1, service.name);
  for (const method of service.method) writer.message(2, (nested) => writeMethod(nested, method));
}

/** `file`'s FileDescriptorProto bytes, its source locations left out. */
export function fileDescriptorBytes(file: FileDescriptor): Uint8Array {
  const writer = new Writer(64 * 1024);
  writer.string(1, file.name);
  writer.string(2, file.package);
  for (const dependency of file.dependency) writer.string(3, dependency);
  for (const message of file.messageType) writer.message(4, (nested) => writeMessage(nested, message));
  for (const service of file.service) writer.message(6, (nested) => writeService(nested, service));
  writer.string(12, file.syntax);
  return writer.finish();
}
