/**
 * The emitter's own descriptor of gateway.proto (proto-descriptor.ts) is the one buf compiles
 * from its text, and ts-proto makes byte-identical TypeScript from either: for every kind of
 * field, both pydantic dialects, recursion, the adversarial schema (keywords, quotes, `*\/`,
 * unicode, case twins, 20 levels, 1000 fields) and a synthetic multi-executor schema.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compileProto } from './compile-proto.js';
import { gatewayProto, protoFiles } from './emit-proto.js';
import { adversarialSchemas, EVERY_KIND, normalized, SCHEMAS_V1, SCHEMAS_V2 } from './gateway-model-samples.js';
import type { GatewayModel } from './ir.js';
import { fileDescriptor, jsonName } from './proto-descriptor.js';
import { decodeFileDescriptor } from './ts-proto-in-process.js';
import { bufBuildGatewayProto } from './buf-build-gateway-proto.js';

/** Executors × endpoints with every field kind the synthetic benchmark uses (bench/synthetic-schemas.ts has the same shape). */
function manyExecutors(): GatewayModel {
  const base = EVERY_KIND;
  return {
    ...base,
    executors: ['alpha', 'beta-2', 'γ'].map((name, index) => ({
      name,
      ident: `exec${index}`,
      endpoints: base.executors.flatMap((executor) => executor.endpoints).map((endpoint) => ({ ...endpoint })),
    })),
  };
}

const SAMPLES: [string, () => GatewayModel][] = [
  ['every kind of field', () => EVERY_KIND],
  ['pydantic v1', () => normalized(SCHEMAS_V1)],
  ['pydantic v2', () => normalized(SCHEMAS_V2)],
  ['adversarial names', () => normalized(adversarialSchemas())],
  ['three executors', manyExecutors],
];

/**
 * What ts-proto reads of a descriptor: every field's value (decode's own or its prototype's
 * default) and whether `oneofIndex` is its own (ts-proto's test of a oneof member); without
 * buf's unknown fields and what the emitter does not know: spans, detached comments, locations
 * without a comment.
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const record = value as Record<string, unknown>;
  // a oneof's field has its own oneofIndex; decode leaves the others' (0) on the prototype
  const out: Record<string, unknown> = Object.hasOwn(record, 'oneofIndex') ? { oneofIndex: record.oneofIndex } : {};
  for (const key in record) {
    if (key === '_unknownFields' || key === 'oneofIndex') continue;
    if (key === 'sourceCodeInfo' && record[key] !== undefined) {
      out[key] = (record[key] as { location: { path: number[]; leadingComments: string; trailingComments: string }[] }).location
        .filter((location) => location.leadingComments !== '' || location.trailingComments !== '')
        .map(({ path, leadingComments, trailingComments }) => ({ path: [...path], leadingComments, trailingComments }))
        .sort((a, b) => (a.path.join('.') < b.path.join('.') ? -1 : 1));
    } else out[key] = comparable(record[key]);
  }
  return out;
}

/** The first path where two values differ, for a readable failure. */
function firstDifference(ours: unknown, theirs: unknown, at = '$'): string | undefined {
  if (isDeepStrictEqual(ours, theirs)) return undefined;
  if (ours !== null && theirs !== null && typeof ours === 'object' && typeof theirs === 'object') {
    for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
      const found = firstDifference((ours as Record<string, unknown>)[key], (theirs as Record<string, unknown>)[key], `${at}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return `${at}: ours ${JSON.stringify(ours)}, buf's ${JSON.stringify(theirs)}`;
}

async function bufDescriptor(model: GatewayModel): Promise<unknown> {
  const files = (await bufBuildGatewayProto(model)).map((bytes) => decodeFileDescriptor(bytes));
  return files.find((file) => file.name === gatewayProto(model).name);
}

describe('the emitter’s descriptor of gateway.proto', () => {
  it('derives json names as protoc does', () => {
    expect(['doc', 'field_2', 'my_long_name', 'item_0', 'a_b_c'].map(jsonName)).toEqual(['doc', 'field2', 'myLongName', 'item0', 'aBC']);
  });

  it.each(SAMPLES)('is the descriptor buf compiles from the text (%s)', async (_name, model) => {
    const theirs = comparable(await bufDescriptor(model()));
    const ours = comparable(fileDescriptor(gatewayProto(model())));
    expect(firstDifference(ours, theirs)).toBeUndefined();
  }, 60_000);

  it.each(SAMPLES)('gives the TypeScript ts-proto makes from buf’s image, byte for byte (%s)', async (_name, model) => {
    const saved = process.env.CREATE_GATEWAY_CACHE;
    process.env.CREATE_GATEWAY_CACHE = '0';
    try {
      const proto = gatewayProto(model());
      const files = protoFiles(proto);
      const fromImage = await compileProto(files);
      const fromDescriptor = await compileProto(files, proto);
      expect(fromImage.ok).toBe(true);
      expect(fromDescriptor).toEqual(fromImage);
    } finally {
      if (saved === undefined) delete process.env.CREATE_GATEWAY_CACHE;
      else process.env.CREATE_GATEWAY_CACHE = saved;
    }
  }, 60_000);
});
