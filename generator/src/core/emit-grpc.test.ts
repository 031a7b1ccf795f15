/**
 * src/gen/grpc.ts: its message table covers every field of every model, wrapper and tuple
 * message of protos/gateway.proto (by ts-proto's property names; the projects' type checks hold it
 * to ts-proto's interfaces), its rpc table every endpoint, and its file descriptors are the
 * .proto's as `buf build` compiles it (the `oneof_index: 0` of a first `optional` field included,
 * which ts-proto-descriptors' own encoder leaves out).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { emitGrpc } from './emit-grpc.js';
import { gatewayProto } from './emit-proto.js';
import { adversarialSchemas, EVERY_KIND, normalized } from './gateway-model-samples.js';
import type { GatewayModel } from './ir.js';
import { jsonName } from './proto-descriptor.js';
import { bufBuildGatewayProto } from './buf-build-gateway-proto.js';

const require = createRequire(import.meta.url);
interface DecodedField {
  name: string;
  proto3Optional?: boolean;
  oneofIndex?: number;
}
interface DecodedFile {
  name: string;
  dependency: string[];
  messageType: { name: string; field: DecodedField[]; oneofDecl: { name: string }[] }[];
  service: { name: string; method: { name: string }[] }[];
}
// protobufjs reads descriptor.proto as proto2, presence included (what @grpc/reflection decodes with)
const { FileDescriptorProto } = require('protobufjs/ext/descriptor') as {
  FileDescriptorProto: { decode(bytes: Uint8Array): DecodedFile; toObject(message: DecodedFile, options?: object): Record<string, unknown> };
};

/** gateway.proto as `buf build` compiles it, decoded as reflection decodes it, without source locations. */
async function bufFile(model: GatewayModel): Promise<Record<string, unknown>> {
  const files = (await bufBuildGatewayProto(model)).map((bytes) => FileDescriptorProto.decode(bytes));
  const { sourceCodeInfo: _, ...rest } = FileDescriptorProto.toObject(files.find((file) => file.name === gatewayProto(model).name)!);
  return rest;
}

function descriptorsOf(content: string): DecodedFile[] {
  const block = /const FILE_DESCRIPTORS = \[\n([\s\S]*?)\n\];/.exec(content)![1]!;
  return block.split('\n').map((line) => FileDescriptorProto.decode(Buffer.from(JSON.parse(line.trim().replace(/,$/, '')) as string, 'base64')));
}

describe('emitGrpc', () => {
  it.each([
    ['every kind of field', () => EVERY_KIND],
    ['adversarial names', () => normalized(adversarialSchemas())],
  ])('describes every message field and every endpoint (%s)', (_name, model) => {
    const proto = gatewayProto(model());
    const { content } = emitGrpc(model());
    for (const message of proto.messages.filter((candidate) => candidate.origin !== undefined)) {
      expect(content, message.name).toContain(`  ${JSON.stringify(message.name)}: {\n`);
      for (const field of message.fields) expect(content).toContain(`      ${JSON.stringify(jsonName(field.name))}: { doc: `);
      expect(content).toContain(`} satisfies FieldsOf<pb.${message.name}>,`);
    }
    for (const method of proto.service.methods) expect(content).toContain(`  ${JSON.stringify(method.name)}: { executor: ${JSON.stringify(method.endpoint!.executor)}, on: ${JSON.stringify(method.endpoint!.on)}`);
  });

  it('carries the file descriptors of protos/gateway.proto and its imports, optional fields in their synthetic oneofs', () => {
    const files = descriptorsOf(emitGrpc(EVERY_KIND).content);
    expect(files.map((file) => file.name)).toEqual(['google/protobuf/struct.proto', 'gateway.proto']);
    const gateway = files[1]!;
    expect(gateway.dependency).toEqual(['google/protobuf/struct.proto']);
    expect(gateway.service.map((service) => service.name)).toEqual(['GatewayService']);
    const optional = gateway.messageType.flatMap((message) => message.field.filter((field) => field.proto3Optional === true).map((field) => ({ message, field })));
    expect(optional.length).toBeGreaterThan(1);
    for (const { message, field } of optional) {
      expect(Object.hasOwn(field, 'oneofIndex'), `${message.name}.${field.name}`).toBe(true);
      expect(message.oneofDecl[field.oneofIndex!]!.name).toBe(`_${field.name}`);
    }
    expect(optional.some(({ field }) => field.oneofIndex === 0)).toBe(true);
  });
});

describe('the file descriptor of protos/gateway.proto in src/gen/grpc.ts', () => {
  it.each([
    ['every kind of field', () => EVERY_KIND],
    ['adversarial names', () => normalized(adversarialSchemas())],
  ])('is what buf build compiles of the .proto, source locations aside (%s)', async (_name, model) => {
    const ours = descriptorsOf(emitGrpc(model()).content)[1]!;
    const theirs = await bufFile(model());
    expect((theirs.messageType as unknown[]).length).toBeGreaterThan(3);
    expect(FileDescriptorProto.toObject(ours)).toEqual(theirs);
  }, 60_000);
});
